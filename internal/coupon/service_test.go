package coupon_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

var master = strings.Repeat("s", 32)

type env struct {
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	codes    *coupon.Service
}

// newEnv wires the services; stripeBase is where the coupon service sends
// Stripe calls ("" would be the real Stripe, so tests always pass one).
func newEnv(t *testing.T, db *store.DB, stripeBase string) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(master), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	return &env{db: db, brands: brands, creators: creator.NewService(db, brands, outbox, "http://clout.test", master, log),
		codes: coupon.NewService(db, brands, stripeapi.Factory{Base: stripeBase}, log)}
}

func (e *env) brand(t *testing.T, name, currency string) *brand.Brand {
	t.Helper()
	c, err := e.brands.CreateBrand(context.Background(), brand.NewBrand{Name: name,
		OwnerEmail: strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@brand.test",
		Password:   "correct horse battery", Currency: currency}, brand.Actor{Type: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Brand
}

// setStripeKey stores a sealed Stripe secret key as the settings page would
// (without the settings page's live check of the key).
func (e *env) setStripeKey(t *testing.T, brandID, key string) {
	t.Helper()
	if err := e.db.Exec("UPDATE brands SET stripe_secret_key = ? WHERE id = ?", secret.NewBox(master).Seal(key), brandID).Error; err != nil {
		t.Fatal(err)
	}
}

func (e *env) creator(t *testing.T, brandID, name string, handles map[creator.Platform]string) *creator.Creator {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@creator.test"
	hs := map[creator.Platform]creator.HandleInput{}
	for p, h := range handles {
		hs[p] = creator.HandleInput{Handle: h}
	}
	cr, _, err := e.creators.New(context.Background(), brand.Actor{Type: "cli"}, brandID,
		creator.Profile{Name: &name, Email: &email, Handles: hs}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func fieldOf(err error) string {
	var ve validate.Errors
	if !errors.As(err, &ve) {
		return ""
	}
	return ve[0].Field
}

// failStripe is a Stripe that fails the test when called.
func failStripe(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected Stripe call: %s %s", r.Method, r.URL.Path)
		http.Error(w, "{}", 500)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCodeUniqueIgnoringCase(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, failStripe(t))
		ctx := context.Background()
		b := e.brand(t, "Glow", "USD")
		maya := e.creator(t, b.ID, "Maya", map[creator.Platform]string{"instagram": "@maya"})
		ana := e.creator(t, b.ID, "Ana", nil)

		c, err := e.codes.Create(ctx, b.ID, maya.ID, coupon.Input{Code: "Maya15", DiscountType: "percent", DiscountValue: 1500})
		if err != nil {
			t.Fatal(err)
		}
		if c.Code != "Maya15" || c.CodeKey != "maya15" || !c.Active || c.Currency != "" || c.StripeCouponID != "" || c.StripePromotionCodeID != "" {
			t.Fatalf("created: %+v", c)
		}
		for _, code := range []string{"MAYA15", "maya15", "mAyA15"} {
			_, err := e.codes.Create(ctx, b.ID, ana.ID, coupon.Input{Code: code, DiscountType: "percent", DiscountValue: 1000})
			if !errors.Is(err, coupon.ErrCodeTaken) || !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), code) {
				t.Fatalf("%s again: err = %v, want ErrCodeTaken and ErrConflict naming the code", code, err)
			}
		}
		// A generated code also avoids the chosen one, in any case.
		g, err := e.codes.Create(ctx, b.ID, maya.ID, coupon.Input{DiscountType: "percent", DiscountValue: 1500})
		if err != nil || g.Code != "MAYA15-2" {
			t.Fatalf("generated next to Maya15: %+v, %v", g, err)
		}
		// Another brand may use the same code.
		other := e.brand(t, "Other", "EUR")
		oc := e.creator(t, other.ID, "Maya", nil)
		if _, err := e.codes.Create(ctx, other.ID, oc.ID, coupon.Input{Code: "MAYA15", DiscountType: "percent", DiscountValue: 1500}); err != nil {
			t.Fatalf("same code in another brand: %v", err)
		}
	})
}

