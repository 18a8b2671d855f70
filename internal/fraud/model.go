// Package fraud finds fraud and quality signals in a brand's program
// (self-referral, coupon leakage, click spam, unusual refund rates), each
// with the evidence behind it and the commission entries it affects, and
// keeps holds: entries a brand keeps out of payout batches until it
// releases them. The ledger stays append-only; a hold is its own row
// (commission_holds), and internal/payout leaves held entries out of its
// candidates.
package fraud

import (
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/store"
)

// Signal kinds.
const (
	KindSelfReferral  = "self_referral"
	KindCouponLeakage = "coupon_leakage"
	KindClickSpam     = "click_spam"
	KindRefundRate    = "refund_rate"
)

// Kinds lists the kinds in the order the signals page shows them.
var Kinds = []string{KindSelfReferral, KindCouponLeakage, KindClickSpam, KindRefundRate}

// KindLabels names the kinds for people.
var KindLabels = map[string]string{
	KindSelfReferral:  "Self-referral",
	KindCouponLeakage: "Coupon leakage",
	KindClickSpam:     "Click spam",
	KindRefundRate:    "Unusual refund rate",
}

// Thresholds are the rules' parameters. Rates are basis points.
type Thresholds struct {
	// Coupon leakage: a code with at least LeakageMinOrders orders in the
	// range, of which at least LeakageNoClickBps had no click on its
	// creator's links; or any order whose referring site is one of
	// AggregatorDomains (or a subdomain of one).
	LeakageMinOrders  int
	LeakageNoClickBps int64
	AggregatorDomains []string
	// Click spam: at least SpamVisitorClicks human clicks on one link from
	// one visitor hash (visitor hashes change every day, so this is per
	// day); or a day's human clicks on a link above SpamBurstMin and above
	// SpamBurstFactor times the median of the link's SpamTrailingDays
	// previous days, counted from the link's first click and its creation
	// (at least SpamMinHistory such days, else the link has no norm yet).
	SpamVisitorClicks int
	SpamBurstMin      int
	SpamBurstFactor   int
	SpamTrailingDays  int
	SpamMinHistory    int
	// Refund rate: a creator with at least RefundMinOrders orders whose
	// refunded share of net revenue is at least RefundMinBps and at least
	// RefundFactor times the brand's.
	RefundMinOrders int
	RefundMinBps    int64
	RefundFactor    int64
}

// DefaultThresholds are the rules' defaults.
var DefaultThresholds = Thresholds{
	LeakageMinOrders:  10,
	LeakageNoClickBps: 8000,
	AggregatorDomains: []string{"retailmenot.com", "honey.io", "joinhoney.com", "coupons.com", "couponfollow.com",
		"dealspotr.com", "knoji.com", "wethrift.com", "couponbirds.com", "slickdeals.net", "groupon.com",
		"couponcabin.com", "promocodes.com", "savings.com", "dontpayfull.com", "capitaloneshopping.com"},
	SpamVisitorClicks: 20,
	SpamBurstMin:      100,
	SpamBurstFactor:   5,
	SpamTrailingDays:  14,
	SpamMinHistory:    7,
	RefundMinOrders:   5,
	RefundMinBps:      2500,
	RefundFactor:      3,
}

// MaxRangeDays is the longest range the signals are computed over.
const MaxRangeDays = 92

// Entry is one commission entry a signal affects, and where it stands.
type Entry struct {
	ID        string
	OrderID   string
	Kind      string
	Amount    int64
	CreatedAt time.Time
	// BatchID: the entry is in a payout batch and cannot be held.
	BatchID string
	// HoldID: the entry is held.
	HoldID string
}

// Sum is a count and an amount of entries.
type Sum struct {
	N      int
	Amount int64
}

// Signal is one finding, with its evidence and the entries of the orders
// it involves.
type Signal struct {
	// Key names the signal among a range's signals (kind, creator and
	// subject); a hold is placed by key.
	Key         string
	Kind        string
	CreatorID   string
	CreatorName string
	// Subject is what the signal is about: "code SUMMER10", "link /jo".
	Subject string
	// Summary is one line; Evidence the numbers behind it.
	Summary  string
	Evidence []string
	// OrderIDs are the orders involved, whose entries a hold takes.
	OrderIDs []string
	Entries  []Entry
	// Holdable: in no batch and not held. Held: in an active hold.
	// InBatch: in a payout batch, which a hold cannot take back.
	Holdable, Held, InBatch Sum
}

// Hold keeps commission entries out of payouts.
type Hold struct {
	ID              string `gorm:"primaryKey"`
	BrandID         string
	CreatorID       string
	Kind            string
	SignalKey       string
	Subject         string
	Evidence        []string `gorm:"serializer:json"`
	Reason          string
	EntryCount      int
	Amount          int64
	Currency        string
	CreatedBy       string
	CreatedByLabel  string
	CreatedAt       time.Time
	ReleasedAt      *time.Time
	ReleasedByLabel string
	ReleaseReason   string
}

// TableName is holds.
func (Hold) TableName() string { return "holds" }

// Active reports whether the hold still holds its entries.
func (h *Hold) Active() bool { return h.ReleasedAt == nil }

// HoldView is a hold with its creator's name.
type HoldView struct {
	Hold
	CreatorName string
}

// Errors.
var (
	ErrNotFound = store.ErrNotFound
	// ErrNothingToHold: every entry of the signal is already held or in a
	// payout batch.
	ErrNothingToHold = errors.New("nothing to hold")
	// ErrReleased: the hold was released already.
	ErrReleased = errors.New("this hold was released already")
)
