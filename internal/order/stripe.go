package order

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
)

// Stripe Checkout orders have one line: Checkout's webhook payload does not
// carry the session's line items (they need a separate API call), only its
// totals.
const (
	// StripeLineSKU is the SKU of the one line of a Stripe Checkout order.
	StripeLineSKU = "checkout"
	// StripeLineTitle is the title of that line.
	StripeLineTitle = "Stripe Checkout"
)

// Metadata keys a brand may set on its Checkout Sessions.
const (
	// StripeMetaDiscountCode names the creator's discount code used.
	StripeMetaDiscountCode = "discount_code"
	// StripeMetaClick carries the Clout click id when client_reference_id
	// is taken by something else.
	StripeMetaClick = "clout_click"
)

// stripeSignatureErrors are the webhook package's errors for a missing,
// unreadable, stale or non-matching Stripe-Signature header.
var stripeSignatureErrors = []error{
	webhook.ErrNotSigned,
	webhook.ErrInvalidHeader,
	webhook.ErrNoValidSignature,
	webhook.ErrTooOld,
}

// VerifyStripe checks the Stripe-Signature header of a webhook delivery
// against the brand's endpoint signing secret (HMAC-SHA256, timestamp within
// webhook.DefaultTolerance) and returns the event. Events of any API version
// are accepted, since a brand's account may be pinned to another version than
// stripe-go's and only a few stable fields are read.
//
// An empty secret gives ErrNotConfigured; a missing, malformed, stale or
// non-matching signature gives an error wrapping ErrSignature; a correctly
// signed body that is not a JSON event gives one wrapping ErrMalformed.
func VerifyStripe(payload []byte, header, secret string) (stripe.Event, error) {
	if secret == "" {
		return stripe.Event{}, ErrNotConfigured
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, secret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		for _, sigErr := range stripeSignatureErrors {
			if errors.Is(err, sigErr) {
				return stripe.Event{}, fmt.Errorf("%w: %w", ErrSignature, err)
			}
		}
		// The signature matched (the webhook package checks it before
		// decoding), so the body is Stripe's but not an event.
		return stripe.Event{}, fmt.Errorf("%w: stripe event: %w", ErrMalformed, err)
	}
	return ev, nil
}

// ParseStripe turns a verified Stripe event into an Event.
//
//   - checkout.session.completed (unless its payment_status is "unpaid": a
//     delayed payment method whose outcome comes later) and
//     checkout.session.async_payment_succeeded give an order, keyed by the
//     session's PaymentIntent id (what charge.refunded names) or, when the
//     session has none, its own id.
//   - charge.refunded gives a cumulative refund of the charge's
//     amount_refunded so far, grouped by charge.
//
// ok is false for events Clout does not act on: other types, unpaid
// sessions, setup-mode sessions (no payment) and charges with nothing
// refunded. The returned Event always carries Source, DeliveryID, Topic and
// Raw. A payload that is not the object its type promises gives an error
// wrapping ErrMalformed; an unknown currency or a negative amount gives
// validate.Errors naming the Stripe field.
func ParseStripe(ev stripe.Event) (e Event, ok bool, err error) {
	e = Event{Source: Stripe, DeliveryID: ev.ID, Topic: string(ev.Type)}
	if ev.Data != nil {
		e.Raw = ev.Data.Raw
	}
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted, stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		return parseStripeSession(ev, e)
	case stripe.EventTypeChargeRefunded:
		return parseStripeRefund(ev, e)
	default:
		return e, false, nil
	}
}

// decodeStripeObject unmarshals the event's data.object into v and checks
// its id and object kind.
func decodeStripeObject(ev stripe.Event, kind string, v any, id, object func() string) error {
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return fmt.Errorf("%w: stripe %s event has no data.object", ErrMalformed, ev.Type)
	}
	if err := json.Unmarshal(ev.Data.Raw, v); err != nil {
		return fmt.Errorf("%w: stripe %s: %w", ErrMalformed, kind, err)
	}
	if o := object(); o != "" && o != kind {
		return fmt.Errorf("%w: stripe %s event carries a %q, not a %s", ErrMalformed, ev.Type, o, kind)
	}
	if id() == "" {
		return fmt.Errorf("%w: stripe %s has no id", ErrMalformed, kind)
	}
	return nil
}

