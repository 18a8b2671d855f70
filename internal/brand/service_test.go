package brand_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

// newService sends Stripe calls to a closed port: no test here reaches
// Stripe itself. newServiceWithStripe names stripe-mock instead.
func newService(db *store.DB) *brand.Service { return newServiceWithStripe(db, "http://127.0.0.1:1") }

func newServiceWithStripe(db *store.DB, stripeBase string) *brand.Service {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return brand.NewService(db, secret.NewBox(strings.Repeat("s", 32)), mail.NewOutbox(db, log, false), log, brand.Options{BaseURL: "http://clout.test", Stripe: stripeapi.Factory{Base: stripeBase}})
}

func create(t *testing.T, s *brand.Service, name, email string) *brand.Created {
	t.Helper()
	c, err := s.CreateBrand(context.Background(), brand.NewBrand{Name: name, OwnerEmail: email, Password: "correct horse battery", Currency: "usd", WithAPIKey: true}, brand.Actor{Type: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateBrandValidatesEverything(t *testing.T) {
	s := newService(testutil.SQLite(t))
	_, err := s.CreateBrand(context.Background(), brand.NewBrand{Name: "", OwnerEmail: "x@", Password: "aaaaaaaaaaaa", Currency: "ABC", TimeZone: "Nowhere/City"}, brand.Actor{})
	var ve validate.Errors
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	fields := ve.Map()
	for _, f := range []string{"name", "email", "password", "currency", "time_zone"} {
		if fields[f] == "" {
			t.Errorf("no error for %s in %v", f, ve)
		}
	}
}

func TestCreateBrandDefaultsAndUniqueSlug(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		a := create(t, s, "Glow & Co.", "a@glow.test")
		b := create(t, s, "Glow & Co.", "b@glow.test")
		if a.Brand.Slug != "glow-co" || b.Brand.Slug == a.Brand.Slug || !strings.HasPrefix(b.Brand.Slug, "glow-co-") {
			t.Fatalf("slugs %q, %q", a.Brand.Slug, b.Brand.Slug)
		}
		if a.Brand.Currency != "USD" || a.Brand.AttributionWindowDays != 30 || a.Brand.HoldDays != 30 || a.Brand.TimeZone != "UTC" {
			t.Fatalf("defaults: %+v", a.Brand)
		}
		k, err := s.AuthenticateKey(context.Background(), a.APIKey)
		if err != nil || k.BrandID != a.Brand.ID {
			t.Fatalf("key: %+v %v", k, err)
		}
		var hash string
		db.Raw("SELECT key_hash FROM api_keys WHERE id = ?", k.ID).Scan(&hash)
		if hash == "" || strings.Contains(hash, a.APIKey) || hash != auth.HashToken(a.APIKey) {
			t.Fatal("the key is not stored as its hash")
		}
	})
}

func TestInviteIsSingleUseEvenUnderRace(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		c := create(t, s, "Acme", "owner@acme.test")
		ctx := context.Background()
		_, link, err := s.Invite(ctx, brand.UserActor(c.Owner, ""), brand.Owner, c.Brand.ID, "new@acme.test", brand.Admin)
		if err != nil {
			t.Fatal(err)
		}
		token := link[strings.LastIndex(link, "/")+1:]
		// Two browsers race to accept the same link with new accounts; exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = s.AcceptInvite(ctx, token, "", "New", "correct horse battery")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, brand.ErrInviteInvalid) {
				t.Errorf("loser's error: %v", err)
			}
		}
		members, _ := s.Members(ctx, c.Brand.ID)
		if ok != 1 || len(members) != 2 {
			t.Fatalf("%d acceptances, %d members; want 1 and 2", ok, len(members))
		}
	})
}

