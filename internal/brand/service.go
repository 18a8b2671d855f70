package brand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/stripeapi"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Service is the brand domain's entry point.
type Service struct {
	db      *store.DB
	box     *secret.Box
	outbox  *mail.Outbox
	baseURL string
	stripe  stripeapi.Factory
	changed func(ctx context.Context, brandID string)
	log     *slog.Logger
	now     func() time.Time
}

// Options configure the service.
type Options struct {
	// BaseURL is the public base of links in emails (CLOUT_BASE_URL).
	BaseURL string
	// Stripe makes clients for brands' Stripe keys (CLOUT_STRIPE_API_BASE).
	Stripe stripeapi.Factory
	// OnSettingsChanged, when set, is called after a brand's settings change.
	OnSettingsChanged func(ctx context.Context, brandID string)
}

// NewService wires the brand service.
func NewService(db *store.DB, box *secret.Box, outbox *mail.Outbox, log *slog.Logger, o Options) *Service {
	return &Service{db: db, box: box, outbox: outbox, baseURL: o.BaseURL, stripe: o.Stripe, changed: o.OnSettingsChanged, log: log, now: store.Now}
}

// NewBrand is what sign-up and `clout brand create` ask for.
type NewBrand struct {
	Name       string
	OwnerName  string
	OwnerEmail string
	Password   string
	Currency   string
	TimeZone   string
	// WithAPIKey also creates an API key, returned in Created.APIKey.
	WithAPIKey bool
}

// Created is the result of CreateBrand.
type Created struct {
	Brand  *Brand
	Owner  *User
	APIKey string
}

// CreateBrand creates a brand with its owner (a new user), and optionally an
// API key, in one transaction.
func (s *Service) CreateBrand(ctx context.Context, in NewBrand, actor Actor) (*Created, error) {
	var errs validate.Errors
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		errs.Add("name", "enter the brand's name (1 to 100 characters)")
	}
	email, ok := validate.Email(in.OwnerEmail)
	if !ok {
		errs.Add("email", "enter a valid email address such as you@example.com")
	}
	if err := auth.CheckPasswordStrength(in.Password, email); err != nil {
		errs = append(errs, passwordError(err)...)
	}
	cur, err := money.LookupCurrency(in.Currency)
	if err != nil {
		errs.Add("currency", "%v", err)
	}
	tz := strings.TrimSpace(in.TimeZone)
	if tz == "" {
		tz = "UTC"
	}
	if msg := checkTimeZone(tz); msg != "" {
		errs.Add("time_zone", "%s", msg)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	b := &Brand{ID: store.NewID("br"), Name: name, Slug: slugify(name), Currency: cur.Code, TimeZone: tz,
		AllowedDomains: []string{}, AttributionWindowDays: 30, HoldDays: 30, TermsVersion: 1, ProgramTerms: DefaultTerms,
		ClickParam: DefaultClickParam, AttributionPriority: CodeFirst, PayoutSchedule: ScheduleNone,
		CreatedAt: now, UpdatedAt: now}
	u := &User{ID: store.NewID("usr"), Email: email, Name: strings.TrimSpace(in.OwnerName), PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now}
	out := &Created{Brand: b, Owner: u}
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&User{}).Where("email = ?", email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrEmailTaken
		}
		if err := s.uniqueSlug(tx, b); err != nil {
			return err
		}
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		if err := tx.Create(u).Error; err != nil {
			if store.IsUniqueViolation(err) {
				return ErrEmailTaken
			}
			return err
		}
		if err := tx.Create(&Membership{ID: store.NewID("mem"), BrandID: b.ID, UserID: u.ID, Role: Owner, CreatedAt: now}).Error; err != nil {
			return err
		}
		if actor.Type == "" {
			actor = UserActor(u, actor.IP)
		}
		if err := s.audit(tx, b.ID, actor, "brand.created", map[string]any{"name": name, "currency": cur.Code, "owner": email}); err != nil {
			return err
		}
		if in.WithAPIKey {
			key, plain := s.newAPIKey(b.ID, "Default", &u.ID)
			if err := tx.Create(key).Error; err != nil {
				return err
			}
			out.APIKey = plain
			return s.audit(tx, b.ID, actor, "api_key.created", map[string]any{"name": key.Name, "prefix": key.Prefix})
		}
		return nil
	})
	if errors.Is(err, ErrEmailTaken) {
		return nil, validate.Errors{{Field: "email", Message: ErrEmailTaken.Error() + "; log in instead"}}
	}
	if err != nil {
		return nil, fmt.Errorf("brand: creating: %w", err)
	}
	return out, nil
}

