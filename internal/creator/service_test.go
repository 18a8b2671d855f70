package creator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

type env struct {
	db       *store.DB
	brands   *brand.Service
	creators *creator.Service
	outbox   *mail.Outbox
}

func newEnv(t *testing.T, db *store.DB) *env {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(strings.Repeat("s", 32)), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	return &env{db: db, brands: brands, outbox: outbox,
		creators: creator.NewService(db, brands, outbox, "http://clout.test", strings.Repeat("s", 32), log)}
}

func (e *env) brand(t *testing.T, name string) *brand.Created {
	t.Helper()
	c, err := e.brands.CreateBrand(context.Background(), brand.NewBrand{Name: name, OwnerEmail: strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@brand.test",
		Password: "correct horse battery", Currency: "USD"}, brand.Actor{Type: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func application(name, email string, audience int64) creator.Application {
	return creator.Application{
		Profile: creator.Profile{Name: &name, Email: &email, Niche: ptr("skincare"), Pitch: ptr("I love serums"),
			Handles: map[creator.Platform]creator.HandleInput{"instagram": {Handle: "@" + name, Audience: audience}}},
		AcceptTerms: true, AcceptDisclosure: true, TermsVersion: 1,
	}
}

func ptr[T any](v T) *T { return &v }

func owner(b *brand.Created) brand.Actor { return brand.UserActor(b.Owner, "") }

// linkFrom reads the newest link with prefix from the outbox for to.
func (e *env) linkFrom(t *testing.T, to, prefix string) string {
	t.Helper()
	m, err := e.outbox.Latest(context.Background(), to)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	tok := regexp.MustCompile(regexp.QuoteMeta(prefix) + `([A-Za-z0-9]+)`).FindStringSubmatch(m.Body)
	if tok == nil {
		t.Fatalf("no %s link in %q", prefix, m.Body)
	}
	return tok[1]
}

func TestApplyValidatesAndRefusesDuplicates(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t, "Glow Co")
		bad := application("", "nope", -5)
		bad.AcceptTerms, bad.AcceptDisclosure = false, false
		_, err := e.creators.Apply(ctx, b.Brand.Slug, bad)
		var ve validate.Errors
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v", err)
		}
		for _, f := range []string{"name", "email", "handles.instagram", "accept_terms", "accept_disclosure"} {
			if ve.Map()[f] == "" {
				t.Errorf("no error for %s: %v", f, ve)
			}
		}
		if _, err := e.creators.Apply(ctx, "no-such-brand", application("ana", "ana@x.test", 10)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown slug: %v", err)
		}
		c, err := e.creators.Apply(ctx, b.Brand.Slug, application("ana", "Ana@X.test", 1200))
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != creator.Applied || c.Email != "ana@x.test" || c.TotalAudience != 1200 || *c.TermsVersion != 1 || c.TermsAcceptedAt == nil {
			t.Fatalf("applied creator: %+v", c)
		}
		if m, _ := e.outbox.Latest(ctx, "ana@x.test"); m == nil || !strings.Contains(m.Subject, "received your application") {
			t.Fatalf("no confirmation mail: %+v", m)
		}
		// The same email again: a clear error and no second record.
		if _, err := e.creators.Apply(ctx, b.Brand.Slug, application("ana2", "ana@x.test", 5)); !errors.Is(err, creator.ErrDuplicate) {
			t.Fatalf("duplicate: %v", err)
		}
		page, _ := e.creators.List(ctx, b.Brand.ID, creator.ListQuery{})
		if page.Total != 1 {
			t.Fatalf("%d creators after a duplicate application", page.Total)
		}
		// The same person may apply to another brand: a second membership, one account.
		b2 := e.brand(t, "Other Brand")
		c2, err := e.creators.Apply(ctx, b2.Brand.Slug, application("ana", "ana@x.test", 5))
		if err != nil || c2.AccountID != c.AccountID {
			t.Fatalf("second program: %+v %v", c2, err)
		}
	})
}

func TestAutoApprove(t *testing.T) {
	e := newEnv(t, testutil.SQLite(t))
	ctx := context.Background()
	b := e.brand(t, "Glow")
	min := int64(10000)
	if _, err := e.brands.UpdateSettings(ctx, owner(b), b.Brand.ID, brand.SettingsPatch{AutoApproveMinAudience: &min}); err != nil {
		t.Fatal(err)
	}
	small, _ := e.creators.Apply(ctx, b.Brand.Slug, application("small", "small@x.test", 9999))
	big, _ := e.creators.Apply(ctx, b.Brand.Slug, application("big", "big@x.test", 10000))
	if small.Status != creator.Applied || big.Status != creator.Active {
		t.Fatalf("statuses %s, %s", small.Status, big.Status)
	}
	evs, _ := e.creators.Events(ctx, b.Brand.ID, big.ID)
	if len(evs) != 2 || evs[1].ActorType != "system" || !strings.Contains(evs[1].Reason, "10000") {
		t.Fatalf("events: %+v", evs)
	}
}

