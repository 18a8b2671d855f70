package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestBrowserOrdersJourney: an owner finds an order credited by its code,
// narrows the list to code orders, opens an unattributed order, reads why
// nothing was credited, and reassigns it by hand with a reason.
func TestBrowserOrdersJourney(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	ctx := context.Background()
	const ownerEmail, password = "owner@orders-journey.test", "correct horse battery"
	b := a.createBrand(t, "Juniper Tea", ownerEmail)
	maya := a.activeCreatorWithCode(t, b.Brand.ID, "Maya Lee", "MAYA15")
	placed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mk := func(id string, codes ...string) *order.Order {
		res, err := a.Orders.Apply(ctx, b.Brand.ID, order.Event{Source: order.API, Order: &order.OrderInput{
			ExternalID: id, PlacedAt: placed, Currency: "USD", Codes: codes,
			Lines: []order.LineInput{{SKU: "OOLONG", Title: "Oolong tin", Quantity: 2, UnitPrice: 2450, Discount: 490}}}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Order
	}
	mk("1001", "maya15")
	lost := mk("1002", "NOTACODE")

	br := newChrome(t)
	browserLogin(t, br, a, ownerEmail, password)
	chromeDo(t, br, "opening the orders list",
		chromedp.Navigate(a.URL+"/orders"),
		chromedp.WaitVisible(chromedp.CSS("table#orders")),
	)
	rows := chromeRun(t, br, "counting rows", chromedp.Evaluate[int](`document.querySelectorAll('table#orders tbody tr').length`))
	if rows != 2 {
		t.Fatalf("%d orders listed, want 2", rows)
	}
	chromeDo(t, br, "filtering by code",
		chromedp.SetValue(chromedp.CSS(`#order-filters select[name="method"]`), "code"),
	)
	if st := chromeClick(t, br, `#order-filters button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("filter: status %d", st)
	}
	list := chromeText(t, br, "table#orders tbody")
	if !strings.Contains(list, "1001") || strings.Contains(list, "1002") || !strings.Contains(list, "Maya Lee") {
		t.Fatalf("filtered list: %q", list)
	}

	chromeDo(t, br, "opening the unattributed order",
		chromedp.Navigate(a.URL+"/orders/"+lost.ID),
		chromedp.WaitVisible(chromedp.CSS("#receipt")),
	)
	if net := chromeText(t, br, "#order-net"); !strings.Contains(net, "44.10") {
		t.Errorf("net shown as %q, want 44.10", net)
	}
	if receipt := chromeText(t, br, "#receipt"); !strings.Contains(receipt, "NOTACODE") {
		t.Errorf("the receipt does not say why NOTACODE did not count: %q", receipt)
	}
	chromeDo(t, br, "filling the reassign form",
		chromedp.Click(chromedp.CSS("#reassign summary")),
		chromedp.WaitVisible(chromedp.CSS("#reassign-form")),
		chromedp.SetValue(chromedp.CSS(`#reassign-form select[name="creator_id"]`), maya.ID),
		chromedp.SendKeys(chromedp.CSS(`#reassign-form textarea[name="reason"]`), "Maya's code was mistyped at checkout"),
	)
	if st := chromeClick(t, br, `#reassign-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("reassign: final status %d", st)
	}
	if m := chromeText(t, br, "#receipt-method"); !strings.Contains(m, "Manual") && !strings.Contains(strings.ToLower(m), "manual") {
		t.Errorf("method after reassigning: %q", m)
	}
	got, err := a.Orders.Get(ctx, b.Brand.ID, lost.ID)
	if err != nil || got.CreatorID == nil || *got.CreatorID != maya.ID || got.AttributionMethod != order.ByManual {
		t.Fatalf("stored after reassigning: %+v, %v", got, err)
	}

	// A screenshot of the order page (PNG at quality 100), for people reviewing
	// the run: written to $CLOUT_SCREENSHOTS when set.
	png := chromeRun(t, br, "taking a screenshot", chromedp.FullScreenshot(100))
	dir := os.Getenv("CLOUT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "order.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 {
		t.Errorf("screenshot of %d bytes", len(png))
	}
}