// A logged-in user cannot take an invite addressed to someone else.
func TestInviteForAnotherEmail(t *testing.T) {
	s := newService(testutil.SQLite(t))
	ctx := context.Background()
	c := create(t, s, "Acme", "owner@acme.test")
	_, link, err := s.Invite(ctx, brand.UserActor(c.Owner, ""), brand.Owner, c.Brand.ID, "bob@acme.test", brand.Admin)
	if err != nil {
		t.Fatal(err)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	alice := create(t, s, "Alice's", "alice@alice.test").Owner
	if _, _, err := s.AcceptInvite(ctx, token, alice.ID, "", ""); !errors.Is(err, brand.ErrInviteOtherEmail) {
		t.Fatalf("err = %v, want ErrInviteOtherEmail", err)
	}
	if _, _, err := s.InviteByToken(ctx, token); err != nil {
		t.Fatalf("the refused acceptance used up the invite: %v", err)
	}
	if _, err := s.Membership(ctx, alice.ID, c.Brand.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("alice joined: %v", err)
	}
}

func TestInviteRules(t *testing.T) {
	s := newService(testutil.SQLite(t))
	ctx := context.Background()
	c := create(t, s, "Acme", "owner@acme.test")
	owner := brand.UserActor(c.Owner, "")
	if _, _, err := s.Invite(ctx, owner, brand.Admin, c.Brand.ID, "x@acme.test", brand.Owner); !errors.Is(err, brand.ErrForbidden) {
		t.Fatalf("admin invites an owner: %v", err)
	}
	if _, _, err := s.Invite(ctx, owner, brand.Analyst, c.Brand.ID, "x@acme.test", brand.Analyst); !errors.Is(err, brand.ErrForbidden) {
		t.Fatalf("analyst invites: %v", err)
	}
	if _, _, err := s.Invite(ctx, owner, brand.Owner, c.Brand.ID, "owner@acme.test", brand.Admin); err == nil || !strings.Contains(err.Error(), "already on the team") {
		t.Fatalf("inviting a member: %v", err)
	}
	inv, link, err := s.Invite(ctx, owner, brand.Owner, c.Brand.ID, "late@acme.test", brand.Analyst)
	if err != nil {
		t.Fatal(err)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	// Expired invites do not work.
	s.RevokeInvite(ctx, owner, c.Brand.ID, inv.ID)
	if _, _, err := s.InviteByToken(ctx, token); !errors.Is(err, brand.ErrInviteInvalid) {
		t.Fatalf("revoked invite: %v", err)
	}
	inv2, link2, _ := newInviteExpired(t, s, owner, c.Brand.ID)
	_ = inv2
	if _, _, err := s.AcceptInvite(ctx, link2, "", "Late", "correct horse battery"); !errors.Is(err, brand.ErrInviteInvalid) {
		t.Fatalf("expired invite: %v", err)
	}
}

// newInviteExpired makes an invite and moves its expiry into the past.
func newInviteExpired(t *testing.T, s *brand.Service, actor brand.Actor, brandID string) (*brand.Invite, string, error) {
	t.Helper()
	inv, link, err := s.Invite(context.Background(), actor, brand.Owner, brandID, "expired@acme.test", brand.Analyst)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ExpireInviteForTest(inv.ID, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	return inv, link[strings.LastIndex(link, "/")+1:], nil
}

func TestSettingsAuditRecordsChangesNotSecrets(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newServiceWithStripe(db, testutil.StripeMock(t))
		c := create(t, s, "Acme", "owner@acme.test")
		ctx := context.Background()
		name, key := "Acme Two", "sk_test_supersecret"
		if _, err := s.UpdateSettings(ctx, brand.UserActor(c.Owner, "198.51.100.7"), c.Brand.ID, brand.SettingsPatch{Name: &name, StripeSecretKey: &key}); err != nil {
			t.Fatal(err)
		}
		// A patch that changes nothing records nothing.
		if _, err := s.UpdateSettings(ctx, brand.UserActor(c.Owner, ""), c.Brand.ID, brand.SettingsPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		es, _ := s.AuditLog(ctx, c.Brand.ID, 10, 0)
		var updates []brand.AuditEntry
		for _, e := range es {
			if e.Action == "brand.settings_updated" {
				updates = append(updates, e)
			}
		}
		if len(updates) != 1 {
			t.Fatalf("%d settings audit entries, want 1", len(updates))
		}
		e := updates[0]
		if e.ActorLabel != "owner@acme.test" || e.IP != "198.51.100.7" || e.Details["stripe_secret_key"] != "set" {
			t.Fatalf("audit entry: %+v", e)
		}
		if ch, _ := e.Details["name"].(map[string]any); ch["from"] != "Acme" || ch["to"] != "Acme Two" {
			t.Fatalf("name change: %+v", e.Details)
		}
		var raw string
		db.Raw("SELECT details FROM audit_log WHERE id = ?", e.ID).Scan(&raw)
		if strings.Contains(raw, "supersecret") {
			t.Fatal("secret in the audit log")
		}
		// Another brand's id finds nothing.
		other := create(t, s, "Other", "o@other.test")
		if _, err := s.APIKey(ctx, c.Brand.ID, mustFirstKey(t, s, other.Brand.ID)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign key lookup: %v", err)
		}
	})
}

func mustFirstKey(t *testing.T, s *brand.Service, brandID string) string {
	ks, err := s.APIKeys(context.Background(), brandID)
	if err != nil || len(ks) == 0 {
		t.Fatal("no keys")
	}
	return ks[0].ID
}

// A Stripe key is tried against Stripe (stripe-mock) before it is saved.
func TestStripeKeyCheckedBeforeSaving(t *testing.T) {
	db := testutil.SQLite(t)
	s := newServiceWithStripe(db, testutil.StripeMock(t))
	c := create(t, s, "Acme", "owner@acme.test")
	ctx := context.Background()
	actor := brand.UserActor(c.Owner, "")
	// stripe-mock refuses keys that are not test-mode secret keys, as Stripe refuses bad keys.
	bad, name := "sk_live_not_a_real_key", "Renamed"
	_, err := s.UpdateSettings(ctx, actor, c.Brand.ID, brand.SettingsPatch{Name: &name, StripeSecretKey: &bad})
	var ve validate.Errors
	if !errors.As(err, &ve) || !strings.Contains(ve.Map()["stripe_secret_key"], "Stripe rejected this key") {
		t.Fatalf("rejected key: err = %v", err)
	}
	if b, _ := s.Get(ctx, c.Brand.ID); b.StripeSecretKey != "" || b.Name != "Acme" {
		t.Fatalf("a rejected key changed the brand: %+v", b)
	}
	good := "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
	if _, err := s.UpdateSettings(ctx, actor, c.Brand.ID, brand.SettingsPatch{StripeSecretKey: &good}); err != nil {
		t.Fatalf("good key: %v", err)
	}
	if sec, _ := s.Secrets(ctx, c.Brand.ID); sec.StripeSecretKey != good {
		t.Fatal("good key not saved")
	}
	// Stripe out of reach: a clear error, and nothing saved.
	down := newService(db)
	other := "sk_test_other"
	_, err = down.UpdateSettings(ctx, actor, c.Brand.ID, brand.SettingsPatch{StripeSecretKey: &other})
	if !errors.As(err, &ve) || !strings.Contains(ve.Map()["stripe_secret_key"], "could not reach Stripe") {
		t.Fatalf("unreachable: err = %v", err)
	}
	if sec, _ := s.Secrets(ctx, c.Brand.ID); sec.StripeSecretKey != good {
		t.Fatal("key changed while Stripe was unreachable")
	}
}

// Two owners demoting each other at the same moment leave one owner.
func TestConcurrentDemotionsKeepAnOwner(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		for round := 0; round < 5; round++ {
			c := create(t, s, "Acme", fmt.Sprintf("o1-%d@acme.test", round))
			second := create(t, s, "Other", fmt.Sprintf("o2-%d@acme.test", round)).Owner
			_, link, err := s.Invite(ctx, brand.UserActor(c.Owner, ""), brand.Owner, c.Brand.ID, second.Email, brand.Owner)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.AcceptInvite(ctx, link[strings.LastIndex(link, "/")+1:], second.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			members, _ := s.Members(ctx, c.Brand.ID)
			var wg sync.WaitGroup
			for i := range members {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Each owner demotes the other one.
					_ = s.ChangeRole(ctx, brand.Actor{Type: "user", ID: members[i].UserID}, brand.Owner, c.Brand.ID, members[1-i].ID, brand.Admin)
				}()
			}
			wg.Wait()
			var owners int64
			db.Model(&brand.Membership{}).Where("brand_id = ? AND role = ?", c.Brand.ID, brand.Owner).Count(&owners)
			if owners != 1 {
				t.Fatalf("round %d: %d owners after concurrent demotions, want 1", round, owners)
			}
		}
	})
}