func TestTermsVersionMustMatch(t *testing.T) {
	e := newEnv(t, testutil.SQLite(t))
	ctx := context.Background()
	b := e.brand(t, "Glow")
	terms := "New terms: disclose everything."
	if _, err := e.brands.UpdateSettings(ctx, owner(b), b.Brand.ID, brand.SettingsPatch{ProgramTerms: &terms}); err != nil {
		t.Fatal(err)
	}
	_, err := e.creators.Apply(ctx, b.Brand.Slug, application("ana", "ana@x.test", 1)) // accepted version 1
	var ve validate.Errors
	if !errors.As(err, &ve) || !strings.Contains(ve.Map()["accept_terms"], "terms changed") {
		t.Fatalf("stale terms: %v", err)
	}
	app := application("ana", "ana@x.test", 1)
	app.TermsVersion = 2
	if c, err := e.creators.Apply(ctx, b.Brand.Slug, app); err != nil || *c.TermsVersion != 2 {
		t.Fatalf("current terms: %v", err)
	}
}

func TestLifecycleTransitions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t, "Glow")
		c, _ := e.creators.Apply(ctx, b.Brand.Slug, application("ana", "ana@x.test", 10))
		steps := []struct {
			to     creator.Status
			legal  bool
			reason string
		}{
			{creator.Paused, false, ""}, {creator.Retired, false, ""}, // applied: only approve or reject
			{creator.Rejected, true, "audience too small"},
			{creator.Paused, false, ""},
			{creator.Active, true, "second look"},
			{creator.Applied, false, ""},
			{creator.Paused, true, "on holiday"},
			{creator.Active, true, ""},
			{creator.Retired, true, "program ended"},
			{creator.Active, false, ""}, {creator.Paused, false, ""}, // retired is final
		}
		legal := 0
		for _, st := range steps {
			before, _ := e.creators.Get(ctx, b.Brand.ID, c.ID)
			_, err := e.creators.SetStatus(ctx, owner(b), b.Brand.ID, c.ID, st.to, st.reason)
			after, _ := e.creators.Get(ctx, b.Brand.ID, c.ID)
			if st.legal {
				legal++
				if err != nil || after.Status != st.to {
					t.Fatalf("%s -> %s: %v", before.Status, st.to, err)
				}
				continue
			}
			var ie *creator.IllegalTransitionError
			if !errors.Is(err, creator.ErrIllegalTransition) || !errors.As(err, &ie) || after.Status != before.Status || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Fatalf("%s -> %s: err %v, status now %s", before.Status, st.to, err, after.Status)
			}
		}
		evs, _ := e.creators.Events(ctx, b.Brand.ID, c.ID)
		if len(evs) != legal+1 {
			t.Fatalf("%d events, want %d (creation + each legal change)", len(evs), legal+1)
		}
		if evs[1].ToStatus != creator.Rejected || evs[1].Reason != "audience too small" || evs[1].ActorLabel != b.Owner.Email {
			t.Fatalf("rejection event: %+v", evs[1])
		}
		if m, _ := e.outbox.Latest(ctx, "ana@x.test"); !strings.Contains(m.Subject, "welcome") && !strings.Contains(m.Body, "approved") {
			t.Fatalf("approval mail: %+v", m)
		}
		if _, err := e.creators.SetStatus(ctx, owner(b), b.Brand.ID, c.ID, "banned", ""); err == nil {
			t.Fatal("unknown status accepted")
		}
	})
}

