package order

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Service stores orders and attributes them.
type Service struct {
	db          *store.DB
	brands      *brand.Service
	log         *slog.Logger
	customerKey []byte
	now         func() time.Time
}

// NewService wires the order service. master is the app secret; customer
// hashes are keyed with a key derived from it.
func NewService(db *store.DB, brands *brand.Service, master string, log *slog.Logger) *Service {
	return &Service{db: db, brands: brands, log: log, customerKey: secret.Derive(master, "clout customer hash"), now: store.Now}
}

// CustomerHash is the keyed hash of a lower-cased, trimmed email that orders
// store instead of the email itself; "" for no email.
func (s *Service) CustomerHash(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.customerKey)
	m.Write([]byte(email))
	return hex.EncodeToString(m.Sum(nil))
}

// Result is what Apply did.
type Result struct {
	// Duplicate: this delivery was applied before; nothing changed.
	Duplicate bool
	// Created: the order was stored for the first time.
	Created bool
	// Changed: anything was stored.
	Changed bool
	// Order is the order after the event, or nil while it has not arrived.
	Order *Order
}

// guard checks an event against the stored order inside the transaction.
// It may complete the event (a refund's amount, say) before it is stored.
type guard func(tx *gorm.DB, o *Order, ev *Event) error

// Apply stores an event for a brand: the order version it carries (kept when
// newer than the stored one), its refunds and cancellation (each once), and
// the order's status and attribution after them. Nothing is stored when the
// event is invalid.
func (s *Service) Apply(ctx context.Context, brandID string, ev Event) (*Result, error) {
	return s.apply(ctx, brandID, ev, nil)
}

// ApplyTo is Apply for a brand the caller has loaded (a webhook handler that
// read its secrets, say).
func (s *Service) ApplyTo(ctx context.Context, b *brand.Brand, ev Event) (*Result, error) {
	return s.applyTo(ctx, b, ev, nil)
}

func (s *Service) apply(ctx context.Context, brandID string, ev Event, check guard) (*Result, error) {
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return s.applyTo(ctx, b, ev, check)
}

