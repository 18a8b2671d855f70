package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// flatDraft is 20% of revenue, capped at the whole margin: on the worked
// example, line A earns 18.00 and line B 6.00 capped to its 5.00 margin.
var flatDraft = commission.Plan{TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
	Tiers: []commission.Tier{{From: 0, RateBps: 2000}}, MarginCapBps: 10000}

func flatDraftForm(planID, from, to string) url.Values {
	f := planForm("Flat 20", [2]string{"0.00", "20"})
	f.Set("margin_cap", "100")
	f.Set("plan_id", planID)
	f.Set("from", from)
	f.Set("to", to)
	return f
}

// simRow is the cells of one row of the simulation table.
func simRow(t *testing.T, body, id string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="` + regexp.QuoteMeta(id) + `">(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row %s in %s", id, body)
	}
	var cells []string
	for _, c := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(m[1], -1) {
		cells = append(cells, html.UnescapeString(strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(c[1], ""))))
	}
	return cells
}

func (a *testApp) onlyPlanID(t *testing.T, brandID string) string {
	t.Helper()
	plans, err := a.Plans.List(context.Background(), brandID)
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans: %v %+v", err, plans)
	}
	return plans[0].ID
}

func TestPlanSimulatePage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.commissionFixture(t)
		b := f.brand.Brand
		planID := a.onlyPlanID(t, b.ID)
		month := commission.MonthOf(f.mayaOrder.PlacedAt, b)
		owner := a.browser(t)
		owner.login("owner@acme.test", "correct horse battery")
		editor := "/commission-plans/" + planID

		_, body := owner.get(editor)
		if !strings.Contains(body, `formaction="/commission-plans/simulate"`) || !strings.Contains(body, `name="plan_id" value="`+planID+`"`) ||
			!strings.Contains(body, `id="plan-recompute-form"`) {
			t.Fatalf("editor without the simulate button or the recompute form: %s", body)
		}

		resp, body := owner.post(editor, "/commission-plans/simulate", flatDraftForm(planID, month, month))
		if resp.StatusCode != 200 || !strings.Contains(body, `id="simulation"`) || !strings.Contains(body, "plan versions that priced these months") {
			t.Fatalf("simulate: %d %s", resp.StatusCode, body)
		}
		// Revenue 120.00, margin 55.00; now 11.50 (9.58% of revenue, 20.91%
		// of margin), draft 23.00 (19.17%, 41.82%).
		want := []string{"Maya Lee", "120.00", "55.00", "11.50", "23.00", "+11.50", "9.58%", "20.91%", "19.17%", "41.82%"}
		if got := simRow(t, body, "sim-"+f.maya.ID); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("Maya's row: %q, want %q", got, want)
		}
		if got := simRow(t, body, "sim-total"); strings.Join(got[1:], "|") != strings.Join(want[1:], "|") {
			t.Errorf("total row: %q", got)
		}
		if strings.Contains(body, "sim-"+f.noor.ID) {
			t.Errorf("Noor has no order in %s: %s", month, body)
		}

		// Both months: Noor's order too.
		noorMonth := commission.MonthOf(f.noorOrder.PlacedAt, b)
		_, body = owner.post(editor, "/commission-plans/simulate", flatDraftForm(planID, noorMonth, month))
		if got := simRow(t, body, "sim-total"); got[3] != "23.00" || got[4] != "46.00" || got[5] != "+23.00" {
			t.Errorf("total of %s to %s: %q", noorMonth, month, got)
		}

		// Default: last calendar month in the brand's time zone, for both.
		now := store.Now().In(commission.Location(b))
		last := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location()).AddDate(0, -1, 0)
		resp, body = owner.post(editor, "/commission-plans/simulate", flatDraftForm(planID, "", ""))
		if resp.StatusCode != 200 || !strings.Contains(body, `name="from" value="`+last.Format("2006-01")+`"`) ||
			!strings.Contains(body, `name="to" value="`+last.Format("2006-01")+`"`) {
			t.Errorf("default months: %d %s", resp.StatusCode, body)
		}

		// A range without attributed orders.
		resp, body = owner.post(editor, "/commission-plans/simulate", flatDraftForm(planID, "2020-01", "2020-03"))
		if resp.StatusCode != 200 || !strings.Contains(body, `id="simulation-empty"`) || strings.Contains(body, `id="simulation"`) {
			t.Errorf("empty range: %d %s", resp.StatusCode, body)
		}

		// Bad months: 422 with the message on the simulate page, the draft kept.
		for _, c := range []struct{ from, to, field, msg string }{
			{"2026-13", "2026-01", "from", "a month such as"},
			{"2026-03", "March", "to", "a month such as"},
			{"2026-03", "2026-01", "to", "is before from"},
			{"2025-01", "2026-01", "to", "at most 12 months"},
		} {
			resp, body := owner.post(editor, "/commission-plans/simulate", flatDraftForm(planID, c.from, c.to))
			if resp.StatusCode != 422 || !strings.Contains(body, `id="simulate-error"`) || !strings.Contains(body, c.msg) ||
				!regexp.MustCompile(`name="`+c.field+`" value="[^"]*"[^>]*aria-invalid="true"`).MatchString(body) ||
				!strings.Contains(body, `type="hidden" name="tier_rate" value="20"`) {
				t.Errorf("%s..%s: %d %s", c.from, c.to, resp.StatusCode, body)
			}
		}

		// An invalid draft: the editor again, with its errors.
		bad := flatDraftForm(planID, month, month)
		bad.Set("tier_rate", "abc")
		resp, body = owner.post(editor, "/commission-plans/simulate", bad)
		if resp.StatusCode != 422 || !strings.Contains(body, `id="plan-editor"`) || !strings.Contains(body, `id="plan-errors"`) ||
			!strings.Contains(body, "enter a percentage") || !strings.Contains(body, `action="/commission-plans/`+planID+`"`) {
			t.Errorf("invalid draft: %d %s", resp.StatusCode, body)
		}
		// A new plan's draft (no plan_id) simulates too.
		resp, body = owner.post("/commission-plans/new", "/commission-plans/simulate", flatDraftForm("", month, month))
		if resp.StatusCode != 200 || !strings.Contains(body, "sim-"+f.maya.ID) {
			t.Errorf("new plan's draft: %d %s", resp.StatusCode, body)
		}

		// Nothing was written.
		if bal := a.balance(t, f.brand.APIKey, f.maya.ID); bal != (apiBalance{Currency: "USD", Pending: 1150}) {
			t.Errorf("balance after simulating: %+v", bal)
		}
		if p, _ := a.Plans.Get(context.Background(), b.ID, planID); p.Version != 1 {
			t.Errorf("simulating saved the plan: v%d", p.Version)
		}

		// An analyst may simulate (it writes nothing), but not recompute.
		ana := a.analyst(t, b.ID, "ana@acme.test")
		_, body = ana.get(editor)
		if !strings.Contains(body, `id="plan-simulate-submit"`) || strings.Contains(body, `id="plan-recompute-form"`) || strings.Contains(body, `id="plan-save"`) {
			t.Errorf("analyst's editor: %s", body)
		}
		resp, body = ana.post(editor, "/commission-plans/simulate", flatDraftForm(planID, month, month))
		if resp.StatusCode != 200 || !strings.Contains(body, "sim-"+f.maya.ID) {
			t.Errorf("analyst simulates: %d %s", resp.StatusCode, body)
		}
		// Without the CSRF token, refused.
		if resp, _ := ana.post("", "/commission-plans/simulate", flatDraftForm(planID, month, month)); resp.StatusCode != 403 {
			t.Errorf("simulate without CSRF: %d", resp.StatusCode)
		}

		// Another brand's plan id is not found.
		a.createBrand(t, "Other", "owner@other.test")
		stranger := a.browser(t)
		stranger.login("owner@other.test", "correct horse battery")
		if resp, _ := stranger.post("/dashboard", "/commission-plans/simulate", flatDraftForm(planID, month, month)); resp.StatusCode != 404 {
			t.Errorf("other brand's plan: %d", resp.StatusCode)
		}
	})
}