func TestInviteLinks(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t, "Glow")
		c, link, err := e.creators.New(ctx, owner(b), b.Brand.ID, creator.Profile{Name: ptr("Bo"), Email: ptr("bo@x.test")}, creator.Invited)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != creator.Invited || !strings.Contains(link, "/creator-invite/") {
			t.Fatalf("invite: %+v %s", c, link)
		}
		tok := e.linkFrom(t, "bo@x.test", "/creator-invite/")
		if !strings.HasSuffix(link, tok) {
			t.Fatal("emailed link differs from the copied one")
		}
		// Terms must be accepted; nothing is spent when they are not.
		if _, err := e.creators.AcceptInvite(ctx, tok, "", false, true, 1); err == nil {
			t.Fatal("accepted without terms")
		}
		got, err := e.creators.AcceptInvite(ctx, tok, "Bo B.", true, true, 1)
		if err != nil || got.Status != creator.Active || got.Name != "Bo B." || got.TermsAcceptedAt == nil {
			t.Fatalf("accept: %+v %v", got, err)
		}
		// Reused link: clear error, nothing changes.
		if _, err := e.creators.AcceptInvite(ctx, tok, "X", true, true, 1); !errors.Is(err, creator.ErrTokenInvalid) {
			t.Fatalf("reused invite: %v", err)
		}
		// Expired link.
		c2, _, _ := e.creators.New(ctx, owner(b), b.Brand.ID, creator.Profile{Name: ptr("Cy"), Email: ptr("cy@x.test")}, creator.Invited)
		tok2 := e.linkFrom(t, "cy@x.test", "/creator-invite/")
		db.Exec("UPDATE creator_tokens SET expires_at = ? WHERE creator_id = ?", time.Now().UTC().Add(-time.Minute), c2.ID)
		if _, err := e.creators.AcceptInvite(ctx, tok2, "", true, true, 1); !errors.Is(err, creator.ErrTokenInvalid) {
			t.Fatalf("expired invite: %v", err)
		}
		if after, _ := e.creators.Get(ctx, b.Brand.ID, c2.ID); after.Status != creator.Invited {
			t.Fatalf("expired invite changed status to %s", after.Status)
		}
		// Inviting someone already in the program is refused.
		if _, _, err := e.creators.New(ctx, owner(b), b.Brand.ID, creator.Profile{Name: ptr("Bo"), Email: ptr("BO@x.test")}, creator.Invited); err == nil {
			t.Fatal("duplicate invite accepted")
		}
	})
}

func TestMagicLinksAndPortalAccess(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t, "Glow")
		c, _ := e.creators.Apply(ctx, b.Brand.Slug, application("ana", "ana@x.test", 10))
		e.creators.SetStatus(ctx, owner(b), b.Brand.ID, c.ID, creator.Active, "")

		if err := e.creators.RequestMagicLink(ctx, "ANA@x.test"); err != nil {
			t.Fatal(err)
		}
		tok := e.linkFrom(t, "ana@x.test", "/portal/magic/")
		m, _ := e.outbox.Latest(ctx, "ana@x.test")
		if m.BrandID == nil || *m.BrandID != b.Brand.ID {
			t.Fatal("the magic link mail is not in the brand's outbox")
		}
		session, p, err := e.creators.OpenMagicLink(ctx, tok)
		if err != nil || p.CreatorID != c.ID {
			t.Fatalf("open: %v", err)
		}
		portal, err := e.creators.VerifyPortal(ctx, session)
		if err != nil || portal.Creator.ID != c.ID {
			t.Fatalf("verify: %v", err)
		}
		if _, _, err := e.creators.OpenMagicLink(ctx, tok); !errors.Is(err, creator.ErrTokenInvalid) {
			t.Fatalf("reused magic link: %v", err)
		}
		// Expired link.
		e.creators.RequestMagicLink(ctx, "ana@x.test")
		old := e.linkFrom(t, "ana@x.test", "/portal/magic/")
		db.Exec("UPDATE creator_tokens SET expires_at = ? WHERE purpose = 'magic_link' AND used_at IS NULL", time.Now().UTC().Add(-time.Second))
		if _, _, err := e.creators.OpenMagicLink(ctx, old); !errors.Is(err, creator.ErrTokenInvalid) {
			t.Fatalf("expired magic link: %v", err)
		}
		// Unknown addresses get no mail and no error.
		if err := e.creators.RequestMagicLink(ctx, "nobody@x.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.outbox.Latest(ctx, "nobody@x.test"); err == nil {
			t.Fatal("mail sent to an unknown address")
		}
		// Retiring ends the session at once, and a link sent before no longer logs in.
		e.creators.RequestMagicLink(ctx, "ana@x.test")
		pending := e.linkFrom(t, "ana@x.test", "/portal/magic/")
		e.creators.SetStatus(ctx, owner(b), b.Brand.ID, c.ID, creator.Retired, "program ended")
		if _, err := e.creators.VerifyPortal(ctx, session); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("retired creator's session: %v", err)
		}
		if _, _, err := e.creators.OpenMagicLink(ctx, pending); !errors.Is(err, creator.ErrNoPortalAccess) {
			t.Fatalf("retired creator's magic link: %v", err)
		}
		before, _ := e.outbox.Latest(ctx, "ana@x.test")
		e.creators.RequestMagicLink(ctx, "ana@x.test")
		if after, _ := e.outbox.Latest(ctx, "ana@x.test"); after.ID != before.ID {
			t.Fatal("a retired creator was sent a new login link")
		}
	})
}