func parseStripeSession(ev stripe.Event, e Event) (Event, bool, error) {
	var s stripe.CheckoutSession
	if err := decodeStripeObject(ev, "checkout.session", &s,
		func() string { return s.ID }, func() string { return s.Object }); err != nil {
		return e, false, err
	}
	if ev.Type == stripe.EventTypeCheckoutSessionCompleted && s.PaymentStatus == stripe.CheckoutSessionPaymentStatusUnpaid {
		// A delayed payment method (bank debit, voucher): the order counts
		// once checkout.session.async_payment_succeeded says it was paid.
		return e, false, nil
	}
	if s.Mode == stripe.CheckoutSessionModeSetup {
		// Saves a payment method; nothing is bought.
		return e, false, nil
	}

	ref := s.ID
	if s.PaymentIntent != nil && s.PaymentIntent.ID != "" {
		ref = s.PaymentIntent.ID
	}
	created := s.Created
	if created <= 0 {
		created = ev.Created
	}
	if created <= 0 {
		return e, false, fmt.Errorf("%w: stripe checkout session %s has no created time", ErrMalformed, s.ID)
	}

	var errs validate.Errors
	cur, curErr := money.LookupCurrency(string(s.Currency))
	if curErr != nil {
		errs.Add("currency", "%q is not a known currency", string(s.Currency))
	}
	var td stripe.CheckoutSessionTotalDetails
	if s.TotalDetails != nil {
		td = *s.TotalDetails
	}
	// Order matters: conv[i] is amounts[i] in minor units of cur.
	amounts := []struct {
		field string
		v     int64
	}{
		{"amount_subtotal", s.AmountSubtotal},
		{"total_details.amount_discount", td.AmountDiscount},
		{"total_details.amount_shipping", td.AmountShipping},
		{"total_details.amount_tax", td.AmountTax},
	}
	conv := make([]int64, len(amounts))
	for i, a := range amounts {
		if a.v < 0 {
			errs.Add(a.field, "is negative (%d)", a.v)
			continue
		}
		if curErr == nil {
			v, err := fromStripeMinor(a.v, cur)
			if err != nil {
				errs.Add(a.field, "%v", err)
			}
			conv[i] = v
		}
	}
	if err := errs.Err(); err != nil {
		return e, false, err
	}

	o := &OrderInput{
		ExternalID: ref,
		PlacedAt:   time.Unix(created, 0).UTC(),
		Currency:   cur.Code,
		Shipping:   conv[2],
		Tax:        conv[3],
		Lines: []LineInput{{
			ExternalID: s.ID,
			SKU:        StripeLineSKU,
			Title:      StripeLineTitle,
			Quantity:   1,
			UnitPrice:  conv[0],
			Discount:   conv[1],
		}},
	}
	if s.CustomerDetails != nil && strings.TrimSpace(s.CustomerDetails.Email) != "" {
		o.CustomerEmail = strings.TrimSpace(s.CustomerDetails.Email)
	} else {
		o.CustomerEmail = strings.TrimSpace(s.CustomerEmail)
	}
	if o.ClickID = strings.TrimSpace(s.ClientReferenceID); o.ClickID == "" {
		o.ClickID = strings.TrimSpace(s.Metadata[StripeMetaClick])
	}
	if code := strings.TrimSpace(s.Metadata[StripeMetaDiscountCode]); code != "" {
		o.Codes = []string{code}
	}

	e.OrderRef = ref
	e.Order = o
	return e, true, nil
}

func parseStripeRefund(ev stripe.Event, e Event) (Event, bool, error) {
	var c stripe.Charge
	if err := decodeStripeObject(ev, "charge", &c,
		func() string { return c.ID }, func() string { return c.Object }); err != nil {
		return e, false, err
	}
	var errs validate.Errors
	if c.AmountRefunded < 0 {
		errs.Add("amount_refunded", "is negative (%d)", c.AmountRefunded)
	}
	if c.Amount < 0 {
		errs.Add("amount", "is negative (%d)", c.Amount)
	}
	if err := errs.Err(); err != nil {
		return e, false, err
	}

	e.OrderRef = c.ID
	if c.PaymentIntent != nil && c.PaymentIntent.ID != "" {
		e.OrderRef = c.PaymentIntent.ID
	}
	if c.AmountRefunded == 0 {
		return e, false, nil
	}
	at := ev.Created
	if at <= 0 {
		at = c.Created
	}
	// Refund amounts are only ever compared with Basis (both in Stripe's
	// units of the charge's currency), so they are not converted.
	e.Refunds = []RefundInput{{
		ExternalID: c.ID + "@" + strconv.FormatInt(c.AmountRefunded, 10),
		At:         time.Unix(at, 0).UTC(),
		Amount:     c.AmountRefunded,
		Cumulative: true,
		Group:      c.ID,
		Basis:      c.Amount,
	}}
	return e, true, nil
}

// stripeDecimals lists the currencies whose amounts Stripe's API counts in
// other units than ISO 4217's minor unit (which money uses): Stripe keeps ISK
// two-decimal for backwards compatibility (100 means 1 króna) and treats MGA
// as zero-decimal. See https://docs.stripe.com/currencies#special-cases.
var stripeDecimals = map[string]int{"ISK": 2, "MGA": 0}

// fromStripeMinor converts a Stripe API amount to minor units of cur,
// rounding half away from zero when Stripe's unit is the finer one.
func fromStripeMinor(v int64, cur money.Currency) (int64, error) {
	exp, ok := stripeDecimals[cur.Code]
	if !ok || exp == cur.Exponent {
		return v, nil
	}
	if exp > cur.Exponent {
		f := stripePow10(exp - cur.Exponent)
		q, r := v/f, v%f
		if 2*r >= f {
			q++
		}
		return q, nil
	}
	f := stripePow10(cur.Exponent - exp)
	if v > (1<<63-1)/f {
		return 0, fmt.Errorf("is too large (%d)", v)
	}
	return v * f, nil
}

func stripePow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
