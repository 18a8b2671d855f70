package payout

import (
	"context"
	"log/slog"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
)

// Service runs payouts.
type Service struct {
	db      *store.DB
	brands  *brand.Service
	outbox  *mail.Outbox
	stripe  stripeapi.Factory
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	// lease is how long an executing process holds a batch before another
	// may resume it.
	lease time.Duration
}

// NewService wires payouts.
func NewService(db *store.DB, brands *brand.Service, outbox *mail.Outbox, stripe stripeapi.Factory, baseURL string, log *slog.Logger) *Service {
	return &Service{db: db, brands: brands, outbox: outbox, stripe: stripe, baseURL: baseURL, log: log, now: store.Now, lease: 2 * time.Minute}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// actorKey is how a batch records who acted: "type:id".
func actorKey(a brand.Actor) string { return a.Type + ":" + a.ID }

// stripeKey is the brand's Stripe secret key, or ErrNoStripe.
func (s *Service) stripeKey(b *brand.Brand) (string, error) {
	sec, err := s.brands.SecretsOf(b)
	if err != nil {
		return "", err
	}
	if sec.StripeSecretKey == "" {
		return "", ErrNoStripe
	}
	return sec.StripeSecretKey, nil
}

var _ = context.Background