// DefaultClickParam is the query parameter that carries the click id.
const DefaultClickParam = "clout_click"

// DefaultTerms are a new brand's program terms until the brand edits them.
const DefaultTerms = `By joining this creator program you agree to:
1. Disclose every paid partnership clearly, as the FTC requires (for example "#ad" or "paid partnership with the brand"), in every post that carries your link or code.
2. Promote the brand honestly: no misleading claims, no spam, no buying clicks, and no bidding on the brand's name in search ads.
3. Commission is earned on orders attributed to your link or code, held until the return window closes, and reversed for refunded orders.
4. The brand may pause or end your participation at any time; commission already earned is kept.`

// passwordError reports a weak password on the password field.
func passwordError(err error) validate.Errors {
	return validate.Errors{{Field: "password", Message: strings.TrimPrefix(err.Error(), auth.ErrWeakPassword.Error()+": ")}}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > 40 {
		s = strings.Trim(s[:40], "-")
	}
	if s == "" {
		s = "brand"
	}
	return s
}

func (s *Service) uniqueSlug(tx *gorm.DB, b *Brand) error {
	base := b.Slug
	for i := 0; i < 5; i++ {
		var n int64
		if err := tx.Model(&Brand{}).Where("slug = ?", b.Slug).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		b.Slug = base + "-" + strings.ToLower(store.RandomString(4))
	}
	return fmt.Errorf("brand: no free slug for %q", base)
}

func checkTimeZone(tz string) string {
	if tz == "Local" {
		return "choose a named time zone such as Europe/Paris or America/New_York"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Sprintf("unknown time zone %q (use an IANA name such as Europe/Paris)", tz)
	}
	return ""
}

// Get returns a brand by id.
func (s *Service) Get(ctx context.Context, brandID string) (*Brand, error) {
	var b Brand
	if err := s.db.WithContext(ctx).Where("id = ?", brandID).Take(&b).Error; err != nil {
		return nil, store.Err(err)
	}
	return &b, nil
}

// BySlug returns a brand by its public slug (the /join/{slug} page).
func (s *Service) BySlug(ctx context.Context, slug string) (*Brand, error) {
	var b Brand
	if err := s.db.WithContext(ctx).Where("slug = ?", strings.ToLower(slug)).Take(&b).Error; err != nil {
		return nil, store.Err(err)
	}
	return &b, nil
}

// Secrets decrypts a brand's secrets.
func (s *Service) Secrets(ctx context.Context, brandID string) (*Secrets, error) {
	b, err := s.Get(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return s.SecretsOf(b)
}

// SecretsOf decrypts the secrets of a brand already loaded.
func (s *Service) SecretsOf(b *Brand) (*Secrets, error) {
	var out Secrets
	var err error
	for _, f := range []struct {
		sealed string
		dst    *string
	}{{b.ShopifyWebhookSecret, &out.ShopifyWebhookSecret}, {b.StripeWebhookSecret, &out.StripeWebhookSecret}, {b.StripeSecretKey, &out.StripeSecretKey},
		{b.StripeConnectWebhookSecret, &out.StripeConnectWebhookSecret}} {
		if *f.dst, err = s.box.Open(f.sealed); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func (s *Service) audit(tx *gorm.DB, brandID string, a Actor, action string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	e := AuditEntry{ID: store.NewID("aud"), BrandID: brandID, ActorType: a.Type, ActorID: a.ID, ActorLabel: a.Label,
		Action: action, Details: details, IP: a.IP, CreatedAt: s.now()}
	return tx.Create(&e).Error
}

// Audit records an action in the brand's audit log inside tx, so that the
// entry commits or rolls back with the change it describes.
func (s *Service) Audit(tx *gorm.DB, brandID string, a Actor, action string, details map[string]any) error {
	return s.audit(tx, brandID, a, action, details)
}

// AuditLog lists a brand's audit entries, newest first, a page at a time.
func (s *Service) AuditLog(ctx context.Context, brandID string, limit, offset int) ([]AuditEntry, error) {
	var es []AuditEntry
	err := s.db.WithContext(ctx).Where("brand_id = ?", brandID).Order("created_at DESC, id DESC").
		Limit(limit).Offset(offset).Find(&es).Error
	return es, err
}
