package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// scorecardFixture is the insights fixture with three more creators (Ben,
// Cara, Dev: 20 clicks and one 20.00 order each on D-1) and a third order
// for Maya (1003, 50.00 on D-1), so that five creators sell and Maya is the
// top performer: first by revenue (170.00), 3 orders, converting 50%
// against the brand's 8 / 70.
func (a *testApp) scorecardFixture(t *testing.T) insightsFixture {
	t.Helper()
	f := a.insightsFixture(t, "Acme", "owner@acme.test")
	id := f.brand.Brand.ID
	ctx := context.Background()
	now := store.Now()
	d1 := time.Date(now.Year(), now.Month(), now.Day(), 14, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	a.applyOrder(t, id, order.Event{Source: order.API, Topic: "api", Order: &order.OrderInput{ExternalID: "1003", PlacedAt: d1,
		Currency: "USD", Codes: []string{"MAYAAC"}, CustomerEmail: "shopper-1003@example.com",
		Lines: []order.LineInput{{ExternalID: "1003-1", SKU: "A", Title: "Serum", Quantity: 1, UnitPrice: 5000}}}})
	for i, name := range []string{"Ben Ode", "Cara Moss", "Dev Rao"} {
		code := strings.ToUpper(name[:3]) + "AC"
		cr := a.activeCreatorWithCode(t, id, name, code)
		l, err := a.Links.Create(ctx, id, cr.ID, link.Input{Destination: "https://shop.example.com/serum", Platform: "youtube"})
		if err != nil {
			t.Fatal(err)
		}
		// The fixture drained (and so closed) the click writer: these
		// clicks go straight into the table, as the writer would store them.
		for v := 0; v < 20; v++ {
			if err := a.DB.Create(&click.Event{ID: store.NewID("clk"), ClickedAt: d1.Add(time.Duration(v) * time.Minute), BrandID: id,
				CreatorID: cr.ID, LinkID: l.ID, Device: "desktop", VisitorHash: fmt.Sprintf("%s-%d", l.ID, v), IsUnique: true}).Error; err != nil {
				t.Fatal(err)
			}
		}
		ext := fmt.Sprintf("30%d", i)
		a.applyOrder(t, id, order.Event{Source: order.API, Topic: "api", Order: &order.OrderInput{ExternalID: ext, PlacedAt: d1,
			Currency: "USD", Codes: []string{code}, CustomerEmail: "shopper-" + ext + "@example.com",
			Lines: []order.LineInput{{ExternalID: ext + "-1", SKU: "A", Title: "Serum", Quantity: 1, UnitPrice: 2000}}}})
	}
	a.process(t)
	a.rebuildReports(t, id)
	return f
}

// scorecardRowIDs are the creator ids of the scorecards table, in order.
func scorecardRowIDs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr id="sc-([^"]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// scorecardRow is the HTML of one creator's row.
func scorecardRow(t *testing.T, body, creatorID string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="sc-` + regexp.QuoteMeta(creatorID) + `"[^>]*>(.*?)</tr>\s*(<tr|</tbody>)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no scorecard row for %s", creatorID)
	}
	return m[1]
}

func cell(t *testing.T, row, class string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<td class="[^"]*\b` + class + `">(.*?)</td>`).FindStringSubmatch(row)
	if m == nil {
		t.Fatalf("no %s cell in %s", class, row)
	}
	return strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
}

