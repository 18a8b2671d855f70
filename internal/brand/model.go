// Package brand holds brands (tenants), their team members and roles,
// settings, invites, API keys and the audit log.
package brand

import (
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/store"
)

// Role is a team member's role in one brand.
type Role string

const (
	Owner   Role = "owner"
	Admin   Role = "admin"
	Analyst Role = "analyst"
)

// Roles lists the roles, most powerful first.
var Roles = []Role{Owner, Admin, Analyst}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Owner || r == Admin || r == Analyst }

// CanWrite: owners and admins change things; analysts only read.
func (r Role) CanWrite() bool { return r == Owner || r == Admin }

var (
	ErrNotFound           = store.ErrNotFound
	ErrEmailTaken         = errors.New("an account with this email already exists")
	ErrInvalidCredentials = errors.New("wrong email or password")
	ErrInviteInvalid      = errors.New("this invite link is invalid, expired or already used")
	ErrResetInvalid       = errors.New("this password reset link is invalid, expired or already used")
	ErrForbidden          = errors.New("your role does not allow this")
	ErrLastOwner          = errors.New("a brand must keep at least one owner")
	ErrAlreadyMember      = errors.New("this person is already on the team")
	ErrInviteOtherEmail   = errors.New("this invite is for another email address")
)

// Brand is a tenant and its settings. Secret fields hold sealed values
// (internal/secret) and never leave this package in plain text except
// through Service.Secrets.
type Brand struct {
	ID                    string `gorm:"primaryKey"`
	Name                  string
	Slug                  string
	Currency              string
	TimeZone              string
	AllowedDomains        []string `gorm:"serializer:json"`
	AttributionWindowDays int
	HoldDays              int
	PayoutMinimum         int64
	ShopifyWebhookSecret  string
	StripeWebhookSecret   string
	StripeSecretKey       string
	// The creator program, as the public application page shows it.
	ProgramIntro string
	ProgramTerms string
	// TermsVersion goes up by one each time ProgramTerms changes; creators'
	// acceptances record the version they accepted.
	TermsVersion int
	// AutoApproveMinAudience approves applications whose total audience is at
	// least this; 0 is off.
	AutoApproveMinAudience int64
	// UTMCampaign is the utm_campaign redirects add (a link may override it).
	UTMCampaign string `gorm:"column:utm_campaign"`
	// ClickParam names the query parameter carrying the click id to the store.
	ClickParam string `gorm:"column:click_param"`
	// AttributionPriority is CodeFirst or ClickFirst: which evidence wins
	// when an order carries both a creator's code and a click.
	AttributionPriority string
	// CustomerLockDays keeps a customer with the creator of their first
	// attributed order for this many days; 0 is off.
	CustomerLockDays int
	// DefaultMarginBps, when set (0 to 10000), is the gross margin in basis
	// points of net assumed for an order line whose product has no known
	// unit cost; nil is none, and then the margin rules skip such lines.
	DefaultMarginBps *int
	// TwoPersonApproval: a payout batch must be approved by someone other
	// than the user who created it.
	TwoPersonApproval bool
	// PayoutSchedule drafts payout batches: none, weekly, twice_monthly or
	// monthly; PayoutScheduledThrough is the last scheduled cut-off drafted.
	PayoutSchedule         string
	PayoutScheduledThrough *time.Time
	// StripeConnectWebhookSecret (sealed) verifies Connect events when the
	// brand has a separate endpoint secret for them.
	StripeConnectWebhookSecret string
	CreatedAt                  time.Time
	UpdatedAt                  time.Time
}

// Attribution priorities.
const (
	CodeFirst  = "code_first"
	ClickFirst = "click_first"
)

// SecretsSet tells which secrets have a value, without revealing them.
type SecretsSet struct {
	ShopifyWebhookSecret bool `json:"shopify_webhook_secret"`
	StripeWebhookSecret  bool `json:"stripe_webhook_secret"`
	StripeSecretKey      bool `json:"stripe_secret_key"`
	StripeConnectWebhook bool `json:"stripe_connect_webhook_secret"`
}

// SecretsSet reports which secrets are configured.
func (b *Brand) SecretsSet() SecretsSet {
	return SecretsSet{b.ShopifyWebhookSecret != "", b.StripeWebhookSecret != "", b.StripeSecretKey != "", b.StripeConnectWebhookSecret != ""}
}

// Secrets are a brand's secrets in plain text, for the code that signs or
// verifies with them.
type Secrets struct {
	ShopifyWebhookSecret string
	StripeWebhookSecret  string
	StripeSecretKey      string
	// StripeConnectWebhookSecret, when set, verifies Connect (account.*)
	// events; without it they are verified with StripeWebhookSecret.
	StripeConnectWebhookSecret string
}

// User is a person on one or more brand teams.
type User struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Membership puts a user on a brand's team with a role.
type Membership struct {
	ID        string `gorm:"primaryKey"`
	BrandID   string
	UserID    string
	Role      Role
	CreatedAt time.Time
}

// Member is a membership with the user's name and email, for team pages.
type Member struct {
	Membership
	Email string
	Name  string
}

// BrandMembership is a brand a user belongs to, for the brand switcher.
type BrandMembership struct {
	BrandID   string
	BrandName string
	Role      Role
}

// Invite asks someone by email to join a brand's team.
type Invite struct {
	ID         string `gorm:"primaryKey"`
	BrandID    string
	Email      string
	Role       Role
	TokenHash  string
	InvitedBy  *string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
}

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

// Pending reports whether the invite can still be accepted at now.
func (i *Invite) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// APIKey authenticates API calls for one brand. Only a hash is stored.
type APIKey struct {
	ID         string     `gorm:"primaryKey" json:"id"`
	BrandID    string     `json:"-"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	KeyHash    string     `json:"-"`
	CreatedBy  *string    `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// PasswordReset is a one-time password reset token.
type PasswordReset struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// ResetTTL is how long a password reset link works.
const ResetTTL = time.Hour

// AuditEntry records who changed what, and when.
type AuditEntry struct {
	ID         string `gorm:"primaryKey"`
	BrandID    string
	ActorType  string
	ActorID    string
	ActorLabel string
	Action     string
	Details    map[string]any `gorm:"serializer:json"`
	IP         string
	CreatedAt  time.Time
}

// TableName is the audit log table.
func (AuditEntry) TableName() string { return "audit_log" }

// Actor is who makes a change: a user, an API key or the command line.
type Actor struct {
	Type  string // "user", "api_key", "cli"
	ID    string
	Label string // email or key name, as shown in the audit log
	IP    string
}

// UserActor is the actor for a logged-in user.
func UserActor(u *User, ip string) Actor {
	return Actor{Type: "user", ID: u.ID, Label: u.Email, IP: ip}
}

// KeyActor is the actor for an API key.
func KeyActor(k *APIKey, ip string) Actor {
	return Actor{Type: "api_key", ID: k.ID, Label: "API key " + k.Name + " (" + k.Prefix + "…)", IP: ip}
}
