// Package payout pays creators what the commission ledger says they are
// owed: batches that net every payable entry up to a cut-off per creator,
// lock those entries to the batch, and pay each creator once through a
// Stripe Connect transfer or by hand from an export; Stripe Connect
// onboarding of creators' accounts; schedules that draft batches.
package payout

import (
	"errors"
	"time"
)

// Batch statuses: a draft is reviewed and approved, then executed
// (processing) until every item is sent or paid (completed). A draft or an
// approved batch can be cancelled, which releases its entries.
const (
	BatchDraft      = "draft"
	BatchApproved   = "approved"
	BatchProcessing = "processing"
	BatchCompleted  = "completed"
	BatchCancelled  = "cancelled"
)

// Item statuses: pending until sent (a Stripe transfer was made) or paid
// (marked paid by hand with a reference); failed when Stripe refused the
// transfer (retry, or move to manual); cancelled with its batch.
const (
	ItemPending   = "pending"
	ItemSent      = "sent"
	ItemFailed    = "failed"
	ItemPaid      = "paid"
	ItemCancelled = "cancelled"
)

// Payout methods.
const (
	MethodStripe = "stripe"
	MethodManual = "manual"
)

// Reasons a creator is left out of a batch; their entries stay payable.
const (
	SkipBelowMinimum    = "below_minimum"
	SkipNegativeBalance = "negative_balance"
	SkipNoPayoutMethod  = "no_payout_method"
	SkipPaused          = "paused"
)

// SkipReasonText explains a skip reason to people.
var SkipReasonText = map[string]string{
	SkipBelowMinimum:    "below the payout minimum; carried to the next batch",
	SkipNegativeBalance: "negative balance (clawbacks exceed earnings); carried forward, never paid a negative",
	SkipNoPayoutMethod:  "no payout method: no Stripe account ready for transfers and no payout email",
	SkipPaused:          "creator is paused",
}

// Batch is one payout run for one brand.
type Batch struct {
	ID              string `gorm:"primaryKey"`
	BrandID         string
	Status          string
	Currency        string
	Cutoff          time.Time
	Total           int64
	ItemCount       int
	SkippedCount    int
	Scheduled       bool
	CreatedBy       string
	CreatedByLabel  string
	ApprovedBy      string
	ApprovedByLabel string
	ApprovedAt      *time.Time
	ExecutedBy      string
	ExecutedAt      *time.Time
	CancelledBy     string
	CompletedAt     *time.Time
	LeaseUntil      *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName is payout_batches.
func (Batch) TableName() string { return "payout_batches" }

// Item is one creator's payment in a batch.
type Item struct {
	ID             string `gorm:"primaryKey"`
	BatchID        string
	BrandID        string
	CreatorID      string
	Amount         int64
	Currency       string
	EntryCount     int
	Method         string
	Destination    string // the Stripe account, or the payout email
	Status         string
	Attempt        int
	IdempotencyKey string
	TransferID     string
	Failure        string
	Reference      string
	PaidBy         string
	PaidAt         *time.Time
	UpdatedAt      time.Time
}

// TableName is payout_items.
func (Item) TableName() string { return "payout_items" }

// Done reports whether the item's money has left: sent or paid.
func (i *Item) Done() bool { return i.Status == ItemSent || i.Status == ItemPaid }

// Skip is a creator a batch left out.
type Skip struct {
	BatchID   string `gorm:"primaryKey"`
	CreatorID string `gorm:"primaryKey"`
	Amount    int64
	Reason    string
}

// TableName is payout_skips.
func (Skip) TableName() string { return "payout_skips" }

// Errors.
var (
	// ErrNothingToPay: no creator is owed a payout at the cut-off.
	ErrNothingToPay = errors.New("nothing to pay")
	// ErrState: the batch or item is not in a state that allows this.
	ErrState = errors.New("not allowed in this state")
	// ErrSameApprover: two-person approval is on and the approver created the batch.
	ErrSameApprover = errors.New("two-person approval: the batch must be approved by someone other than its creator")
	// ErrBusy: another process is executing the batch.
	ErrBusy = errors.New("the batch is being executed by another process")
	// ErrNoStripe: the brand has no Stripe secret key.
	ErrNoStripe = errors.New("Stripe is not set up for this brand: save a Stripe secret key in Settings")
)
