package payout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/stripe/stripe-go/v76"
	"gorm.io/gorm"
)

// AccountStatus is a creator's Stripe Connect account as Clout last learned
// it.
type AccountStatus struct {
	CreatorID string
	AccountID string
	// PayoutsEnabled: Stripe lets the account receive transfers (its
	// transfers capability is active), so batches pay it by transfer.
	PayoutsEnabled bool
	// DetailsSubmitted: the account holder finished Stripe's onboarding
	// form (known only right after a retrieve).
	DetailsSubmitted bool
	CheckedAt        *time.Time
	// Linked: LinkAccount made this account the creator's (it was not
	// already).
	Linked bool
}

var (
	// ErrConnect: a Stripe Connect call failed (Stripe refused it or could
	// not be reached); nothing was stored.
	ErrConnect = errors.New("Stripe Connect")
	// ErrNoAccount: the creator has no Stripe account yet.
	ErrNoAccount = errors.New("this creator has no Stripe account yet: connect one from the portal's Payouts page, or link an existing one")
)

// connectError is a failed Stripe Connect call, already logged.
type connectError struct{ msg string }

func (e *connectError) Error() string        { return e.msg }
func (e *connectError) Is(target error) bool { return target == ErrConnect }

// accountTakenError: another creator of the brand has the account. It is
// store.ErrConflict.
type accountTakenError struct{ accountID, other string }

func (e *accountTakenError) Error() string {
	other := ""
	if e.other != "" {
		other = " (" + e.other + ")"
	}
	return fmt.Sprintf("the Stripe account %s is already linked to another creator of this brand%s; an account pays one creator", e.accountID, other)
}

func (e *accountTakenError) Is(target error) bool { return target == store.ErrConflict }

// MaxAccountIDLen bounds a Stripe account id.
const MaxAccountIDLen = 255

// CheckAccountID reports what is wrong with a Stripe account id, or "".
func CheckAccountID(id string) string {
	rest, ok := strings.CutPrefix(id, "acct_")
	if !ok || rest == "" || len(id) > MaxAccountIDLen {
		return "a Stripe account id is acct_ followed by letters and digits, e.g. acct_1OaBcDeFgHiJkLmN"
	}
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "a Stripe account id is acct_ followed by letters and digits, e.g. acct_1OaBcDeFgHiJkLmN"
		}
	}
	return ""
}

// TransfersActive is what Stripe documents for an account that can receive
// transfers from the platform: its transfers capability is active.
func TransfersActive(a *stripe.Account) bool {
	return a != nil && a.Capabilities != nil && a.Capabilities.Transfers == stripe.AccountCapabilityStatusActive
}

// connectCreator returns one of the brand's creators; another brand's is
// store.ErrNotFound.
func (s *Service) connectCreator(ctx context.Context, brandID, creatorID string) (*creator.Creator, error) {
	var cr creator.Creator
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, creatorID).Take(&cr).Error; err != nil {
		return nil, store.Err(err)
	}
	return &cr, nil
}

// connectErr logs a failed Stripe call and says what happened for people.
func (s *Service) connectErr(ctx context.Context, brandID, creatorID, what string, err error) error {
	s.log.WarnContext(ctx, "payout: Stripe Connect call failed", "step", what, "brand_id", brandID, "creator_id", creatorID, "err", err)
	var se *stripe.Error
	if errors.As(err, &se) {
		if se.HTTPStatusCode == http.StatusUnauthorized {
			return &connectError{msg: fmt.Sprintf("%v: %v while %s (%s); check the Stripe secret key in Settings", ErrConnect,
				stripeapi.ErrKeyRejected, what, se.Msg)}
		}
		return &connectError{msg: fmt.Sprintf("%v: Stripe refused %s: %s", ErrConnect, what, se.Msg)}
	}
	return &connectError{msg: fmt.Sprintf("%v: %v while %s; nothing was changed, try again", ErrConnect, stripeapi.ErrUnreachable, what)}
}

