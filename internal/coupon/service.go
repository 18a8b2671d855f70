package coupon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Input creates a code. An empty Code means one generated from the creator's
// handle and the discount.
type Input struct {
	Code          string
	DiscountType  string
	DiscountValue int64
	ExpiresAt     *time.Time
}

// Limits on codes.
const (
	MinCodeLen = 3
	MaxCodeLen = 32
	// MaxPercent is 100% in basis points.
	MaxPercent = 10000
	// MaxAmount bounds an amount discount, in minor units.
	MaxAmount = 1_000_000_000_000
	// maxBaseLen bounds the handle part of a generated code.
	maxBaseLen = 12
	// maxSuffix bounds the search for a free generated code.
	maxSuffix = 1000
)

// ErrStripe: Stripe did not create the code's Coupon or Promotion Code, so
// the code was not created in Clout either.
var ErrStripe = errors.New("Stripe refused the code")

// takenError names a code the brand already has. It is both ErrCodeTaken and
// store.ErrConflict.
type takenError struct{ code string }

func (e *takenError) Error() string {
	return fmt.Sprintf("the code %q is taken: this brand already has it (codes ignore letter case); choose another", e.code)
}

func (e *takenError) Is(target error) bool {
	return target == ErrCodeTaken || target == store.ErrConflict
}

// stripeError is a failed Stripe call, already reported to the log.
type stripeError struct{ msg string }

func (e *stripeError) Error() string        { return e.msg }
func (e *stripeError) Is(target error) bool { return target == ErrStripe }

// CodeKey is the case-insensitive form of a code that the unique index holds.
func CodeKey(code string) string { return strings.ToLower(code) }

// CheckCode reports what is wrong with a code chosen by the brand, or "".
func CheckCode(code string) string {
	if len(code) < MinCodeLen || len(code) > MaxCodeLen {
		return fmt.Sprintf("a code is %d to %d characters", MinCodeLen, MaxCodeLen)
	}
	for _, r := range code {
		if !isAlnum(r) && r != '-' && r != '_' {
			return "a code has only letters, digits, '-' and '_'"
		}
	}
	return ""
}

