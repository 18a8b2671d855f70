// Package app wires Clout's services from its configuration and database:
// the one place where cmd/clout, the tests and the benchmarks assemble them.
package app

import (
	"log/slog"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/mail"
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
	Sessions *auth.Sessions
	Web      *web.App
}

// New builds the services on db as cfg says.
func New(cfg *config.Config, db *store.DB, log *slog.Logger) (*App, error) {
	// Without SMTP in development, mail that no outbox page shows (password
	// resets) is logged; never in production, where its links are secrets.
	outbox := mail.NewOutbox(db, log, cfg.Env == "development" && cfg.SMTPURL == "")
	brands := brand.NewService(db, secret.NewBox(cfg.Secret), outbox, log,
		brand.Options{BaseURL: cfg.BaseURL, Stripe: stripeapi.Factory{Base: cfg.StripeAPIBase}})
	creators := creator.NewService(db, brands, outbox, cfg.BaseURL, cfg.Secret, log)
	sessions := auth.NewSessions(db, cfg.Secret)
	w, err := web.New(web.Deps{Config: cfg, DB: db, Brands: brands, Creators: creators, Sessions: sessions, Outbox: outbox, Log: log})
	if err != nil {
		return nil, err
	}
	return &App{Outbox: outbox, Brands: brands, Creators: creators, Sessions: sessions, Web: w}, nil
}
