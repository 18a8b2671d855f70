package order

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
)

// The Shopify adapter reads the REST Admin API shapes that Shopify's order
// and refund webhooks deliver. Amounts are read in the shop's currency
// (the shop_money half of each *_set field, else the plain field, which is
// also in shop currency), never in the buyer's presentment currency.

// Shopify webhook topics (the X-Shopify-Topic header) the adapter reads.
const (
	ShopifyOrdersCreate    = "orders/create"
	ShopifyOrdersPaid      = "orders/paid"
	ShopifyOrdersUpdated   = "orders/updated"
	ShopifyOrdersCancelled = "orders/cancelled"
	ShopifyRefundsCreate   = "refunds/create"
)

// ShopifyTopics lists the webhook topics ParseShopify accepts.
var ShopifyTopics = []string{
	ShopifyOrdersCreate,
	ShopifyOrdersPaid,
	ShopifyOrdersUpdated,
	ShopifyOrdersCancelled,
	ShopifyRefundsCreate,
}

// ErrUnsupportedTopic: a Shopify webhook topic the adapter does not read.
var ErrUnsupportedTopic = errors.New("unsupported Shopify webhook topic")

// ShopifyDefaultClickParam is the query parameter (or cart attribute) that
// carries the Clout click id when the brand has not named another.
const ShopifyDefaultClickParam = "clout_click"

