package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func (a *testApp) payoutAPIErr(t *testing.T, want int, code, method, path, key, body string) apiErrorBody {
	t.Helper()
	e := decodeAs[apiErrorBody](t, a.payoutAPI(t, want, method, path, key, body))
	if e.Error.Code != code {
		t.Fatalf("%s %s: error code %q, want %q (%s)", method, path, e.Error.Code, code, e.Error.Message)
	}
	return e
}

func TestPayoutAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.payoutFixture(t, "Acme", "owner@acme.test")
		key := f.brand.APIKey

		// Cut-offs in the future, or not times, are refused.
		e := a.payoutAPIErr(t, 422, "invalid", "POST", "/api/v1/payout-batches", key,
			`{"cutoff": "`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`"}`)
		if len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "cutoff" {
			t.Errorf("future cut-off: %+v", e)
		}
		a.payoutAPIErr(t, 422, "invalid", "POST", "/api/v1/payout-batches", key, `{"cutoff": "tomorrow"}`)
		a.payoutAPIErr(t, 400, "unknown_field", "POST", "/api/v1/payout-batches", key, `{"cut_off": "2026-01-01T00:00:00Z"}`)
		e = a.payoutAPIErr(t, 422, "nothing_to_pay", "POST", "/api/v1/payout-batches", key, `{"cutoff": "2020-01-01T00:00:00Z"}`)
		if !strings.Contains(e.Error.Message, "no payable entry up to 2020-01-01") {
			t.Errorf("nothing to pay: %q", e.Error.Message)
		}

		out := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 201, "POST", "/api/v1/payout-batches", key, `{}`))
		if out.ID == "" || out.Status != "draft" || out.Currency != "USD" || out.Total != 3000 || len(out.Items) != 1 || len(out.Skipped) != 2 {
			t.Fatalf("created %+v", out)
		}
		it := out.Items[0]
		if it.ID == "" || it.CreatorID != f.maya.ID || it.Amount != 3000 || it.Method != "manual" || it.Status != "pending" ||
			it.Destination != "maya@pay.test" || it.Entries != 3 {
			t.Errorf("item %+v", it)
		}
		reasons := map[string]string{}
		for _, s := range out.Skipped {
			reasons[s.CreatorID] = s.Reason
			if s.Explanation == "" {
				t.Errorf("skip %+v without an explanation", s)
			}
		}
		if reasons[f.noor.ID] != "no_payout_method" || reasons[f.ola.ID] != "negative_balance" {
			t.Errorf("skipped %+v", out.Skipped)
		}
		// Every payable entry is in the batch or skipped: nothing left to pay.
		e = a.payoutAPIErr(t, 422, "nothing_to_pay", "POST", "/api/v1/payout-batches", key, "")
		if !strings.Contains(e.Error.Message, "skipped") {
			t.Errorf("second batch: %q", e.Error.Message)
		}

		got := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "GET", "/api/v1/payout-batches/"+out.ID, key, ""))
		if got.ID != out.ID || got.Total != 3000 || len(got.Items) != 1 || got.Items[0].ID != it.ID || len(got.Skipped) != 2 {
			t.Errorf("GET %+v", got)
		}
		list := decodeAs[struct {
			Data []apiPayoutBatch `json:"data"`
		}](t, a.payoutAPI(t, 200, "GET", "/api/v1/payout-batches", key, ""))
		if len(list.Data) != 1 || list.Data[0].ID != out.ID || list.Data[0].Items != nil {
			t.Errorf("list %+v", list)
		}

		// Out of order: refused with 409.
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+out.ID+"/execute", key, "")
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/mark-paid", key,
			`{"reference": "X"}`)
		approved := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+out.ID+"/approve", key, ""))
		if approved.Status != "approved" || !strings.HasPrefix(approved.ApprovedBy, "API key") {
			t.Errorf("approved %+v", approved)
		}
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+out.ID+"/approve", key, "")
		bal := decodeAs[apiBalance](t, a.payoutAPI(t, 200, "GET", "/api/v1/creators/"+f.maya.ID+"/balance", key, ""))
		if bal.Payable != 0 || bal.Paid != 0 {
			t.Errorf("balance in a batch: %+v", bal)
		}

		ex := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 202, "POST", "/api/v1/payout-batches/"+out.ID+"/execute", key, ""))
		if ex.Status != "processing" {
			t.Errorf("executed %+v", ex)
		}
		a.waitPayoutRuns(t, out.ID, 1)
		got = decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "GET", "/api/v1/payout-batches/"+out.ID, key, ""))
		if got.Status != "processing" || got.Items[0].Status != "pending" || got.Items[0].Method != "manual" {
			t.Fatalf("after execute %+v", got)
		}
		// Executing again is harmless: it is already processing.
		a.payoutAPI(t, 202, "POST", "/api/v1/payout-batches/"+out.ID+"/execute", key, "")
		a.waitPayoutRuns(t, out.ID, 2)
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+out.ID+"/cancel", key, "")
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/retry", key, "")

		// Another brand sees none of it.
		other := a.createBrand(t, "Other", "owner@other.test")
		for _, p := range []string{"/api/v1/payout-batches/" + out.ID} {
			a.payoutAPIErr(t, 404, "not_found", "GET", p, other.APIKey, "")
		}
		for _, p := range []string{"/approve", "/execute", "/cancel", "/items/" + it.ID + "/retry"} {
			a.payoutAPIErr(t, 404, "not_found", "POST", "/api/v1/payout-batches/"+out.ID+p, other.APIKey, "")
		}
		a.payoutAPIErr(t, 404, "not_found", "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/mark-paid", other.APIKey,
			`{"reference": "X"}`)
		if l := a.payoutAPI(t, 200, "GET", "/api/v1/payout-batches", other.APIKey, ""); strings.Contains(l, out.ID) {
			t.Errorf("another brand lists the batch: %s", l)
		}
		a.payoutAPIErr(t, 404, "not_found", "POST", "/api/v1/payout-batches/"+out.ID+"/items/po_nope/mark-paid", key, `{"reference": "X"}`)

		a.payoutAPIErr(t, 422, "invalid", "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/mark-paid", key, `{"reference": " "}`)
		a.payoutAPIErr(t, 400, "malformed_json", "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/mark-paid", key, "")
		paid := decodeAs[apiPayoutItem](t, a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/mark-paid",
			key, `{"reference": "PP-123"}`))
		if paid.ID != it.ID || paid.Status != "paid" || paid.Reference != "PP-123" || paid.Amount != 3000 || paid.Currency != "USD" {
			t.Errorf("marked paid %+v", paid)
		}
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+out.ID+"/items/"+it.ID+"/mark-paid", key,
			`{"reference": "PP-124"}`)
		got = decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "GET", "/api/v1/payout-batches/"+out.ID, key, ""))
		if got.Status != "completed" {
			t.Errorf("batch after the last item is paid: %s", got.Status)
		}
		bal = decodeAs[apiBalance](t, a.payoutAPI(t, 200, "GET", "/api/v1/creators/"+f.maya.ID+"/balance", key, ""))
		if bal.Paid != 3000 || bal.Payable != 0 {
			t.Errorf("balance after the payout: %+v", bal)
		}
		for _, e := range a.entries(t, key, "?creator_id="+f.maya.ID).Data {
			if e.Status != "paid" {
				t.Errorf("entry %s is %s", e.ID, e.Status)
			}
		}
	})
}