func TestCodeGeneration(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, failStripe(t))
		ctx := context.Background()
		b := e.brand(t, "Glow", "USD")
		maya := e.creator(t, b.ID, "Maya Lee", map[creator.Platform]string{"tiktok": "@maya.glow_skin.official", "instagram": "@maya"})
		noHandle := e.creator(t, b.ID, "Zoë O'Brien", nil)
		jp := e.creator(t, b.ID, "山田", nil)

		want := []struct {
			cr    *creator.Creator
			typ   string
			value int64
			code  string
		}{
			{maya, "percent", 1500, "MAYA15"}, // instagram comes first
			{maya, "percent", 1500, "MAYA15-2"},
			{maya, "percent", 1550, "MAYA15-3"}, // whole percent
			{maya, "amount", 1000, "MAYA10"},    // 10.00 USD
			{maya, "amount", 1050, "MAYA10-2"},
			{maya, "percent", 10000, "MAYA100"},
			{maya, "percent", 50, "MAYA"}, // under 1%: no number
			{noHandle, "percent", 2000, "ZOOBRIEN20"},
			{jp, "percent", 2000, "CODE20"},
		}
		for i, w := range want {
			c, err := e.codes.Create(ctx, b.ID, w.cr.ID, coupon.Input{DiscountType: w.typ, DiscountValue: w.value})
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if c.Code != w.code || c.CodeKey != strings.ToLower(w.code) {
				t.Fatalf("%d: code %q (key %q), want %q", i, c.Code, c.CodeKey, w.code)
			}
			if w.typ == "amount" && c.Currency != "USD" {
				t.Fatalf("%d: currency %q", i, c.Currency)
			}
		}
		// The first handle, stripped and cut to 12 characters.
		e.db.Exec("DELETE FROM creator_handles WHERE creator_id = ? AND platform = ?", maya.ID, "instagram")
		c, err := e.codes.Create(ctx, b.ID, maya.ID, coupon.Input{DiscountType: "percent", DiscountValue: 2500})
		if err != nil || c.Code != "MAYAGLOWSKIN25" {
			t.Fatalf("from the tiktok handle: %+v, %v", c, err)
		}
		// A chosen code that looks like a generated one pushes generation on.
		if _, err := e.codes.Create(ctx, b.ID, maya.ID, coupon.Input{Code: "maya30", DiscountType: "percent", DiscountValue: 3000}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.codes.Create(ctx, b.ID, maya.ID, coupon.Input{Code: "Maya30-2", DiscountType: "percent", DiscountValue: 3000}); err != nil {
			t.Fatal(err)
		}
		c, err = e.codes.Create(ctx, b.ID, jp.ID, coupon.Input{DiscountType: "percent", DiscountValue: 3000})
		if err != nil || c.Code != "CODE30" {
			t.Fatalf("%+v, %v", c, err)
		}
		e.db.Exec("UPDATE creator_handles SET handle = ? WHERE creator_id = ?", "@Maya", maya.ID)
		c, err = e.codes.Create(ctx, b.ID, maya.ID, coupon.Input{DiscountType: "percent", DiscountValue: 3000})
		if err != nil || c.Code != "MAYA30-3" {
			t.Fatalf("after maya30 and Maya30-2: %+v, %v", c, err)
		}

		// Zero-decimal and three-decimal currencies: whole major units.
		yen := e.brand(t, "Yen Shop", "JPY")
		yc := e.creator(t, yen.ID, "Kei", map[creator.Platform]string{"youtube": "kei"})
		if c, err := e.codes.Create(ctx, yen.ID, yc.ID, coupon.Input{DiscountType: "amount", DiscountValue: 500}); err != nil || c.Code != "KEI500" || c.Currency != "JPY" {
			t.Fatalf("JPY: %+v, %v", c, err)
		}
		kwd := e.brand(t, "Kuwait Shop", "KWD")
		kc := e.creator(t, kwd.ID, "Noor", map[creator.Platform]string{"x": "noor"})
		if c, err := e.codes.Create(ctx, kwd.ID, kc.ID, coupon.Input{DiscountType: "amount", DiscountValue: 5000}); err != nil || c.Code != "NOOR5" || c.Currency != "KWD" {
			t.Fatalf("KWD: %+v, %v", c, err)
		}
	})
}

func TestCodeConcurrentGenerationGetsDistinctCodes(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, failStripe(t))
		b := e.brand(t, "Glow", "USD")
		maya := e.creator(t, b.ID, "Maya", map[creator.Platform]string{"instagram": "@maya"})
		const n = 8
		var wg sync.WaitGroup
		codes := make([]string, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := e.codes.Create(context.Background(), b.ID, maya.ID, coupon.Input{DiscountType: "percent", DiscountValue: 1500})
				errs[i] = err
				if err == nil {
					codes[i] = c.Code
				}
			}(i)
		}
		wg.Wait()
		seen := map[string]bool{}
		for i := range codes {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if seen[codes[i]] {
				t.Fatalf("code %s given twice: %v", codes[i], codes)
			}
			seen[codes[i]] = true
		}
		if !seen["MAYA15"] || !seen["MAYA15-8"] {
			t.Fatalf("codes %v", codes)
		}
	})
}