func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// Create makes a discount code for one of the brand's creators. When the brand
// has a Stripe secret key, the code is mirrored to Stripe as a Coupon and a
// Promotion Code; if Stripe refuses, nothing is kept.
func (s *Service) Create(ctx context.Context, brandID, creatorID string, in Input) (*Code, error) {
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, err
	}
	cr, err := s.creator(ctx, brandID, creatorID)
	if err != nil {
		return nil, err
	}
	cur, err := money.LookupCurrency(b.Currency)
	if err != nil {
		return nil, fmt.Errorf("coupon: brand currency: %w", err)
	}
	now := s.now()
	c := &Code{ID: store.NewID("code"), BrandID: brandID, CreatorID: creatorID, Active: true,
		DiscountType: strings.ToLower(strings.TrimSpace(in.DiscountType)), DiscountValue: in.DiscountValue,
		CreatedAt: now, UpdatedAt: now}
	var errs validate.Errors
	switch c.DiscountType {
	case Percent:
		if c.DiscountValue < 1 || c.DiscountValue > MaxPercent {
			errs.Add("discount_value", "a percent discount is in basis points from 1 to %d (1500 is 15%%)", MaxPercent)
		}
	case Amount:
		c.Currency = cur.Code
		if c.DiscountValue < 1 || c.DiscountValue > MaxAmount {
			errs.Add("discount_value", "an amount discount is a whole number of minor units of %s (1000 is %s), more than 0",
				cur.Code, money.Amount{Minor: 1000, Currency: cur.Code})
		}
	default:
		errs.Add("discount_type", "use percent or amount")
	}
	if in.ExpiresAt != nil {
		exp := in.ExpiresAt.UTC().Truncate(time.Second) // Stripe keeps whole seconds
		if !exp.After(now) {
			errs.Add("expires_at", "the expiry must be in the future")
		}
		c.ExpiresAt = &exp
	}
	chosen := strings.TrimSpace(in.Code)
	if chosen != "" {
		if msg := CheckCode(chosen); msg != "" {
			errs.Add("code", "%s", msg)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	// Read the key before reserving the code: a brand whose secrets cannot be
	// read gets no half-made code.
	sec, err := s.brands.Secrets(ctx, brandID)
	if err != nil {
		return nil, fmt.Errorf("coupon: reading the brand's Stripe key: %w", err)
	}
	if chosen != "" {
		c.Code, c.CodeKey = chosen, CodeKey(chosen)
		if err := s.db.WithContext(ctx).Create(c).Error; err != nil {
			if store.IsUniqueViolation(err) {
				return nil, &takenError{code: chosen}
			}
			return nil, fmt.Errorf("coupon: creating: %w", err)
		}
	} else if err := s.insertGenerated(ctx, c, generatedBase(cr, c.DiscountType, c.DiscountValue, cur.Exponent)); err != nil {
		return nil, err
	}
	if sec.StripeSecretKey != "" {
		if err := s.mirrorToStripe(ctx, sec.StripeSecretKey, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// creator returns one of the brand's creators with handles.
func (s *Service) creator(ctx context.Context, brandID, creatorID string) (*creator.Creator, error) {
	var cr creator.Creator
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, creatorID).Take(&cr).Error; err != nil {
		return nil, store.Err(err)
	}
	if err := s.db.WithContext(ctx).Where("creator_id = ?", creatorID).Find(&cr.Handles).Error; err != nil {
		return nil, err
	}
	return &cr, nil
}

// generatedBase is the code generated for a creator before any suffix: the
// creator's first handle (in platform order; else the name) reduced to
// upper-case letters and digits, at most 12, then the whole percent or the
// whole major units of the amount: MAYA15, MAYA10.
func generatedBase(cr *creator.Creator, discountType string, value int64, exponent int) string {
	name := ""
	for _, p := range creator.Platforms {
		for _, h := range cr.Handles {
			if h.Platform == p && name == "" {
				name = alnumUpper(h.Handle)
			}
		}
	}
	if name == "" {
		name = alnumUpper(cr.Name)
	}
	if len(name) > maxBaseLen {
		name = name[:maxBaseLen]
	}
	if name == "" {
		name = "CODE"
	}
	whole := value / 100
	if discountType == Amount {
		whole = value
		for i := 0; i < exponent; i++ {
			whole /= 10
		}
	}
	if whole > 0 {
		name += strconv.FormatInt(whole, 10)
	}
	if len(name) < MinCodeLen {
		name += "CODE"
	}
	return name
}

// alnumUpper keeps the ASCII letters and digits of s, upper-cased.
func alnumUpper(s string) string {
	var b strings.Builder
	for _, r := range s {
		if isAlnum(r) {
			b.WriteRune(r)
		}
	}
	return strings.ToUpper(b.String())
}

// insertGenerated inserts c under base, or base-2, base-3 … when the brand
// already has the code. The unique index decides; a lookup of the codes taken
// first only saves round trips.
func (s *Service) insertGenerated(ctx context.Context, c *Code, base string) error {
	var keys []string
	if err := s.db.WithContext(ctx).Model(&Code{}).Where("brand_id = ? AND (code_key = ? OR code_key LIKE ?)",
		c.BrandID, CodeKey(base), CodeKey(base)+"-%").Pluck("code_key", &keys).Error; err != nil {
		return fmt.Errorf("coupon: listing codes: %w", err)
	}
	taken := make(map[string]bool, len(keys))
	for _, k := range keys {
		taken[k] = true
	}
	for n := 1; n <= maxSuffix; n++ {
		code := base
		if n > 1 {
			suffix := "-" + strconv.Itoa(n)
			if len(code)+len(suffix) > MaxCodeLen {
				code = code[:MaxCodeLen-len(suffix)]
			}
			code += suffix
		}
		if taken[CodeKey(code)] {
			continue
		}
		c.Code, c.CodeKey = code, CodeKey(code)
		err := s.db.WithContext(ctx).Create(c).Error
		if err == nil {
			return nil
		}
		if !store.IsUniqueViolation(err) {
			return fmt.Errorf("coupon: creating: %w", err)
		}
		taken[c.CodeKey] = true // taken meanwhile: try the next
	}
	return fmt.Errorf("%w: no free code from %q up to %s-%d; choose a code", ErrCodeTaken, base, base, maxSuffix)
}

// stripePercent converts basis points to Stripe's percent_off exactly: the
// float is parsed from the exact decimal (1550 → "15.5" → 15.5), and
// stripe-go writes it back with the shortest representation, "15.5".
func stripePercent(bps int64) float64 {
	f, err := strconv.ParseFloat(PercentString(bps), 64)
	if err != nil {
		panic(err) // PercentString always writes a decimal number
	}
	return f
}

// mirrorToStripe creates the Coupon and the Promotion Code and stores their
// ids. On any failure the code row, and the Coupon if it was made, are
// deleted, so nothing half-exists.
func (s *Service) mirrorToStripe(ctx context.Context, key string, c *Code) error {
	sc := s.stripe.Client(key)
	meta := map[string]string{"clout_code_id": c.ID, "clout_creator_id": c.CreatorID}
	cp := &stripe.CouponParams{Name: stripe.String(c.Code), Duration: stripe.String(string(stripe.CouponDurationOnce))}
	if c.DiscountType == Percent {
		cp.PercentOff = stripe.Float64(stripePercent(c.DiscountValue))
	} else {
		cp.AmountOff = stripe.Int64(c.DiscountValue)
		cp.Currency = stripe.String(strings.ToLower(c.Currency))
	}
	cp.Metadata = meta
	cp.Context = ctx
	cp.SetIdempotencyKey("clout-coupon-" + c.ID)
	coupon, err := sc.Coupons.New(cp)
	if err != nil {
		return s.undo(ctx, sc, c, "", s.stripeErr(ctx, c, "creating the coupon", err))
	}
	pp := &stripe.PromotionCodeParams{Coupon: stripe.String(coupon.ID), Code: stripe.String(c.Code), Active: stripe.Bool(true)}
	if c.ExpiresAt != nil {
		pp.ExpiresAt = stripe.Int64(c.ExpiresAt.Unix())
	}
	pp.Metadata = meta
	pp.Context = ctx
	pp.SetIdempotencyKey("clout-promotion-code-" + c.ID)
	promo, err := sc.PromotionCodes.New(pp)
	if err != nil {
		return s.undo(ctx, sc, c, coupon.ID, s.stripeErr(ctx, c, "creating the promotion code", err))
	}
	c.StripeCouponID, c.StripePromotionCodeID, c.UpdatedAt = coupon.ID, promo.ID, s.now()
	if err := s.db.WithContext(ctx).Model(&Code{}).Where("id = ?", c.ID).Updates(map[string]any{
		"stripe_coupon_id": c.StripeCouponID, "stripe_promotion_code_id": c.StripePromotionCodeID, "updated_at": c.UpdatedAt}).Error; err != nil {
		return s.undo(ctx, sc, c, coupon.ID, fmt.Errorf("coupon: storing the Stripe ids: %w", err))
	}
	return nil
}

// stripeErr reports a failed Stripe call to the log and says what happened
// for people: Stripe's own message when it answered, a plain one when it
// could not be reached.
func (s *Service) stripeErr(ctx context.Context, c *Code, what string, err error) error {
	s.log.WarnContext(ctx, "coupon: Stripe call failed", "step", what, "brand_id", c.BrandID, "code", c.Code, "err", err)
	var se *stripe.Error
	if errors.As(err, &se) {
		if se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden {
			return &stripeError{msg: fmt.Sprintf("%v: %v (%s); check the Stripe secret key in the brand's settings", ErrStripe, stripeapi.ErrKeyRejected, se.Msg)}
		}
		return &stripeError{msg: fmt.Sprintf("%v: %s", ErrStripe, se.Msg)}
	}
	return &stripeError{msg: fmt.Sprintf("%v: %v while %s; nothing was created, try again", ErrStripe, stripeapi.ErrUnreachable, what)}
}

// undo deletes the code row, and the Stripe coupon when couponID is set, and
// returns cause. It runs even when ctx is cancelled.
func (s *Service) undo(ctx context.Context, sc *client.API, c *Code, couponID string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stripeapi.Timeout)
	defer cancel()
	if couponID != "" {
		p := &stripe.CouponParams{}
		p.Context = ctx
		if _, err := sc.Coupons.Del(couponID, p); err != nil {
			s.log.ErrorContext(ctx, "coupon: deleting the Stripe coupon of a failed code", "coupon_id", couponID, "err", err)
		}
	}
	if err := s.db.WithContext(ctx).Where("id = ?", c.ID).Delete(&Code{}).Error; err != nil {
		s.log.ErrorContext(ctx, "coupon: deleting a code Stripe refused", "code_id", c.ID, "err", err)
		return errors.Join(cause, err)
	}
	return cause
}

// ForCreator lists a creator's codes, newest first. Another brand's creator
// is ErrNotFound.
func (s *Service) ForCreator(ctx context.Context, brandID, creatorID string) ([]Code, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&creator.Creator{}).Where("brand_id = ? AND id = ?", brandID, creatorID).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: creator %s", ErrNotFound, creatorID)
	}
	cs := []Code{}
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND creator_id = ?", brandID, creatorID).
		Order("created_at DESC, id DESC").Find(&cs).Error; err != nil {
		return nil, err
	}
	return cs, nil
}

// Get returns one of the brand's codes.
func (s *Service) Get(ctx context.Context, brandID, id string) (*Code, error) {
	var c Code
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&c).Error; err != nil {
		return nil, store.Err(err)
	}
	return &c, nil
}
