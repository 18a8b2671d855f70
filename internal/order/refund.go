package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// RefundRequest refunds part or all of a stored order through the API.
// With neither Amount nor Lines, the rest of the order is refunded.
type RefundRequest struct {
	ExternalID string
	Amount     *int64
	Lines      []RefundLine
	Reason     string
	At         time.Time
	Raw        []byte
}

// RefundResult is the order after a refund, and whether the refund is new.
type RefundResult struct {
	Created bool
	Order   *Order
}

// Refund records a refund of a stored order (404 when the order is not
// there): lines name the order's skus, and the total may not exceed what is
// left to refund. Posting the same refund external id again changes nothing.
func (s *Service) Refund(ctx context.Context, brandID string, source Source, orderRef string, r RefundRequest) (*RefundResult, error) {
	in := RefundInput{ExternalID: strings.TrimSpace(r.ExternalID), At: r.At, Lines: r.Lines, Reason: r.Reason}
	if r.Amount != nil {
		in.Amount = *r.Amount
		if *r.Amount <= 0 {
			return nil, validate.Errors{{Field: "amount", Message: "must be positive (minor units); leave it out to refund the rest of the order"}}
		}
	}
	if in.ExternalID == "" {
		return nil, validate.Errors{{Field: "external_id", Message: "the refund's external id is required (it makes retries safe)"}}
	}
	var existed bool
	ev := Event{Source: source, Topic: "refund", OrderRef: orderRef, Raw: r.Raw, Refunds: []RefundInput{in}}
	res, err := s.apply(ctx, brandID, ev, func(tx *gorm.DB, o *Order, ev *Event) error {
		if o == nil {
			return ErrNotFound
		}
		var adjs []Adjustment
		if err := tx.Where("order_id = ?", o.ID).Find(&adjs).Error; err != nil {
			return err
		}
		for _, a := range adjs {
			if a.Kind == KindRefund && a.ExternalID == in.ExternalID {
				existed = true
				return nil
			}
		}
		var lines []Line
		if err := tx.Where("order_id = ?", o.ID).Order("position").Find(&lines).Error; err != nil {
			return err
		}
		var errs validate.Errors
		var sum int64
		for i, l := range in.Lines {
			f := fmt.Sprintf("lines[%d].", i)
			var line *Line
			for j := range lines {
				if lines[j].SKU == l.SKU && l.SKU != "" {
					line = &lines[j]
					break
				}
			}
			switch {
			case line == nil:
				errs.Add(f+"sku", "the order has no line with sku %q", l.SKU)
			case l.Quantity < 1 || l.Quantity > line.Quantity:
				errs.Add(f+"quantity", "must be between 1 and the line's quantity, %d", line.Quantity)
			case l.Amount < 0 || l.Amount > line.Net:
				errs.Add(f+"amount", "must be between 0 and the line's net, %d", line.Net)
			}
			if line != nil {
				in.Lines[i].LineExternalID = line.ExternalID
			}
			sum += l.Amount
		}
		if len(errs) > 0 {
			return errs
		}
		left := o.Net - o.Refunded
		switch {
		case r.Amount == nil && len(in.Lines) > 0:
			in.Amount = sum
		case r.Amount == nil:
			in.Amount = left
		}
		if o.Status == Cancelled {
			return validate.Errors{{Field: "external_id", Message: "the order is cancelled; there is nothing left to refund"}}
		}
		if in.Amount > left || left <= 0 {
			return validate.Errors{{Field: "amount", Message: fmt.Sprintf("%v: %d of %d is left", ErrRefundTooLarge, max(left, 0), o.Net)}}
		}
		ev.Refunds[0] = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RefundResult{Created: !existed, Order: res.Order}, nil
}