func TestCodeValidation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, failStripe(t))
		ctx := context.Background()
		b := e.brand(t, "Glow", "USD")
		cr := e.creator(t, b.ID, "Maya", nil)
		past := time.Now().Add(-time.Minute)
		future := time.Now().Add(48 * time.Hour)
		bad := []struct {
			in    coupon.Input
			field string
		}{
			{coupon.Input{DiscountType: "fixed", DiscountValue: 100}, "discount_type"},
			{coupon.Input{DiscountType: "", DiscountValue: 100}, "discount_type"},
			{coupon.Input{DiscountType: "percent", DiscountValue: 0}, "discount_value"},
			{coupon.Input{DiscountType: "percent", DiscountValue: 10001}, "discount_value"},
			{coupon.Input{DiscountType: "percent", DiscountValue: -5}, "discount_value"},
			{coupon.Input{DiscountType: "amount", DiscountValue: 0}, "discount_value"},
			{coupon.Input{DiscountType: "amount", DiscountValue: -100}, "discount_value"},
			{coupon.Input{DiscountType: "percent", DiscountValue: 1000, ExpiresAt: &past}, "expires_at"},
			{coupon.Input{Code: "AB", DiscountType: "percent", DiscountValue: 1000}, "code"},
			{coupon.Input{Code: strings.Repeat("A", 33), DiscountType: "percent", DiscountValue: 1000}, "code"},
			{coupon.Input{Code: "MAYA 15", DiscountType: "percent", DiscountValue: 1000}, "code"},
			{coupon.Input{Code: "MAYA15%", DiscountType: "percent", DiscountValue: 1000}, "code"},
			{coupon.Input{Code: "MAYAÉ15", DiscountType: "percent", DiscountValue: 1000}, "code"},
		}
		for _, c := range bad {
			_, err := e.codes.Create(ctx, b.ID, cr.ID, c.in)
			if got := fieldOf(err); got != c.field {
				t.Errorf("%+v: err = %v, want a %s error", c.in, err, c.field)
			}
		}
		var n int64
		db.Table("codes").Count(&n)
		if n != 0 {
			t.Fatalf("%d codes stored by invalid input", n)
		}
		good := []coupon.Input{
			{Code: "abc", DiscountType: "percent", DiscountValue: 1},
			{Code: strings.Repeat("z", 32), DiscountType: "percent", DiscountValue: 10000},
			{Code: "Summer_Sale-2030", DiscountType: "amount", DiscountValue: 1, ExpiresAt: &future},
			{Code: "  padded  ", DiscountType: " Percent ", DiscountValue: 500},
		}
		for _, in := range good {
			c, err := e.codes.Create(ctx, b.ID, cr.ID, in)
			if err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
			if in.ExpiresAt != nil && (c.ExpiresAt == nil || !c.ExpiresAt.Equal(in.ExpiresAt.Truncate(time.Second))) {
				t.Fatalf("expiry %v, want %v", c.ExpiresAt, in.ExpiresAt)
			}
		}
		got, err := e.codes.Get(ctx, b.ID, mustFirst(t, e, b.ID, cr.ID).ID)
		if err != nil || got.Code != "padded" || got.DiscountType != "percent" {
			t.Fatalf("trimmed code: %+v, %v", got, err)
		}
	})
}

func mustFirst(t *testing.T, e *env, brandID, creatorID string) coupon.Code {
	t.Helper()
	cs, err := e.codes.ForCreator(context.Background(), brandID, creatorID)
	if err != nil || len(cs) == 0 {
		t.Fatalf("ForCreator: %v, %v", cs, err)
	}
	return cs[0]
}