// ConnectLink returns a Stripe onboarding link for the creator's Express
// account, creating the account first when the creator has none (transfers
// capability requested; the creator's email, their country when known, and
// the brand and creator ids as metadata). Stripe sends the creator back to
// returnURL when they leave the flow, and to refreshURL when the link has
// expired or was already used.
func (s *Service) ConnectLink(ctx context.Context, b *brand.Brand, creatorID, returnURL, refreshURL string) (string, error) {
	cr, err := s.connectCreator(ctx, b.ID, creatorID)
	if err != nil {
		return "", err
	}
	key, err := s.stripeKey(b)
	if err != nil {
		return "", err
	}
	sc := s.stripe.Client(key)
	accountID := ""
	if cr.StripeAccountID != nil && *cr.StripeAccountID != "" {
		accountID = *cr.StripeAccountID
	} else {
		p := &stripe.AccountParams{
			Type: stripe.String(string(stripe.AccountTypeExpress)),
			Capabilities: &stripe.AccountCapabilitiesParams{
				Transfers: &stripe.AccountCapabilitiesTransfersParams{Requested: stripe.Bool(true)},
			},
		}
		if cr.Email != "" {
			p.Email = stripe.String(cr.Email)
		}
		if c := strings.ToUpper(strings.TrimSpace(cr.Country)); len(c) == 2 {
			p.Country = stripe.String(c)
		}
		p.Metadata = map[string]string{"brand_id": b.ID, "creator_id": cr.ID}
		p.Context = ctx
		// Two clicks at once make one account.
		p.SetIdempotencyKey("clout-connect-account-" + cr.ID)
		acct, err := sc.Accounts.New(p)
		if err != nil {
			return "", s.connectErr(ctx, b.ID, cr.ID, "creating the Stripe account", err)
		}
		if accountID, err = s.storeNewAccount(ctx, b.ID, cr, acct); err != nil {
			return "", err
		}
	}
	lp := &stripe.AccountLinkParams{Account: stripe.String(accountID), ReturnURL: stripe.String(returnURL),
		RefreshURL: stripe.String(refreshURL), Type: stripe.String(string(stripe.AccountLinkTypeAccountOnboarding))}
	lp.Context = ctx
	l, err := sc.AccountLinks.New(lp)
	if err != nil {
		return "", s.connectErr(ctx, b.ID, cr.ID, "making the onboarding link", err)
	}
	return l.URL, nil
}

// storeNewAccount gives a just-created account to the creator unless one was
// stored meanwhile, and returns the creator's account.
func (s *Service) storeNewAccount(ctx context.Context, brandID string, cr *creator.Creator, acct *stripe.Account) (string, error) {
	now := s.now()
	var stored string
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&creator.Creator{}).Where("brand_id = ? AND id = ? AND stripe_account_id IS NULL", brandID, cr.ID).
			Updates(map[string]any{"stripe_account_id": acct.ID, "stripe_payouts_enabled": TransfersActive(acct),
				"stripe_checked_at": now, "updated_at": now})
		if res.Error != nil {
			if store.IsUniqueViolation(res.Error) {
				return &accountTakenError{accountID: acct.ID}
			}
			return res.Error
		}
		if res.RowsAffected == 0 {
			// Another request stored an account first: use that one.
			var fresh creator.Creator
			if err := tx.Where("brand_id = ? AND id = ?", brandID, cr.ID).Take(&fresh).Error; err != nil {
				return store.Err(err)
			}
			if fresh.StripeAccountID == nil {
				return fmt.Errorf("payout: storing the Stripe account of creator %s: nothing updated", cr.ID)
			}
			stored = *fresh.StripeAccountID
			return nil
		}
		stored = acct.ID
		return s.brands.Audit(tx, brandID, brand.Actor{Type: "creator", ID: cr.ID, Label: cr.Email}, "creator.stripe_account_created",
			map[string]any{"creator_id": cr.ID, "account_id": acct.ID})
	})
	return stored, err
}

// RefreshAccount retrieves the creator's account from Stripe and stores
// whether it can receive transfers.
func (s *Service) RefreshAccount(ctx context.Context, b *brand.Brand, creatorID string) (*AccountStatus, error) {
	cr, err := s.connectCreator(ctx, b.ID, creatorID)
	if err != nil {
		return nil, err
	}
	key, err := s.stripeKey(b)
	if err != nil {
		return nil, err
	}
	if cr.StripeAccountID == nil || *cr.StripeAccountID == "" {
		return nil, ErrNoAccount
	}
	p := &stripe.AccountParams{}
	p.Context = ctx
	acct, err := s.stripe.Client(key).Accounts.GetByID(*cr.StripeAccountID, p)
	if err != nil {
		return nil, s.connectErr(ctx, b.ID, cr.ID, "retrieving the account "+*cr.StripeAccountID, err)
	}
	now := s.now()
	st := &AccountStatus{CreatorID: cr.ID, AccountID: *cr.StripeAccountID, PayoutsEnabled: TransfersActive(acct),
		DetailsSubmitted: acct.DetailsSubmitted, CheckedAt: &now}
	// Only if the account is still the creator's: a link made meanwhile wins.
	if err := s.db.WithContext(ctx).Model(&creator.Creator{}).
		Where("brand_id = ? AND id = ? AND stripe_account_id = ?", b.ID, cr.ID, st.AccountID).
		Updates(map[string]any{"stripe_payouts_enabled": st.PayoutsEnabled, "stripe_checked_at": now, "updated_at": now}).Error; err != nil {
		return nil, fmt.Errorf("payout: storing the account status: %w", err)
	}
	return st, nil
}

