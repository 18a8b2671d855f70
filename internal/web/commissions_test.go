package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// commissionFixture is a brand with the worked-example plan as its
// default, its two products, and two creators with codes: Maya's order 1001
// was placed an hour ago (pending: the hold is 30 days), Noor's order 1002
// sixty days ago (payable). Each earns 11.50.
type commissionFixture struct {
	brand      *brand.Created
	maya, noor *creator.Creator
	mayaOrder  *order.Order
	noorOrder  *order.Order
}

var commissionCLI = brand.Actor{Type: "cli", Label: "test"}

// workedOrderInput: line A 2 × 50.00 with 10.00 discount (cost 20.00 each),
// line B 1 × 30.00 (cost 25.00): commission 9.00 + 2.50 = 11.50.
func workedOrderInput(id, code string, placed time.Time) *order.OrderInput {
	return &order.OrderInput{ExternalID: id, PlacedAt: placed, Currency: "USD", Codes: []string{code}, Lines: []order.LineInput{
		{ExternalID: id + "-A", SKU: "A", Title: "Serum", Quantity: 2, UnitPrice: 5000, Discount: 1000},
		{ExternalID: id + "-B", SKU: "B", Title: "Balm", Quantity: 1, UnitPrice: 3000}}}
}

func (a *testApp) commissionFixture(t *testing.T) commissionFixture {
	t.Helper()
	ctx := context.Background()
	f := commissionFixture{brand: a.createBrand(t, "Acme", "owner@acme.test")}
	id := f.brand.Brand.ID
	p, err := a.Plans.Create(ctx, commissionCLI, id, "Standard", commission.Plan{TierBasis: commission.BasisRevenue,
		TierMode: commission.ModeMarginal, Tiers: []commission.Tier{{From: 0, RateBps: 1000}, {From: 100000, RateBps: 1500}},
		MarginCapBps: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Plans.SetDefault(ctx, commissionCLI, id, p.ID); err != nil {
		t.Fatal(err)
	}
	now := store.Now()
	for _, pr := range []struct {
		sku  string
		cost int64
	}{{"A", 2000}, {"B", 2500}} {
		if err := a.DB.Exec("INSERT INTO products (id, brand_id, sku, title, unit_cost, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			store.NewID("prd"), id, pr.sku, "Product "+pr.sku, pr.cost, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	f.maya = a.activeCreatorWithCode(t, id, "Maya Lee", "MAYA15")
	f.noor = a.activeCreatorWithCode(t, id, "Noor Ali", "NOOR10")
	f.mayaOrder = a.applyOrder(t, id, order.Event{Source: order.API, Topic: "api", Order: workedOrderInput("1001", "maya15", now.Add(-time.Hour))})
	f.noorOrder = a.applyOrder(t, id, order.Event{Source: order.API, Topic: "api", Order: workedOrderInput("1002", "NOOR10", now.AddDate(0, 0, -60))})
	a.process(t)
	return f
}

func (a *testApp) process(t *testing.T) {
	t.Helper()
	if _, err := a.Ledger.Process(context.Background()); err != nil {
		t.Fatal(err)
	}
}

type apiEntry struct {
	ID              string  `json:"id"`
	CreatorID       string  `json:"creator_id"`
	OrderID         *string `json:"order_id"`
	OrderExternalID string  `json:"order_external_id"`
	Kind            string  `json:"kind"`
	Amount          int64   `json:"amount"`
	Currency        string  `json:"currency"`
	Status          string  `json:"status"`
	Explanation     string  `json:"explanation"`
	Reason          string  `json:"reason"`
	PayableAt       string  `json:"payable_at"`
	CreatedAt       string  `json:"created_at"`
	PlanVersionID   *string `json:"plan_version_id"`
}

type apiEntryPage struct {
	Data       []apiEntry `json:"data"`
	NextCursor string     `json:"next_cursor"`
}

func (a *testApp) entries(t *testing.T, key, query string) apiEntryPage {
	t.Helper()
	st, body := a.api(t, "GET", "/api/v1/commissions"+query, key, "")
	if st != 200 {
		t.Fatalf("GET commissions%s: %d %s", query, st, body)
	}
	var p apiEntryPage
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

type apiBalance struct {
	Currency string `json:"currency"`
	Pending  int64  `json:"pending"`
	Payable  int64  `json:"payable"`
	Paid     int64  `json:"paid"`
}

func (a *testApp) balance(t *testing.T, key, creatorID string) apiBalance {
	t.Helper()
	st, body := a.api(t, "GET", "/api/v1/creators/"+creatorID+"/balance", key, "")
	if st != 200 {
		t.Fatalf("balance: %d %s", st, body)
	}
	var b apiBalance
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return b
}

func TestCommissionsAPIAndBalance(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.commissionFixture(t)
		key := f.brand.APIKey

		all := a.entries(t, key, "")
		if len(all.Data) != 2 || all.NextCursor != "" {
			t.Fatalf("all entries: %+v", all)
		}
		for _, e := range all.Data {
			if e.Kind != "sale" || e.Amount != 1150 || e.Currency != "USD" || e.OrderID == nil || e.PlanVersionID == nil ||
				!strings.HasPrefix(e.Explanation, "Order "+e.OrderExternalID+": ") || e.PayableAt == "" || e.CreatedAt == "" {
				t.Errorf("entry: %+v", e)
			}
		}

		mine := a.entries(t, key, "?creator_id="+f.maya.ID)
		if len(mine.Data) != 1 || mine.Data[0].CreatorID != f.maya.ID || mine.Data[0].OrderExternalID != "1001" ||
			*mine.Data[0].OrderID != f.mayaOrder.ID || mine.Data[0].Status != "pending" {
			t.Fatalf("Maya's entries: %+v", mine)
		}
		byOrder := a.entries(t, key, "?order_external_id=1002")
		if len(byOrder.Data) != 1 || byOrder.Data[0].CreatorID != f.noor.ID || byOrder.Data[0].Status != "payable" {
			t.Fatalf("order 1002's entries: %+v", byOrder)
		}
		if p := a.entries(t, key, "?status=payable"); len(p.Data) != 1 || p.Data[0].CreatorID != f.noor.ID {
			t.Fatalf("payable: %+v", p)
		}
		if p := a.entries(t, key, "?status=pending&creator_id="+f.noor.ID); len(p.Data) != 0 {
			t.Fatalf("Noor's pending: %+v", p)
		}
		if p := a.entries(t, key, "?status=paid"); len(p.Data) != 0 {
			t.Fatalf("paid: %+v", p)
		}

		// Pages.
		first := a.entries(t, key, "?limit=1")
		if len(first.Data) != 1 || first.NextCursor == "" {
			t.Fatalf("first page: %+v", first)
		}
		second := a.entries(t, key, "?limit=1&cursor="+url.QueryEscape(first.NextCursor))
		if len(second.Data) != 1 || second.Data[0].ID == first.Data[0].ID || second.NextCursor != "" {
			t.Fatalf("second page: %+v", second)
		}

		// Bad filters are 422s that name the field.
		for q, field := range map[string]string{"?status=owed": "status", "?cursor=nope": "cursor", "?limit=0": "limit", "?limit=x": "limit"} {
			st, body := a.api(t, "GET", "/api/v1/commissions"+q, key, "")
			if st != 422 || !strings.Contains(body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", q, st, body)
			}
		}
		if st, _ := a.api(t, "GET", "/api/v1/commissions", "", ""); st != 401 {
			t.Errorf("no key: %d", st)
		}

		if b := a.balance(t, key, f.maya.ID); b != (apiBalance{Currency: "USD", Pending: 1150}) {
			t.Errorf("Maya's balance: %+v", b)
		}
		if b := a.balance(t, key, f.noor.ID); b != (apiBalance{Currency: "USD", Payable: 1150}) {
			t.Errorf("Noor's balance: %+v", b)
		}
		if st, body := a.api(t, "GET", "/api/v1/creators/cr_nope/balance", key, ""); st != 404 {
			t.Errorf("unknown creator's balance: %d %s", st, body)
		}

		// Another brand sees none of it: a 404 for the balance, nothing in the list.
		other := a.createBrand(t, "Other", "owner@other.test")
		if st, body := a.api(t, "GET", "/api/v1/creators/"+f.maya.ID+"/balance", other.APIKey, ""); st != 404 || strings.Contains(body, "1150") {
			t.Errorf("another brand's balance: %d %s", st, body)
		}
		for _, q := range []string{"", "?creator_id=" + f.maya.ID, "?order_external_id=1001"} {
			if p := a.entries(t, other.APIKey, q); len(p.Data) != 0 {
				t.Errorf("another brand lists %s: %+v", q, p)
			}
		}
	})
}

func TestCommissionListPage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)

		// First run: no plan, no entries.
		empty := a.createBrand(t, "Empty", "owner@empty.test")
		eb := a.browser(t)
		eb.login("owner@empty.test", "correct horse battery")
		status, body := eb.get("/commissions")
		if status != 200 || !strings.Contains(body, `id="commissions-empty"`) || !strings.Contains(body, "no commission plan yet") ||
			!strings.Contains(body, `href="/commission-plans"`) || !strings.Contains(body, `id="nav-commissions"`) {
			t.Fatalf("empty state: %d %s", status, body)
		}
		_ = empty

		f := a.commissionFixture(t)
		owner := a.browser(t)
		owner.login("owner@acme.test", "correct horse battery")
		status, body = owner.get("/commissions")
		if status != 200 || strings.Count(body, `<tr id="entry-`) != 2 || !strings.Contains(body, `href="/orders/`+f.mayaOrder.ID+`"`) ||
			!strings.Contains(body, `id="total-sum">23.00 USD`) ||
			!strings.Contains(body, "Maya Lee") || !strings.Contains(body, "Noor Ali") || !strings.Contains(body, `kind-sale`) {
			t.Fatalf("list: %d %s", status, body)
		}
		if !strings.Contains(body, `id="total-sale">23.00 USD`) {
			t.Errorf("totals by kind missing: %s", body)
		}

		status, body = owner.get("/commissions?creator=" + f.maya.ID)
		if status != 200 || strings.Count(body, `<tr id="entry-`) != 1 || !strings.Contains(body, ">1001</a>") || strings.Contains(body, ">1002</a>") ||
			!strings.Contains(body, `id="total-sum">11.50 USD`) || !strings.Contains(body, "Pending") {
			t.Fatalf("Maya's entries: %d %s", status, body)
		}
		status, body = owner.get("/commissions?order=1002&status=payable")
		if status != 200 || strings.Count(body, `<tr id="entry-`) != 1 || !strings.Contains(body, ">1002</a>") {
			t.Fatalf("order 1002, payable: %d %s", status, body)
		}
		status, body = owner.get("/commissions?order=9999")
		if status != 200 || !strings.Contains(body, "No entry matches these filters") {
			t.Fatalf("no match: %d %s", status, body)
		}
		status, body = owner.get("/commissions?status=owed")
		if status != 422 || !strings.Contains(body, `id="filter-error"`) {
			t.Fatalf("bad status: %d %s", status, body)
		}

		// Paging: 51 adjustments and 2 sales make two pages.
		for i := 0; i < 51; i++ {
			if _, err := a.Ledger.Adjust(context.Background(), commissionCLI, f.brand.Brand, f.noor.ID, 100, "batch"); err != nil {
				t.Fatal(err)
			}
		}
		_, body = owner.get("/commissions")
		if strings.Count(body, `<tr id="entry-`) != 50 || !strings.Contains(body, `id="next-page"`) || !strings.Contains(body, `id="total-sum">74.00 USD`) {
			t.Fatalf("first page of 53 entries: %s", body)
		}
		next := regexpFind(body, `href="(/commissions\?cursor=[^"]+)"`)
		_, body = owner.get(strings.ReplaceAll(next, "&amp;", "&"))
		if strings.Count(body, `<tr id="entry-`) != 3 || strings.Contains(body, `id="next-page"`) {
			t.Fatalf("second page: %s", body)
		}
	})
}