func TestCodeBrandIsolation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, failStripe(t))
		ctx := context.Background()
		a, b := e.brand(t, "Alpha", "USD"), e.brand(t, "Beta", "USD")
		ca, cb := e.creator(t, a.ID, "Ann", nil), e.creator(t, b.ID, "Bob", nil)
		in := coupon.Input{Code: "ANN10", DiscountType: "percent", DiscountValue: 1000}
		if _, err := e.codes.Create(ctx, b.ID, ca.ID, in); !errors.Is(err, coupon.ErrNotFound) {
			t.Fatalf("code for another brand's creator: %v", err)
		}
		// Not found wins over invalid input: nothing is said about the creator.
		if _, err := e.codes.Create(ctx, b.ID, ca.ID, coupon.Input{}); !errors.Is(err, coupon.ErrNotFound) {
			t.Fatalf("invalid code for another brand's creator: %v", err)
		}
		first, err := e.codes.Create(ctx, a.ID, ca.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		second, err := e.codes.Create(ctx, a.ID, ca.ID, coupon.Input{DiscountType: "amount", DiscountValue: 500})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.codes.Create(ctx, b.ID, cb.ID, in); err != nil {
			t.Fatal(err)
		}
		cs, err := e.codes.ForCreator(ctx, a.ID, ca.ID)
		if err != nil || len(cs) != 2 || cs[0].ID != second.ID || cs[1].ID != first.ID {
			t.Fatalf("ForCreator, newest first: %+v, %v", cs, err)
		}
		if _, err := e.codes.ForCreator(ctx, b.ID, ca.ID); !errors.Is(err, coupon.ErrNotFound) {
			t.Fatalf("ForCreator of another brand's creator: %v", err)
		}
		if _, err := e.codes.Get(ctx, b.ID, first.ID); !errors.Is(err, coupon.ErrNotFound) {
			t.Fatalf("Get of another brand's code: %v", err)
		}
		if got, err := e.codes.Get(ctx, a.ID, first.ID); err != nil || got.Code != "ANN10" || got.CreatorID != ca.ID {
			t.Fatalf("Get: %+v, %v", got, err)
		}
	})
}

func TestCodeDiscountText(t *testing.T) {
	for _, c := range []struct {
		code coupon.Code
		want string
	}{
		{coupon.Code{DiscountType: "percent", DiscountValue: 1500}, "15%"},
		{coupon.Code{DiscountType: "percent", DiscountValue: 1550}, "15.5%"},
		{coupon.Code{DiscountType: "percent", DiscountValue: 1}, "0.01%"},
		{coupon.Code{DiscountType: "percent", DiscountValue: 10000}, "100%"},
		{coupon.Code{DiscountType: "amount", DiscountValue: 1050, Currency: "USD"}, "10.50 USD"},
		{coupon.Code{DiscountType: "amount", DiscountValue: 500, Currency: "JPY"}, "500 JPY"},
	} {
		if got := c.code.Discount(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.code, got, c.want)
		}
	}
}

func TestCouponStripeMock(t *testing.T) {
	base := testutil.StripeMockV76(t, testutil.StripeMock(t))
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, base)
		ctx := context.Background()
		b := e.brand(t, "Glow", "EUR")
		e.setStripeKey(t, b.ID, "sk_test_123")
		cr := e.creator(t, b.ID, "Maya", map[creator.Platform]string{"instagram": "@maya"})
		exp := time.Now().Add(30 * 24 * time.Hour)
		for _, in := range []coupon.Input{
			{DiscountType: "percent", DiscountValue: 1550, ExpiresAt: &exp},
			{DiscountType: "amount", DiscountValue: 1000},
			{Code: "maya-vip", DiscountType: "percent", DiscountValue: 10000},
		} {
			c, err := e.codes.Create(ctx, b.ID, cr.ID, in)
			if err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
			if c.StripeCouponID == "" || c.StripePromotionCodeID == "" {
				t.Fatalf("no Stripe ids: %+v", c)
			}
			got, err := e.codes.Get(ctx, b.ID, c.ID)
			if err != nil || got.StripeCouponID != c.StripeCouponID || got.StripePromotionCodeID != c.StripePromotionCodeID {
				t.Fatalf("stored: %+v, %v", got, err)
			}
		}
	})
}

// fakeStripe records the calls and answers them with handle.
type fakeStripe struct {
	mu    sync.Mutex
	calls []string
	forms []string
}

func (f *fakeStripe) serve(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f.mu.Lock()
		f.calls = append(f.calls, r.Method+" "+r.URL.Path+" "+r.Header.Get("Idempotency-Key"))
		f.forms = append(f.forms, r.PostForm.Encode())
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (f *fakeStripe) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls, f.forms = nil, nil
}

// got returns the calls and their forms so far.
func (f *fakeStripe) got() (calls, forms []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...), append([]string(nil), f.forms...)
}