// LinkAccount makes an existing connected account of the brand's Stripe
// platform the creator's, once Stripe has shown it exists. An account
// another creator of the brand has is store.ErrConflict; an id Stripe does
// not know is a validate.Errors naming account_id. Nothing is stored unless
// all is well.
func (s *Service) LinkAccount(ctx context.Context, actor brand.Actor, b *brand.Brand, creatorID, accountID string) (*AccountStatus, error) {
	accountID = strings.TrimSpace(accountID)
	if msg := CheckAccountID(accountID); msg != "" {
		return nil, validate.Errors{{Field: "account_id", Message: msg}}
	}
	cr, err := s.connectCreator(ctx, b.ID, creatorID)
	if err != nil {
		return nil, err
	}
	key, err := s.stripeKey(b)
	if err != nil {
		return nil, err
	}
	if err := s.accountFree(ctx, b.ID, cr.ID, accountID); err != nil {
		return nil, err
	}
	p := &stripe.AccountParams{}
	p.Context = ctx
	acct, err := s.stripe.Client(key).Accounts.GetByID(accountID, p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode != http.StatusUnauthorized &&
			(se.HTTPStatusCode == http.StatusNotFound || se.HTTPStatusCode == http.StatusForbidden || se.Code == stripe.ErrorCodeResourceMissing) {
			s.log.InfoContext(ctx, "payout: Stripe does not know the account to link", "brand_id", b.ID, "account_id", accountID, "err", err)
			return nil, validate.Errors{{Field: "account_id", Message: fmt.Sprintf(
				"Stripe has no connected account %s on this brand's platform, or the brand's key may not use it (Stripe said: %s)", accountID, se.Msg)}}
		}
		return nil, s.connectErr(ctx, b.ID, cr.ID, "retrieving the account "+accountID, err)
	}
	now := s.now()
	st := &AccountStatus{CreatorID: cr.ID, AccountID: accountID, PayoutsEnabled: TransfersActive(acct),
		DetailsSubmitted: acct.DetailsSubmitted, CheckedAt: &now}
	previous := ""
	if cr.StripeAccountID != nil {
		previous = *cr.StripeAccountID
	}
	st.Linked = previous != accountID
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&creator.Creator{}).Where("brand_id = ? AND id = ?", b.ID, cr.ID).
			Updates(map[string]any{"stripe_account_id": accountID, "stripe_payouts_enabled": st.PayoutsEnabled,
				"stripe_checked_at": now, "updated_at": now}).Error; err != nil {
			if store.IsUniqueViolation(err) {
				return &accountTakenError{accountID: accountID}
			}
			return err
		}
		if !st.Linked {
			return nil
		}
		details := map[string]any{"creator_id": cr.ID, "account_id": accountID, "payouts_enabled": st.PayoutsEnabled}
		if previous != "" {
			details["previous_account_id"] = previous
		}
		return s.brands.Audit(tx, b.ID, actor, "creator.stripe_account_linked", details)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// accountFree refuses an account another creator of the brand has.
func (s *Service) accountFree(ctx context.Context, brandID, creatorID, accountID string) error {
	var other creator.Creator
	err := s.db.WithContext(ctx).Select("id", "name").
		Where("brand_id = ? AND stripe_account_id = ? AND id <> ?", brandID, accountID, creatorID).Take(&other).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return &accountTakenError{accountID: accountID, other: other.Name}
}

// AccountUpdated applies an account.updated event: the brand's creator whose
// account it is gets the account's transfers status. matched is false when
// no creator of the brand has the account.
func (s *Service) AccountUpdated(ctx context.Context, brandID string, acct *stripe.Account) (matched bool, err error) {
	if acct == nil || acct.ID == "" {
		return false, nil
	}
	now := s.now()
	res := s.db.WithContext(ctx).Model(&creator.Creator{}).Where("brand_id = ? AND stripe_account_id = ?", brandID, acct.ID).
		Updates(map[string]any{"stripe_payouts_enabled": TransfersActive(acct), "stripe_checked_at": now, "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("payout: applying account.updated: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// AccountCreatorID names the brand's creator with the account, or "".
func (s *Service) AccountCreatorID(ctx context.Context, brandID, accountID string) (string, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&creator.Creator{}).Where("brand_id = ? AND stripe_account_id = ?", brandID, accountID).
		Limit(1).Pluck("id", &ids).Error; err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}