// VerifyShopify reports whether header (X-Shopify-Hmac-Sha256) is the base64
// HMAC-SHA256 of body keyed with secret, comparing in constant time. An empty
// secret or header is never valid.
func VerifyShopify(body []byte, header, secret string) bool {
	header = strings.TrimSpace(header)
	if secret == "" || header == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// ParseShopify turns the body of a Shopify webhook for topic (X-Shopify-Topic)
// into an Event. clickParam is the brand's click-id query parameter name
// ("" means ShopifyDefaultClickParam).
//
// Order topics give the order (its lines without tips, shipping and tax
// apart), the refunds embedded in it and, once cancelled_at is set, its
// cancellation; refunds/create gives one refund of merchandise (shipping and
// tax refunds left out).
//
// A body that is not a JSON object, or has no order id, gives an error
// wrapping ErrMalformed; bad fields (unknown currency, a quantity below one,
// an amount that is not an exact decimal of the currency) give
// validate.Errors naming each field by its Shopify path; other topics give an
// error wrapping ErrUnsupportedTopic.
func ParseShopify(topic string, body []byte, clickParam string) (Event, error) {
	topic = strings.TrimSpace(topic)
	switch topic {
	case ShopifyOrdersCreate, ShopifyOrdersPaid, ShopifyOrdersUpdated, ShopifyOrdersCancelled:
	case ShopifyRefundsCreate:
	default:
		return Event{}, fmt.Errorf("%w: %q", ErrUnsupportedTopic, topic)
	}
	if len(body) > MaxPayloadSize {
		return Event{}, fmt.Errorf("%w: the payload is larger than %d bytes", ErrMalformed, MaxPayloadSize)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return Event{}, fmt.Errorf("%w: a Shopify %s payload is a JSON object", ErrMalformed, topic)
	}
	if clickParam = strings.TrimSpace(clickParam); clickParam == "" {
		clickParam = ShopifyDefaultClickParam
	}
	if topic == ShopifyRefundsCreate {
		return parseShopifyRefundEvent(topic, body)
	}
	return parseShopifyOrderEvent(topic, body, clickParam)
}

// parseShopifyOrderEvent reads an order payload.
func parseShopifyOrderEvent(topic string, body []byte, clickParam string) (Event, error) {
	var p shopifyOrder
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if p.ID == "" {
		return Event{}, fmt.Errorf("%w: the order has no id", ErrMalformed)
	}

	var errs validate.Errors
	code := p.Currency
	if p.TotalPriceSet != nil && p.TotalPriceSet.ShopMoney != nil && p.TotalPriceSet.ShopMoney.CurrencyCode != "" {
		code = p.TotalPriceSet.ShopMoney.CurrencyCode
	}
	cur, err := money.LookupCurrency(code)
	if err != nil {
		errs.Add("currency", "%v", err)
		return Event{}, errs
	}
	r := shopifyReader{cur: cur, errs: &errs}

	in := &OrderInput{
		ExternalID:    string(p.ID),
		Currency:      cur.Code,
		CustomerEmail: shopifyFirst(p.Email, p.ContactEmail, p.customerEmail()),
		Codes:         p.codes(),
		ClickID:       p.clickID(clickParam),
		ReferringSite: strings.TrimSpace(p.ReferringSite),
	}
	if p.ProcessedAt != "" {
		in.PlacedAt = r.time("processed_at", p.ProcessedAt)
	} else if p.CreatedAt != "" {
		in.PlacedAt = r.time("created_at", p.CreatedAt)
	} else {
		errs.Add("created_at", "is missing")
	}
	if p.UpdatedAt != "" {
		in.Version = r.time("updated_at", p.UpdatedAt)
	}

	if p.TotalShippingPriceSet.has() {
		in.Shipping = r.amount("total_shipping_price_set", p.TotalShippingPriceSet, shopifyDecimal{})
	} else {
		for i, s := range p.ShippingLines {
			in.Shipping += r.amount(fmt.Sprintf("shipping_lines[%d].price", i), s.PriceSet, s.Price)
		}
	}
	in.Tax = r.amount("total_tax", p.TotalTaxSet, p.TotalTax)

	tips := p.tipLines(r)
	tipIDs := map[shopifyID]bool{}
	for i, li := range p.LineItems {
		if tips[i] {
			tipIDs[li.ID] = true
			continue
		}
		in.Lines = append(in.Lines, r.line(i, li))
	}

	ev := Event{Source: Shopify, Topic: topic, OrderRef: string(p.ID), Raw: body, Order: in}
	for i, rf := range p.Refunds {
		ev.Refunds = append(ev.Refunds, r.refund(fmt.Sprintf("refunds[%d].", i), rf, tipIDs))
	}
	if p.CancelledAt != "" {
		ev.Cancel = &CancelInput{At: r.time("cancelled_at", p.CancelledAt), Reason: p.CancelReason}
	}
	if err := errs.Err(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// parseShopifyRefundEvent reads a refunds/create payload: a refund object.
func parseShopifyRefundEvent(topic string, body []byte) (Event, error) {
	var p shopifyRefund
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if p.OrderID == "" {
		return Event{}, fmt.Errorf("%w: the refund has no order_id", ErrMalformed)
	}
	if p.ID == "" {
		return Event{}, fmt.Errorf("%w: the refund has no id", ErrMalformed)
	}

	var errs validate.Errors
	r := shopifyReader{errs: &errs}
	// A refund has no currency field of its own: take the shop currency from
	// its money sets. Without one, amounts cannot be read, but a refund with
	// no lines needs none.
	if code, field := p.shopCurrency(); code != "" {
		cur, err := money.LookupCurrency(code)
		if err != nil {
			errs.Add(field, "%v", err)
			return Event{}, errs
		}
		r.cur = cur
	} else if len(p.RefundLineItems) > 0 {
		errs.Add("refund_line_items[0].subtotal_set.shop_money.currency_code", "is missing: the refund's currency is unknown")
		return Event{}, errs
	}
	rf := r.refund("", p, nil)
	if err := errs.Err(); err != nil {
		return Event{}, err
	}
	return Event{Source: Shopify, Topic: topic, OrderRef: string(p.OrderID), Raw: body, Refunds: []RefundInput{rf}}, nil
}

// shopifyReader converts Shopify fields, collecting field errors.
type shopifyReader struct {
	cur  money.Currency
	errs *validate.Errors
}

// time reads an ISO 8601 timestamp.
func (r shopifyReader) time(field, s string) time.Time {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		r.errs.Add(field, "is not an ISO 8601 time: %q", s)
		return time.Time{}
	}
	return t.UTC()
}

// amount reads a non-negative amount from set's shop money, else from plain;
// one that is absent from both is 0. field is the path of the plain field
// ("line_items[0].price"); the set's is field+"_set" (field itself when it
// already ends in "_set": a set with no plain field).
func (r shopifyReader) amount(field string, set *shopifyMoneySet, plain shopifyDecimal) int64 {
	v, _ := r.optAmount(field, set, plain)
	return v
}

// optAmount is amount that also reports whether the amount was there.
func (r shopifyReader) optAmount(field string, set *shopifyMoneySet, plain shopifyDecimal) (int64, bool) {
	d := plain
	if set.has() {
		if !strings.HasSuffix(field, "_set") {
			field += "_set"
		}
		field += ".shop_money"
		if c := set.ShopMoney.CurrencyCode; c != "" && !strings.EqualFold(c, r.cur.Code) {
			r.errs.Add(field+".currency_code", "is %s, not the shop currency %s", c, r.cur.Code)
			return 0, true
		}
		d = set.ShopMoney.Amount
		field += ".amount"
	}
	if !d.present() {
		return 0, false
	}
	v, err := money.ParseMinor(d.text, r.cur.Exponent)
	if err != nil {
		r.errs.Add(field, "is not an amount in %s: %v", r.cur.Code, err)
		return 0, true
	}
	if v < 0 {
		r.errs.Add(field, "is negative")
		return 0, true
	}
	return v, true
}

// quantity reads a whole quantity of at least one.
func (r shopifyReader) quantity(field string, n json.Number) int64 {
	q, err := strconv.ParseInt(string(n), 10, 64)
	switch {
	case n == "":
		r.errs.Add(field, "is missing")
	case err != nil:
		r.errs.Add(field, "is not a whole number: %q", string(n))
	case q < 1:
		r.errs.Add(field, "must be at least 1, not %d", q)
	case q > MaxQuantity:
		r.errs.Add(field, "must be at most %d", MaxQuantity)
	default:
		return q
	}
	return 0
}

// line reads line_items[i].
func (r shopifyReader) line(i int, li shopifyLineItem) LineInput {
	path := fmt.Sprintf("line_items[%d].", i)
	if li.ID == "" {
		r.errs.Add(path+"id", "is missing")
	}
	l := LineInput{
		ExternalID: string(li.ID),
		SKU:        strings.TrimSpace(li.SKU),
		ProductID:  string(li.ProductID),
		Title:      strings.TrimSpace(li.Title),
		Quantity:   r.quantity(path+"quantity", li.Quantity),
	}
	if vt := strings.TrimSpace(li.VariantTitle); vt != "" {
		l.Title += " - " + vt
	}
	price, ok := r.optAmount(path+"price", li.PriceSet, li.Price)
	if !ok {
		r.errs.Add(path+"price", "is missing")
	} else if price > MaxUnitPrice {
		r.errs.Add(path+"price", "is larger than %s", money.FormatMinor(MaxUnitPrice, r.cur.Exponent))
		price = 0
	}
	l.UnitPrice = price
	for j, a := range li.DiscountAllocations {
		l.Discount += r.amount(fmt.Sprintf("%sdiscount_allocations[%d].amount", path, j), a.AmountSet, a.Amount)
	}
	if l.Discount > l.Quantity*l.UnitPrice && l.Quantity > 0 && l.UnitPrice > 0 {
		r.errs.Add(path+"discount_allocations", "add up to more than the line's price")
	}
	return l
}

// refund reads a refund object; path prefixes its fields ("refunds[0]." when
// embedded in an order). Refund lines of the lines in tips (or whose
// embedded line item is a tip) are left out.
func (r shopifyReader) refund(path string, p shopifyRefund, tips map[shopifyID]bool) RefundInput {
	if p.ID == "" {
		r.errs.Add(path+"id", "is missing")
	}
	rf := RefundInput{ExternalID: string(p.ID), Reason: strings.TrimSpace(p.Note)}
	switch {
	case p.CreatedAt != "":
		rf.At = r.time(path+"created_at", p.CreatedAt)
	case p.ProcessedAt != "":
		rf.At = r.time(path+"processed_at", p.ProcessedAt)
	default:
		r.errs.Add(path+"created_at", "is missing")
	}
	for i, rl := range p.RefundLineItems {
		lp := fmt.Sprintf("%srefund_line_items[%d].", path, i)
		if tips[rl.LineItemID] || (rl.LineItem != nil && rl.LineItem.isTip()) {
			continue
		}
		if rl.LineItemID == "" {
			r.errs.Add(lp+"line_item_id", "is missing")
		}
		l := RefundLine{
			LineExternalID: string(rl.LineItemID),
			Quantity:       r.quantity(lp+"quantity", rl.Quantity),
			Amount:         r.amount(lp+"subtotal", rl.SubtotalSet, rl.Subtotal),
		}
		if rl.LineItem != nil {
			l.SKU = strings.TrimSpace(rl.LineItem.SKU)
		}
		rf.Lines = append(rf.Lines, l)
		rf.Amount += l.Amount
	}
	return rf
}

// shopifyOrder is the part of Shopify's order payload the adapter reads.
type shopifyOrder struct {
	ID            shopifyID        `json:"id"`
	Email         string           `json:"email"`
	ContactEmail  string           `json:"contact_email"`
	Customer      *shopifyCustomer `json:"customer"`
	CreatedAt     string           `json:"created_at"`
	ProcessedAt   string           `json:"processed_at"`
	UpdatedAt     string           `json:"updated_at"`
	CancelledAt   string           `json:"cancelled_at"`
	CancelReason  string           `json:"cancel_reason"`
	Currency      string           `json:"currency"`
	TotalPriceSet *shopifyMoneySet `json:"total_price_set"`
	DiscountCodes []struct {
		Code string `json:"code"`
	} `json:"discount_codes"`
	LandingSite    string `json:"landing_site"`
	ReferringSite  string `json:"referring_site"`
	NoteAttributes []struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"note_attributes"`
	TotalShippingPriceSet *shopifyMoneySet `json:"total_shipping_price_set"`
	ShippingLines         []struct {
		Price    shopifyDecimal   `json:"price"`
		PriceSet *shopifyMoneySet `json:"price_set"`
	} `json:"shipping_lines"`
	TotalTax         shopifyDecimal    `json:"total_tax"`
	TotalTaxSet      *shopifyMoneySet  `json:"total_tax_set"`
	TotalTipReceived shopifyDecimal    `json:"total_tip_received"`
	LineItems        []shopifyLineItem `json:"line_items"`
	Refunds          []shopifyRefund   `json:"refunds"`
}

type shopifyCustomer struct {
	Email string `json:"email"`
}

// shopifyLineItem is an order line item (also embedded in refund lines).
type shopifyLineItem struct {
	ID                  shopifyID        `json:"id"`
	ProductID           shopifyID        `json:"product_id"`
	VariantID           shopifyID        `json:"variant_id"`
	SKU                 string           `json:"sku"`
	Title               string           `json:"title"`
	VariantTitle        string           `json:"variant_title"`
	Quantity            json.Number      `json:"quantity"`
	Price               shopifyDecimal   `json:"price"`
	PriceSet            *shopifyMoneySet `json:"price_set"`
	RequiresShipping    bool             `json:"requires_shipping"`
	GiftCard            bool             `json:"gift_card"`
	DiscountAllocations []struct {
		Amount    shopifyDecimal   `json:"amount"`
		AmountSet *shopifyMoneySet `json:"amount_set"`
	} `json:"discount_allocations"`
	// Shopify puts these two keys on tip line items only (their values may
	// be null), so their presence marks a tip.
	TipPaymentGateway shopifyPresence `json:"tip_payment_gateway"`
	TipPaymentMethod  shopifyPresence `json:"tip_payment_method"`
}

// isTip reports whether the line item carries the tip-only keys.
func (li shopifyLineItem) isTip() bool {
	return bool(li.TipPaymentGateway) || bool(li.TipPaymentMethod)
}

// shopifyRefund is a refund object: the refunds/create payload, and each
// entry of an order's refunds.
type shopifyRefund struct {
	ID              shopifyID `json:"id"`
	OrderID         shopifyID `json:"order_id"`
	CreatedAt       string    `json:"created_at"`
	ProcessedAt     string    `json:"processed_at"`
	Note            string    `json:"note"`
	RefundLineItems []struct {
		LineItemID  shopifyID        `json:"line_item_id"`
		Quantity    json.Number      `json:"quantity"`
		Subtotal    shopifyDecimal   `json:"subtotal"`
		SubtotalSet *shopifyMoneySet `json:"subtotal_set"`
		LineItem    *shopifyLineItem `json:"line_item"`
	} `json:"refund_line_items"`
	RefundShippingLines []struct {
		SubtotalAmountSet *shopifyMoneySet `json:"subtotal_amount_set"`
	} `json:"refund_shipping_lines"`
	TotalDutiesSet *shopifyMoneySet `json:"total_duties_set"`
}

// shopCurrency finds the shop currency in a refund's money sets, with the
// field it was read from.
func (p shopifyRefund) shopCurrency() (code, field string) {
	for i, rl := range p.RefundLineItems {
		if rl.SubtotalSet.has() && rl.SubtotalSet.ShopMoney.CurrencyCode != "" {
			return rl.SubtotalSet.ShopMoney.CurrencyCode, fmt.Sprintf("refund_line_items[%d].subtotal_set.shop_money.currency_code", i)
		}
		if rl.LineItem != nil && rl.LineItem.PriceSet.has() && rl.LineItem.PriceSet.ShopMoney.CurrencyCode != "" {
			return rl.LineItem.PriceSet.ShopMoney.CurrencyCode, fmt.Sprintf("refund_line_items[%d].line_item.price_set.shop_money.currency_code", i)
		}
	}
	for i, s := range p.RefundShippingLines {
		if s.SubtotalAmountSet.has() && s.SubtotalAmountSet.ShopMoney.CurrencyCode != "" {
			return s.SubtotalAmountSet.ShopMoney.CurrencyCode, fmt.Sprintf("refund_shipping_lines[%d].subtotal_amount_set.shop_money.currency_code", i)
		}
	}
	if p.TotalDutiesSet.has() && p.TotalDutiesSet.ShopMoney.CurrencyCode != "" {
		return p.TotalDutiesSet.ShopMoney.CurrencyCode, "total_duties_set.shop_money.currency_code"
	}
	return "", ""
}

// customerEmail is customer.email, or "".
func (p shopifyOrder) customerEmail() string {
	if p.Customer == nil {
		return ""
	}
	return p.Customer.Email
}

// codes lists the discount codes used. Automatic discounts are in
// discount_applications only, never in discount_codes.
func (p shopifyOrder) codes() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range p.DiscountCodes {
		c := strings.TrimSpace(d.Code)
		if c == "" || seen[strings.ToUpper(c)] {
			continue
		}
		seen[strings.ToUpper(c)] = true
		out = append(out, c)
	}
	return out
}

// clickID reads the click id from the landing page's query, else from the
// cart attribute (note_attributes) named param.
func (p shopifyOrder) clickID(param string) string {
	if p.LandingSite != "" {
		if u, err := url.Parse(strings.TrimSpace(p.LandingSite)); err == nil {
			if v := shopifyClickValue(u.Query().Get(param)); v != "" {
				return v
			}
		}
	}
	for _, a := range p.NoteAttributes {
		if strings.TrimSpace(a.Name) != param {
			continue
		}
		var s string
		if json.Unmarshal(a.Value, &s) != nil {
			s = string(a.Value) // a number or other JSON literal
		}
		if v := shopifyClickValue(s); v != "" {
			return v
		}
	}
	return ""
}

// shopifyMaxClickID is the longest click id an order may carry; a longer
// parameter is not a Clout click id and is ignored rather than refused.
const shopifyMaxClickID = 100

// shopifyClickValue trims a click id and drops one too long to be ours.
func shopifyClickValue(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > shopifyMaxClickID || s == "null" {
		return ""
	}
	return s
}

// tipLines marks the line items that are tips: those with the tip-only keys;
// and, if total_tip_received is more than those add up to, a line with no
// product or variant that needs no shipping and whose price is exactly the
// rest of the tip (in case a payload lacks the keys).
func (p shopifyOrder) tipLines(r shopifyReader) map[int]bool {
	tips := map[int]bool{}
	var marked int64
	for i, li := range p.LineItems {
		if li.isTip() {
			tips[i] = true
			marked += shopifyQuietAmount(r.cur, li.PriceSet, li.Price) * shopifyQuietInt(li.Quantity)
		}
	}
	rest := shopifyQuietAmount(r.cur, nil, p.TotalTipReceived) - marked
	for i, li := range p.LineItems {
		if rest <= 0 {
			break
		}
		if tips[i] || li.ProductID != "" || li.VariantID != "" || li.RequiresShipping || li.GiftCard {
			continue
		}
		if total := shopifyQuietAmount(r.cur, li.PriceSet, li.Price) * shopifyQuietInt(li.Quantity); total == rest {
			tips[i] = true
			rest = 0
		}
	}
	return tips
}

// shopifyQuietAmount reads an amount like shopifyReader.amount but reports
// nothing: 0 for anything unreadable.
func shopifyQuietAmount(cur money.Currency, set *shopifyMoneySet, plain shopifyDecimal) int64 {
	var errs validate.Errors
	return shopifyReader{cur: cur, errs: &errs}.amount("", set, plain)
}

// shopifyQuietInt reads an integer, 0 for anything unreadable.
func shopifyQuietInt(n json.Number) int64 {
	v, _ := strconv.ParseInt(string(n), 10, 64)
	return v
}

// shopifyMoneySet is Shopify's MoneyBag: an amount in the shop's currency
// and in the buyer's presentment currency.
type shopifyMoneySet struct {
	ShopMoney *struct {
		Amount       shopifyDecimal `json:"amount"`
		CurrencyCode string         `json:"currency_code"`
	} `json:"shop_money"`
}

// has reports whether the set has a shop money amount.
func (s *shopifyMoneySet) has() bool {
	return s != nil && s.ShopMoney != nil && s.ShopMoney.Amount.present()
}

// shopifyDecimal is an amount as Shopify writes it: a JSON string ("19.99")
// or, in some fields such as refund_line_items[].subtotal, a JSON number
// (195.67). The text is kept and parsed exactly, never through a float.
// Values of other JSON types are kept as their text so that parsing them
// reports a field error rather than failing the whole payload.
type shopifyDecimal struct {
	text string
	set  bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *shopifyDecimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*d = shopifyDecimal{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = shopifyDecimal{text: s, set: true}
	default:
		*d = shopifyDecimal{text: string(b), set: true}
	}
	return nil
}

// present reports whether the field holds a value ("" counts as none).
func (d shopifyDecimal) present() bool { return d.set && strings.TrimSpace(d.text) != "" }

// shopifyID is an id as a decimal string. Shopify's REST ids are JSON
// integers too large for some decoders; strings are accepted as well, and a
// GraphQL global id ("gid://shopify/Order/123") is read as its number, the
// REST id. Null, "", 0 and "0" are no id.
type shopifyID string

// UnmarshalJSON implements json.Unmarshaler.
func (id *shopifyID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*id = ""
		return nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if rest, ok := strings.CutPrefix(s, "gid://shopify/"); ok {
			s = rest[strings.LastIndexByte(rest, '/')+1:]
		}
	} else {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("an id is a number or a string, not %s", b)
		}
		v, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil {
			return fmt.Errorf("an id is a whole number, not %s", n)
		}
		s = strconv.FormatUint(v, 10)
	}
	if s == "0" {
		s = ""
	}
	if len(s) > MaxExternalID {
		return fmt.Errorf("an id is at most %d characters", MaxExternalID)
	}
	*id = shopifyID(s)
	return nil
}

// shopifyPresence records whether a key was in the object, whatever its
// value (null included).
type shopifyPresence bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *shopifyPresence) UnmarshalJSON([]byte) error {
	*p = true
	return nil
}

// shopifyFirst returns the first of vs that is not blank, trimmed.
func shopifyFirst(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
