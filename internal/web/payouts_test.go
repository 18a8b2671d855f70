package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// payoutFixture is a brand (no Stripe key: every payout is manual) with
// three active creators whose adjustments are payable now: Maya is owed
// 30.00 in three entries and has a payout email; Noor is owed 10.00 and has
// none (skipped: no payout method); Ola owes 7.00 (skipped: negative).
type payoutFixture struct {
	brand           *brand.Created
	maya, noor, ola *creator.Creator
}

const payoutPassword = "correct horse battery"

func (a *testApp) payoutCreator(t *testing.T, brandID, name, payoutEmail string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
	p := creator.Profile{Name: &name, Email: &email}
	if payoutEmail != "" {
		p.PayoutEmail = &payoutEmail
	}
	cr, _, err := a.Creators.New(context.Background(), brand.Actor{Type: "cli", Label: "test"}, brandID, p, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func (a *testApp) payoutAdjust(t *testing.T, b *brand.Brand, creatorID string, amounts ...int64) {
	t.Helper()
	for _, n := range amounts {
		if _, err := a.Ledger.Adjust(context.Background(), commissionCLI, b, creatorID, n, "campaign bonus"); err != nil {
			t.Fatal(err)
		}
	}
}

func (a *testApp) payoutFixture(t *testing.T, name, owner string) payoutFixture {
	t.Helper()
	f := payoutFixture{brand: a.createBrand(t, name, owner)}
	b := f.brand.Brand
	f.maya = a.payoutCreator(t, b.ID, "Maya Lee", "maya@pay.test")
	f.noor = a.payoutCreator(t, b.ID, "Noor Ali", "")
	f.ola = a.payoutCreator(t, b.ID, "Ola Berg", "ola@pay.test")
	a.payoutAdjust(t, b, f.maya.ID, 2500, 1000, -500)
	a.payoutAdjust(t, b, f.noor.ID, 1000)
	a.payoutAdjust(t, b, f.ola.ID, -700)
	return f
}

type apiPayoutItem struct {
	ID          string `json:"id"`
	BatchID     string `json:"batch_id"`
	CreatorID   string `json:"creator_id"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Entries     int    `json:"entries"`
	Method      string `json:"method"`
	Destination string `json:"destination"`
	Status      string `json:"status"`
	TransferID  string `json:"transfer_id"`
	Failure     string `json:"failure"`
	Reference   string `json:"reference"`
}

type apiPayoutBatch struct {
	ID       string          `json:"id"`
	Status   string          `json:"status"`
	Currency string          `json:"currency"`
	Total    int64           `json:"total"`
	Items    []apiPayoutItem `json:"items"`
	Skipped  []struct {
		CreatorID   string `json:"creator_id"`
		Amount      int64  `json:"amount"`
		Reason      string `json:"reason"`
		Explanation string `json:"explanation"`
	} `json:"skipped"`
	CreatedBy  string `json:"created_by"`
	ApprovedBy string `json:"approved_by"`
}

func decodeAs[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// payoutAPI calls the API and fails unless it answers want.
func (a *testApp) payoutAPI(t *testing.T, want int, method, path, key, body string) string {
	t.Helper()
	st, out := a.api(t, method, path, key, body)
	if st != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, st, want, out)
	}
	return out
}

// waitPayoutRuns waits until n background runs of the batch have ended.
func (a *testApp) waitPayoutRuns(t *testing.T, batchID string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := 0
		for _, line := range strings.Split(a.Logs.String(), "\n") {
			if strings.Contains(line, "payout run finished") && strings.Contains(line, batchID) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d payout runs of %s finished after 10 s", got, n, batchID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var batchLink = regexp.MustCompile(`^/payouts/(pb_[A-Za-z0-9]+)$`)

// createBatchPage creates a batch from the payouts page and returns its id.
func createBatchPage(t *testing.T, b *browser) string {
	t.Helper()
	resp, body := b.post("/payouts", "/payouts", url.Values{"cutoff": {""}})
	m := batchLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create batch: %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return m[1]
}

func wantStatus(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: %d, want %d: %s", what, resp.StatusCode, want, body)
	}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func TestPayoutPages(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.payoutFixture(t, "Acme", "owner@acme.test")
		owner := a.browser(t)
		owner.login("owner@acme.test", payoutPassword)

		st, body := owner.get("/payouts")
		if st != 200 {
			t.Fatalf("GET /payouts: %d", st)
		}
		mustContain(t, "empty payouts page", body, "No payout batches yet", `id="new-batch-form"`, `id="nav-payouts"`,
			"Off: batches are created by hand")

		// The schedule.
		resp, body := owner.post("/payouts", "/payouts/schedule", url.Values{"schedule": {"fortnightly"}})
		wantStatus(t, "bad schedule", resp, body, http.StatusSeeOther)
		_, body = owner.get("/payouts")
		mustContain(t, "payouts after a bad schedule", body, "The schedule was not changed", "Off: batches are created by hand")
		resp, body = owner.post("/payouts", "/payouts/schedule", url.Values{"schedule": {"twice_monthly"}})
		wantStatus(t, "schedule", resp, body, http.StatusSeeOther)
		_, body = owner.get("/payouts")
		mustContain(t, "payouts after the schedule", body, "Payout schedule saved", `id="schedule-current">Twice a month`,
			`id="schedule-next">`)
		if b, err := a.Brands.Get(context.Background(), f.brand.Brand.ID); err != nil || b.PayoutSchedule != brand.ScheduleTwiceMonthly {
			t.Fatalf("schedule stored: %v %+v", err, b)
		}

		// A future cut-off, a cut-off before any entry: nothing is created.
		future := time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")
		resp, body = owner.post("/payouts", "/payouts", url.Values{"cutoff": {future}})
		wantStatus(t, "future cut-off", resp, body, http.StatusUnprocessableEntity)
		mustContain(t, "future cut-off", body, "must not be in the future", `value="`+future+`"`)
		resp, body = owner.post("/payouts", "/payouts", url.Values{"cutoff": {"2020-01-01T00:00"}})
		wantStatus(t, "old cut-off", resp, body, http.StatusUnprocessableEntity)
		mustContain(t, "old cut-off", body, "No batch was created: nothing to pay")
		resp, body = owner.post("/payouts", "/payouts", url.Values{"cutoff": {"yesterday"}})
		wantStatus(t, "bad cut-off", resp, body, http.StatusUnprocessableEntity)

		id := createBatchPage(t, owner)
		st, body = owner.get("/payouts/" + id)
		if st != 200 {
			t.Fatalf("batch page: %d %s", st, body)
		}
		mustContain(t, "draft batch page", body, "Draft batch created: 30.00 USD to 1 creator", `id="batch-status">Draft`,
			"Maya Lee", "30.00 USD", "maya@pay.test", `href="/creators/`+f.maya.ID+`"`, "3 entries",
			"Noor Ali", payout.SkipReasonText[payout.SkipNoPayoutMethod], "Ola Berg", payout.SkipReasonText[payout.SkipNegativeBalance],
			`id="approve"`, `id="cancel"`, `id="export-generic"`, `id="export-paypal"`, "by owner@acme.test")
		if strings.Contains(body, `id="approve" disabled`) {
			t.Error("approve is disabled without two-person approval")
		}
		_, list := owner.get("/payouts")
		mustContain(t, "payouts list", list, `id="batch-`+id+`"`, "Draft", "30.00 USD", "owner@acme.test")

		items, err := a.Payouts.Items(context.Background(), f.brand.Brand.ID, id)
		if err != nil || len(items) != 1 {
			t.Fatalf("items: %v %d", err, len(items))
		}
		item := items[0]
		st, body = owner.get("/payouts/" + id + "/items/" + item.ID)
		if st != 200 {
			t.Fatalf("item page: %d %s", st, body)
		}
		mustContain(t, "item page", body, "Payout to Maya Lee", "Manual adjustment: campaign bonus", "25.00 USD", "-5.00 USD",
			`id="entries-sum"><strong>30.00 USD</strong>`)
		if n := strings.Count(body, `<tr id="entry-`); n != 3 {
			t.Errorf("item page lists %d entries, want 3", n)
		}

		// Items change only while the batch is paid.
		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/items/"+item.ID+"/mark-paid", url.Values{"reference": {"X"}})
		wantStatus(t, "mark paid a draft", resp, body, http.StatusConflict)
		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/execute", url.Values{})
		wantStatus(t, "execute a draft", resp, body, http.StatusConflict)
		mustContain(t, "execute a draft", body, "Not executed", "approve the batch before executing it")

		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/approve", url.Values{})
		wantStatus(t, "approve", resp, body, http.StatusSeeOther)
		_, body = owner.get("/payouts/" + id)
		mustContain(t, "approved batch", body, "Batch approved", `id="batch-status">Approved`, `id="execute"`, "by owner@acme.test")
		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/approve", url.Values{})
		wantStatus(t, "approve twice", resp, body, http.StatusConflict)

		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/execute", url.Values{})
		wantStatus(t, "execute", resp, body, http.StatusSeeOther)
		a.waitPayoutRuns(t, id, 1)
		_, body = owner.get("/payouts/" + id)
		mustContain(t, "processing batch", body, "Manual payments to make: 1", `id="batch-status">Processing`,
			`id="payout-progress"`, `class="inline-form item-mark-paid"`, `/static/js/payout_progress.js`)

		// The progress JSON.
		st, body = owner.get("/payouts/" + id + "/progress")
		if st != 200 {
			t.Fatalf("progress: %d %s", st, body)
		}
		pr := decodeAs[struct {
			Status  string `json:"status"`
			Items   int    `json:"items"`
			Pending int    `json:"pending"`
			Sending int    `json:"sending"`
			Running bool   `json:"running"`
		}](t, body)
		if pr.Status != "processing" || pr.Items != 1 || pr.Pending != 1 || pr.Sending != 0 || pr.Running {
			t.Errorf("progress %+v", pr)
		}

		// The exports.
		gen := owner.download(t, "/payouts/"+id+"/export.csv?format=generic")
		mustContain(t, "generic export", gen,
			"item_id,batch_id,creator_id,creator_name,creator_email,payout_email,amount,currency,entries,status,reference\n",
			item.ID+","+id+","+f.maya.ID+",Maya Lee,maya.lee@creator.test,maya@pay.test,30.00,USD,3,pending,\n")
		pp := owner.download(t, "/payouts/"+id+"/export.csv?format=paypal")
		if !strings.HasPrefix(pp, "maya@pay.test,30.00,USD,"+item.ID+`,"Acme creator payout`) || !strings.HasSuffix(pp, ",PAYPAL\n") ||
			strings.Count(pp, "\n") != 1 {
			t.Errorf("paypal export: %q", pp)
		}
		st, body = owner.get("/payouts/" + id + "/export.csv?format=xls")
		if st != http.StatusUnprocessableEntity {
			t.Errorf("export in an unknown format: %d %s", st, body)
		}

		// Mark paid: a reference is required.
		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/items/"+item.ID+"/mark-paid", url.Values{"reference": {"  "}})
		wantStatus(t, "mark paid without a reference", resp, body, http.StatusUnprocessableEntity)
		mustContain(t, "mark paid without a reference", body, "Not marked paid", `class="field-error"`)
		resp, body = owner.post("/payouts/"+id, "/payouts/"+id+"/items/"+item.ID+"/mark-paid", url.Values{"reference": {"BANK-42"}})
		wantStatus(t, "mark paid", resp, body, http.StatusSeeOther)
		_, body = owner.get("/payouts/" + id)
		mustContain(t, "completed batch", body, "Marked paid: 30.00 USD, reference BANK-42", `id="batch-status">Completed`,
			`<code class="item-reference">BANK-42</code>`)
		if strings.Contains(body, "item-mark-paid") || strings.Contains(body, `id="payout-progress"`) {
			t.Error("a completed batch still offers mark paid or shows progress")
		}
		gen = owner.download(t, "/payouts/"+id+"/export.csv?format=generic")
		mustContain(t, "generic export after payment", gen, ",3,paid,BANK-42\n")
		if pp := owner.download(t, "/payouts/"+id+"/export.csv?format=paypal"); pp != "" {
			t.Errorf("paypal export of a paid batch: %q", pp)
		}
		// The ledger: Maya's entries are paid.
		es := a.entries(t, f.brand.APIKey, "?creator_id="+f.maya.ID)
		for _, e := range es.Data {
			if e.Status != "paid" {
				t.Errorf("entry %s is %s after the payout", e.ID, e.Status)
			}
		}
	})
}

