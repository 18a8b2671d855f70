// Package coupon holds creators' discount codes: unique per brand ignoring
// case, generated from the creator's handle or chosen by the brand, and
// mirrored to Stripe (Coupon + Promotion Code) when the brand uses Stripe.
package coupon

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
)

// Discount types.
const (
	Percent = "percent" // value in basis points: 1500 is 15%
	Amount  = "amount"  // value in minor units of the brand's currency
)

var (
	ErrNotFound = store.ErrNotFound
	// ErrCodeTaken: the brand already has this code, in any letter case.
	ErrCodeTaken = errors.New("this code is taken")
)

// Code is a creator's discount code.
type Code struct {
	ID                    string `gorm:"primaryKey"`
	BrandID               string
	CreatorID             string
	Code                  string
	CodeKey               string
	DiscountType          string
	DiscountValue         int64
	Currency              string
	Active                bool
	ExpiresAt             *time.Time
	StripeCouponID        string
	StripePromotionCodeID string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Service manages codes.
type Service struct {
	db     *store.DB
	brands *brand.Service
	stripe stripeapi.Factory
	log    *slog.Logger
	now    func() time.Time
}

// NewService wires the coupon service.
func NewService(db *store.DB, brands *brand.Service, stripe stripeapi.Factory, log *slog.Logger) *Service {
	return &Service{db: db, brands: brands, stripe: stripe, log: log, now: store.Now}
}

// Discount describes the discount for people: "15%", "15.5%" or "10.00 USD".
func (c *Code) Discount() string {
	if c.DiscountType == Percent {
		return PercentString(c.DiscountValue) + "%"
	}
	return money.Amount{Minor: c.DiscountValue, Currency: c.Currency}.String()
}

// Expired reports whether the code's expiry has passed at now.
func (c *Code) Expired(now time.Time) bool { return c.ExpiresAt != nil && !now.Before(*c.ExpiresAt) }

// Usable reports whether a shopper can use the code at now: active and not expired.
func (c *Code) Usable(now time.Time) bool { return c.Active && !c.Expired(now) }

// PercentString writes basis points as an exact percentage without trailing
// zeros: 1500 is "15", 1550 is "15.5", 1 is "0.01".
func PercentString(bps int64) string {
	s := money.FormatMinor(bps, 2)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// CreatorsWithCodes returns the ids of the brand's creators who have a code.
func (s *Service) CreatorsWithCodes(ctx context.Context, brandID string) (map[string]bool, error) {
	return s.db.DistinctSet(ctx, &Code{}, "creator_id", brandID)
}
