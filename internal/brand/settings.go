package brand

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// SettingsPatch changes some of a brand's settings; nil fields stay as they
// are. Secret fields are write-only: a value sets, "" clears.
type SettingsPatch struct {
	Name                  *string   `json:"name"`
	Currency              *string   `json:"currency"`
	TimeZone              *string   `json:"time_zone"`
	AllowedDomains        *[]string `json:"allowed_domains"`
	AttributionWindowDays *int      `json:"attribution_window_days"`
	HoldDays              *int      `json:"hold_days"`
	PayoutMinimum         *int64    `json:"payout_minimum"`
	ShopifyWebhookSecret  *string   `json:"shopify_webhook_secret"`
	StripeWebhookSecret   *string   `json:"stripe_webhook_secret"`
	StripeSecretKey       *string   `json:"stripe_secret_key"`
	ProgramIntro          *string   `json:"program_intro"`
	ProgramTerms          *string   `json:"program_terms"`
	// AutoApproveMinAudience: 0 turns auto-approval off.
	AutoApproveMinAudience *int64  `json:"auto_approve_min_audience"`
	UTMCampaign            *string `json:"utm_campaign"`
	ClickParam             *string `json:"click_param"`
	// AttributionPriority is "code_first" or "click_first".
	AttributionPriority *string `json:"attribution_priority"`
	// CustomerLockDays: 0 turns the customer lock off.
	CustomerLockDays *int `json:"customer_lock_days"`
	// DefaultMarginBps: 0 to 10000 basis points; absent keeps it, and a JSON
	// null (nullable.Null) clears it (no default margin).
	DefaultMarginBps nullable.Value[int] `json:"default_margin_bps"`
	// TwoPersonApproval: payout batches need a second person to approve.
	TwoPersonApproval *bool `json:"two_person_approval"`
	// PayoutSchedule is "none", "weekly", "twice_monthly" or "monthly".
	PayoutSchedule             *string `json:"payout_schedule"`
	StripeConnectWebhookSecret *string `json:"stripe_connect_webhook_secret"`
}

// Payout schedules.
const (
	ScheduleNone         = "none"
	ScheduleWeekly       = "weekly"
	ScheduleTwiceMonthly = "twice_monthly"
	ScheduleMonthly      = "monthly"
)

// Limits on settings.
const (
	MaxAttributionWindowDays = 365
	MaxCustomerLockDays      = 3650
	MaxHoldDays              = 365
	MaxAllowedDomains        = 50
	MaxProgramIntro          = 2000
	MaxProgramTerms          = 20000
	MaxMarginBps             = 10000
)

// bpsOrNone is how the audit log shows an optional rate.
func bpsOrNone(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}

// UpdateSettings validates and applies a patch, and records what changed in
// the audit log (secret values are never recorded). Nothing changes when any
// field is invalid.
//
// A new Stripe secret key is first tried against Stripe (outside the
// transaction, so no lock is held during the call); a key Stripe refuses is
// not saved.
func (s *Service) UpdateSettings(ctx context.Context, actor Actor, brandID string, p SettingsPatch) (*Brand, error) {
	stripeErrs := s.checkStripeKey(ctx, p.StripeSecretKey)
	var out *Brand
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		// The row lock makes concurrent patches apply one after the other,
		// each on top of the last, instead of the later overwriting the earlier.
		var b Brand
		if err := s.db.ForUpdate(tx).Where("id = ?", brandID).Take(&b).Error; err != nil {
			return store.Err(err)
		}
		changes, errs := s.apply(&b, p)
		if errs = append(errs, stripeErrs...); len(errs) > 0 {
			return errs
		}
		if len(changes) == 0 {
			out = &b
			return nil
		}
		b.UpdatedAt = s.now()
		if err := tx.Save(&b).Error; err != nil {
			return err
		}
		out = &b
		return s.audit(tx, brandID, actor, "brand.settings_updated", changes)
	})
	if err == nil && s.changed != nil {
		s.changed(ctx, brandID)
	}
	return out, err
}