// Concurrent settings patches of different fields both take effect.
func TestConcurrentSettingsPatchesBothApply(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		for round := 0; round < 5; round++ {
			c := create(t, s, "Acme", fmt.Sprintf("p-%d@acme.test", round))
			name, hold := "Renamed", 7
			var wg sync.WaitGroup
			for _, p := range []brand.SettingsPatch{{Name: &name}, {HoldDays: &hold}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.UpdateSettings(ctx, brand.Actor{Type: "cli"}, c.Brand.ID, p); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if b, _ := s.Get(ctx, c.Brand.ID); b.Name != "Renamed" || b.HoldDays != 7 {
				t.Fatalf("round %d: name %q hold %d: a concurrent patch was lost", round, b.Name, b.HoldDays)
			}
		}
	})
}

// Changing the currency through the API must restate the payout minimum.
func TestCurrencyChangeNeedsPayoutMinimum(t *testing.T) {
	s := newService(testutil.SQLite(t))
	ctx := context.Background()
	c := create(t, s, "Acme", "owner@acme.test")
	min, jpy := int64(5000), "JPY"
	if _, err := s.UpdateSettings(ctx, brand.Actor{Type: "cli"}, c.Brand.ID, brand.SettingsPatch{PayoutMinimum: &min}); err != nil {
		t.Fatal(err)
	}
	_, err := s.UpdateSettings(ctx, brand.Actor{Type: "cli"}, c.Brand.ID, brand.SettingsPatch{Currency: &jpy})
	var ve validate.Errors
	if !errors.As(err, &ve) || !strings.Contains(ve.Map()["payout_minimum"], "50.00 USD") {
		t.Fatalf("err = %v", err)
	}
	yen := int64(7000)
	if b, err := s.UpdateSettings(ctx, brand.Actor{Type: "cli"}, c.Brand.ID, brand.SettingsPatch{Currency: &jpy, PayoutMinimum: &yen}); err != nil || b.Currency != "JPY" || b.PayoutMinimum != 7000 {
		t.Fatalf("with a minimum: %+v %v", b, err)
	}
}

