package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cloutapp/clout/internal/testutil"
)

// TestBrowserPayoutJourney: an admin creates a batch on the payouts page,
// reviews and approves it, executes it, marks the manual payment paid with
// its reference, and sees the batch completed.
func TestBrowserPayoutJourney(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	f := a.payoutFixture(t, "Juniper Tea", "owner@payout-journey.test")

	br := newChrome(t)
	browserLogin(t, br, a, "owner@payout-journey.test", payoutPassword)
	chromeDo(t, br, "opening the payouts page",
		chromedp.Navigate(a.URL+"/payouts"),
		chromedp.WaitVisible(chromedp.CSS("#payouts-empty")),
	)
	if st := chromeClick(t, br, "#new-batch-submit"); st != http.StatusOK {
		t.Fatalf("create batch: final status %d", st)
	}
	if p := chromePath(t, br, a); !strings.HasPrefix(p, "/payouts/pb_") {
		t.Fatalf("after creating a batch at %s", p)
	}
	if s := chromeText(t, br, "#batch-status"); s != "Draft" {
		t.Fatalf("status %q, want Draft", s)
	}
	items := chromeText(t, br, "table#payout-items tbody")
	if !strings.Contains(items, "Maya Lee") || !strings.Contains(items, "30.00 USD") || !strings.Contains(items, "maya@pay.test") {
		t.Fatalf("items: %q", items)
	}
	if skips := chromeText(t, br, "table#payout-skips tbody"); !strings.Contains(skips, "Noor Ali") || !strings.Contains(skips, "no payout method") {
		t.Fatalf("skips: %q", skips)
	}

	if st := chromeClick(t, br, "#approve"); st != http.StatusOK {
		t.Fatalf("approve: final status %d", st)
	}
	if s := chromeText(t, br, "#batch-status"); s != "Approved" {
		t.Fatalf("status %q after approving (%s)", s, chromeText(t, br, "main"))
	}
	if st := chromeClick(t, br, "#execute"); st != http.StatusOK {
		t.Fatalf("execute: final status %d", st)
	}
	if s := chromeText(t, br, "#batch-status"); s != "Processing" {
		t.Fatalf("status %q after executing", s)
	}
	chromeDo(t, br, "typing the payment's reference",
		chromedp.SendKeys(chromedp.CSS(`form.item-mark-paid input[name="reference"]`), "BANK-2026-001"),
	)
	if st := chromeClick(t, br, `form.item-mark-paid button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("mark paid: final status %d", st)
	}
	if s := chromeText(t, br, "#batch-status"); s != "Completed" {
		t.Fatalf("status %q after marking the item paid", s)
	}
	if ref := chromeText(t, br, "code.item-reference"); ref != "BANK-2026-001" {
		t.Errorf("reference shown as %q", ref)
	}
	chromeDo(t, br, "back to the list", chromedp.Navigate(a.URL+"/payouts"), chromedp.WaitVisible(chromedp.CSS("table#payout-batches")))
	if row := chromeText(t, br, "table#payout-batches tbody"); !strings.Contains(row, "Completed") || !strings.Contains(row, "30.00 USD") {
		t.Errorf("list row: %q", row)
	}
	_ = f
}