func TestPortalIsolationAndSwitching(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a, b := e.brand(t, "Alpha"), e.brand(t, "Beta")
		ca, _, _ := e.creators.New(ctx, owner(a), a.Brand.ID, creator.Profile{Name: ptr("Ana"), Email: ptr("ana@x.test")}, creator.Active)
		cb, _, _ := e.creators.New(ctx, owner(b), b.Brand.ID, creator.Profile{Name: ptr("Ana"), Email: ptr("ana@x.test")}, creator.Active)
		other, _, _ := e.creators.New(ctx, owner(a), a.Brand.ID, creator.Profile{Name: ptr("Zed"), Email: ptr("zed@x.test")}, creator.Active)

		// Brand A cannot see brand B's creator.
		if _, err := e.creators.Get(ctx, a.Brand.ID, cb.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("A reads B's creator: %v", err)
		}
		if _, err := e.creators.SetStatus(ctx, owner(a), a.Brand.ID, cb.ID, creator.Paused, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("A pauses B's creator: %v", err)
		}
		if _, err := e.creators.Update(ctx, owner(a), a.Brand.ID, cb.ID, creator.Profile{Notes: ptr("x")}, nil, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("A edits B's creator: %v", err)
		}

		e.creators.RequestMagicLink(ctx, "ana@x.test")
		var bodies []struct {
			BrandID string
			Body    string
		}
		db.Raw("SELECT brand_id, body FROM outbox WHERE to_addr = 'ana@x.test' ORDER BY created_at").Scan(&bodies)
		if len(bodies) != 2 || bodies[0].BrandID == bodies[1].BrandID {
			t.Fatalf("want one link per program, each in its brand's outbox: %+v", bodies)
		}
		var tokA string
		for _, m := range bodies {
			if m.BrandID == a.Brand.ID {
				tokA = regexp.MustCompile(`/portal/magic/([A-Za-z0-9]+)`).FindStringSubmatch(m.Body)[1]
			}
		}
		session, _, err := e.creators.OpenMagicLink(ctx, tokA)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := e.creators.VerifyPortal(ctx, session)
		// Another account's creator: not found, not switched to.
		if err := e.creators.Switch(ctx, p, other.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("switch to another person: %v", err)
		}
		// The same person's other program needs its own link when logged in by link.
		if err := e.creators.Switch(ctx, p, cb.ID); !errors.Is(err, creator.ErrLinkSent) {
			t.Fatalf("switch by link: %v", err)
		}
		if p2, _ := e.creators.VerifyPortal(ctx, session); p2.Creator.ID != ca.ID {
			t.Fatal("switched without proof")
		}
		// With a password, every program opens.
		if err := e.creators.SetPassword(ctx, p, "my portal password"); err != nil {
			t.Fatal(err)
		}
		session2, _, err := e.creators.LoginPassword(ctx, "ana@x.test", "my portal password")
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := e.creators.VerifyPortal(ctx, session2)
		if err := e.creators.Switch(ctx, p2, cb.ID); err != nil {
			t.Fatal(err)
		}
		if p3, _ := e.creators.VerifyPortal(ctx, session2); p3.Creator.ID != cb.ID {
			t.Fatal("password session did not switch")
		}
		// Profile edits touch only the session's creator.
		upd, err := e.creators.UpdateOwnProfile(ctx, p, creator.OwnProfile{PayoutEmail: ptr("pay@x.test"),
			Handles: map[creator.Platform]creator.HandleInput{"tiktok": {Handle: "@ana", Audience: 500}}})
		if err != nil || upd.ID != ca.ID || upd.PayoutEmail != "pay@x.test" || upd.TotalAudience != 500 {
			t.Fatalf("own profile: %+v %v", upd, err)
		}
		if z, _ := e.creators.Get(ctx, a.Brand.ID, other.ID); z.PayoutEmail != "" {
			t.Fatal("another creator changed")
		}
		if _, _, err := e.creators.LoginPassword(ctx, "ana@x.test", "wrong password!"); err == nil {
			t.Fatal("wrong password logged in")
		}
	})
}

