package payout_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/stripe/stripe-go/v76"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

const acctMaster = "0123456789abcdef0123456789abcdef"

// acctEnv wires the services the account tests need; stripeBase is where
// Stripe calls go (always a local server in tests).
type acctEnv struct {
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	payouts  *payout.Service
}

func newAcctEnv(t *testing.T, db *store.DB, stripeBase string) *acctEnv {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(acctMaster), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	return &acctEnv{db: db, brands: brands,
		creators: creator.NewService(db, brands, outbox, "http://clout.test", acctMaster, log),
		payouts:  payout.NewService(db, brands, outbox, stripeapi.Factory{Base: stripeBase}, "http://clout.test", log)}
}

// brand makes a brand; withKey stores a Stripe secret key (sealed, as the
// settings page would, without its live check).
func (e *acctEnv) brand(t *testing.T, name string, withKey bool) *brand.Brand {
	t.Helper()
	ctx := context.Background()
	c, err := e.brands.CreateBrand(ctx, brand.NewBrand{Name: name,
		OwnerEmail: strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@brand.test",
		Password:   "correct horse battery", Currency: "USD"}, brand.Actor{Type: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if withKey {
		if err := e.db.Exec("UPDATE brands SET stripe_secret_key = ? WHERE id = ?", secret.NewBox(acctMaster).Seal("sk_test_123"), c.Brand.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	b, err := e.brands.Get(ctx, c.Brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *acctEnv) creator(t *testing.T, brandID, name, country string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
	cr, _, err := e.creators.New(context.Background(), brand.Actor{Type: "cli"}, brandID,
		creator.Profile{Name: &name, Email: &email, Country: &country}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func (e *acctEnv) reload(t *testing.T, brandID, id string) *creator.Creator {
	t.Helper()
	var cr creator.Creator
	if err := e.db.Where("brand_id = ? AND id = ?", brandID, id).Take(&cr).Error; err != nil {
		t.Fatal(err)
	}
	return &cr
}

func (e *acctEnv) audits(t *testing.T, brandID, action string) int64 {
	t.Helper()
	var n int64
	if err := e.db.Table("audit_log").Where("brand_id = ? AND action = ?", brandID, action).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// acctRecorder sits in front of a Stripe (stripe-mock or a fake) and keeps the
// requests it passed on.
type acctRecorder struct {
	mu   sync.Mutex
	reqs []acctRequest
}

type acctRequest struct {
	method, path string
	form         url.Values
	idem         string
}

func (r *acctRecorder) calls(method, path string) []acctRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []acctRequest
	for _, q := range r.reqs {
		if q.method == method && q.path == path {
			out = append(out, q)
		}
	}
	return out
}

func acctRecord(t *testing.T, target string) (string, *acctRecorder) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &acctRecorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, acctRequest{r.Method, r.URL.Path, form, r.Header.Get("Idempotency-Key")})
		rec.mu.Unlock()
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(string(body))), int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, rec
}

// acctFailStripe is a Stripe that fails the test when called.
func acctFailStripe(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected Stripe call: %s %s", r.Method, r.URL.Path)
		http.Error(w, "{}", 500)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// acctFakeStripe answers account retrieves from a table: id → JSON body, or
// status → error. Stripe-mock always answers a retrieve with an account,
// so refusals need this.
func acctFakeStripe(t *testing.T, accounts map[string]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		id := strings.TrimPrefix(r.URL.Path, "/v1/accounts/")
		body, ok := accounts[id]
		switch {
		case r.Method != http.MethodGet || !ok:
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such account: '`+id+`'"}}`)
		case body == "401":
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_***123"}}`)
		default:
			io.WriteString(w, body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func acctFieldOf(err error) string {
	var ve validate.Errors
	if !errors.As(err, &ve) || len(ve) == 0 {
		return ""
	}
	return ve[0].Field
}

func TestConnectLinkStripeMock(t *testing.T) {
	mock := testutil.StripeMock(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		base, rec := acctRecord(t, mock)
		e := newAcctEnv(t, db, base)
		ctx := context.Background()
		b := e.brand(t, "Glow", true)
		maya := e.creator(t, b.ID, "Maya Lee", "us")

		link, err := e.payouts.ConnectLink(ctx, b, maya.ID, "http://clout.test/portal/payouts/stripe/return", "http://clout.test/portal/payouts/stripe/refresh")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, "https://") {
			t.Fatalf("onboarding link %q", link)
		}
		news := rec.calls("POST", "/v1/accounts")
		if len(news) != 1 {
			t.Fatalf("%d account creations", len(news))
		}
		f := news[0].form
		if f.Get("type") != "express" || f.Get("capabilities[transfers][requested]") != "true" || f.Get("email") != "maya.lee@creator.test" ||
			f.Get("country") != "US" || f.Get("metadata[brand_id]") != b.ID || f.Get("metadata[creator_id]") != maya.ID {
			t.Fatalf("account params: %v", f)
		}
		if news[0].idem != "clout-connect-account-"+maya.ID {
			t.Fatalf("idempotency key %q", news[0].idem)
		}
		cr := e.reload(t, b.ID, maya.ID)
		if cr.StripeAccountID == nil || !strings.HasPrefix(*cr.StripeAccountID, "acct_") || cr.StripeCheckedAt == nil {
			t.Fatalf("stored: %+v", cr)
		}
		acct := *cr.StripeAccountID
		links := rec.calls("POST", "/v1/account_links")
		if len(links) != 1 || links[0].form.Get("account") != acct || links[0].form.Get("type") != "account_onboarding" ||
			links[0].form.Get("return_url") != "http://clout.test/portal/payouts/stripe/return" ||
			links[0].form.Get("refresh_url") != "http://clout.test/portal/payouts/stripe/refresh" {
			t.Fatalf("account link params: %+v", links)
		}
		if n := e.audits(t, b.ID, "creator.stripe_account_created"); n != 1 {
			t.Fatalf("%d audit entries", n)
		}

		// Again (continue onboarding): a new link for the same account.
		if _, err := e.payouts.ConnectLink(ctx, b, maya.ID, "http://r", "http://f"); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.calls("POST", "/v1/accounts")); n != 1 {
			t.Fatalf("a second account was created: %d", n)
		}
		if links := rec.calls("POST", "/v1/account_links"); len(links) != 2 || links[1].form.Get("account") != acct {
			t.Fatalf("second link: %+v", links)
		}

		// Refresh: retrieves the account and stores what Stripe says.
		st, err := e.payouts.RefreshAccount(ctx, b, maya.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.calls("GET", "/v1/accounts/"+acct)) != 1 || st.AccountID != acct || st.CreatorID != maya.ID || st.CheckedAt == nil {
			t.Fatalf("refresh: %+v", st)
		}
		cr = e.reload(t, b.ID, maya.ID)
		if cr.StripePayoutsEnabled != st.PayoutsEnabled || !cr.StripeCheckedAt.Equal(*st.CheckedAt) {
			t.Fatalf("stored %v at %v, refresh said %+v", cr.StripePayoutsEnabled, cr.StripeCheckedAt, st)
		}

		// Tenant isolation: another brand cannot reach Maya.
		other := e.brand(t, "Other", true)
		if _, err := e.payouts.ConnectLink(ctx, other, maya.ID, "http://r", "http://f"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other brand's connect: %v", err)
		}
		if _, err := e.payouts.RefreshAccount(ctx, other, maya.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other brand's refresh: %v", err)
		}
		// A creator without an account has nothing to refresh.
		ana := e.creator(t, b.ID, "Ana", "")
		if _, err := e.payouts.RefreshAccount(ctx, b, ana.ID); !errors.Is(err, payout.ErrNoAccount) {
			t.Fatalf("no account: %v", err)
		}
	})
}

func TestConnectWithoutStripe(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newAcctEnv(t, db, acctFailStripe(t))
		ctx := context.Background()
		b := e.brand(t, "Glow", false)
		maya := e.creator(t, b.ID, "Maya", "")
		if _, err := e.payouts.ConnectLink(ctx, b, maya.ID, "http://r", "http://f"); !errors.Is(err, payout.ErrNoStripe) {
			t.Fatalf("connect: %v", err)
		}
		if _, err := e.payouts.RefreshAccount(ctx, b, maya.ID); !errors.Is(err, payout.ErrNoStripe) {
			t.Fatalf("refresh: %v", err)
		}
		if _, err := e.payouts.LinkAccount(ctx, brand.Actor{Type: "cli"}, b, maya.ID, "acct_123"); !errors.Is(err, payout.ErrNoStripe) {
			t.Fatalf("link: %v", err)
		}
		if cr := e.reload(t, b.ID, maya.ID); cr.StripeAccountID != nil {
			t.Fatalf("stored %v", *cr.StripeAccountID)
		}
	})
}

func TestLinkAccountStripeMock(t *testing.T) {
	mock := testutil.StripeMock(t)
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newAcctEnv(t, db, mock)
		ctx := context.Background()
		actor := brand.Actor{Type: "user", ID: "usr_1", Label: "owner@glow.test"}
		b := e.brand(t, "Glow", true)
		maya := e.creator(t, b.ID, "Maya", "")
		ana := e.creator(t, b.ID, "Ana", "")

		for _, bad := range []string{"", "acct_", "123", "ACCT_123", "acct_12 3", "acct_12-3", "acct_" + strings.Repeat("a", 260)} {
			if _, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, bad); acctFieldOf(err) != "account_id" {
				t.Errorf("%q: %v, want a validation error on account_id", bad, err)
			}
		}
		st, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, " acct_Linked123 ")
		if err != nil {
			t.Fatal(err)
		}
		if !st.Linked || st.AccountID != "acct_Linked123" || st.CreatorID != maya.ID || st.CheckedAt == nil {
			t.Fatalf("linked: %+v", st)
		}
		cr := e.reload(t, b.ID, maya.ID)
		if cr.StripeAccountID == nil || *cr.StripeAccountID != "acct_Linked123" || cr.StripePayoutsEnabled != st.PayoutsEnabled {
			t.Fatalf("stored: %+v", cr)
		}
		if n := e.audits(t, b.ID, "creator.stripe_account_linked"); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
		// Again: already hers, no new audit entry.
		if st, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, "acct_Linked123"); err != nil || st.Linked {
			t.Fatalf("relink: %+v, %v", st, err)
		}
		if n := e.audits(t, b.ID, "creator.stripe_account_linked"); n != 1 {
			t.Fatalf("%d audit entries after relinking", n)
		}
		// One account pays one creator of a brand.
		if _, err := e.payouts.LinkAccount(ctx, actor, b, ana.ID, "acct_Linked123"); !errors.Is(err, store.ErrConflict) ||
			!strings.Contains(err.Error(), "Maya") {
			t.Fatalf("taken: %v", err)
		}
		if cr := e.reload(t, b.ID, ana.ID); cr.StripeAccountID != nil {
			t.Fatalf("ana got %v", *cr.StripeAccountID)
		}
		// Another brand's creator is not found; another brand may link the
		// same account id to its own creator (accounts are per platform).
		other := e.brand(t, "Other", true)
		sam := e.creator(t, other.ID, "Sam", "")
		if _, err := e.payouts.LinkAccount(ctx, actor, other, maya.ID, "acct_Other1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other brand's creator: %v", err)
		}
		if _, err := e.payouts.LinkAccount(ctx, actor, other, sam.ID, "acct_Linked123"); err != nil {
			t.Fatalf("same id in another brand: %v", err)
		}
		// Linking a new account to Maya replaces the old.
		if st, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, "acct_Second2"); err != nil || !st.Linked {
			t.Fatalf("replace: %+v, %v", st, err)
		}
		if cr := e.reload(t, b.ID, maya.ID); *cr.StripeAccountID != "acct_Second2" {
			t.Fatalf("after replace: %v", *cr.StripeAccountID)
		}
	})
}