func TestCommissionAdjustmentForm(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.commissionFixture(t)
		key := f.brand.APIKey
		owner := a.browser(t)
		owner.login("owner@acme.test", "correct horse battery")
		page := "/creators/" + f.maya.ID
		target := page + "/adjustments"

		status, body := owner.get(page)
		if status != 200 || !strings.Contains(body, `id="creator-commission"`) || !strings.Contains(body, `id="creator-pending">11.50 USD`) ||
			!strings.Contains(body, `id="adjustment-form"`) || !strings.Contains(body, "Order 1001: ") {
			t.Fatalf("creator page: %d %s", status, body)
		}

		bad := []struct {
			amount, reason, field string
		}{
			{"12.505", "too precise", "amount"},
			{"twelve", "words", "amount"},
			{"1,000", "separator", "amount"},
			{"", "empty", "amount"},
			{"0.00", "nothing", "amount"},
			{"-12.50", "  ", "reason"},
			{"", "", "reason"},
		}
		for _, b := range bad {
			resp, body := owner.post(page, target, url.Values{"amount": {b.amount}, "reason": {b.reason}})
			if resp.StatusCode != 422 || !strings.Contains(body, `field-error`) || !strings.Contains(body, `name="`+b.field+`" value="`) {
				t.Errorf("%q %q: %d", b.amount, b.reason, resp.StatusCode)
				continue
			}
			// What was typed stays in the form, with aria-invalid on the field at fault.
			if !strings.Contains(body, `name="amount" value="`+b.amount+`"`) {
				t.Errorf("%q: the typed amount is lost", b.amount)
			}
			if !regexpMatch(body, `name="`+b.field+`" value="[^"]*"[^>]*aria-invalid="true"`) {
				t.Errorf("%q %q: %s not marked invalid", b.amount, b.reason, b.field)
			}
		}
		if b := a.balance(t, key, f.maya.ID); b != (apiBalance{Currency: "USD", Pending: 1150}) {
			t.Fatalf("balance after refused adjustments: %+v", b)
		}

		resp, _ := owner.post(page, target, url.Values{"amount": {"-2.50"}, "reason": {"Returned the sample kit"}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), page) {
			t.Fatalf("adjust: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		status, body = owner.get(page)
		if status != 200 || !strings.Contains(body, "Adjustment of -2.50 USD added to Maya Lee") ||
			!strings.Contains(body, "Manual adjustment: Returned the sample kit") || !strings.Contains(body, `id="creator-payable">-2.50 USD`) {
			t.Fatalf("after the adjustment: %s", body)
		}
		if b := a.balance(t, key, f.maya.ID); b != (apiBalance{Currency: "USD", Pending: 1150, Payable: -250}) {
			t.Fatalf("balance after -2.50: %+v", b)
		}
		adj := a.entries(t, key, "?creator_id="+f.maya.ID)
		if len(adj.Data) != 2 || adj.Data[0].Kind != "adjustment" || adj.Data[0].Amount != -250 || adj.Data[0].Reason != "Returned the sample kit" ||
			adj.Data[0].OrderID != nil || adj.Data[0].Status != "payable" {
			t.Fatalf("entries after the adjustment: %+v", adj)
		}
		if n := countAudit(t, db, f.brand.Brand.ID, "commission.adjusted"); n != 1 {
			t.Errorf("%d audit entries", n)
		}

		// An analyst sees the card but has no form, and cannot post one.
		ana := a.analyst(t, f.brand.Brand.ID, "ana@acme.test")
		status, body = ana.get(page)
		if status != 200 || !strings.Contains(body, `id="creator-commission"`) || strings.Contains(body, `id="adjustment-form"`) {
			t.Fatalf("analyst's creator page: %d", status)
		}
		if resp, _ := ana.post(page, target, url.Values{"amount": {"100"}, "reason": {"me"}}); resp.StatusCode != 403 {
			t.Errorf("analyst adjusts: %d", resp.StatusCode)
		}
		if status, _ := ana.get("/commissions"); status != 200 {
			t.Errorf("analyst's commissions list: %d", status)
		}

		// Another brand's owner gets a 404 and adds nothing.
		a.createBrand(t, "Other", "owner@other.test")
		stranger := a.browser(t)
		stranger.login("owner@other.test", "correct horse battery")
		if resp, _ := stranger.post("/dashboard", target, url.Values{"amount": {"100"}, "reason": {"steal"}}); resp.StatusCode != 404 {
			t.Errorf("another brand adjusts: %d", resp.StatusCode)
		}
		if b := a.balance(t, key, f.maya.ID); b.Payable != -250 {
			t.Errorf("balance after the other brand's attempts: %+v", b)
		}
	})
}