// Cancelling releases a batch's entries: the next batch pays them.
func TestPayoutAPICancel(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.payoutFixture(t, "Acme", "owner@acme.test")
		key := f.brand.APIKey
		first := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 201, "POST", "/api/v1/payout-batches", key, ""))
		a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+first.ID+"/approve", key, "")
		c := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+first.ID+"/cancel", key, ""))
		if c.Status != "cancelled" || c.Items[0].Status != "cancelled" {
			t.Fatalf("cancelled %+v", c)
		}
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+first.ID+"/cancel", key, "")
		a.payoutAPIErr(t, 409, "invalid_state", "POST", "/api/v1/payout-batches/"+first.ID+"/execute", key, "")
		bal := decodeAs[apiBalance](t, a.payoutAPI(t, 200, "GET", "/api/v1/creators/"+f.maya.ID+"/balance", key, ""))
		if bal.Payable != 3000 {
			t.Errorf("balance after the cancel: %+v", bal)
		}
		second := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 201, "POST", "/api/v1/payout-batches", key, ""))
		if second.ID == first.ID || second.Total != 3000 || len(second.Items) != 1 || second.Items[0].CreatorID != f.maya.ID ||
			second.Items[0].Entries != 3 {
			t.Fatalf("second batch %+v", second)
		}
	})
}

// Two-person approval: the key that created a batch cannot approve it;
// another member's key can.
func TestPayoutAPITwoPersonApproval(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		f := a.payoutFixture(t, "Acme", "owner@acme.test")
		key := f.brand.APIKey
		if body := a.payoutAPI(t, 200, "PATCH", "/api/v1/brand", key, `{"two_person_approval": true}`); !strings.Contains(body, `"two_person_approval":true`) {
			t.Fatalf("brand %s", body)
		}
		out := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 201, "POST", "/api/v1/payout-batches", key, ""))
		e := a.payoutAPIErr(t, 409, "same_approver", "POST", "/api/v1/payout-batches/"+out.ID+"/approve", key, "")
		if !strings.Contains(e.Error.Message, "someone other than its creator") {
			t.Errorf("same approver: %q", e.Error.Message)
		}
		_, second, err := a.Brands.CreateAPIKey(context.Background(), brand.Actor{Type: "cli", Label: "test"}, f.brand.Brand.ID, "finance")
		if err != nil {
			t.Fatal(err)
		}
		ok := decodeAs[apiPayoutBatch](t, a.payoutAPI(t, 200, "POST", "/api/v1/payout-batches/"+out.ID+"/approve", second, ""))
		if ok.Status != "approved" || !strings.Contains(ok.ApprovedBy, "finance") {
			t.Errorf("approved by the second key: %+v", ok)
		}
	})
}