// Stripe refusals: an unknown account is a field error, a rejected key an
// ErrConnect; nothing is stored either way. A retrieve shows whether
// transfers are active (stripe-mock's fixture always says active, so the
// fake covers both).
func TestLinkAccountRefusedAndStatus(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		fake := acctFakeStripe(t, map[string]string{
			"acct_Ready1":   `{"id":"acct_Ready1","object":"account","details_submitted":true,"capabilities":{"transfers":"active"}}`,
			"acct_Pending1": `{"id":"acct_Pending1","object":"account","details_submitted":false,"capabilities":{"transfers":"inactive"}}`,
			"acct_Key1":     "401",
		})
		e := newAcctEnv(t, db, fake)
		ctx := context.Background()
		actor := brand.Actor{Type: "cli"}
		b := e.brand(t, "Glow", true)
		maya := e.creator(t, b.ID, "Maya", "")

		_, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, "acct_Unknown1")
		if acctFieldOf(err) != "account_id" || !strings.Contains(err.Error(), "No such account") {
			t.Fatalf("unknown account: %v", err)
		}
		if _, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, "acct_Key1"); !errors.Is(err, payout.ErrConnect) ||
			!strings.Contains(err.Error(), "secret key") {
			t.Fatalf("rejected key: %v", err)
		}
		if cr := e.reload(t, b.ID, maya.ID); cr.StripeAccountID != nil {
			t.Fatalf("stored %v after refusals", *cr.StripeAccountID)
		}

		st, err := e.payouts.LinkAccount(ctx, actor, b, maya.ID, "acct_Pending1")
		if err != nil || st.PayoutsEnabled || st.DetailsSubmitted {
			t.Fatalf("pending account: %+v, %v", st, err)
		}
		st, err = e.payouts.LinkAccount(ctx, actor, b, maya.ID, "acct_Ready1")
		if err != nil || !st.PayoutsEnabled || !st.DetailsSubmitted {
			t.Fatalf("ready account: %+v, %v", st, err)
		}
		if cr := e.reload(t, b.ID, maya.ID); !cr.StripePayoutsEnabled {
			t.Fatal("ready not stored")
		}
		// The account stops being able to receive transfers: a refresh sees it.
		e.db.Exec("UPDATE creators SET stripe_account_id = ? WHERE id = ?", "acct_Pending1", maya.ID)
		if st, err := e.payouts.RefreshAccount(ctx, b, maya.ID); err != nil || st.PayoutsEnabled {
			t.Fatalf("refresh: %+v, %v", st, err)
		}
		if cr := e.reload(t, b.ID, maya.ID); cr.StripePayoutsEnabled {
			t.Fatal("refresh not stored")
		}
		// An account Stripe no longer knows: ErrConnect, nothing changes.
		e.db.Exec("UPDATE creators SET stripe_account_id = ? WHERE id = ?", "acct_Gone1", maya.ID)
		if _, err := e.payouts.RefreshAccount(ctx, b, maya.ID); !errors.Is(err, payout.ErrConnect) || !strings.Contains(err.Error(), "No such account") {
			t.Fatalf("gone: %v", err)
		}
	})
}