func TestPortalEarnings(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.commissionFixture(t)
		ctx := context.Background()
		if _, err := a.Ledger.Adjust(ctx, commissionCLI, f.brand.Brand, f.maya.ID, 500, "Launch video bonus"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Ledger.Adjust(ctx, commissionCLI, f.brand.Brand, f.noor.ID, 700, "Noor only"); err != nil {
			t.Fatal(err)
		}

		if status, _ := a.browser(t).get("/portal/earnings"); status != 303 {
			t.Errorf("earnings without a session: %d", status)
		}

		if err := a.Creators.RequestMagicLink(ctx, f.maya.Email); err != nil {
			t.Fatal(err)
		}
		maya := a.browser(t)
		maya.post("/portal/login", a.magicToken(t, f.maya.Email), url.Values{})
		status, body := maya.get("/portal")
		if status != 200 || !strings.Contains(body, `href="/portal/earnings"`) || !strings.Contains(body, `id="home-pending">11.50 USD`) ||
			!strings.Contains(body, `id="home-payable">5.00 USD`) || !strings.Contains(body, `id="home-paid">0.00 USD`) {
			t.Fatalf("portal home: %d %s", status, body)
		}
		status, body = maya.get("/portal/earnings")
		if status != 200 || !strings.Contains(body, `id="balance-pending">11.50 USD`) || !strings.Contains(body, `id="balance-payable">5.00 USD`) ||
			!strings.Contains(body, "Order 1001: ") || !strings.Contains(body, "Manual adjustment: Launch video bonus") ||
			strings.Count(body, `<tr id="entry-`) != 2 {
			t.Fatalf("earnings: %d %s", status, body)
		}
		// Newest first: the adjustment came after the sale.
		if strings.Index(body, "Launch video bonus") > strings.Index(body, "Order 1001: ") {
			t.Error("entries are not newest first")
		}
		if strings.Contains(body, "1002") || strings.Contains(body, "Noor only") {
			t.Fatal("Maya's earnings show Noor's entries")
		}
		// The query string cannot name another creator.
		if _, body := maya.get("/portal/earnings?creator_id=" + f.noor.ID + "&creator=" + f.noor.ID); strings.Contains(body, "Noor only") {
			t.Fatal("the URL chose the creator")
		}
		if status, _ := maya.get("/portal/earnings?cursor=nope"); status != 422 {
			t.Errorf("bad cursor: %d", status)
		}

		// A creator with nothing yet sees the empty state.
		quiet := a.activeCreatorWithCode(t, f.brand.Brand.ID, "Quiet One", "QUIET5")
		if err := a.Creators.RequestMagicLink(ctx, quiet.Email); err != nil {
			t.Fatal(err)
		}
		qb := a.browser(t)
		qb.post("/portal/login", a.magicToken(t, quiet.Email), url.Values{})
		status, body = qb.get("/portal/earnings")
		if status != 200 || !strings.Contains(body, `id="earnings-empty"`) || !strings.Contains(body, `id="balance-pending">0.00 USD`) {
			t.Fatalf("empty earnings: %d %s", status, body)
		}
	})
}

func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

func regexpMatch(s, pattern string) bool { return regexp.MustCompile(pattern).MatchString(s) }

func countAudit(t *testing.T, db *store.DB, brandID, action string) int64 {
	t.Helper()
	var n int64
	if err := db.Table("audit_log").Where("brand_id = ? AND action = ?", brandID, action).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
