package link_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
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
	links    *link.Service
	resolver *link.Resolver
	brandID  string
	creator  string
	actor    brand.Actor
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	resolver := link.NewResolver(db, log)
	brands := brand.NewService(db, secret.NewBox(strings.Repeat("s", 32)), outbox, log,
		brand.Options{BaseURL: "http://clout.test", OnSettingsChanged: resolver.BrandChanged})
	creators := creator.NewService(db, brands, outbox, "http://clout.test", strings.Repeat("s", 32), log)
	ctx := context.Background()
	b, err := brands.CreateBrand(ctx, brand.NewBrand{Name: "Glow", OwnerEmail: "o" + store.RandomString(6) + "@glow.test",
		Password: "correct horse battery", Currency: "USD"}, brand.Actor{Type: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	domains := []string{"shop.com"}
	campaign := "spring"
	actor := brand.UserActor(b.Owner, "")
	if _, err := brands.UpdateSettings(ctx, actor, b.Brand.ID, brand.SettingsPatch{AllowedDomains: &domains, UTMCampaign: &campaign}); err != nil {
		t.Fatal(err)
	}
	name, email := "Maya", "maya"+store.RandomString(6)+"@x.test"
	cr, _, err := creators.New(ctx, actor, b.Brand.ID, creator.Profile{Name: &name, Email: &email}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: db, brands: brands, creators: creators, links: link.NewService(db, brands, resolver, log), resolver: resolver,
		brandID: b.Brand.ID, creator: cr.ID, actor: actor}
}

func TestCreateAndResolve(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		l, err := e.links.Create(ctx, e.brandID, e.creator, link.Input{Destination: "https://shop.com/serum", Label: "TikTok serum"})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Slug) != link.RandomSlugLen || l.Status != link.Active {
			t.Fatalf("link: %+v", l)
		}
		tg := e.resolver.Lookup(strings.ToLower(l.Slug))
		if tg == nil || tg.Destination != "https://shop.com/serum" || tg.UTM.Campaign != "spring" || tg.UTM.Content != "TikTok serum" || tg.ClickParam != "clout_click" {
			t.Fatalf("target: %+v", tg)
		}
		// Vanity slugs are unique ignoring case, across brands.
		if _, err := e.links.Create(ctx, e.brandID, e.creator, link.Input{Destination: "https://shop.com/", Slug: "Maya-Spring"}); err != nil {
			t.Fatal(err)
		}
		other := newEnv(t, db)
		if _, err := other.links.Create(ctx, other.brandID, other.creator, link.Input{Destination: "https://shop.com/", Slug: "maya-SPRING"}); !errors.Is(err, link.ErrSlugTaken) {
			t.Fatalf("taken slug: %v", err)
		}
		// Bad input names the rule and stores nothing.
		for _, in := range []link.Input{{Destination: "https://evil.com/"}, {Destination: "https://shop.com/", Slug: "admin"}, {Destination: "https://shop.com/", Slug: "a b"}} {
			_, err := e.links.Create(ctx, e.brandID, e.creator, in)
			var ve validate.Errors
			if !errors.As(err, &ve) {
				t.Errorf("%+v: %v", in, err)
			}
		}
		if ls, _ := e.links.ForCreator(ctx, e.brandID, e.creator); len(ls) != 2 {
			t.Fatalf("%d links, want 2", len(ls))
		}
		// Another brand's creator or link: not found.
		if _, err := e.links.Create(ctx, e.brandID, other.creator, link.Input{Destination: "https://shop.com/"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("link for a foreign creator: %v", err)
		}
		if _, err := other.links.Update(ctx, other.brandID, l.ID, link.Patch{Label: ptr("x")}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign link update: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestPauseArchiveAndBrandChangesReachTheCache(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		l, _ := e.links.Create(ctx, e.brandID, e.creator, link.Input{Destination: "https://shop.com/a"})
		key := strings.ToLower(l.Slug)
		paused := link.Paused
		e.links.Update(ctx, e.brandID, l.ID, link.Patch{Status: &paused})
		if e.resolver.Lookup(key) != nil {
			t.Fatal("paused link still resolves")
		}
		active := link.Active
		e.links.Update(ctx, e.brandID, l.ID, link.Patch{Status: &active, Destination: ptr("https://shop.com/b")})
		if tg := e.resolver.Lookup(key); tg == nil || tg.Destination != "https://shop.com/b" {
			t.Fatalf("edited link: %+v", tg)
		}
		if _, err := e.links.Update(ctx, e.brandID, l.ID, link.Patch{Destination: ptr("https://evil.com/")}); err == nil {
			t.Fatal("edit to a foreign domain accepted")
		}
		// Brand settings reach the cached links.
		campaign := "summer"
		e.brands.UpdateSettings(ctx, e.actor, e.brandID, brand.SettingsPatch{UTMCampaign: &campaign})
		if tg := e.resolver.Lookup(key); tg.UTM.Campaign != "summer" {
			t.Fatalf("campaign: %q", tg.UTM.Campaign)
		}
		domains := []string{"other.com"}
		e.brands.UpdateSettings(ctx, e.actor, e.brandID, brand.SettingsPatch{AllowedDomains: &domains})
		if tg := e.resolver.Lookup(key); link.DomainAllowed("shop.com", tg.Allowed) {
			t.Fatal("the cache still allows a removed domain")
		}
		archived := link.Archived
		e.links.Update(ctx, e.brandID, l.ID, link.Patch{Status: &archived})
		if _, err := e.links.Update(ctx, e.brandID, l.ID, link.Patch{Status: &active}); !errors.Is(err, link.ErrArchived) {
			t.Fatalf("archived link revived: %v", err)
		}
		// A fresh resolver warms to the same state.
		r2 := link.NewResolver(db, slog.New(slog.DiscardHandler))
		if err := r2.Warm(ctx); err != nil || r2.Lookup(key) != nil {
			t.Fatalf("warm: %v", err)
		}
	})
}

// Two app instances on one PostgreSQL: a change made through one is in the
// other's cache within a second.
func TestCacheInvalidationAcrossInstances(t *testing.T) {
	url := testutil.PostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() *store.DB {
		db, err := store.Open(ctx, store.Options{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	one := newEnv(t, open())
	dbTwo := open()
	two := link.NewResolver(dbTwo, slog.New(slog.DiscardHandler))
	ready := make(chan struct{})
	go two.Listen(ctx, url, ready)
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready")
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("instance two did not see %s within 1s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	l, err := one.links.Create(ctx, one.brandID, one.creator, link.Input{Destination: "https://shop.com/new"})
	if err != nil {
		t.Fatal(err)
	}
	key := strings.ToLower(l.Slug)
	waitFor("the new link", func() bool { return two.Lookup(key) != nil })
	one.links.Update(ctx, one.brandID, l.ID, link.Patch{Destination: ptr("https://shop.com/edited")})
	waitFor("the edit", func() bool { t := two.Lookup(key); return t != nil && t.Destination == "https://shop.com/edited" })
	paused := link.Paused
	one.links.Update(ctx, one.brandID, l.ID, link.Patch{Status: &paused})
	waitFor("the pause", func() bool { return two.Lookup(key) == nil })
	active := link.Active
	one.links.Update(ctx, one.brandID, l.ID, link.Patch{Status: &active})
	campaign := "black-friday"
	one.brands.UpdateSettings(ctx, one.actor, one.brandID, brand.SettingsPatch{UTMCampaign: &campaign})
	waitFor("the brand's new campaign", func() bool { t := two.Lookup(key); return t != nil && t.UTM.Campaign == "black-friday" })
}