func TestPlanRecomputePage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		ctx := context.Background()
		f := a.commissionFixture(t)
		b := f.brand.Brand
		key := f.brand.APIKey
		planID := a.onlyPlanID(t, b.ID)
		month := commission.MonthOf(f.mayaOrder.PlacedAt, b)
		owner := a.browser(t)
		owner.login("owner@acme.test", "correct horse battery")
		preview := "/commission-plans/" + planID + "/recompute?month=" + month
		target := "/commission-plans/" + planID + "/recompute"

		// Before the plan changes, nothing would change.
		status, body := owner.get(preview)
		if status != 200 || !strings.Contains(body, `id="recompute-nothing"`) || strings.Contains(body, `id="recompute-form"`) {
			t.Fatalf("preview of an unchanged plan: %d %s", status, body)
		}

		draft := flatDraft
		if _, err := a.Plans.Update(ctx, commissionCLI, b.ID, planID, nil, &draft); err != nil {
			t.Fatal(err)
		}
		status, body = owner.get(preview)
		if status != 200 || !strings.Contains(body, `id="recompute-form"`) || !strings.Contains(body, `name="month" value="`+month+`"`) ||
			!strings.Contains(body, "Paid entries are never changed") || !strings.Contains(html.UnescapeString(body), `id="recompute-diff">+11.50 USD`) {
			t.Fatalf("preview: %d %s", status, body)
		}
		if got := simRow(t, body, "sim-"+f.maya.ID); got[3] != "11.50" || got[4] != "23.00" || got[5] != "+11.50" {
			t.Errorf("Maya's row: %q", got)
		}
		if status, body := owner.get("/commission-plans/" + planID + "/recompute?month=2026-13"); status != 422 || !strings.Contains(body, `id="month-error"`) {
			t.Errorf("bad month: %d %s", status, body)
		}
		if resp, body := owner.post(preview, target, url.Values{"month": {"soon"}}); resp.StatusCode != 422 || !strings.Contains(body, `id="simulate-error"`) {
			t.Errorf("post a bad month: %d %s", resp.StatusCode, body)
		}
		if bal := a.balance(t, key, f.maya.ID); bal.Pending != 1150 {
			t.Fatalf("the preview changed the balance: %+v", bal)
		}

		// An analyst can neither preview nor recompute.
		ana := a.analyst(t, b.ID, "ana@acme.test")
		if status, _ := ana.get(preview); status != 403 {
			t.Errorf("analyst previews: %d", status)
		}
		if resp, _ := ana.post("/dashboard", target, url.Values{"month": {month}}); resp.StatusCode != 403 {
			t.Errorf("analyst recomputes: %d", resp.StatusCode)
		}
		if bal := a.balance(t, key, f.maya.ID); bal.Pending != 1150 {
			t.Fatalf("balance after the analyst's attempt: %+v", bal)
		}
		// Another brand: 404.
		a.createBrand(t, "Other", "owner@other.test")
		stranger := a.browser(t)
		stranger.login("owner@other.test", "correct horse battery")
		if resp, _ := stranger.post("/dashboard", target, url.Values{"month": {month}}); resp.StatusCode != 404 {
			t.Errorf("other brand recomputes: %d", resp.StatusCode)
		}

		resp, _ := owner.post(preview, target, url.Values{"month": {month}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/commissions" {
			t.Fatalf("recompute: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = owner.get("/commissions")
		if !strings.Contains(body, "Recomputed 1 creator-month of "+month+" under version 2: the differences were added to the ledger.") {
			t.Errorf("flash: %s", body)
		}
		if bal := a.balance(t, key, f.maya.ID); bal != (apiBalance{Currency: "USD", Pending: 2300}) {
			t.Errorf("Maya's balance after the recompute: %+v", bal)
		}
		if bal := a.balance(t, key, f.noor.ID); bal != (apiBalance{Currency: "USD", Payable: 1150}) {
			t.Errorf("Noor's month was not recomputed: %+v", bal)
		}
		if n := countAudit(t, db, b.ID, "commission.recomputed"); n != 1 {
			t.Errorf("%d audit entries", n)
		}
		// The old entry stays; the difference is a new one.
		if es := a.entries(t, key, "?creator_id="+f.maya.ID); len(es.Data) != 2 {
			t.Errorf("Maya's entries: %+v", es)
		}
		// Done: the preview shows nothing to change.
		if _, body := owner.get(preview); !strings.Contains(body, `id="recompute-nothing"`) {
			t.Errorf("preview after the recompute: %s", body)
		}
	})
}
