package order

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/cloutapp/clout/internal/validate"
)

// testStripeSecret is a made-up endpoint signing secret.
const testStripeSecret = "whsec_7Qm2vXk9Lp4Rt8Ws1Yz6Nb3Hc5Jd0Fg"

func stripeFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "stripe", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stripeMutate loads a fixture and lets edit change its data.object.
func stripeMutate(t *testing.T, name string, edit func(obj map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(stripeFixture(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	edit(ev["data"].(map[string]any)["object"].(map[string]any))
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signStripe(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: secret, Timestamp: at}).Header
}

// verifiedStripe signs payload as Stripe would and verifies it.
func verifiedStripe(t *testing.T, payload []byte) stripe.Event {
	t.Helper()
	ev, err := VerifyStripe(payload, signStripe(payload, testStripeSecret, time.Now()), testStripeSecret)
	if err != nil {
		t.Fatalf("VerifyStripe: %v", err)
	}
	return ev
}

// parseStripeOK verifies and parses payload, requiring ok and no error.
func parseStripeOK(t *testing.T, payload []byte) Event {
	t.Helper()
	e, ok, err := ParseStripe(verifiedStripe(t, payload))
	if err != nil {
		t.Fatalf("ParseStripe: %v", err)
	}
	if !ok {
		t.Fatal("ParseStripe: ok = false, want an event Clout acts on")
	}
	return e
}

// stripeFieldErrors requires err to be validate.Errors and returns its fields.
func stripeFieldErrors(t *testing.T, err error) []string {
	t.Helper()
	var verrs validate.Errors
	if !errors.As(err, &verrs) {
		t.Fatalf("err = %v (%T), want validate.Errors", err, err)
	}
	var fields []string
	for _, f := range verrs {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestVerifyStripe(t *testing.T) {
	payload := stripeFixture(t, "checkout_session_completed_paid.json")
	now := time.Now()

	t.Run("valid", func(t *testing.T) {
		ev, err := VerifyStripe(payload, signStripe(payload, testStripeSecret, now), testStripeSecret)
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID != "evt_1OFjR2LkdIwHu7ixQb3aE9Tm" || ev.Type != stripe.EventTypeCheckoutSessionCompleted {
			t.Errorf("event = %s %s", ev.ID, ev.Type)
		}
		if ev.Data == nil || !bytes.Contains(ev.Data.Raw, []byte(`"cs_test_a1Yk3dGm0Qn8Rz4pWcVb6LxT2uJhS9fE5oN7iKqB"`)) {
			t.Error("data.object not kept")
		}
	})

	t.Run("rolled secret: one of two signatures matches", func(t *testing.T) {
		good := signStripe(payload, testStripeSecret, now)
		old := signStripe(payload, "whsec_previous", now)
		header := good + "," + old[strings.Index(old, "v1="):]
		if _, err := VerifyStripe(payload, header, testStripeSecret); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("another API version", func(t *testing.T) {
		var ev map[string]any
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		ev["api_version"] = "2020-08-27"
		p, _ := json.Marshal(ev)
		if _, err := VerifyStripe(p, signStripe(p, testStripeSecret, now), testStripeSecret); err != nil {
			t.Fatalf("an event of another API version was refused: %v", err)
		}
	})

	refused := []struct {
		name    string
		payload []byte
		header  string
		cause   error
	}{
		{"forged body", bytes.Replace(payload, []byte(`"amount_subtotal": 5000`), []byte(`"amount_subtotal": 500000`), 1),
			signStripe(payload, testStripeSecret, now), webhook.ErrNoValidSignature},
		{"forged signature", payload,
			signStripe(payload, testStripeSecret, now)[:len("t=1700000000,v1=")] + strings.Repeat("ab", 32),
			webhook.ErrNoValidSignature},
		{"missing header", payload, "", webhook.ErrNotSigned},
		{"unreadable header", payload, "t=yesterday,v1=00", webhook.ErrInvalidHeader},
		{"no v1 signature", payload, "t=1700000000,v0=abcdef", webhook.ErrNoValidSignature},
		{"another secret", payload, signStripe(payload, "whsec_someone_else", now), webhook.ErrNoValidSignature},
		{"old timestamp", payload, signStripe(payload, testStripeSecret, now.Add(-webhook.DefaultTolerance-time.Minute)),
			webhook.ErrTooOld},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "forged body" && bytes.Equal(c.payload, payload) {
				t.Fatal("the fixture changed: the forgery did not alter the body")
			}
			_, err := VerifyStripe(c.payload, c.header, testStripeSecret)
			if !errors.Is(err, ErrSignature) || !errors.Is(err, c.cause) {
				t.Fatalf("err = %v, want ErrSignature wrapping %v", err, c.cause)
			}
		})
	}

	t.Run("no secret", func(t *testing.T) {
		_, err := VerifyStripe(payload, signStripe(payload, "", now), "")
		if !errors.Is(err, ErrNotConfigured) {
			t.Fatalf("err = %v, want ErrNotConfigured", err)
		}
	})

	t.Run("signed body that is not an event", func(t *testing.T) {
		p := []byte(`{"id": "evt_1", "data": "nope"`)
		_, err := VerifyStripe(p, signStripe(p, testStripeSecret, now), testStripeSecret)
		if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrSignature) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	})
}

func TestParseStripeCompletedPaid(t *testing.T) {
	e := parseStripeOK(t, stripeFixture(t, "checkout_session_completed_paid.json"))
	if e.Source != Stripe || e.DeliveryID != "evt_1OFjR2LkdIwHu7ixQb3aE9Tm" || e.Topic != "checkout.session.completed" {
		t.Errorf("envelope = %q %q %q", e.Source, e.DeliveryID, e.Topic)
	}
	if e.OrderRef != "pi_3OFjQxLkdIwHu7ix0Zr8Jd2K" {
		t.Errorf("OrderRef = %q, want the payment intent", e.OrderRef)
	}
	if !json.Valid(e.Raw) || !bytes.Contains(e.Raw, []byte(`"object": "checkout.session"`)) {
		t.Errorf("Raw is not the session: %.80s", e.Raw)
	}
	if e.Refunds != nil || e.Cancel != nil {
		t.Errorf("refunds %v, cancel %v", e.Refunds, e.Cancel)
	}
	want := &OrderInput{
		ExternalID:    "pi_3OFjQxLkdIwHu7ix0Zr8Jd2K",
		PlacedAt:      time.Date(2023, 11, 22, 12, 1, 30, 0, time.UTC), // created 1700654490
		Currency:      "USD",
		CustomerEmail: "jordan.lee@example.com",
		Codes:         []string{"MAYA15"},
		ClickID:       "clk_9f2c41d7a0b3",
		Shipping:      500,
		Tax:           320,
		Lines: []LineInput{{
			ExternalID: "cs_test_a1Yk3dGm0Qn8Rz4pWcVb6LxT2uJhS9fE5oN7iKqB",
			SKU:        "checkout",
			Title:      "Stripe Checkout",
			Quantity:   1,
			UnitPrice:  5000,
			Discount:   500,
		}},
	}
	if !reflect.DeepEqual(e.Order, want) {
		t.Errorf("order =\n%+v\nwant\n%+v", *e.Order, *want)
	}
	if e.Order.PlacedAt.Location() != time.UTC || !e.Order.Version.IsZero() {
		t.Errorf("PlacedAt %v, Version %v", e.Order.PlacedAt, e.Order.Version)
	}
}

func TestParseStripeDelayedPayment(t *testing.T) {
	// A SEPA debit: checkout.session.completed while unpaid, then
	// checkout.session.async_payment_succeeded once the money arrives.
	e, ok, err := ParseStripe(verifiedStripe(t, stripeFixture(t, "checkout_session_completed_unpaid.json")))
	if err != nil || ok {
		t.Fatalf("unpaid session: ok = %v, err = %v; want ok = false", ok, err)
	}
	if e.Source != Stripe || e.DeliveryID != "evt_1OFkA7LkdIwHu7ixTz5pL0Wc" || e.Order != nil {
		t.Errorf("unpaid session event = %+v", e)
	}

	e = parseStripeOK(t, stripeFixture(t, "checkout_session_async_payment_succeeded.json"))
	if e.Topic != "checkout.session.async_payment_succeeded" || e.DeliveryID != "evt_1OGyH3LkdIwHu7ixWm2Rb8Yn" {
		t.Errorf("envelope = %q %q", e.DeliveryID, e.Topic)
	}
	o := e.Order
	if e.OrderRef != "pi_3OFk9zLkdIwHu7ix1Vb4Nc6X" || o.ExternalID != e.OrderRef {
		t.Errorf("OrderRef %q, ExternalID %q", e.OrderRef, o.ExternalID)
	}
	if o.Currency != "EUR" || o.CustomerEmail != "anke.vogel@example.de" || o.ClickID != "clk_51be07c9d2e4" || o.Codes != nil {
		t.Errorf("order = %+v", o)
	}
	// Placed when the customer checked out, not when the debit cleared.
	if !o.PlacedAt.Equal(time.Unix(1700657100, 0)) {
		t.Errorf("PlacedAt = %v", o.PlacedAt)
	}
	if len(o.Lines) != 1 || o.Lines[0].UnitPrice != 8900 || o.Lines[0].Discount != 0 || o.Shipping != 0 || o.Tax != 0 {
		t.Errorf("amounts = %+v, shipping %d, tax %d", o.Lines, o.Shipping, o.Tax)
	}
}

func TestParseStripeSessionWithoutPaymentIntent(t *testing.T) {
	e := parseStripeOK(t, stripeFixture(t, "checkout_session_completed_no_payment_intent.json"))
	const id = "cs_test_c1Zx2cVb3nM4aS5dF6gH7jK8lQ9wE0rT1yU2iO3p"
	if e.OrderRef != id || e.Order.ExternalID != id || e.Order.Lines[0].ExternalID != id {
		t.Errorf("OrderRef %q, ExternalID %q, want the session id", e.OrderRef, e.Order.ExternalID)
	}
	if l := e.Order.Lines[0]; l.UnitPrice != 2400 || l.Discount != 2400 {
		t.Errorf("line = %+v, want fully discounted", l)
	}
	if e.Order.ClickID != "" || e.Order.Codes != nil {
		t.Errorf("click %q, codes %v", e.Order.ClickID, e.Order.Codes)
	}
}

func TestParseStripeExpandedPaymentIntent(t *testing.T) {
	p := stripeMutate(t, "checkout_session_completed_paid.json", func(o map[string]any) {
		o["payment_intent"] = map[string]any{
			"id": "pi_3OFjQxLkdIwHu7ix0Zr8Jd2K", "object": "payment_intent", "amount": 5320,
			"currency": "usd", "status": "succeeded", "latest_charge": "ch_3OFjQxLkdIwHu7ix0nB7Vd3R",
		}
	})
	e := parseStripeOK(t, p)
	if e.OrderRef != "pi_3OFjQxLkdIwHu7ix0Zr8Jd2K" || e.Order.ExternalID != e.OrderRef {
		t.Errorf("OrderRef %q, ExternalID %q", e.OrderRef, e.Order.ExternalID)
	}
}

func TestParseStripeClickID(t *testing.T) {
	e := parseStripeOK(t, stripeFixture(t, "checkout_session_completed_clout_click.json"))
	if e.Order.ClickID != "clk_7d3e9a14b6f0" {
		t.Errorf("ClickID = %q, want metadata.clout_click", e.Order.ClickID)
	}
	if e.Order.Currency != "GBP" || e.Order.Shipping != 395 || e.Order.Codes != nil {
		t.Errorf("order = %+v", e.Order)
	}

	// client_reference_id wins over metadata.
	p := stripeMutate(t, "checkout_session_completed_clout_click.json", func(o map[string]any) {
		o["client_reference_id"] = "clk_from_reference"
	})
	if e := parseStripeOK(t, p); e.Order.ClickID != "clk_from_reference" {
		t.Errorf("ClickID = %q, want client_reference_id", e.Order.ClickID)
	}
}

func TestParseStripeCustomerEmailFallback(t *testing.T) {
	p := stripeMutate(t, "checkout_session_completed_paid.json", func(o map[string]any) {
		o["customer_details"] = nil
		o["customer_email"] = "prefilled@example.com"
	})
	if e := parseStripeOK(t, p); e.Order.CustomerEmail != "prefilled@example.com" {
		t.Errorf("CustomerEmail = %q", e.Order.CustomerEmail)
	}
}

func TestParseStripeChargeRefunded(t *testing.T) {
	first := parseStripeOK(t, stripeFixture(t, "charge_refunded_partial.json"))
	second := parseStripeOK(t, stripeFixture(t, "charge_refunded_full.json"))

	for _, e := range []Event{first, second} {
		if e.Source != Stripe || e.Topic != "charge.refunded" || e.Order != nil || e.Cancel != nil {
			t.Errorf("event = %+v", e)
		}
		// The order the paid checkout session created.
		if e.OrderRef != "pi_3OFjQxLkdIwHu7ix0Zr8Jd2K" {
			t.Errorf("OrderRef = %q, want the payment intent", e.OrderRef)
		}
		if len(e.Refunds) != 1 {
			t.Fatalf("refunds = %+v", e.Refunds)
		}
	}
	if first.DeliveryID == second.DeliveryID {
		t.Error("two deliveries share an id")
	}
	r1, r2 := first.Refunds[0], second.Refunds[0]
	want1 := RefundInput{ExternalID: "ch_3OFjQxLkdIwHu7ix0nB7Vd3R@2000", At: time.Unix(1700827201, 0).UTC(),
		Amount: 2000, Cumulative: true, Group: "ch_3OFjQxLkdIwHu7ix0nB7Vd3R", Basis: 5320}
	want2 := RefundInput{ExternalID: "ch_3OFjQxLkdIwHu7ix0nB7Vd3R@5320", At: time.Unix(1701086402, 0).UTC(),
		Amount: 5320, Cumulative: true, Group: "ch_3OFjQxLkdIwHu7ix0nB7Vd3R", Basis: 5320}
	if !reflect.DeepEqual(r1, want1) {
		t.Errorf("first refund = %+v\nwant %+v", r1, want1)
	}
	if !reflect.DeepEqual(r2, want2) {
		t.Errorf("second refund = %+v\nwant %+v", r2, want2)
	}
	if r1.ExternalID == r2.ExternalID || r1.Group != r2.Group {
		t.Errorf("external ids %q %q, groups %q %q", r1.ExternalID, r2.ExternalID, r1.Group, r2.Group)
	}

	// A charge made without a PaymentIntent (the legacy Charges API).
	p := stripeMutate(t, "charge_refunded_partial.json", func(o map[string]any) { o["payment_intent"] = nil })
	if e := parseStripeOK(t, p); e.OrderRef != "ch_3OFjQxLkdIwHu7ix0nB7Vd3R" {
		t.Errorf("OrderRef = %q, want the charge id", e.OrderRef)
	}
}

func TestParseStripeIgnored(t *testing.T) {
	cases := map[string][]byte{
		"unrelated type": stripeFixture(t, "customer_created.json"),
		"setup mode": stripeMutate(t, "checkout_session_completed_paid.json", func(o map[string]any) {
			o["mode"], o["payment_status"], o["currency"] = "setup", "no_payment_required", nil
			o["amount_subtotal"], o["amount_total"], o["payment_intent"] = nil, nil, nil
			o["setup_intent"] = "seti_1OFjQxLkdIwHu7ixq2Bn4Mv6"
		}),
		"nothing refunded": stripeMutate(t, "charge_refunded_partial.json", func(o map[string]any) {
			o["amount_refunded"] = 0
		}),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			ev := verifiedStripe(t, p)
			e, ok, err := ParseStripe(ev)
			if err != nil || ok {
				t.Fatalf("ok = %v, err = %v; want ok = false", ok, err)
			}
			if e.Source != Stripe || e.DeliveryID != ev.ID || e.Topic != string(ev.Type) || e.Order != nil || e.Refunds != nil {
				t.Errorf("event = %+v", e)
			}
		})
	}
}

func TestParseStripeUnknownCurrency(t *testing.T) {
	_, ok, err := ParseStripe(verifiedStripe(t, stripeFixture(t, "checkout_session_completed_unknown_currency.json")))
	if ok {
		t.Error("ok = true")
	}
	if f := stripeFieldErrors(t, err); !reflect.DeepEqual(f, []string{"currency"}) {
		t.Errorf("fields = %v, want [currency]", f)
	}
}

func TestParseStripeNegativeAmounts(t *testing.T) {
	p := stripeMutate(t, "checkout_session_completed_paid.json", func(o map[string]any) {
		o["total_details"].(map[string]any)["amount_tax"] = -320
		o["amount_subtotal"] = -1
	})
	_, ok, err := ParseStripe(verifiedStripe(t, p))
	if f := stripeFieldErrors(t, err); ok || !reflect.DeepEqual(f, []string{"amount_subtotal", "total_details.amount_tax"}) {
		t.Errorf("ok = %v, fields = %v", ok, f)
	}

	p = stripeMutate(t, "charge_refunded_partial.json", func(o map[string]any) { o["amount_refunded"] = -2000 })
	_, ok, err = ParseStripe(verifiedStripe(t, p))
	if f := stripeFieldErrors(t, err); ok || !reflect.DeepEqual(f, []string{"amount_refunded"}) {
		t.Errorf("ok = %v, fields = %v", ok, f)
	}
}

func TestParseStripeMalformed(t *testing.T) {
	cases := map[string]stripe.Event{
		"amount is not a number": verifiedStripe(t, stripeMutate(t, "checkout_session_completed_paid.json",
			func(o map[string]any) { o["amount_subtotal"] = "50.00" })),
		"a charge in a session event": verifiedStripe(t, bytes.Replace(stripeFixture(t, "charge_refunded_partial.json"),
			[]byte(`"type": "charge.refunded"`), []byte(`"type": "checkout.session.completed"`), 1)),
		"session without id": verifiedStripe(t, stripeMutate(t, "checkout_session_completed_paid.json",
			func(o map[string]any) { delete(o, "id") })),
		"charge without id": verifiedStripe(t, stripeMutate(t, "charge_refunded_full.json",
			func(o map[string]any) { o["id"] = "" })),
		"no data":   {ID: "evt_1", Type: stripe.EventTypeChargeRefunded},
		"null data": {ID: "evt_2", Type: stripe.EventTypeCheckoutSessionCompleted, Data: &stripe.EventData{Raw: json.RawMessage(`null`)}},
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			_, ok, err := ParseStripe(ev)
			if ok || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ok = %v, err = %v; want ErrMalformed", ok, err)
			}
		})
	}
}

