package order

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// ErrAmbiguous: an external id names orders of several sources.
var ErrAmbiguous = errors.New("this external id names orders from several sources; add ?source=")

// Get returns one of the brand's orders with its lines and adjustments.
func (s *Service) Get(ctx context.Context, brandID, id string) (*Order, error) {
	var o Order
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&o).Error; err != nil {
		return nil, store.Err(err)
	}
	return &o, s.details(ctx, &o)
}

// ByExternalID returns the brand's order with this external id, from source
// when it is set; when several sources used the id and none is named, it is
// ErrAmbiguous.
func (s *Service) ByExternalID(ctx context.Context, brandID string, source Source, externalID string) (*Order, error) {
	q := s.db.WithContext(ctx).Where("brand_id = ? AND external_id = ?", brandID, externalID)
	if source != "" {
		q = q.Where("source = ?", source)
	}
	var os []Order
	if err := q.Order("source").Limit(2).Find(&os).Error; err != nil {
		return nil, err
	}
	switch len(os) {
	case 0:
		return nil, ErrNotFound
	case 2:
		return nil, fmt.Errorf("%w (%s, %s)", ErrAmbiguous, os[0].Source, os[1].Source)
	}
	return &os[0], s.details(ctx, &os[0])
}

func (s *Service) details(ctx context.Context, o *Order) error {
	if err := s.db.WithContext(ctx).Where("order_id = ?", o.ID).Order("position").Find(&o.Lines).Error; err != nil {
		return err
	}
	return s.db.WithContext(ctx).Where("order_id = ?", o.ID).Order("occurred_at, id").Find(&o.Adjustments).Error
}

// Deliveries lists the raw deliveries behind an order, oldest first, for admins.
func (s *Service) Deliveries(ctx context.Context, o *Order) ([]Delivery, error) {
	var ds []Delivery
	err := s.db.WithContext(ctx).Where("brand_id = ? AND source = ? AND order_ref = ?", o.BrandID, o.Source, o.ExternalID).
		Order("received_at, id").Limit(100).Find(&ds).Error
	return ds, err
}

// ListQuery filters and pages the orders list.
type ListQuery struct {
	CreatorID string
	Method    string
	Status    Status
	Source    Source
	From, To  time.Time // placed_at in [From, To)
	Cursor    string
	Limit     int
}

// Page is one page of orders, newest first; Next is the cursor of the next
// page or "".
type Page struct {
	Orders []Order
	Next   string
}

// Check validates a list query, naming the field at fault.
func (q *ListQuery) Check() validate.Errors {
	var errs validate.Errors
	if q.Method != "" && !contains(Methods, q.Method) {
		errs.Add("method", "one of %s", strings.Join(Methods, ", "))
	}
	if q.Status != "" {
		ok := false
		for _, st := range Statuses {
			ok = ok || st == q.Status
		}
		if !ok {
			errs.Add("status", "one of open, partially_refunded, refunded, cancelled")
		}
	}
	if q.Source != "" && !q.Source.Valid() {
		errs.Add("source", "one of shopify, stripe, api, csv")
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 200 {
		q.Limit = 200
	}
	if q.Cursor != "" {
		if _, _, err := decodeCursor(q.Cursor); err != nil {
			errs.Add("cursor", "not a cursor this list gave out")
		}
	}
	return errs
}

// List returns a page of the brand's orders, newest first.
func (s *Service) List(ctx context.Context, brandID string, q ListQuery) (*Page, error) {
	if errs := q.Check(); len(errs) > 0 {
		return nil, errs
	}
	db := s.db.WithContext(ctx).Where("brand_id = ?", brandID)
	if q.CreatorID != "" {
		db = db.Where("creator_id = ?", q.CreatorID)
	}
	if q.Method != "" {
		db = db.Where("attribution_method = ?", q.Method)
	}
	if q.Status != "" {
		db = db.Where("status = ?", q.Status)
	}
	if q.Source != "" {
		db = db.Where("source = ?", q.Source)
	}
	if !q.From.IsZero() {
		db = db.Where("placed_at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		db = db.Where("placed_at < ?", q.To.UTC())
	}
	if q.Cursor != "" {
		at, id, _ := decodeCursor(q.Cursor)
		db = db.Where("(placed_at < ? OR (placed_at = ? AND id < ?))", at, at, id)
	}
	var os []Order
	if err := db.Order("placed_at DESC, id DESC").Limit(q.Limit + 1).Find(&os).Error; err != nil {
		return nil, err
	}
	p := &Page{Orders: os}
	if len(os) > q.Limit {
		p.Orders = os[:q.Limit]
		last := p.Orders[q.Limit-1]
		p.Next = encodeCursor(last.PlacedAt, last.ID)
	}
	return p, nil
}

type cursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

func encodeCursor(at time.Time, id string) string {
	b, _ := json.Marshal(cursor{At: at.UTC(), ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", err
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return time.Time{}, "", errors.New("bad cursor")
	}
	return c.At, c.ID, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Reassign gives an order to another of the brand's active creators (or to
// nobody, with creatorID ""), by hand, with a reason; the change is in the
// audit log and later versions of the order keep it.
func (s *Service) Reassign(ctx context.Context, actor brand.Actor, brandID, orderID, creatorID, reason string) (*Order, error) {
	reason = strings.TrimSpace(reason)
	var errs validate.Errors
	if reason == "" {
		errs.Add("reason", "say why the order changes creator; it goes into the audit log")
	} else if len(reason) > MaxText {
		errs.Add("reason", "at most %d characters", MaxText)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var out *Order
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var o Order
		if err := s.db.ForUpdate(tx).Where("brand_id = ? AND id = ?", brandID, orderID).Take(&o).Error; err != nil {
			return store.Err(err)
		}
		var to *string
		if creatorID != "" {
			var c creator.Creator
			if err := tx.Where("brand_id = ? AND id = ?", brandID, creatorID).Take(&c).Error; err != nil {
				if errors.Is(store.Err(err), store.ErrNotFound) {
					return validate.Errors{{Field: "creator_id", Message: "no such creator in this brand"}}
				}
				return err
			}
			if !c.Status.Attributable() {
				return validate.Errors{{Field: "creator_id", Message: fmt.Sprintf("%s is %s; only active creators can be credited", c.Name, c.Status)}}
			}
			to = &c.ID
		}
		from := ""
		if o.CreatorID != nil {
			from = *o.CreatorID
		}
		if from == creatorID {
			out = &o
			return nil
		}
		// Manual stays manual, even when it takes the credit away: later
		// versions of the order do not undo a person's decision.
		o.CreatorID, o.AttributionMethod = to, ByManual
		o.AttributionEvidence = Evidence{Reason: reason, By: actor.Label}
		o.AttributionRule = "reassigned by hand by " + actor.Label
		if to == nil {
			o.AttributionRule = "credit removed by hand by " + actor.Label
		}
		o.UpdatedAt = s.now()
		if err := tx.Save(&o).Error; err != nil {
			return err
		}
		out = &o
		if err := queueChange(tx, &o, o.UpdatedAt); err != nil {
			return err
		}
		return s.brands.Audit(tx, brandID, actor, "order.reassigned", map[string]any{
			"order_id": o.ID, "external_id": o.ExternalID, "from_creator_id": from, "to_creator_id": creatorID, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return out, s.details(ctx, out)
}