// download GETs a CSV export and returns its body.
func (b *browser) download(t *testing.T, path string) string {
	t.Helper()
	resp, err := b.client.Get(b.app.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET %s: %d %s %q: %s", path, resp.StatusCode, resp.Header.Get("Content-Type"),
			resp.Header.Get("Content-Disposition"), body)
	}
	return string(body)
}

// An analyst sees payouts but cannot act; another brand sees none of them.
func TestPayoutPagesPermissions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.payoutFixture(t, "Acme", "owner@acme.test")
		owner := a.browser(t)
		owner.login("owner@acme.test", payoutPassword)
		id := createBatchPage(t, owner)
		items, _ := a.Payouts.Items(context.Background(), f.brand.Brand.ID, id)

		ana := a.analyst(t, f.brand.Brand.ID, "ana@acme.test")
		st, body := ana.get("/payouts")
		if st != 200 || !strings.Contains(body, `id="batch-`+id+`"`) || strings.Contains(body, `id="new-batch-form"`) ||
			strings.Contains(body, `id="schedule-form"`) {
			t.Fatalf("analyst's payouts page: %d", st)
		}
		st, body = ana.get("/payouts/" + id)
		if st != 200 || !strings.Contains(body, `id="read-only"`) || strings.Contains(body, `id="approve"`) {
			t.Fatalf("analyst's batch page: %d", st)
		}
		if st, _ := ana.get("/payouts/" + id + "/items/" + items[0].ID); st != 200 {
			t.Errorf("analyst's item page: %d", st)
		}
		for _, p := range []string{"/payouts", "/payouts/schedule", "/payouts/" + id + "/approve", "/payouts/" + id + "/execute",
			"/payouts/" + id + "/cancel", "/payouts/" + id + "/items/" + items[0].ID + "/mark-paid",
			"/payouts/" + id + "/items/" + items[0].ID + "/retry", "/payouts/" + id + "/items/" + items[0].ID + "/manual"} {
			resp, body := ana.post("/payouts/"+id, p, url.Values{"reference": {"x"}, "schedule": {"weekly"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("analyst POST %s: %d %s", p, resp.StatusCode, body)
			}
		}
		if st, _ := ana.get("/payouts/" + id + "/export.csv"); st != http.StatusForbidden {
			t.Errorf("analyst export: %d", st)
		}
		if b, _ := a.Payouts.Get(context.Background(), f.brand.Brand.ID, id); b.Status != payout.BatchDraft {
			t.Errorf("analyst changed the batch: %s", b.Status)
		}

		a.createBrand(t, "Other", "owner@other.test")
		other := a.browser(t)
		other.login("owner@other.test", payoutPassword)
		for _, p := range []string{"/payouts/" + id, "/payouts/" + id + "/progress", "/payouts/" + id + "/items/" + items[0].ID,
			"/payouts/" + id + "/export.csv"} {
			if st, _ := other.get(p); st != http.StatusNotFound {
				t.Errorf("other brand GET %s: %d", p, st)
			}
		}
		for _, p := range []string{"/payouts/" + id + "/approve", "/payouts/" + id + "/cancel",
			"/payouts/" + id + "/items/" + items[0].ID + "/mark-paid"} {
			resp, body := other.post("/payouts", p, url.Values{"reference": {"x"}})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("other brand POST %s: %d %s", p, resp.StatusCode, body)
			}
		}
		if _, body := other.get("/payouts"); strings.Contains(body, id) {
			t.Error("another brand lists the batch")
		}
	})
}

