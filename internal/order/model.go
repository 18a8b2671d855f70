// Package order holds orders from every source (Shopify, Stripe, the API and
// CSV files), their refunds and cancellations, and their attribution to a
// creator.
//
// Sources are adapters: each turns what it receives into an Event (an order
// version, refunds, a cancellation) and Service.Apply stores it. Apply is
// idempotent and order-independent: deliveries are deduplicated, an order
// keeps the newest version its source has sent, refunds and cancellations are
// append-only adjustments with their own external ids, and a refund that
// arrives before its order waits for it. Any interleaving of the same events
// reaches the same final state.
package order

import (
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/store"
)

// Source is where an order came from.
type Source string

const (
	Shopify Source = "shopify"
	Stripe  Source = "stripe"
	API     Source = "api"
	CSV     Source = "csv"
)

// Sources lists the sources.
var Sources = []Source{Shopify, Stripe, API, CSV}

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	for _, v := range Sources {
		if v == s {
			return true
		}
	}
	return false
}

// Status is where an order stands after its adjustments.
type Status string

const (
	Open              Status = "open"
	Cancelled         Status = "cancelled"
	Refunded          Status = "refunded"
	PartiallyRefunded Status = "partially_refunded"
)

// Statuses lists the statuses.
var Statuses = []Status{Open, PartiallyRefunded, Refunded, Cancelled}

// Attribution methods.
const (
	ByCode     = "code"
	ByClick    = "click"
	ByCustomer = "customer"
	ByManual   = "manual"
	ByNone     = "none"
)

// Methods lists the attribution methods.
var Methods = []string{ByCode, ByClick, ByCustomer, ByManual, ByNone}

// Adjustment kinds.
const (
	KindRefund = "refund"
	KindCancel = "cancel"
)

// Limits on input.
const (
	MaxLines       = 1000
	MaxCodes       = 20
	MaxExternalID  = 200
	MaxText        = 500
	MaxQuantity    = 1_000_000
	MaxUnitPrice   = 1_000_000_000_000 // minor units
	MaxPayloadSize = 2 << 20
)

var (
	ErrNotFound = store.ErrNotFound
	// ErrRefundTooLarge: a refund would take back more than the order has left.
	ErrRefundTooLarge = errors.New("the refund is larger than what is left to refund on the order")
	// ErrSignature: a webhook's signature is missing or does not match.
	ErrSignature = errors.New("the webhook signature is missing or invalid")
	// ErrNotConfigured: the brand has no secret for this webhook source.
	ErrNotConfigured = errors.New("this webhook is not configured for the brand")
	// ErrMalformed: the payload is not the JSON (or CSV) its source sends.
	ErrMalformed = errors.New("malformed payload")
)

// Event is what one delivery from a source says: a version of an order, and
// any refunds and cancellation it carries. Adapters build events; Apply stores
// them.
type Event struct {
	Source Source
	// DeliveryID deduplicates deliveries (Shopify's event or webhook id,
	// Stripe's event id); "" when the source has none.
	DeliveryID string
	// Topic is the source's name for the event (orders/create, charge.refunded).
	Topic string
	// OrderRef is the external id of the order the event is about.
	OrderRef string
	// Raw is the payload as received, kept for admins.
	Raw []byte

	Order   *OrderInput
	Refunds []RefundInput
	Cancel  *CancelInput
}

// OrderInput is one version of an order as its source describes it.
// Amounts are minor units of Currency.
type OrderInput struct {
	ExternalID    string
	PlacedAt      time.Time
	Currency      string
	CustomerEmail string
	Codes         []string
	ClickID       string
	// ReferringSite is the page the customer came from (Shopify's
	// referring_site), when the source knows it.
	ReferringSite string
	Shipping      int64
	Tax           int64
	Lines         []LineInput
	// Version orders the versions a source sends of one order (Shopify's
	// updated_at); the zero time means the source sends one version only, and
	// the first one stored is kept.
	Version time.Time
}

// LineInput is one order line. Discount is the line's total share of every
// discount on the order.
type LineInput struct {
	ExternalID string
	SKU        string
	ProductID  string
	Title      string
	Quantity   int64
	UnitPrice  int64
	Discount   int64
}