func (s *Service) apply(b *Brand, p SettingsPatch) (map[string]any, validate.Errors) {
	var errs validate.Errors
	changes := map[string]any{}
	change := func(field string, from, to any) {
		if fmt.Sprint(from) != fmt.Sprint(to) {
			changes[field] = map[string]any{"from": from, "to": to}
		}
	}
	// days sets a whole number of days within [lo, hi]; from is how the
	// message names the low end.
	days := func(field string, v *int, lo, hi int, from string, dst *int) {
		switch {
		case v == nil:
		case *v < lo || *v > hi:
			errs.Add(field, "must be between %s and %d days", from, hi)
		default:
			change(field, *dst, *v)
			*dst = *v
		}
	}
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		if name == "" || len(name) > 100 {
			errs.Add("name", "enter the brand's name (1 to 100 characters)")
		} else {
			change("name", b.Name, name)
			b.Name = name
		}
	}
	if p.Currency != nil {
		if cur, err := money.LookupCurrency(*p.Currency); err != nil {
			errs.Add("currency", "%v", err)
		} else if cur.Code != b.Currency && b.PayoutMinimum != 0 && p.PayoutMinimum == nil {
			// The minimum is in minor units: 5000 cents must not silently become 5000 yen.
			errs.Add("payout_minimum", "changing the currency needs payout_minimum too, in %s minor units (it is %s now)",
				cur.Code, money.Amount{Minor: b.PayoutMinimum, Currency: b.Currency})
		} else {
			change("currency", b.Currency, cur.Code)
			b.Currency = cur.Code
		}
	}
	if p.TimeZone != nil {
		tz := strings.TrimSpace(*p.TimeZone)
		if msg := checkTimeZone(tz); msg != "" || tz == "" {
			if msg == "" {
				msg = "choose a time zone"
			}
			errs.Add("time_zone", "%s", msg)
		} else {
			change("time_zone", b.TimeZone, tz)
			b.TimeZone = tz
		}
	}
	if p.AllowedDomains != nil {
		domains, derrs := NormalizeDomains(*p.AllowedDomains)
		if len(derrs) > 0 {
			errs = append(errs, derrs...)
		} else {
			change("allowed_domains", b.AllowedDomains, domains)
			b.AllowedDomains = domains
		}
	}
	days("attribution_window_days", p.AttributionWindowDays, 1, MaxAttributionWindowDays, "1", &b.AttributionWindowDays)
	days("hold_days", p.HoldDays, 0, MaxHoldDays, "0", &b.HoldDays)
	if p.PayoutMinimum != nil {
		if m := *p.PayoutMinimum; m < 0 {
			errs.Add("payout_minimum", "must not be negative (it is in minor units, e.g. cents)")
		} else {
			change("payout_minimum", b.PayoutMinimum, m)
			b.PayoutMinimum = m
		}
	}
	if p.ProgramIntro != nil {
		if v := strings.TrimSpace(*p.ProgramIntro); len(v) > MaxProgramIntro {
			errs.Add("program_intro", "at most %d characters", MaxProgramIntro)
		} else {
			change("program_intro", b.ProgramIntro, v)
			b.ProgramIntro = v
		}
	}
	if p.ProgramTerms != nil {
		if v := strings.TrimSpace(*p.ProgramTerms); len(v) > MaxProgramTerms {
			errs.Add("program_terms", "at most %d characters", MaxProgramTerms)
		} else if v != b.ProgramTerms {
			// New terms are a new version; acceptances name the version they accepted.
			changes["program_terms"] = map[string]any{"version": b.TermsVersion + 1}
			b.ProgramTerms, b.TermsVersion = v, b.TermsVersion+1
		}
	}
	if p.AutoApproveMinAudience != nil {
		if m := *p.AutoApproveMinAudience; m < 0 {
			errs.Add("auto_approve_min_audience", "must not be negative (0 turns auto-approval off)")
		} else {
			change("auto_approve_min_audience", b.AutoApproveMinAudience, m)
			b.AutoApproveMinAudience = m
		}
	}
	if p.UTMCampaign != nil {
		if v := strings.TrimSpace(*p.UTMCampaign); len(v) > 100 {
			errs.Add("utm_campaign", "at most 100 characters")
		} else {
			change("utm_campaign", b.UTMCampaign, v)
			b.UTMCampaign = v
		}
	}
	if p.ClickParam != nil {
		v := strings.TrimSpace(*p.ClickParam)
		if !validParam(v) {
			errs.Add("click_param", "use 1 to 40 letters, digits, - or _ (the store reads it from the landing page's query)")
		} else if strings.HasPrefix(strings.ToLower(v), "utm_") {
			errs.Add("click_param", "must not start with utm_ (those are the UTM parameters)")
		} else {
			change("click_param", b.ClickParam, v)
			b.ClickParam = v
		}
	}
	if p.AttributionPriority != nil {
		if v := strings.TrimSpace(*p.AttributionPriority); v != CodeFirst && v != ClickFirst {
			errs.Add("attribution_priority", "choose %q (a creator's code wins over a click) or %q", CodeFirst, ClickFirst)
		} else {
			change("attribution_priority", b.AttributionPriority, v)
			b.AttributionPriority = v
		}
	}
	days("customer_lock_days", p.CustomerLockDays, 0, MaxCustomerLockDays, "0 (off)", &b.CustomerLockDays)
	if p.DefaultMarginBps.Set {
		if v := p.DefaultMarginBps.V; v != nil && (*v < 0 || *v > MaxMarginBps) {
			errs.Add("default_margin_bps", "must be between 0 and %d basis points (10000 = 100%%), or null for none", MaxMarginBps)
		} else {
			change("default_margin_bps", bpsOrNone(b.DefaultMarginBps), bpsOrNone(v))
			b.DefaultMarginBps = v
		}
	}
	if p.TwoPersonApproval != nil {
		change("two_person_approval", b.TwoPersonApproval, *p.TwoPersonApproval)
		b.TwoPersonApproval = *p.TwoPersonApproval
	}
	if p.PayoutSchedule != nil {
		switch v := strings.TrimSpace(*p.PayoutSchedule); v {
		case ScheduleNone, ScheduleWeekly, ScheduleTwiceMonthly, ScheduleMonthly:
			if v != b.PayoutSchedule {
				change("payout_schedule", b.PayoutSchedule, v)
				b.PayoutSchedule = v
				// A new schedule starts from now, not from its past dates.
				now := s.now()
				b.PayoutScheduledThrough = &now
			}
		default:
			errs.Add("payout_schedule", "choose %q, %q (1st and 16th), %q or %q", ScheduleWeekly, ScheduleTwiceMonthly, ScheduleMonthly, ScheduleNone)
		}
	}
	secrets := []struct {
		field  string
		value  *string
		prefix string
		dst    *string
	}{
		{"shopify_webhook_secret", p.ShopifyWebhookSecret, "", &b.ShopifyWebhookSecret},
		{"stripe_webhook_secret", p.StripeWebhookSecret, "whsec_", &b.StripeWebhookSecret},
		{"stripe_secret_key", p.StripeSecretKey, "", &b.StripeSecretKey},
		{"stripe_connect_webhook_secret", p.StripeConnectWebhookSecret, "whsec_", &b.StripeConnectWebhookSecret},
	}
	for _, sec := range secrets {
		if sec.value == nil {
			continue
		}
		v := strings.TrimSpace(*sec.value)
		switch {
		case v == "":
			if *sec.dst != "" {
				changes[sec.field] = "cleared"
			}
			*sec.dst = ""
		case len(v) > 512 || strings.ContainsAny(v, " \t\r\n"):
			errs.Add(sec.field, "must be a single token of at most 512 characters")
		case sec.prefix != "" && !strings.HasPrefix(v, sec.prefix):
			errs.Add(sec.field, "should start with %q (copy it from the Stripe dashboard's webhook endpoint)", sec.prefix)
		case sec.field == "stripe_secret_key" && !strings.HasPrefix(v, "sk_") && !strings.HasPrefix(v, "rk_"):
			errs.Add(sec.field, "should start with sk_ or rk_ (a Stripe secret or restricted key)")
		default:
			changes[sec.field] = "set"
			*sec.dst = s.box.Seal(v)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return changes, nil
}

// checkStripeKey asks Stripe whether a new secret key works.
func (s *Service) checkStripeKey(ctx context.Context, key *string) validate.Errors {
	if key == nil {
		return nil
	}
	v := strings.TrimSpace(*key)
	if v == "" || !(strings.HasPrefix(v, "sk_") || strings.HasPrefix(v, "rk_")) || strings.ContainsAny(v, " \t\r\n") {
		return nil // cleared, or refused by apply with a better message
	}
	if _, err := s.stripe.CheckKey(ctx, v); err != nil {
		s.log.InfoContext(ctx, "stripe key check failed", "err", err)
		var errs validate.Errors
		switch {
		case errors.Is(err, stripeapi.ErrKeyRejected):
			errs.Add("stripe_secret_key", "Stripe rejected this key; copy the secret key from the Stripe dashboard (Developers → API keys)")
		case errors.Is(err, stripeapi.ErrUnreachable):
			errs.Add("stripe_secret_key", "could not reach Stripe to check this key; nothing was saved, try again")
		default:
			errs.Add("stripe_secret_key", "Stripe did not accept this key: %v", err)
		}
		return errs
	}
	return nil
}

func validParam(v string) bool {
	if v == "" || len(v) > 40 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// NormalizeDomains lower-cases, trims and de-duplicates domain names and
// explains any that are not plain host names.
func NormalizeDomains(in []string) ([]string, validate.Errors) {
	var errs validate.Errors
	out := []string{}
	seen := map[string]bool{}
	for i, d := range in {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d == "" {
			continue
		}
		field := fmt.Sprintf("allowed_domains[%d]", i)
		if strings.Contains(d, "://") || strings.ContainsAny(d, "/?#@: ") {
			errs.Add(field, "%q is not a domain name; write it like shop.example.com, without https:// or a path", d)
			continue
		}
		if !validHost(d) {
			errs.Add(field, "%q is not a valid domain name", d)
			continue
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(out) > MaxAllowedDomains {
		errs.Add("allowed_domains", "at most %d domains", MaxAllowedDomains)
	}
	return out, errs
}

func validHost(d string) bool {
	if len(d) > 253 || net.ParseIP(d) != nil || !strings.Contains(d, ".") {
		return d == "localhost"
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