func TestNormalizeDomains(t *testing.T) {
	got, errs := brand.NormalizeDomains([]string{" Shop.Example.COM ", "example.com.", "shop.example.com", ""})
	if len(errs) != 0 || strings.Join(got, ",") != "shop.example.com,example.com" {
		t.Fatalf("got %v %v", got, errs)
	}
	for _, bad := range []string{"https://x.com", "x.com/path", "-bad.com", "10.0.0.1", "nodot", "a..b", "ex ample.com", "user@x.com"} {
		if _, errs := brand.NormalizeDomains([]string{bad}); len(errs) == 0 {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Using one reset link kills the user's other pending links and sessions.
func TestResetPasswordEndsOtherLinksAndSessions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		c := create(t, s, "Acme", "owner@acme.test")
		sessions := auth.NewSessions(db, strings.Repeat("m", 32))
		tok, _, err := sessions.Create(ctx, c.Owner.ID, c.Brand.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := s.RequestPasswordReset(ctx, "Owner@Acme.test"); err != nil {
				t.Fatal(err)
			}
		}
		var bodies []string
		db.Raw("SELECT body FROM outbox WHERE to_addr = ? ORDER BY created_at", "owner@acme.test").Scan(&bodies)
		if len(bodies) != 2 {
			t.Fatalf("%d reset mails, want 2", len(bodies))
		}
		tokenOf := func(body string) string {
			i := strings.Index(body, "/reset/") + len("/reset/")
			return strings.Fields(body[i:])[0]
		}
		if _, err := s.ResetPassword(ctx, tokenOf(bodies[1]), "a fresh password!"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetPassword(ctx, tokenOf(bodies[0]), "another password!"); !errors.Is(err, brand.ErrResetInvalid) {
			t.Fatalf("older link after a reset: %v", err)
		}
		if _, err := sessions.Verify(ctx, tok); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("session after reset: %v", err)
		}
		if _, err := s.Authenticate(ctx, "owner@acme.test", "a fresh password!"); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}
