// Package creator holds creators (one person's membership in one brand's
// program), their lifecycle, applications, invites, the portal's magic links
// and sessions, and the queries behind the creators pages.
package creator

import (
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/store"
)

// Status is where a creator stands in a brand's program.
type Status string

const (
	Invited  Status = "invited"
	Applied  Status = "applied"
	Active   Status = "active"
	Paused   Status = "paused"
	Rejected Status = "rejected"
	Retired  Status = "retired"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{Invited, Applied, Active, Paused, Rejected, Retired}

// transitions are the allowed status changes. Retired is final; a rejected
// applicant can still be approved later.
var transitions = map[Status][]Status{
	Invited:  {Active, Retired},
	Applied:  {Active, Rejected},
	Active:   {Paused, Retired},
	Paused:   {Active, Retired},
	Rejected: {Active},
	Retired:  {},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := transitions[s]; return ok }

// Next lists the statuses s may change to.
func (s Status) Next() []Status { return transitions[s] }

// CanBecome reports whether a creator in status s may change to t.
func (s Status) CanBecome(t Status) bool {
	for _, n := range transitions[s] {
		if n == t {
			return true
		}
	}
	return false
}

// PortalAccess reports whether a creator in this status may log in to the
// portal: applicants (to follow their application), active and paused
// creators (to see their earnings). Invited creators accept their invite
// first; rejected and retired creators are out.
func (s Status) PortalAccess() bool { return s == Applied || s == Active || s == Paused }

// Attributable reports whether new sales may be credited to the creator.
// Pausing or retiring stops new attribution; earned commission is untouched.
func (s Status) Attributable() bool { return s == Active }

// Platform is a social platform a creator publishes on.
type Platform string

// Platforms lists the supported platforms, in display order.
var Platforms = []Platform{"instagram", "tiktok", "youtube", "twitch", "x", "newsletter", "other"}

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool {
	for _, q := range Platforms {
		if q == p {
			return true
		}
	}
	return false
}

var (
	ErrNotFound = store.ErrNotFound
	// ErrIllegalTransition: the status change is not allowed from the current status.
	ErrIllegalTransition = errors.New("status change not allowed")
	// ErrDuplicate: this email is already in the brand's program.
	ErrDuplicate = errors.New("this email is already in the program")
	// ErrTokenInvalid: an invite or magic link is unknown, expired or used.
	ErrTokenInvalid = errors.New("this link is invalid, expired or already used")
	// ErrNoPortalAccess: the creator's status does not allow portal access.
	ErrNoPortalAccess = errors.New("this creator account has no portal access")
)

// Creator is one person's membership in one brand's program.
type Creator struct {
	ID               string `gorm:"primaryKey"`
	BrandID          string
	AccountID        string
	Name             string
	Email            string
	Status           Status
	Source           string // "application", "invite", "api"
	Niche            string
	Country          string
	Pitch            string
	Notes            string
	PayoutEmail      string
	TotalAudience    int64
	CommissionPlanID *string
	TermsVersion     *int
	TermsAcceptedAt  *time.Time
	// StripeAccountID is the creator's Stripe Connect account; transfers
	// go to it once StripePayoutsEnabled (internal/payout keeps both).
	StripeAccountID      *string
	StripePayoutsEnabled bool
	StripeCheckedAt      *time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time

	Handles []Handle `gorm:"-"`
	Tags    []string `gorm:"-"`
}

// Handle is a creator's account on one platform.
type Handle struct {
	CreatorID    string   `gorm:"primaryKey" json:"-"`
	BrandID      string   `json:"-"`
	Platform     Platform `gorm:"primaryKey" json:"platform"`
	Handle       string   `json:"handle"`
	AudienceSize int64    `json:"audience_size"`
}

// TableName is creator_handles.
func (Handle) TableName() string { return "creator_handles" }

type tagRow struct {
	CreatorID string `gorm:"primaryKey"`
	BrandID   string
	Tag       string `gorm:"primaryKey"`
}

func (tagRow) TableName() string { return "creator_tags" }

// Event records one status change: who, when, why.
type Event struct {
	ID         string `gorm:"primaryKey"`
	BrandID    string
	CreatorID  string
	FromStatus Status
	ToStatus   Status
	ActorType  string
	ActorID    string
	ActorLabel string
	Reason     string
	CreatedAt  time.Time
}

// TableName is creator_events.
func (Event) TableName() string { return "creator_events" }

// Account is a person across brands' programs: one email, an optional portal password.
type Account struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName is creator_accounts.
func (Account) TableName() string { return "creator_accounts" }

// token is a single-use invite or magic link.
type token struct {
	ID        string `gorm:"primaryKey"`
	BrandID   string
	CreatorID string
	Purpose   string
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (token) TableName() string { return "creator_tokens" }

const (
	purposeInvite = "invite"
	purposeMagic  = "magic_link"
	// InviteTTL is how long a creator invite link works.
	InviteTTL = 14 * 24 * time.Hour
	// MagicLinkTTL is how long a portal login link works.
	MagicLinkTTL = 15 * time.Minute
)

// PortalSession is a creator's login to the portal. A magic link opens one
// membership (CreatorID); a password login opens every membership of the
// account (AllBrands).
type PortalSession struct {
	ID        string `gorm:"primaryKey"`
	AccountID string
	CreatorID string
	AllBrands bool
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// TableName is portal_sessions.
func (PortalSession) TableName() string { return "portal_sessions" }

// Membership is one of an account's programs, for the portal's brand switcher.
type Membership struct {
	CreatorID string
	BrandID   string
	BrandName string
	Status    Status
}