func TestScorecardsPage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.scorecardFixture(t)
		b := a.browser(t)
		b.login("owner@acme.test", "correct horse battery")

		status, body := b.get("/scorecards?" + f.query)
		if status != 200 {
			t.Fatalf("scorecards: %d %s", status, body)
		}
		ids := scorecardRowIDs(body)
		if len(ids) != 5 || ids[0] != f.maya.ID || ids[1] != f.noor.ID {
			t.Fatalf("rows by revenue = %v, want Maya, Noor, then the others", ids)
		}
		maya := scorecardRow(t, body, f.maya.ID)
		for class, want := range map[string]string{
			"sc-revenue": "170.00 USD", "sc-orders": "3", "sc-clicks": "6", "sc-conversion": "50%",
			// 9.00 + 3.00 − 1.00 + 5.00 = 16.00 of 170.00.
			"sc-commission": "16.00 USD", "sc-effective-rate": "9.41%", "sc-aov": "56.67 USD", "sc-refund-rate": "5.88%",
			"sc-customers": "3 / 0",
			// 170.00 against the previous period's 50.00.
			"sc-trend": "▲ 240%", "sc-last-activity": time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"),
		} {
			if got := cell(t, maya, class); got != want {
				t.Errorf("Maya's %s = %q, want %q", class, got, want)
			}
		}
		if !strings.Contains(maya, `class="flag flag-top_performer"`) || !regexp.MustCompile(`(?s)class="flag-evidence"><li>[^<]+</li>`).MatchString(maya) {
			t.Errorf("Maya's row lacks the top performer flag with its evidence: %s", maya)
		}
		if noor := scorecardRow(t, body, f.noor.ID); strings.Contains(noor, "flag-top_performer") || cell(t, noor, "sc-trend") != "new" {
			t.Errorf("Noor's row: %s", noor)
		}

		// Flagged only.
		_, body = b.get("/scorecards?flagged=1&" + f.query)
		if ids := scorecardRowIDs(body); len(ids) != 1 || ids[0] != f.maya.ID {
			t.Errorf("flagged only = %v, want Maya alone", ids)
		}
		// Sorting: by name ascending, by clicks descending, by orders ascending.
		_, body = b.get("/scorecards?sort=name&dir=asc&" + f.query)
		if ids := scorecardRowIDs(body); len(ids) != 5 || ids[0] == f.maya.ID || ids[3] != f.maya.ID || ids[4] != f.noor.ID {
			t.Errorf("by name = %v (want Ben, Cara, Dev, Maya, Noor)", ids)
		}
		_, body = b.get("/scorecards?sort=clicks&dir=desc&" + f.query)
		if ids := scorecardRowIDs(body); ids[3] != f.maya.ID || ids[4] != f.noor.ID {
			t.Errorf("by clicks = %v (want the three with 20 first, then Maya with 6, Noor with 4)", ids)
		}
		_, body = b.get("/scorecards?sort=orders&dir=asc&" + f.query)
		if ids := scorecardRowIDs(body); ids[4] != f.maya.ID {
			t.Errorf("by orders ascending = %v, want Maya last", ids)
		}
		if !strings.Contains(body, `aria-sort="ascending"`) {
			t.Error("the sorted column has no aria-sort")
		}

		// One creator's scorecard.
		status, body = b.get("/creators/" + f.maya.ID + "/scorecard?" + f.query)
		if status != 200 {
			t.Fatalf("scorecard: %d %s", status, body)
		}
		for _, tc := range []struct{ id, value string }{{"sc-kpi-revenue", "170.00 USD"}, {"sc-kpi-orders", "3"},
			{"sc-kpi-commission-revenue", "9.41%"}, {"sc-kpi-new", "3"}, {"sc-kpi-returning", "0"}} {
			if v, _, _ := tileText(t, body, tc.id); v != tc.value {
				t.Errorf("%s = %q, want %q", tc.id, v, tc.value)
			}
		}
		mustContain(t, "scorecard", body, `id="scorecard-section"`, `flag-top_performer`, `id="sc-clicks"`, `role="img"`, "Effective rate")
		// The creator page has the scorecard section.
		_, body = b.get("/creators/" + f.maya.ID)
		mustContain(t, "creator page", body, `id="creator-scorecard" data-src="/creators/`+f.maya.ID+`/scorecard"`, `/static/js/scorecard.js`)

		// An analyst can read them.
		an := a.analyst(t, f.brand.Brand.ID, "ana@acme.test")
		if status, _ := an.get("/scorecards"); status != 200 {
			t.Errorf("analyst /scorecards: %d", status)
		}
		if status, _ := an.get("/creators/" + f.maya.ID + "/scorecard"); status != 200 {
			t.Errorf("analyst scorecard: %d", status)
		}

		// Another brand: Acme's creator is a 404 and its list is its own.
		a.createBrand(t, "Other", "owner@other.test")
		o := a.browser(t)
		o.login("owner@other.test", "correct horse battery")
		if status, _ := o.get("/creators/" + f.maya.ID + "/scorecard"); status != 404 {
			t.Errorf("another brand's creator scorecard: %d, want 404", status)
		}
		if status, body := o.get("/scorecards?" + f.query); status != 200 || strings.Contains(body, "Maya") || !strings.Contains(body, `id="scorecards-empty"`) {
			t.Errorf("another brand's scorecards: %d, shows Acme's creators or no empty state", status)
		}
	})
}
