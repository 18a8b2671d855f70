package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/store"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

const (
	ownerEmail = "owner@example.com"
	password   = "correct horse battery"
	creators   = 5
	insertRows = 100 // rows per multi-row INSERT (SQLite binds parameters in O(n²))
)

// openFresh opens and migrates an empty database (see benchdb.OpenFresh)
// and returns the URL the app uses (PostgreSQL only) and a cleanup.
func openFresh(ctx context.Context, o options) (*store.DB, string, func(), error) {
	return benchdb.OpenFresh(ctx, "redirect-bench", o.dialect, o.dsn)
}

// startApp assembles the app as cmd/clout does (app.New), creates the brand
// and allows its shop domain. The base URL is https, as in production, so
// the redirect sets the Secure cookie and HSTS like it would there.
func startApp(ctx context.Context, db *store.DB) (*app.App, string, error) {
	auth.BcryptCost = bcrypt.MinCost
	vars := map[string]string{"CLOUT_SECRET": "bench-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": os.TempDir(),
		"CLOUT_STRIPE_API_BASE": "http://127.0.0.1:1", "CLOUT_BASE_URL": "https://go.clout.test"}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, "", err
	}
	// Errors only (a click batch failing, say): they are printed, not lost.
	a, err := app.New(ctx, cfg, db, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return nil, "", err
	}
	actor := brand.Actor{Type: "cli", Label: "redirect bench"}
	created, err := a.Brands.CreateBrand(ctx, brand.NewBrand{Name: "Bench Co", OwnerEmail: ownerEmail, Password: password,
		Currency: "USD"}, actor)
	if err != nil {
		return nil, "", err
	}
	domains, campaign := []string{"shop.test"}, "spring-2026"
	if _, err := a.Brands.UpdateSettings(ctx, actor, created.Brand.ID, brand.SettingsPatch{AllowedDomains: &domains,
		UTMCampaign: &campaign}); err != nil {
		return nil, "", fmt.Errorf("allowing shop.test: %w", err)
	}
	return a, created.Brand.ID, nil
}

// seedLinks inserts a few active creators and n active links spread over
// them straight into the tables (one transaction, multi-row INSERTs), and
// returns the slugs (as a shopper would type them: mixed case) with their
// destinations.
func seedLinks(ctx context.Context, db *store.DB, brandID string, n int) (map[string]string, []string, error) {
	now := store.Now()
	var (
		accs []creator.Account
		crs  []creator.Creator
	)
	for i := range creators {
		c := creator.Creator{ID: store.NewID("cr"), BrandID: brandID, AccountID: store.NewID("cra"),
			Name: fmt.Sprintf("Creator %d", i), Email: fmt.Sprintf("creator%d@example.com", i), Status: creator.Active,
			Source: "invite", Country: "US", CreatedAt: now, UpdatedAt: now}
		accs = append(accs, creator.Account{ID: c.AccountID, Email: c.Email, CreatedAt: now, UpdatedAt: now})
		crs = append(crs, c)
	}
	dests := make(map[string]string, n)
	slugs := make([]string, 0, n)
	keys := make(map[string]bool, n)
	links := make([]link.Link, 0, n)
	platforms := []string{"TikTok", "Instagram", "YouTube", "Newsletter"}
	for i := 0; len(links) < n; i++ {
		slug := link.RandomSlug()
		key := strings.ToLower(slug)
		if keys[key] || link.Reserved[key] {
			continue
		}
		keys[key] = true
		var dest, label string
		switch i % 4 {
		case 0: // the common case
			dest = fmt.Sprintf("https://shop.test/products/serum-%d", i)
		case 1: // a subdomain, and a query of its own to keep
			dest = fmt.Sprintf("https://www.shop.test/collections/summer?variant=%d&ref=bio", i)
		case 2: // its own utm_source wins over the added one
			dest = fmt.Sprintf("https://shop.test/p/%d?utm_source=newsletter#reviews", i)
		default: // no label: utm_content is the slug
			dest = fmt.Sprintf("https://shop.test/products/cleanser-%d", i)
		}
		if i%4 != 3 {
			label = fmt.Sprintf("%s 2026-03 serum video %d", platforms[i%len(platforms)], i)
		}
		links = append(links, link.Link{ID: store.NewID("lnk"), BrandID: brandID, CreatorID: crs[i%creators].ID,
			Slug: slug, SlugKey: key, Destination: dest, Label: label, Status: link.Active, CreatedAt: now, UpdatedAt: now})
		dests[slug] = dest
		slugs = append(slugs, slug)
	}
	err := db.WithTx(ctx, func(tx *gorm.DB) error {
		for _, rows := range []any{&accs, &crs, &links} {
			if err := tx.CreateInBatches(rows, insertRows).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if db.Dialect == store.Postgres {
		if err := db.Exec("VACUUM ANALYZE links").Error; err != nil {
			return nil, nil, err
		}
	}
	return dests, slugs, nil
}

// baselineHandler is the reference the app is compared with: a bare echo
// instance, no middleware, one route answering 302 from a map.
func baselineHandler(dests map[string]string) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/:slug", func(c echo.Context) error {
		d, ok := dests[c.Param("slug")]
		if !ok {
			return c.NoContent(http.StatusNotFound)
		}
		return c.Redirect(http.StatusFound, d)
	})
	return e
}

// server is a handler served over a real TCP listener on loopback, counting
// the requests it has started (the same one atomic add for both servers).
type server struct {
	name    string
	url     string
	srv     *http.Server
	started atomic.Int64
}

func serve(name string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{name: name, url: "http://" + ln.Addr().String()}
	// The timeouts of web.Serve, which cmd/clout uses.
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.started.Add(1)
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go s.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return s, nil
}
