package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/fraud"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// selfReferral seeds a creator whose own email bought with her code two
// days ago, with a 10.00 commission entry, and returns the creator.
func selfReferral(t *testing.T, a *testApp, b *brand.Brand, name, email, extID string) *creator.Creator {
	t.Helper()
	ctx := context.Background()
	cr, _, err := a.Creators.New(ctx, brand.Actor{Type: "cli", Label: "test"}, b.ID, creator.Profile{Name: &name, Email: &email}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	now := store.Now()
	code := strings.ToUpper(strings.Split(email, "@")[0]) + "10"
	if err := a.DB.Exec(`INSERT INTO codes (id, brand_id, creator_id, code, code_key, discount_type, discount_value, currency, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'percent', 1000, '', ?, ?, ?)`, store.NewID("cod"), b.ID, cr.ID, code, strings.ToLower(code), true, now, now).Error; err != nil {
		t.Fatal(err)
	}
	res, err := a.Orders.Apply(ctx, b.ID, order.Event{Source: order.API, OrderRef: extID, Order: &order.OrderInput{ExternalID: extID,
		PlacedAt: now.Add(-48 * time.Hour), Currency: "USD", CustomerEmail: email, Codes: []string{code},
		Lines: []order.LineInput{{ExternalID: extID + "-1", Title: "Serum", Quantity: 1, UnitPrice: 10000}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Create(&commission.Entry{ID: store.NewID("ce"), BrandID: b.ID, CreatorID: cr.ID, OrderID: &res.Order.ID, Month: "2026-01",
		Component: "sale:" + res.Order.ID, Kind: commission.KindSale, Amount: 1000, Currency: "USD",
		PayableAt: now.Add(-time.Hour), CreatedAt: now.Add(-time.Hour)}).Error; err != nil {
		t.Fatal(err)
	}
	return cr
}

var holdIDRe = regexp.MustCompile(`id="hold-(hld_[A-Za-z0-9]+)"`)

func TestFraudSignalsHoldAndRelease(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		o := a.createBrand(t, "Other", "owner@other.test")
		jo := selfReferral(t, a, c.Brand, "Jo Self", "jo@creator.test", "5001")
		selfReferral(t, a, o.Brand, "Olly Other", "olly@creator.test", "6001")

		owner := a.browser(t)
		owner.login("owner@acme.test", "correct horse battery")
		status, body := owner.get("/signals")
		if status != http.StatusOK || !strings.Contains(body, "Self-referral") || !strings.Contains(body, "Jo Self") ||
			!strings.Contains(body, `action="/signals/hold"`) {
			t.Fatalf("signals page: %d\n%s", status, body)
		}
		if strings.Contains(body, "Olly Other") {
			t.Error("the signals page shows another brand's creator")
		}

		// An analyst sees the signals but cannot hold.
		analyst := a.analyst(t, c.Brand.ID, "ana@acme.test")
		status, body = analyst.get("/signals")
		if status != http.StatusOK || !strings.Contains(body, "Jo Self") || strings.Contains(body, `action="/signals/hold"`) {
			t.Errorf("analyst's signals page: %d", status)
		}
		key := fraud.KindSelfReferral + "|" + jo.ID
		resp, _ := analyst.post("/signals", "/signals/hold", url.Values{"key": {key}, "reason": {"mine"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("analyst hold: %d", resp.StatusCode)
		}

		// Another brand's owner cannot hold this brand's signal.
		other := a.browser(t)
		other.login("owner@other.test", "correct horse battery")
		resp, _ = other.post("/signals", "/signals/hold", url.Values{"key": {key}, "reason": {"not mine"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("other brand's hold: %d", resp.StatusCode)
		}

		resp, _ = owner.post("/signals", "/signals/hold", url.Values{"key": {key}, "reason": {"her own email"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hold: %d", resp.StatusCode)
		}
		_, body = owner.get(resp.Header.Get("Location"))
		if !strings.Contains(body, "Held 1 commission entry (10.00 USD)") || !strings.Contains(body, "her own email") {
			t.Fatalf("after the hold:\n%s", body)
		}
		m := holdIDRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no hold listed")
		}
		var n int64
		db.Table("commission_holds").Where("hold_id = ? AND released_at IS NULL", m[1]).Count(&n)
		if n != 1 {
			t.Errorf("%d held entries", n)
		}
		// The creator sees it held, not payable.
		jb := a.portalLogin(t, "jo@creator.test")
		for _, page := range []struct{ path, held, payable string }{
			{"/portal/earnings", `id="balance-held">10.00`, `id="balance-payable">0.00`},
			{"/portal/payouts", `id="payout-held">10.00`, `id="payout-payable">0.00`},
		} {
			if _, body := jb.get(page.path); !strings.Contains(body, page.held) || !strings.Contains(body, page.payable) {
				t.Errorf("%s while held:\n%s", page.path, body)
			}
		}

		// Another brand's owner cannot release it (404), nor an analyst (403).
		resp, _ = other.post("/signals", "/signals/holds/"+m[1]+"/release", url.Values{"release_reason": {"x"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("other brand's release: %d", resp.StatusCode)
		}
		resp, _ = analyst.post("/signals", "/signals/holds/"+m[1]+"/release", url.Values{"release_reason": {"x"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("analyst release: %d", resp.StatusCode)
		}
		if _, body = other.get("/signals"); strings.Contains(body, m[1]) {
			t.Error("another brand sees the hold")
		}

		resp, _ = owner.post("/signals", "/signals/holds/"+m[1]+"/release", url.Values{"release_reason": {"checked with her"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("release: %d", resp.StatusCode)
		}
		_, body = owner.get(resp.Header.Get("Location"))
		if !strings.Contains(body, "payable again") || !strings.Contains(body, "checked with her") {
			t.Errorf("after the release:\n%s", body)
		}
		db.Table("commission_holds").Where("hold_id = ? AND released_at IS NULL", m[1]).Count(&n)
		if n != 0 {
			t.Errorf("%d entries still held", n)
		}
		if _, body := jb.get("/portal/earnings"); strings.Contains(body, `id="balance-held"`) || !strings.Contains(body, `id="balance-payable">10.00`) {
			t.Errorf("portal after the release:\n%s", body)
		}
	})
}