// RefundInput is one refund. Amount is the net merchandise refunded (no
// shipping or tax), in minor units; when Lines are given and Amount is 0, it
// is their sum.
//
// Cumulative refunds (Stripe's charge.refunded) carry the total refunded so
// far on a payment (Group): the largest one counts, and Basis, when set, is
// the payment's total, so that the order's net refunded is Amount × net ÷
// Basis (a charge total includes shipping and tax).
type RefundInput struct {
	ExternalID string
	At         time.Time
	Amount     int64
	Lines      []RefundLine
	Cumulative bool
	Group      string
	Basis      int64
	Reason     string
}

// RefundLine is the part of a refund that takes back items of one line.
type RefundLine struct {
	LineExternalID string `json:"line_external_id,omitempty"`
	SKU            string `json:"sku,omitempty"`
	Quantity       int64  `json:"quantity"`
	Amount         int64  `json:"amount"`
}

// CancelInput cancels an order.
type CancelInput struct {
	At     time.Time
	Reason string
}

// Order is a stored order: the newest version its source sent, with its
// status after adjustments and its attribution receipt.
type Order struct {
	ID           string `gorm:"primaryKey"`
	BrandID      string
	Source       Source
	ExternalID   string
	PlacedAt     time.Time
	Currency     string
	Subtotal     int64 // lines' quantity × unit price
	Discount     int64 // lines' discounts
	Net          int64 // Subtotal − Discount: what commissions are computed on
	Shipping     int64
	Tax          int64
	Refunded     int64    // net merchandise refunded so far
	Codes        []string `gorm:"column:discount_codes;serializer:json"`
	ClickID      string
	CustomerHash string
	// ReferringSite is where the customer came from, as the source said.
	ReferringSite string
	Status        Status
	CreatorID     *string
	// The attribution receipt.
	AttributionMethod   string
	AttributionEvidence Evidence `gorm:"serializer:json"`
	AttributionRule     string
	// Version is the ordering key of the stored version (see OrderInput.Version).
	Version   string
	EventID   *string // the delivery whose payload made this version
	CreatedAt time.Time
	UpdatedAt time.Time

	Lines       []Line       `gorm:"-"`
	Adjustments []Adjustment `gorm:"-"`
}

// Evidence is what an attribution rests on.
type Evidence struct {
	Code          string     `json:"code,omitempty"`
	ClickID       string     `json:"click_id,omitempty"`
	ClickedAt     *time.Time `json:"clicked_at,omitempty"`
	LinkID        string     `json:"link_id,omitempty"`
	FirstOrderID  string     `json:"first_order_id,omitempty"`
	FirstPlacedAt *time.Time `json:"first_placed_at,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	By            string     `json:"by,omitempty"`
}

// Line is a stored order line.
type Line struct {
	ID         string `gorm:"primaryKey"`
	OrderID    string
	BrandID    string
	Position   int
	ExternalID string
	SKU        string `gorm:"column:sku"`
	ProductID  string
	Title      string
	Quantity   int64
	UnitPrice  int64
	Discount   int64
	Net        int64
}

// TableName is order_lines.
func (Line) TableName() string { return "order_lines" }

// Adjustment is a refund or a cancellation, append-only. OrderID is nil while
// the order it refers to (OrderRef) has not arrived.
type Adjustment struct {
	ID         string `gorm:"primaryKey"`
	BrandID    string
	Source     Source
	OrderRef   string
	OrderID    *string
	Kind       string
	ExternalID string
	OccurredAt time.Time
	Amount     int64
	Cumulative bool
	GroupRef   string
	Basis      int64
	Lines      []RefundLine `gorm:"serializer:json"`
	Reason     string
	EventID    *string
	CreatedAt  time.Time
}

// TableName is order_adjustments.
func (Adjustment) TableName() string { return "order_adjustments" }

// Delivery is a received webhook delivery or API call, kept with its raw
// payload; its unique (brand, source, delivery id) deduplicates deliveries.
type Delivery struct {
	ID         string `gorm:"primaryKey"`
	BrandID    string
	Source     Source
	DeliveryID string
	Topic      string
	OrderRef   string
	Payload    string
	ReceivedAt time.Time
}

// TableName is order_events.
func (Delivery) TableName() string { return "order_events" }