func TestCouponStripeParamsAndRollback(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		f := &fakeStripe{}
		var refuse atomic.Bool
		base := f.serve(t, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == "POST" && r.URL.Path == "/v1/coupons":
				io.WriteString(w, `{"id":"co_fake","object":"coupon"}`)
			case r.Method == "POST" && r.URL.Path == "/v1/promotion_codes" && refuse.Load():
				w.WriteHeader(400)
				io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"An active promotion code with code: TAKEN1 already exists."}}`)
			case r.Method == "POST" && r.URL.Path == "/v1/promotion_codes":
				io.WriteString(w, `{"id":"promo_fake","object":"promotion_code"}`)
			case r.Method == "DELETE" && r.URL.Path == "/v1/coupons/co_fake":
				io.WriteString(w, `{"id":"co_fake","object":"coupon","deleted":true}`)
			default:
				w.WriteHeader(404)
				io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"no such route"}}`)
			}
		})
		e := newEnv(t, db, base)
		ctx := context.Background()
		b := e.brand(t, "Glow", "USD")
		e.setStripeKey(t, b.ID, "sk_test_123")
		cr := e.creator(t, b.ID, "Maya", map[creator.Platform]string{"instagram": "@maya"})
		exp := time.Date(2099, 1, 2, 3, 4, 5, 600, time.UTC)

		c, err := e.codes.Create(ctx, b.ID, cr.ID, coupon.Input{DiscountType: "percent", DiscountValue: 1550, ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		if c.StripeCouponID != "co_fake" || c.StripePromotionCodeID != "promo_fake" {
			t.Fatalf("ids: %+v", c)
		}
		calls, forms := f.got()
		if len(calls) != 2 || calls[0] != "POST /v1/coupons clout-coupon-"+c.ID || calls[1] != "POST /v1/promotion_codes clout-promotion-code-"+c.ID {
			t.Fatalf("calls: %q", calls)
		}
		for _, want := range []string{"percent_off=15.5", "duration=once", "metadata%5Bclout_code_id%5D=" + c.ID} {
			if !strings.Contains(forms[0], want) {
				t.Fatalf("coupon params %s lack %s", forms[0], want)
			}
		}
		for _, want := range []string{"code=MAYA15", "coupon=co_fake", "active=true", "expires_at=4071006245"} {
			if !strings.Contains(forms[1], want) {
				t.Fatalf("promotion code params %s lack %s", forms[1], want)
			}
		}
		if _, err := e.codes.Create(ctx, b.ID, cr.ID, coupon.Input{DiscountType: "amount", DiscountValue: 1000}); err != nil {
			t.Fatal(err)
		}
		_, forms = f.got()
		for _, want := range []string{"amount_off=1000", "currency=usd"} {
			if !strings.Contains(forms[2], want) || strings.Contains(forms[2], "percent_off") {
				t.Fatalf("amount coupon params %s lack %s", forms[2], want)
			}
		}

		// Stripe refuses the promotion code: the coupon is deleted, the code is
		// not kept, and it is free again.
		refuse.Store(true)
		f.reset()
		_, err = e.codes.Create(ctx, b.ID, cr.ID, coupon.Input{Code: "TAKEN1", DiscountType: "percent", DiscountValue: 1000})
		if !errors.Is(err, coupon.ErrStripe) || !strings.Contains(err.Error(), "Stripe refused the code: An active promotion code with code: TAKEN1 already exists.") {
			t.Fatalf("refused: %v", err)
		}
		if calls, _ = f.got(); len(calls) != 3 || !strings.HasPrefix(calls[2], "DELETE /v1/coupons/co_fake") {
			t.Fatalf("calls after refusal: %q", calls)
		}
		var n int64
		db.Table("codes").Where("code_key = ?", "taken1").Count(&n)
		if n != 0 {
			t.Fatal("a code Stripe refused was kept")
		}
		refuse.Store(false)
		if c, err := e.codes.Create(ctx, b.ID, cr.ID, coupon.Input{Code: "taken1", DiscountType: "percent", DiscountValue: 1000}); err != nil || c.Code != "taken1" {
			t.Fatalf("after refusal, the code is free: %+v, %v", c, err)
		}
	})
}

func TestCouponStripeUnreachable(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "http://127.0.0.1:1")
		ctx := context.Background()
		b := e.brand(t, "Glow", "USD")
		e.setStripeKey(t, b.ID, "sk_test_123")
		cr := e.creator(t, b.ID, "Maya", nil)
		_, err := e.codes.Create(ctx, b.ID, cr.ID, coupon.Input{Code: "MAYA15", DiscountType: "percent", DiscountValue: 1500})
		if !errors.Is(err, coupon.ErrStripe) || !strings.Contains(err.Error(), "could not reach Stripe") {
			t.Fatalf("unreachable: %v", err)
		}
		if cs, _ := e.codes.ForCreator(ctx, b.ID, cr.ID); len(cs) != 0 {
			t.Fatalf("codes kept: %+v", cs)
		}
	})
}