func TestAccountUpdated(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newAcctEnv(t, db, acctFailStripe(t))
		ctx := context.Background()
		b := e.brand(t, "Glow", false)
		other := e.brand(t, "Other", false)
		maya := e.creator(t, b.ID, "Maya", "")
		sam := e.creator(t, other.ID, "Sam", "")
		// The same platform account id in two brands (two platforms).
		e.db.Exec("UPDATE creators SET stripe_account_id = ? WHERE id IN (?, ?)", "acct_Maya1", maya.ID, sam.ID)

		ready := &stripe.Account{ID: "acct_Maya1", Capabilities: &stripe.AccountCapabilities{Transfers: stripe.AccountCapabilityStatusActive}}
		matched, err := e.payouts.AccountUpdated(ctx, b.ID, ready)
		if err != nil || !matched {
			t.Fatalf("matched %v, %v", matched, err)
		}
		if cr := e.reload(t, b.ID, maya.ID); !cr.StripePayoutsEnabled || cr.StripeCheckedAt == nil {
			t.Fatalf("maya: %+v", cr)
		}
		if cr := e.reload(t, other.ID, sam.ID); cr.StripePayoutsEnabled || cr.StripeCheckedAt != nil {
			t.Fatalf("the other brand's creator changed: %+v", cr)
		}
		// Restricted again (e.g. requirements past due).
		restricted := &stripe.Account{ID: "acct_Maya1", Capabilities: &stripe.AccountCapabilities{Transfers: stripe.AccountCapabilityStatusInactive}}
		if matched, err := e.payouts.AccountUpdated(ctx, b.ID, restricted); err != nil || !matched {
			t.Fatalf("restricted: %v, %v", matched, err)
		}
		if cr := e.reload(t, b.ID, maya.ID); cr.StripePayoutsEnabled {
			t.Fatal("still enabled")
		}
		if matched, err := e.payouts.AccountUpdated(ctx, b.ID, &stripe.Account{ID: "acct_Nobody"}); err != nil || matched {
			t.Fatalf("unknown account: %v, %v", matched, err)
		}
		if id, err := e.payouts.AccountCreatorID(ctx, b.ID, "acct_Maya1"); err != nil || id != maya.ID {
			t.Fatalf("creator of the account: %q, %v", id, err)
		}
	})
}

func TestCheckAccountID(t *testing.T) {
	for id, ok := range map[string]bool{"acct_1OaBcDeFgHiJkLmN": true, "acct_x": true, "acct_": false, "acct": false,
		"cus_123": false, "acct_1 2": false, "acct_é": false, "": false} {
		if got := payout.CheckAccountID(id) == ""; got != ok {
			t.Errorf("%q: ok %v, want %v", id, got, ok)
		}
	}
}
