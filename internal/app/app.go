// Package app wires Clout's services from its configuration and database:
// the one place where cmd/clout, the tests and the benchmarks assemble them.
package app

import (
	"context"
	"log/slog"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/export"
	"github.com/cloutapp/clout/internal/fraud"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/web"
)

// App is every service, and the web edge on top of them.
type App struct {
	Outbox   *mail.Outbox
	Brands   *brand.Service
	Creators *creator.Service
	Links    *link.Service
	Codes    *coupon.Service
	Orders   *order.Service
	Catalog  *commission.CatalogService
	Plans    *commission.Plans
	Ledger   *commission.Ledger
	Payouts  *payout.Service
	Reports  *report.Service
	Resolver *link.Resolver
	Clicks   *click.Writer
	Sessions *auth.Sessions
	Web      *web.App
}

// New builds the services on db as cfg says, and warms the link cache. The
// click writer runs until Clicks.Drain.
func New(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger) (*App, error) {
	// Without SMTP in development, mail that no outbox page shows (password
	// resets) is logged; never in production, where its links are secrets.
	outbox := mail.NewOutbox(db, log, cfg.Env == "development" && cfg.SMTPURL == "")
	resolver := link.NewResolver(db, log)
	if err := resolver.Warm(ctx); err != nil {
		return nil, err
	}
	var w *web.App              // set below; settings changes reach its webhook cache
	var reports *report.Service // set below; a new time zone resets its cache
	brands := brand.NewService(db, secret.NewBox(cfg.Secret), outbox, log,
		brand.Options{BaseURL: cfg.BaseURL, Stripe: stripeapi.Factory{Base: cfg.StripeAPIBase},
			// Allowed domains, UTM campaign and click parameter live in the
			// link cache; secrets and the click parameter in the webhooks'.
			OnSettingsChanged: func(ctx context.Context, brandID string) {
				resolver.BrandChanged(ctx, brandID)
				if reports != nil {
					reports.BrandChanged(brandID)
				}
				if w != nil {
					w.BrandChanged(ctx, brandID)
				}
			}})
	creators := creator.NewService(db, brands, outbox, cfg.BaseURL, cfg.Secret, log)
	links := link.NewService(db, brands, resolver, log)
	codes := coupon.NewService(db, brands, stripeapi.Factory{Base: cfg.StripeAPIBase}, log)
	orders := order.NewService(db, brands, cfg.Secret, log)
	catalog := commission.NewCatalog(db, log)
	plans := commission.NewPlans(db, brands)
	// The ledger's worker runs only when started (cmd/clout serve).
	ledger := commission.NewLedger(db, brands, plans, log)
	// Payouts resume interrupted batches and draft scheduled ones only when
	// started (cmd/clout serve).
	payouts := payout.NewService(db, brands, outbox, stripeapi.Factory{Base: cfg.StripeAPIBase}, cfg.BaseURL, log)
	clicks := click.NewWriter(db, log, cfg.Secret, 0)
	// The rollups: click counts move with each click batch; order columns
	// are refreshed from queued order changes when started (cmd/clout serve).
	reports = report.NewService(db, brands, ledger, log)
	clicks.SetRollup(reports.ClickRollup)
	sessions := auth.NewSessions(db, cfg.Secret)
	var err error
	w, err = web.New(web.Deps{Config: cfg, DB: db, Brands: brands, Creators: creators, Links: links, Codes: codes, Orders: orders, Catalog: catalog, Plans: plans, Ledger: ledger, Payouts: payouts, Reports: reports, Resolver: resolver,
		Fraud: fraud.NewService(db, brands, orders.CustomerHash), Exports: export.NewService(db),
		Clicks: clicks, Sessions: sessions, Outbox: outbox, Log: log})
	if err != nil {
		return nil, err
	}
	return &App{Outbox: outbox, Brands: brands, Creators: creators, Links: links, Codes: codes, Orders: orders, Catalog: catalog, Plans: plans, Ledger: ledger, Payouts: payouts, Reports: reports, Resolver: resolver,
		Clicks: clicks, Sessions: sessions, Web: w}, nil
}