func (s *Service) applyTo(ctx context.Context, b *brand.Brand, ev Event, check guard) (*Result, error) {
	if errs := checkEvent(&ev); len(errs) > 0 {
		return nil, errs
	}
	var res *Result
	var err error
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		res = &Result{}
		return s.applyTx(ctx, tx, b, &ev, check, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) applyTx(ctx context.Context, tx *gorm.DB, b *brand.Brand, ev *Event, check guard, res *Result) error {
	now := s.now()
	// Every event about one order waits for the others: a refund and its
	// order arriving at once must see each other.
	if err := s.db.LockKey(tx, b.ID+"|"+string(ev.Source)+"|"+ev.OrderRef); err != nil {
		return err
	}
	var eventID *string
	if ev.DeliveryID != "" {
		d := s.delivery(b.ID, ev, ev.DeliveryID, now)
		r := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(d)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			res.Duplicate = true
			o, err := s.find(tx, b.ID, ev.Source, ev.OrderRef)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			res.Order = o
			return nil
		}
		eventID = &d.ID
		res.Changed = true
	} else {
		// Calls without a delivery id (API, CSV) keep their payload when
		// they change something.
		id := store.NewID("oev")
		eventID = &id
	}
	o, err := s.find(tx, b.ID, ev.Source, ev.OrderRef)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if check != nil {
		if err := check(tx, o, ev); err != nil {
			return err
		}
	}
	if in := ev.Order; in != nil {
		key := versionKey(in)
		switch {
		case o == nil:
			o = &Order{ID: store.NewID("ord"), BrandID: b.ID, Source: ev.Source, Status: Open, CreatedAt: now}
			s.fill(o, in, key, eventID, now)
			if err := s.attribute(ctx, tx, b, o); err != nil {
				return err
			}
			if err := tx.Create(o).Error; err != nil {
				return store.Err(err)
			}
			if err := s.insertLines(tx, o); err != nil {
				return err
			}
			res.Created, res.Changed = true, true
		case key > o.Version:
			s.fill(o, in, key, eventID, now)
			if o.AttributionMethod != ByManual {
				if err := s.attribute(ctx, tx, b, o); err != nil {
					return err
				}
			}
			if err := tx.Where("order_id = ?", o.ID).Delete(&Line{}).Error; err != nil {
				return err
			}
			if err := s.insertLines(tx, o); err != nil {
				return err
			}
			if err := tx.Save(o).Error; err != nil {
				return err
			}
			res.Changed = true
		}
	}
	var orderID *string
	if o != nil {
		orderID = &o.ID
	}
	adjusted := false
	for _, r := range ev.Refunds {
		a := &Adjustment{ID: store.NewID("adj"), BrandID: b.ID, Source: ev.Source, OrderRef: ev.OrderRef, OrderID: orderID,
			Kind: KindRefund, ExternalID: r.ExternalID, OccurredAt: orDefault(r.At, now), Amount: r.Amount, Cumulative: r.Cumulative,
			GroupRef: r.Group, Basis: r.Basis, Lines: r.Lines, Reason: r.Reason, EventID: eventID, CreatedAt: now}
		if a.Lines == nil {
			a.Lines = []RefundLine{}
		}
		n, err := insertAdjustment(tx, a)
		if err != nil {
			return err
		}
		adjusted = adjusted || n
	}
	if c := ev.Cancel; c != nil {
		a := &Adjustment{ID: store.NewID("adj"), BrandID: b.ID, Source: ev.Source, OrderRef: ev.OrderRef, OrderID: orderID,
			Kind: KindCancel, ExternalID: "cancel:" + ev.OrderRef, OccurredAt: orDefault(c.At, now).UTC().Truncate(time.Microsecond),
			Lines: []RefundLine{}, Reason: truncate(c.Reason, MaxText), EventID: eventID, CreatedAt: now}
		n, err := insertAdjustment(tx, a)
		if err != nil {
			return err
		}
		adjusted = adjusted || n
	}
	res.Changed = res.Changed || adjusted
	if o != nil {
		// Adjustments that arrived before their order join it now.
		r := tx.Model(&Adjustment{}).Where("brand_id = ? AND source = ? AND order_ref = ? AND order_id IS NULL", b.ID, ev.Source, ev.OrderRef).
			Update("order_id", o.ID)
		if r.Error != nil {
			return r.Error
		}
		// A new order without adjustments is open with nothing refunded;
		// anything else may move its refunded amount or status.
		if adjusted || r.RowsAffected > 0 || (res.Changed && !res.Created) {
			if err := s.settle(tx, o, now); err != nil {
				return err
			}
		}
		res.Order = o
	}
	if res.Changed && o != nil {
		if err := queueChange(tx, o, now); err != nil {
			return err
		}
	}
	if res.Changed && ev.DeliveryID == "" {
		d := s.delivery(b.ID, ev, *eventID, now)
		d.ID = *eventID
		if err := tx.Create(d).Error; err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) delivery(brandID string, ev *Event, deliveryID string, now time.Time) *Delivery {
	payload := string(ev.Raw)
	if len(payload) > MaxPayloadSize {
		payload = payload[:MaxPayloadSize]
	}
	return &Delivery{ID: store.NewID("oev"), BrandID: brandID, Source: ev.Source, DeliveryID: deliveryID,
		Topic: truncate(ev.Topic, 100), OrderRef: ev.OrderRef, Payload: strings.ToValidUTF8(payload, "\uFFFD"), ReceivedAt: now}
}

// Change marks an order whose commission may have changed; the commission
// ledger takes the marks (order_changes) and brings its entries up to date.
type Change struct {
	OrderID  string `gorm:"primaryKey"`
	BrandID  string
	QueuedAt time.Time
}

// TableName is order_changes.
func (Change) TableName() string { return "order_changes" }

func queueChange(tx *gorm.DB, o *Order, now time.Time) error {
	// A change while the order waits moves its time, so that the ledger,
	// which deletes the mark it read, does not miss the later change.
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "order_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"queued_at"})}).
		Create(&Change{OrderID: o.ID, BrandID: o.BrandID, QueuedAt: now}).Error; err != nil {
		return err
	}
	// The reporting rollups (internal/report) take their own mark, for the
	// same reason with their own reader.
	return tx.Exec("INSERT INTO report_queue (ref, brand_id, queued_at) VALUES (?, ?, ?) "+
		"ON CONFLICT (ref) DO UPDATE SET queued_at = excluded.queued_at", o.ID, o.BrandID, now).Error
}

func insertAdjustment(tx *gorm.DB, a *Adjustment) (bool, error) {
	r := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(a)
	return r.RowsAffected > 0, r.Error
}

// fill copies an order version into o.
func (s *Service) fill(o *Order, in *OrderInput, key string, eventID *string, now time.Time) {
	o.ExternalID, o.PlacedAt, o.Currency = in.ExternalID, in.PlacedAt, in.Currency
	o.Shipping, o.Tax = in.Shipping, in.Tax
	o.Codes = append([]string{}, in.Codes...)
	o.ClickID = in.ClickID
	o.ReferringSite = truncate(in.ReferringSite, MaxText)
	o.CustomerHash = s.CustomerHash(in.CustomerEmail)
	o.Version, o.EventID, o.UpdatedAt = key, eventID, now
	o.Lines = make([]Line, len(in.Lines))
	o.Subtotal, o.Discount = 0, 0
	for i, l := range in.Lines {
		gross := l.Quantity * l.UnitPrice
		o.Lines[i] = Line{ID: store.NewID("oln"), OrderID: o.ID, BrandID: o.BrandID, Position: i, ExternalID: l.ExternalID,
			SKU: l.SKU, ProductID: l.ProductID, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Discount: l.Discount, Net: gross - l.Discount}
		o.Subtotal += gross
		o.Discount += l.Discount
	}
	o.Net = o.Subtotal - o.Discount
}

func (s *Service) insertLines(tx *gorm.DB, o *Order) error {
	for i := range o.Lines {
		o.Lines[i].OrderID = o.ID
	}
	return tx.CreateInBatches(o.Lines, 200).Error
}

// settle recomputes the order's refunded amount and status from all its
// adjustments, so that they do not depend on the order they arrived in.
func (s *Service) settle(tx *gorm.DB, o *Order, now time.Time) error {
	var adjs []Adjustment
	if err := tx.Where("order_id = ?", o.ID).Order("occurred_at, id").Find(&adjs).Error; err != nil {
		return err
	}
	refunded, status := Settle(o.Net, adjs)
	if refunded == o.Refunded && status == o.Status {
		return nil
	}
	o.Refunded, o.Status, o.UpdatedAt = refunded, status, now
	return tx.Model(&Order{}).Where("id = ?", o.ID).
		Updates(map[string]any{"refunded": refunded, "status": status, "updated_at": now}).Error
}

// Settle is an order's net refunded and status after its adjustments:
// refunds add up (a cumulative refund counts at its largest, scaled to the
// order's net when it carries a basis) up to the order's net; any
// cancellation makes the order cancelled whatever else happened.
func Settle(net int64, adjs []Adjustment) (int64, Status) {
	var sum int64
	cancelled := false
	cumulative := map[string]int64{}
	for _, a := range adjs {
		switch {
		case a.Kind == KindCancel:
			cancelled = true
		case a.Cumulative:
			amt := a.Amount
			if a.Basis > 0 {
				amt = mulDivRound(a.Amount, net, a.Basis)
			}
			if amt > cumulative[a.GroupRef] {
				cumulative[a.GroupRef] = amt
			}
		default:
			sum = satAdd(sum, a.Amount)
		}
	}
	for _, v := range cumulative {
		sum = satAdd(sum, v)
	}
	if sum > net {
		sum = net
	}
	switch {
	case cancelled:
		return sum, Cancelled
	case sum > 0 && sum >= net:
		return sum, Refunded
	case sum > 0:
		return sum, PartiallyRefunded
	}
	return sum, Open
}

func satAdd(a, b int64) int64 {
	if a > 0 && b > 0 && a > (1<<63-1)-b {
		return 1<<63 - 1
	}
	return a + b
}

func (s *Service) find(tx *gorm.DB, brandID string, source Source, ref string) (*Order, error) {
	var o Order
	err := tx.Where("brand_id = ? AND source = ? AND external_id = ?", brandID, source, ref).Take(&o).Error
	if err != nil {
		return nil, store.Err(err)
	}
	return &o, nil
}

func orDefault(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