// Two-person approval: the creator of a batch cannot approve it; the page
// says why.
func TestPayoutPagesTwoPersonApproval(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	f := a.payoutFixture(t, "Acme", "owner@acme.test")
	a.payoutAPI(t, 200, "PATCH", "/api/v1/brand", f.brand.APIKey, `{"two_person_approval": true}`)
	owner := a.browser(t)
	owner.login("owner@acme.test", payoutPassword)
	id := createBatchPage(t, owner)
	_, body := owner.get("/payouts/" + id)
	mustContain(t, "own batch under two-person approval", body, `id="approve" disabled`, `id="approve-blocked"`,
		"another owner or admin must approve it")
	resp, body := owner.post("/payouts/"+id, "/payouts/"+id+"/approve", url.Values{})
	wantStatus(t, "approving one's own batch", resp, body, http.StatusConflict)
	mustContain(t, "approving one's own batch", body, "Not approved: two-person approval")
	// Someone else (here an API key) approves it.
	out := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+id+"/approve", f.brand.APIKey, ""))
	if out.Status != "approved" || out.CreatedBy != "owner@acme.test" || !strings.HasPrefix(out.ApprovedBy, "API key") {
		t.Fatalf("approved by the key: %+v", out)
	}
}

// A Stripe batch: a transfer that fails is retried or paid by hand.
func TestPayoutStripeRetryAndManual(t *testing.T) {
	needStripe(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		ctx := context.Background()
		c := a.createBrand(t, "Acme", "owner@acme.test")
		key := "sk_test_123"
		if _, err := a.Brands.UpdateSettings(ctx, commissionCLI, c.Brand.ID, brand.SettingsPatch{StripeSecretKey: &key}); err != nil {
			t.Fatal(err)
		}
		b, err := a.Brands.Get(ctx, c.Brand.ID)
		if err != nil {
			t.Fatal(err)
		}
		maya := a.payoutCreator(t, b.ID, "Maya Lee", "")
		kai := a.payoutCreator(t, b.ID, "Kai Moon", "kai@pay.test")
		for i, cr := range []*creator.Creator{maya, kai} {
			if err := db.Exec("UPDATE creators SET stripe_account_id = ?, stripe_payouts_enabled = ? WHERE id = ?",
				[]string{"acct_maya", "acct_kai"}[i], true, cr.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		a.payoutAdjust(t, b, maya.ID, 4000)
		a.payoutAdjust(t, b, kai.ID, 1500)
		out := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 201, "POST", "/api/v1/payout-batches", c.APIKey, ""))
		if len(out.Items) != 2 || out.Total != 5500 {
			t.Fatalf("batch %+v", out)
		}
		for _, it := range out.Items {
			if it.Method != "stripe" || !strings.HasPrefix(it.Destination, "acct_") {
				t.Fatalf("item %+v", it)
			}
		}
		// Stripe goes away before the batch is paid: both transfers fail.
		empty := ""
		if _, err := a.Brands.UpdateSettings(ctx, commissionCLI, b.ID, brand.SettingsPatch{StripeSecretKey: &empty}); err != nil {
			t.Fatal(err)
		}
		owner := a.browser(t)
		owner.login("owner@acme.test", payoutPassword)
		resp, body := owner.post("/payouts/"+out.ID, "/payouts/"+out.ID+"/approve", url.Values{})
		wantStatus(t, "approve", resp, body, http.StatusSeeOther)
		resp, body = owner.post("/payouts/"+out.ID, "/payouts/"+out.ID+"/execute", url.Values{})
		wantStatus(t, "execute", resp, body, http.StatusSeeOther)
		a.waitPayoutRuns(t, out.ID, 1)
		_, body = owner.get("/payouts/" + out.ID)
		mustContain(t, "failed transfers", body, "Stripe transfers being sent: 2", "Stripe is not set up for this brand",
			`class="inline-form item-retry"`, `class="inline-form item-manual"`)
		if n := strings.Count(body, `item-status">Failed`); n != 2 {
			t.Fatalf("%d failed items shown, want 2", n)
		}
		var mayaItem, kaiItem string
		for _, it := range out.Items {
			if it.CreatorID == maya.ID {
				mayaItem = it.ID
			} else {
				kaiItem = it.ID
			}
		}
		// Maya's transfer is retried once Stripe is back; Kai is paid by hand.
		if _, err := a.Brands.UpdateSettings(ctx, commissionCLI, b.ID, brand.SettingsPatch{StripeSecretKey: &key}); err != nil {
			t.Fatal(err)
		}
		resp, body = owner.post("/payouts/"+out.ID, "/payouts/"+out.ID+"/items/"+mayaItem+"/retry", url.Values{})
		wantStatus(t, "retry", resp, body, http.StatusSeeOther)
		a.waitPayoutRuns(t, out.ID, 2)
		resp, body = owner.post("/payouts/"+out.ID, "/payouts/"+out.ID+"/items/"+kaiItem+"/manual", url.Values{})
		wantStatus(t, "to manual", resp, body, http.StatusSeeOther)
		_, body = owner.get("/payouts/" + out.ID)
		mustContain(t, "after the retry", body, "Moved to manual payment: pay 15.00 USD to kai@pay.test", `class="item-transfer">tr_`,
			`class="inline-form item-mark-paid"`, `id="batch-status">Processing`)
		it, err := a.Payouts.Item(ctx, b.ID, out.ID, mayaItem)
		if err != nil || it.Status != payout.ItemSent || !strings.HasPrefix(it.TransferID, "tr_") {
			t.Fatalf("maya's item: %v %+v", err, it)
		}
		got := decodeAs[apiPayoutItem](t, a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+kaiItem+"/mark-paid",
			c.APIKey, `{"reference": "PAYPAL-7"}`))
		if got.Status != "paid" || got.Method != "manual" || got.Reference != "PAYPAL-7" {
			t.Fatalf("kai's item: %+v", got)
		}
		done := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "GET", "/api/v1/payout-batches/"+out.ID, c.APIKey, ""))
		if done.Status != "completed" {
			t.Fatalf("batch %s, want completed", done.Status)
		}
	})
}
