package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// webhookSecret is the brand's Shopify webhook secret (the app's client
// secret in Shopify), as saved in Settings.
const webhookSecret = "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"

// world is what the deliveries refer to: the brand's creators' codes and
// the clicks on their links.
type world struct {
	codes  []creatorCode
	clicks []seedClick
}

type creatorCode struct {
	code, creatorID string
	bps             int64 // the discount, in basis points
}

// seedClick is a click made through the app's redirect, with the landing
// page (landing_site: path and query, the click id included) it led to.
type seedClick struct {
	id, creatorID, landing string
}

var firstNames = []string{"Sarah", "Jules", "Maya", "Theo", "Nina", "Omar", "Lena", "Kai", "Zoe", "Ravi",
	"Ines", "Hugo", "Ava", "Leo", "Mila", "Sam", "Ivy", "Finn", "Noor", "Eli"}

// startApp assembles the app as cmd/clout does (app.New) and creates the
// brand: shop.test allowed for links, and the Shopify webhook secret saved
// through brand.Service.UpdateSettings.
func startApp(ctx context.Context, db *store.DB) (*app.App, string, error) {
	auth.BcryptCost = bcrypt.MinCost
	vars := map[string]string{"CLOUT_SECRET": "bench-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": os.TempDir(),
		"CLOUT_STRIPE_API_BASE": "http://127.0.0.1:1", "CLOUT_BASE_URL": "https://go.clout.test"}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, "", err
	}
	a, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, "", err
	}
	actor := brand.Actor{Type: "cli", Label: "orders bench"}
	created, err := a.Brands.CreateBrand(ctx, brand.NewBrand{Name: "Bench Co", OwnerEmail: "owner@example.com",
		Password: "correct horse battery", Currency: "USD"}, actor)
	if err != nil {
		return nil, "", err
	}
	domains, campaign, secret := []string{"shop.test"}, "spring-2026", webhookSecret
	if _, err := a.Brands.UpdateSettings(ctx, actor, created.Brand.ID, brand.SettingsPatch{AllowedDomains: &domains,
		UTMCampaign: &campaign, ShopifyWebhookSecret: &secret}); err != nil {
		return nil, "", fmt.Errorf("brand settings: %w", err)
	}
	// A default commission plan, so that the ledger prices every attributed
	// order in the background, as it does in production.
	plan, err := a.Plans.Create(ctx, actor, created.Brand.ID, "Standard", commission.Plan{TierBasis: commission.BasisRevenue,
		TierMode: commission.ModeMarginal, Tiers: []commission.Tier{{From: 0, RateBps: 1000}, {From: 100000, RateBps: 1500}}, MarginCapBps: 5000})
	if err != nil {
		return nil, "", fmt.Errorf("commission plan: %w", err)
	}
	if err := a.Plans.SetDefault(ctx, actor, created.Brand.ID, plan.ID); err != nil {
		return nil, "", err
	}
	return a, created.Brand.ID, nil
}

// seedCreators adds n active creators through creator.Service.New, each
// with a discount code (coupon.Service.Create: 10, 15 or 20%) and a link
// (link.Service.Create).
func seedCreators(ctx context.Context, a *app.App, brandID string, n int) ([]creatorCode, []*link.Link, error) {
	actor := brand.Actor{Type: "cli", Label: "orders bench"}
	var codes []creatorCode
	var links []*link.Link
	for i := range n {
		first := firstNames[i%len(firstNames)]
		name, email := fmt.Sprintf("%s Creator%d", first, i), fmt.Sprintf("%s.%d@creators.example.com", strings.ToLower(first), i)
		country := "US"
		c, _, err := a.Creators.New(ctx, actor, brandID, creator.Profile{Name: &name, Email: &email, Country: &country}, creator.Active)
		if err != nil {
			return nil, nil, fmt.Errorf("creator %d: %w", i, err)
		}
		bps := int64(1000 + 500*(i%3))
		code, err := a.Codes.Create(ctx, brandID, c.ID, coupon.Input{Code: fmt.Sprintf("%s%d", strings.ToUpper(first), i),
			DiscountType: coupon.Percent, DiscountValue: bps})
		if err != nil {
			return nil, nil, fmt.Errorf("code of creator %d: %w", i, err)
		}
		codes = append(codes, creatorCode{code: code.Code, creatorID: c.ID, bps: bps})
		p := catalog[i%len(catalog)]
		l, err := a.Links.Create(ctx, brandID, c.ID, link.Input{Label: "TikTok " + p.title,
			Destination: "https://shop.test/products/" + strings.ReplaceAll(strings.ToLower(p.title), " ", "-")})
		if err != nil {
			return nil, nil, fmt.Errorf("link of creator %d: %w", i, err)
		}
		links = append(links, l)
	}
	return codes, links, nil
}

// seedClicks makes n clicks through the app's redirect (GET /{slug} on the
// running server, spread over the links), reads each click id from the
// redirect's query, and waits until the click writer has stored them all.
func seedClicks(ctx context.Context, a *app.App, appURL string, links []*link.Link, n int) ([]seedClick, error) {
	client := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	clicks := make([]seedClick, n)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				l := links[i%len(links)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, appURL+"/"+l.Slug, nil)
				req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 327.0.0.42.90")
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				u, err := url.Parse(resp.Header.Get("Location"))
				id := ""
				if err == nil {
					id = u.Query().Get(order.ShopifyDefaultClickParam)
				}
				if resp.StatusCode != http.StatusFound || !strings.HasPrefix(id, "clk_") {
					errs <- fmt.Errorf("GET /%s: %d to %q, want a 302 with a click id", l.Slug, resp.StatusCode, resp.Header.Get("Location"))
					return
				}
				clicks[i] = seedClick{id: id, creatorID: l.CreatorID, landing: u.RequestURI()}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for a.Clicks.Written()+a.Clicks.Dropped() < int64(n) {
		if dctx.Err() != nil {
			return nil, fmt.Errorf("click writer: %d of %d clicks written after a minute", a.Clicks.Written(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := a.Clicks.Dropped(); d > 0 {
		return nil, fmt.Errorf("click writer dropped %d of %d clicks", d, n)
	}
	return clicks, nil
}