func TestListFiltersSortsAndPages(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t, "Glow")
		other := e.brand(t, "Other")
		e.creators.New(ctx, owner(other), other.Brand.ID, creator.Profile{Name: ptr("Outsider"), Email: ptr("out@x.test")}, creator.Active)
		for i := 0; i < 25; i++ {
			pl := creator.Platform("instagram")
			if i%3 == 0 {
				pl = "tiktok"
			}
			tags := []string{"group" + fmt.Sprint(i%2)}
			_, _, err := e.creators.New(ctx, owner(b), b.Brand.ID, creator.Profile{Name: ptr(fmt.Sprintf("Creator %02d", i)), Email: ptr(fmt.Sprintf("c%02d@x.test", i)),
				Handles: map[creator.Platform]creator.HandleInput{pl: {Handle: fmt.Sprintf("@c%d", i), Audience: int64(1000 * (i % 7))}}, Tags: &tags}, creator.Active)
			if err != nil {
				t.Fatal(err)
			}
		}
		// Walk every page of each sort: each creator once, in order, none of the other brand.
		for _, sort := range creator.Sorts {
			seen := map[string]bool{}
			var prev *creator.Creator
			cur := ""
			pages := 0
			for {
				page, err := e.creators.List(ctx, b.Brand.ID, creator.ListQuery{Sort: sort, Limit: 7, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if page.Total != 25 {
					t.Fatalf("total %d", page.Total)
				}
				for i := range page.Creators {
					c := page.Creators[i]
					if seen[c.ID] || c.BrandID != b.Brand.ID {
						t.Fatalf("%s: %s twice or foreign", sort, c.Name)
					}
					seen[c.ID] = true
					if prev != nil && !inOrder(sort, prev, &c) {
						t.Fatalf("%s: %s before %s", sort, prev.Name, c.Name)
					}
					prev = &c
				}
				if page.Next == "" {
					break
				}
				cur = page.Next
			}
			if len(seen) != 25 || pages != 4 {
				t.Fatalf("%s: %d creators over %d pages", sort, len(seen), pages)
			}
		}
		check := func(q creator.ListQuery, want int64) {
			t.Helper()
			page, err := e.creators.List(ctx, b.Brand.ID, q)
			if err != nil || page.Total != want {
				t.Fatalf("%+v: total %v, want %d (%v)", q, page, want, err)
			}
		}
		check(creator.ListQuery{Platform: "tiktok"}, 9)
		if page, _ := e.creators.List(ctx, b.Brand.ID, creator.ListQuery{NoTotal: true, Limit: 5}); page.Total != -1 || len(page.Creators) != 5 {
			t.Fatalf("NoTotal: total %d, %d creators", page.Total, len(page.Creators))
		}
		check(creator.ListQuery{Tag: "group1"}, 12)
		check(creator.ListQuery{Search: "creator 1"}, 10)
		check(creator.ListQuery{Search: "C07@X"}, 1)
		check(creator.ListQuery{Search: "100%_"}, 0)
		check(creator.ListQuery{Status: creator.Paused}, 0)
		check(creator.ListQuery{Search: "outsider"}, 0)
		for _, q := range []creator.ListQuery{{Sort: "random"}, {Status: "gone"}, {Platform: "myspace"}, {Limit: 1000}, {Cursor: "garbage!"}} {
			if _, err := e.creators.List(ctx, b.Brand.ID, q); err == nil {
				t.Errorf("%+v accepted", q)
			}
		}
	})
}

func inOrder(sort string, a, b *creator.Creator) bool {
	switch sort {
	case creator.SortNewest:
		return !a.CreatedAt.Before(b.CreatedAt)
	case creator.SortOldest:
		return !a.CreatedAt.After(b.CreatedAt)
	case creator.SortName:
		return a.Name <= b.Name
	case creator.SortAudience:
		return a.TotalAudience >= b.TotalAudience
	}
	return false
}

// Deciding an application through Update (the API's PATCH) mails the
// applicant like the pages do, and the reason is checked the same way.
func TestUpdateStatusDecidesLikeSetStatus(t *testing.T) {
	e := newEnv(t, testutil.SQLite(t))
	ctx := context.Background()
	b := e.brand(t, "Glow")
	c, _ := e.creators.Apply(ctx, b.Brand.Slug, application("ana", "ana@x.test", 10))
	long := strings.Repeat("x", creator.MaxReason+1)
	rej := creator.Rejected
	if _, err := e.creators.Update(ctx, owner(b), b.Brand.ID, c.ID, creator.Profile{}, &rej, long); err == nil {
		t.Fatal("over-long reason accepted")
	}
	if _, err := e.creators.Update(ctx, owner(b), b.Brand.ID, c.ID, creator.Profile{}, &rej, "not a fit"); err != nil {
		t.Fatal(err)
	}
	m, _ := e.outbox.Latest(ctx, "ana@x.test")
	if !strings.Contains(m.Body, "not a fit") || !strings.Contains(m.Subject, "Your application") {
		t.Fatalf("rejection mail: %+v", m)
	}
}