func TestParseStripeCurrencyUnits(t *testing.T) {
	cases := []struct {
		currency          string
		subtotal, want    int64
		shipping, wantShp int64
	}{
		{"jpy", 4800, 4800, 600, 600},       // zero-decimal in both
		{"kwd", 12340, 12340, 0, 0},         // three-decimal in both
		{"isk", 990000, 9900, 150050, 1501}, // Stripe keeps ISK two-decimal
		{"mga", 25000, 2500000, 0, 0},       // Stripe treats MGA as zero-decimal
	}
	for _, c := range cases {
		t.Run(c.currency, func(t *testing.T) {
			p := stripeMutate(t, "checkout_session_completed_paid.json", func(o map[string]any) {
				o["currency"], o["amount_subtotal"] = c.currency, c.subtotal
				o["total_details"] = map[string]any{"amount_discount": 0, "amount_shipping": c.shipping, "amount_tax": 0}
			})
			e := parseStripeOK(t, p)
			if e.Order.Currency != strings.ToUpper(c.currency) || e.Order.Lines[0].UnitPrice != c.want || e.Order.Shipping != c.wantShp {
				t.Errorf("%s: unit price %d, shipping %d; want %d, %d",
					e.Order.Currency, e.Order.Lines[0].UnitPrice, e.Order.Shipping, c.want, c.wantShp)
			}
		})
	}
}
