package order

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
)

// checkEvent validates and normalises an event before anything is stored.
// Field names are those of the API's JSON; adapters report their own
// source's field names before they get here.
func checkEvent(ev *Event) validate.Errors {
	var errs validate.Errors
	if !ev.Source.Valid() {
		errs.Add("source", "unknown source %q", ev.Source)
		return errs
	}
	if ev.Order != nil {
		checkOrder(&errs, ev.Order)
		if ev.OrderRef == "" {
			ev.OrderRef = ev.Order.ExternalID
		}
	}
	ev.OrderRef = strings.TrimSpace(ev.OrderRef)
	if ev.OrderRef == "" {
		errs.Add("external_id", "the order's external id is missing")
	}
	for i := range ev.Refunds {
		checkRefund(&errs, fmt.Sprintf("refunds[%d].", i), &ev.Refunds[i])
	}
	if len(ev.DeliveryID) > MaxExternalID {
		errs.Add("delivery_id", "at most %d characters", MaxExternalID)
	}
	return errs
}

func checkOrder(errs *validate.Errors, o *OrderInput) {
	o.ExternalID = strings.TrimSpace(o.ExternalID)
	checkID(errs, "external_id", o.ExternalID)
	if o.PlacedAt.IsZero() {
		errs.Add("placed_at", "when the order was placed is required (RFC 3339, e.g. 2026-03-01T12:00:00Z)")
	} else if o.PlacedAt.After(time.Now().Add(24 * time.Hour)) {
		errs.Add("placed_at", "is more than a day in the future")
	}
	o.PlacedAt = o.PlacedAt.UTC().Truncate(time.Microsecond)
	if cur, err := money.LookupCurrency(o.Currency); err != nil {
		errs.Add("currency", "%v", err)
	} else {
		o.Currency = cur.Code
	}
	if o.Shipping < 0 {
		errs.Add("shipping", "must not be negative")
	}
	if o.Tax < 0 {
		errs.Add("tax", "must not be negative")
	}
	if len(o.Codes) > MaxCodes {
		errs.Add("discount_codes", "at most %d codes", MaxCodes)
	}
	codes := o.Codes[:0:0]
	for i, c := range o.Codes {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if len(c) > 100 {
			errs.Add(fmt.Sprintf("discount_codes[%d]", i), "at most 100 characters")
		}
		codes = append(codes, c)
	}
	o.Codes = codes
	o.ClickID = strings.TrimSpace(o.ClickID)
	if len(o.ClickID) > 100 {
		errs.Add("click_id", "at most 100 characters")
	}
	if len(o.CustomerEmail) > 254 {
		errs.Add("customer_email", "at most 254 characters")
	}
	// An order may have no lines (a Shopify order of only a tip); the API
	// asks for at least one.
	if len(o.Lines) > MaxLines {
		errs.Add("lines", "at most %d lines", MaxLines)
	}
	var total int64
	for i := range o.Lines {
		l := &o.Lines[i]
		f := fmt.Sprintf("lines[%d].", i)
		l.SKU, l.ProductID, l.Title = strings.TrimSpace(l.SKU), strings.TrimSpace(l.ProductID), strings.TrimSpace(l.Title)
		if l.SKU == "" && l.ProductID == "" && l.Title == "" {
			errs.Add(f+"sku", "a line needs a sku, a product_id or a title")
		}
		for _, t := range []struct{ name, v string }{{"sku", l.SKU}, {"product_id", l.ProductID}, {"title", l.Title}, {"external_id", l.ExternalID}} {
			if len(t.v) > MaxText || !utf8.ValidString(t.v) {
				errs.Add(f+t.name, "at most %d characters of UTF-8 text", MaxText)
			}
		}
		switch {
		case l.Quantity <= 0:
			errs.Add(f+"quantity", "must be a positive whole number (it is %d)", l.Quantity)
		case l.Quantity > MaxQuantity:
			errs.Add(f+"quantity", "at most %d", MaxQuantity)
		}
		switch {
		case l.UnitPrice < 0:
			errs.Add(f+"unit_price", "must not be negative (minor units, e.g. 1999 for 19.99)")
		case l.UnitPrice > MaxUnitPrice:
			errs.Add(f+"unit_price", "at most %d minor units", int64(MaxUnitPrice))
		}
		if l.Discount < 0 {
			errs.Add(f+"discount", "must not be negative (it is the line's total discount, in minor units)")
		}
		if l.Quantity > 0 && l.Quantity <= MaxQuantity && l.UnitPrice >= 0 && l.UnitPrice <= MaxUnitPrice {
			gross := l.Quantity * l.UnitPrice
			if l.Discount > gross {
				errs.Add(f+"discount", "is larger than the line's quantity × unit price (%d)", gross)
			}
			if total > math.MaxInt64/2-gross {
				errs.Add("lines", "the order's total is too large")
			}
			total += gross
		}
	}
}

func checkRefund(errs *validate.Errors, prefix string, r *RefundInput) {
	r.ExternalID = strings.TrimSpace(r.ExternalID)
	checkID(errs, prefix+"external_id", r.ExternalID)
	r.At = r.At.UTC().Truncate(time.Microsecond)
	if r.Amount < 0 {
		errs.Add(prefix+"amount", "must not be negative")
	}
	if r.Basis < 0 {
		errs.Add(prefix+"basis", "must not be negative")
	}
	var sum int64
	for i, l := range r.Lines {
		f := fmt.Sprintf("%slines[%d].", prefix, i)
		if l.Quantity < 0 || l.Quantity > MaxQuantity {
			errs.Add(f+"quantity", "must be between 0 and %d", MaxQuantity)
		}
		if l.Amount < 0 || l.Amount > MaxUnitPrice {
			errs.Add(f+"amount", "must be between 0 and %d minor units", int64(MaxUnitPrice))
		}
		sum += l.Amount
	}
	if r.Amount == 0 && len(r.Lines) > 0 {
		r.Amount = sum
	}
	if len(r.Reason) > MaxText {
		r.Reason = r.Reason[:MaxText]
	}
}

func checkID(errs *validate.Errors, field, id string) {
	switch {
	case id == "":
		errs.Add(field, "is required")
	case len(id) > MaxExternalID:
		errs.Add(field, "at most %d characters", MaxExternalID)
	case !utf8.ValidString(id) || strings.ContainsAny(id, "\x00\r\n/"):
		errs.Add(field, "must be text without line breaks or '/'")
	}
}

// versionKey orders the versions of one order: by the source's version time,
// then by content, so that every replica of a stream keeps the same one.
// Sources without versions have "", and the first stored version stays.
func versionKey(o *OrderInput) string {
	if o.Version.IsZero() {
		return ""
	}
	b, _ := json.Marshal(o)
	sum := sha256.Sum256(b)
	return o.Version.UTC().Format("20060102T150405.000000000Z") + "|" + hex.EncodeToString(sum[:8])
}

// mulDivRound is a × b ÷ c rounded half away from zero, exactly (c > 0).
func mulDivRound(a, b, c int64) int64 {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	n.Mul(n, big.NewInt(2))
	d := big.NewInt(2 * c)
	neg := n.Sign() < 0
	n.Abs(n)
	n.Add(n, big.NewInt(c)) // + c/2 × 2
	n.Quo(n, d)
	if neg {
		n.Neg(n)
	}
	return n.Int64()
}
