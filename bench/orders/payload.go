package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The payloads follow the shape of Shopify's REST webhooks as in
// internal/order/testdata/shopify: every field Shopify sends that the adapter
// reads, and most of those it does not (addresses, customer, client details,
// tax lines, presentment money), so that the body size (~6 to 12 KB) and the
// JSON decoding work are those of a real delivery.

// cents is an amount in minor units, written as Shopify writes it: "19.99".
type cents int64

func (c cents) String() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func (c cents) MarshalJSON() ([]byte, error) { return []byte(`"` + c.String() + `"`), nil }

// centsNumber is an amount written as a JSON number (refund_line_items[].subtotal).
type centsNumber int64

func (c centsNumber) MarshalJSON() ([]byte, error) { return []byte(cents(c).String()), nil }

type shopMoney struct {
	Amount       cents  `json:"amount"`
	CurrencyCode string `json:"currency_code"`
}

type moneySet struct {
	ShopMoney        shopMoney `json:"shop_money"`
	PresentmentMoney shopMoney `json:"presentment_money"`
}

func set(c cents) *moneySet {
	m := shopMoney{Amount: c, CurrencyCode: "USD"}
	return &moneySet{ShopMoney: m, PresentmentMoney: m}
}

type taxLine struct {
	ChannelLiable bool      `json:"channel_liable"`
	Price         cents     `json:"price"`
	PriceSet      *moneySet `json:"price_set"`
	Rate          float64   `json:"rate"`
	Title         string    `json:"title"`
}

type allocation struct {
	Amount                   cents     `json:"amount"`
	AmountSet                *moneySet `json:"amount_set"`
	DiscountApplicationIndex int       `json:"discount_application_index"`
}

type lineItem struct {
	ID                         int64        `json:"id"`
	AdminGraphqlAPIID          string       `json:"admin_graphql_api_id"`
	AttributedStaffs           []any        `json:"attributed_staffs"`
	CurrentQuantity            int          `json:"current_quantity"`
	FulfillableQuantity        int          `json:"fulfillable_quantity"`
	FulfillmentService         string       `json:"fulfillment_service"`
	FulfillmentStatus          *string      `json:"fulfillment_status"`
	GiftCard                   bool         `json:"gift_card"`
	Grams                      int          `json:"grams"`
	Name                       string       `json:"name"`
	Price                      cents        `json:"price"`
	PriceSet                   *moneySet    `json:"price_set"`
	ProductExists              bool         `json:"product_exists"`
	ProductID                  int64        `json:"product_id"`
	Properties                 []any        `json:"properties"`
	Quantity                   int          `json:"quantity"`
	RequiresShipping           bool         `json:"requires_shipping"`
	SalesLineItemGroupID       *int64       `json:"sales_line_item_group_id"`
	SKU                        string       `json:"sku"`
	Taxable                    bool         `json:"taxable"`
	Title                      string       `json:"title"`
	TotalDiscount              cents        `json:"total_discount"`
	TotalDiscountSet           *moneySet    `json:"total_discount_set"`
	VariantID                  int64        `json:"variant_id"`
	VariantInventoryManagement string       `json:"variant_inventory_management"`
	VariantTitle               *string      `json:"variant_title"`
	Vendor                     string       `json:"vendor"`
	TaxLines                   []taxLine    `json:"tax_lines"`
	Duties                     []any        `json:"duties"`
	DiscountAllocations        []allocation `json:"discount_allocations"`
}

type address struct {
	FirstName    string  `json:"first_name"`
	Address1     string  `json:"address1"`
	Phone        string  `json:"phone"`
	City         string  `json:"city"`
	Zip          string  `json:"zip"`
	Province     string  `json:"province"`
	Country      string  `json:"country"`
	LastName     string  `json:"last_name"`
	Address2     *string `json:"address2"`
	Company      *string `json:"company"`
	Latitude     float64 `json:"latitude,omitempty"`
	Longitude    float64 `json:"longitude,omitempty"`
	Name         string  `json:"name"`
	CountryCode  string  `json:"country_code"`
	ProvinceCode string  `json:"province_code"`
	ID           int64   `json:"id,omitempty"`
	CustomerID   int64   `json:"customer_id,omitempty"`
	CountryName  string  `json:"country_name,omitempty"`
	Default      bool    `json:"default,omitempty"`
}

type customer struct {
	ID                    int64          `json:"id"`
	Email                 string         `json:"email"`
	CreatedAt             string         `json:"created_at"`
	UpdatedAt             string         `json:"updated_at"`
	FirstName             string         `json:"first_name"`
	LastName              string         `json:"last_name"`
	State                 string         `json:"state"`
	Note                  *string        `json:"note"`
	VerifiedEmail         bool           `json:"verified_email"`
	MultipassIdentifier   *string        `json:"multipass_identifier"`
	TaxExempt             bool           `json:"tax_exempt"`
	Phone                 *string        `json:"phone"`
	EmailMarketingConsent map[string]any `json:"email_marketing_consent"`
	SMSMarketingConsent   any            `json:"sms_marketing_consent"`
	Tags                  string         `json:"tags"`
	Currency              string         `json:"currency"`
	TaxExemptions         []any          `json:"tax_exemptions"`
	AdminGraphqlAPIID     string         `json:"admin_graphql_api_id"`
	DefaultAddress        address        `json:"default_address"`
}

type discountCode struct {
	Code   string `json:"code"`
	Amount cents  `json:"amount"`
	Type   string `json:"type"`
}

type discountApplication struct {
	TargetType       string `json:"target_type"`
	Type             string `json:"type"`
	Value            string `json:"value"`
	ValueType        string `json:"value_type"`
	AllocationMethod string `json:"allocation_method"`
	TargetSelection  string `json:"target_selection"`
	Code             string `json:"code"`
}

type shippingLine struct {
	ID                   int64     `json:"id"`
	CarrierIdentifier    *string   `json:"carrier_identifier"`
	Code                 string    `json:"code"`
	DiscountedPrice      cents     `json:"discounted_price"`
	DiscountedPriceSet   *moneySet `json:"discounted_price_set"`
	IsRemoved            bool      `json:"is_removed"`
	Phone                *string   `json:"phone"`
	Price                cents     `json:"price"`
	PriceSet             *moneySet `json:"price_set"`
	Source               string    `json:"source"`
	Title                string    `json:"title"`
	TaxLines             []any     `json:"tax_lines"`
	DiscountAllocations  []any     `json:"discount_allocations"`
	RequestedFulfillment *int64    `json:"requested_fulfillment_service_id"`
}

// shopifyOrder is an orders/create payload.
type shopifyOrder struct {
	ID                     int64                 `json:"id"`
	AdminGraphqlAPIID      string                `json:"admin_graphql_api_id"`
	AppID                  int64                 `json:"app_id"`
	BrowserIP              string                `json:"browser_ip"`
	BuyerAcceptsMarketing  bool                  `json:"buyer_accepts_marketing"`
	CancelReason           *string               `json:"cancel_reason"`
	CancelledAt            *string               `json:"cancelled_at"`
	CartToken              string                `json:"cart_token"`
	CheckoutID             int64                 `json:"checkout_id"`
	CheckoutToken          string                `json:"checkout_token"`
	ClientDetails          map[string]any        `json:"client_details"`
	ClosedAt               *string               `json:"closed_at"`
	ConfirmationNumber     string                `json:"confirmation_number"`
	Confirmed              bool                  `json:"confirmed"`
	ContactEmail           string                `json:"contact_email"`
	CreatedAt              string                `json:"created_at"`
	Currency               string                `json:"currency"`
	CurrentSubtotalPrice   cents                 `json:"current_subtotal_price"`
	CurrentSubtotalSet     *moneySet             `json:"current_subtotal_price_set"`
	CurrentTotalDiscounts  cents                 `json:"current_total_discounts"`
	CurrentTotalDiscSet    *moneySet             `json:"current_total_discounts_set"`
	CurrentTotalPrice      cents                 `json:"current_total_price"`
	CurrentTotalPriceSet   *moneySet             `json:"current_total_price_set"`
	CurrentTotalTax        cents                 `json:"current_total_tax"`
	CurrentTotalTaxSet     *moneySet             `json:"current_total_tax_set"`
	CustomerLocale         string                `json:"customer_locale"`
	DiscountCodes          []discountCode        `json:"discount_codes"`
	DutiesIncluded         bool                  `json:"duties_included"`
	Email                  string                `json:"email"`
	EstimatedTaxes         bool                  `json:"estimated_taxes"`
	FinancialStatus        string                `json:"financial_status"`
	FulfillmentStatus      *string               `json:"fulfillment_status"`
	LandingSite            string                `json:"landing_site"`
	LandingSiteRef         *string               `json:"landing_site_ref"`
	Name                   string                `json:"name"`
	Note                   *string               `json:"note"`
	NoteAttributes         []map[string]string   `json:"note_attributes"`
	Number                 int64                 `json:"number"`
	OrderNumber            int64                 `json:"order_number"`
	OrderStatusURL         string                `json:"order_status_url"`
	PaymentGatewayNames    []string              `json:"payment_gateway_names"`
	PresentmentCurrency    string                `json:"presentment_currency"`
	ProcessedAt            string                `json:"processed_at"`
	ReferringSite          string                `json:"referring_site"`
	SourceName             string                `json:"source_name"`
	SubtotalPrice          cents                 `json:"subtotal_price"`
	SubtotalPriceSet       *moneySet             `json:"subtotal_price_set"`
	Tags                   string                `json:"tags"`
	TaxExempt              bool                  `json:"tax_exempt"`
	TaxLines               []taxLine             `json:"tax_lines"`
	TaxesIncluded          bool                  `json:"taxes_included"`
	Test                   bool                  `json:"test"`
	Token                  string                `json:"token"`
	TotalDiscounts         cents                 `json:"total_discounts"`
	TotalDiscountsSet      *moneySet             `json:"total_discounts_set"`
	TotalLineItemsPrice    cents                 `json:"total_line_items_price"`
	TotalLineItemsPriceSet *moneySet             `json:"total_line_items_price_set"`
	TotalOutstanding       cents                 `json:"total_outstanding"`
	TotalPrice             cents                 `json:"total_price"`
	TotalPriceSet          *moneySet             `json:"total_price_set"`
	TotalShippingPriceSet  *moneySet             `json:"total_shipping_price_set"`
	TotalTax               cents                 `json:"total_tax"`
	TotalTaxSet            *moneySet             `json:"total_tax_set"`
	TotalTipReceived       cents                 `json:"total_tip_received"`
	TotalWeight            int                   `json:"total_weight"`
	UpdatedAt              string                `json:"updated_at"`
	UserID                 *int64                `json:"user_id"`
	BillingAddress         address               `json:"billing_address"`
	Customer               customer              `json:"customer"`
	DiscountApplications   []discountApplication `json:"discount_applications"`
	Fulfillments           []any                 `json:"fulfillments"`
	LineItems              []lineItem            `json:"line_items"`
	PaymentTerms           any                   `json:"payment_terms"`
	Refunds                []any                 `json:"refunds"`
	ShippingAddress        address               `json:"shipping_address"`
	ShippingLines          []shippingLine        `json:"shipping_lines"`
	Returns                []any                 `json:"returns"`
}

type refundLineItem struct {
	ID          int64       `json:"id"`
	Quantity    int         `json:"quantity"`
	LineItemID  int64       `json:"line_item_id"`
	LocationID  int64       `json:"location_id"`
	RestockType string      `json:"restock_type"`
	Subtotal    centsNumber `json:"subtotal"`
	TotalTax    centsNumber `json:"total_tax"`
	SubtotalSet *moneySet   `json:"subtotal_set"`
	TotalTaxSet *moneySet   `json:"total_tax_set"`
	LineItem    lineItem    `json:"line_item"`
}

// shopifyRefund is a refunds/create payload.
type shopifyRefund struct {
	ID                  int64            `json:"id"`
	OrderID             int64            `json:"order_id"`
	CreatedAt           string           `json:"created_at"`
	Note                string           `json:"note"`
	UserID              int64            `json:"user_id"`
	ProcessedAt         string           `json:"processed_at"`
	Duties              []any            `json:"duties"`
	TotalDutiesSet      *moneySet        `json:"total_duties_set"`
	Return              any              `json:"return"`
	Restock             bool             `json:"restock"`
	RefundShippingLines []any            `json:"refund_shipping_lines"`
	AdminGraphqlAPIID   string           `json:"admin_graphql_api_id"`
	OrderAdjustments    []any            `json:"order_adjustments"`
	RefundLineItems     []refundLineItem `json:"refund_line_items"`
	Transactions        []map[string]any `json:"transactions"`
}

type product struct {
	title, variant, sku string
	price               cents
	grams               int
	vendor              string
}

var catalog = []product{
	{"Merino Crew Sweater", "M / Heather Grey", "MCS-HG-M", 8900, 410, "Northfold"},
	{"Ribbed Wool Beanie", "", "RWB-CHAR", 2450, 90, "Northfold"},
	{"Cold Brew Concentrate", "32 oz", "CBC-32", 1800, 1020, "Low Tide Roasters"},
	{"Ceramic Pour-Over Dripper", "White", "CPD-WHT", 3200, 450, "Low Tide Roasters"},
	{"Canvas Tote", "Natural", "CT-NAT", 3500, 240, "Ridgeline Supply"},
	{"Vitamin C Serum", "30 ml", "VCS-30", 3800, 120, "Glow Lab"},
	{"Hydrating Cleanser", "150 ml", "HC-150", 2200, 200, "Glow Lab"},
	{"Trail Running Socks", "L / Black", "TRS-BLK-L", 1600, 80, "Ridgeline Supply"},
	{"Linen Shirt", "S / Sand", "LS-SND-S", 6400, 260, "Northfold"},
	{"Stainless Bottle", "750 ml / Moss", "SB-750-MOSS", 2900, 390, "Ridgeline Supply"},
	{"Whole Bean Espresso", "1 kg", "WBE-1KG", 3450, 1000, "Low Tide Roasters"},
	{"Mineral Sunscreen SPF 50", "", "MSS-50", 2600, 100, "Glow Lab"},
}

var people = []struct{ first, last, city, province, code, zip, street string }{
	{"Ana", "Lopez", "Brooklyn", "New York", "NY", "11217", "418 Bergen St"},
	{"Jordan", "Kim", "Seattle", "Washington", "WA", "98122", "2209 E Union St"},
	{"Priya", "Shah", "Austin", "Texas", "TX", "78704", "1501 S Congress Ave"},
	{"Marcus", "Reed", "Chicago", "Illinois", "IL", "60614", "2100 N Clark St"},
	{"Sofia", "Rossi", "Denver", "Colorado", "CO", "80205", "3300 Walnut St"},
	{"Liam", "Nguyen", "Portland", "Oregon", "OR", "97214", "1122 SE Hawthorne Blvd"},
	{"Emma", "Schmidt", "Boston", "Massachusetts", "MA", "02118", "560 Tremont St"},
	{"Noah", "Garcia", "Miami", "Florida", "FL", "33137", "4000 NE 2nd Ave"},
}

var referringSites = []string{"https://www.tiktok.com/", "https://l.instagram.com/", "https://www.youtube.com/", "https://www.google.com/", ""}

// sentLine is what a refund needs of an order line.
type sentLine struct {
	item     lineItem
	unitNet  cents // one unit's price less its share of the discount
	quantity int
}

// orderSpec is what an order is made of; building it also gives what the
// app should store and attribute.
type orderSpec struct {
	id        int64
	code      string // "" for none
	codeBps   int64  // its discount in basis points
	landing   string // landing_site, with the click id when there is one
	placedAt  time.Time
	rand      *rand.Rand
	lineIDGen func() int64
}

// buildOrder writes an orders/create payload; it returns the body, the
// order's lines and its net (lines less their discounts).
func buildOrder(s orderSpec) ([]byte, []sentLine, int64) {
	r := s.rand
	p := people[r.IntN(len(people))]
	email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(p.first), strings.ToLower(p.last), s.id%1_000_000)
	local := s.placedAt.In(time.FixedZone("EST", -5*3600))
	ts := func(d time.Duration) string { return local.Add(d).Format(time.RFC3339) }
	token := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
	addr := address{FirstName: p.first, Address1: p.street, Phone: "+1718555" + strconv.Itoa(1000+r.IntN(9000)), City: p.city,
		Zip: p.zip, Province: p.province, Country: "United States", LastName: p.last, Latitude: 40.6819, Longitude: -73.9787,
		Name: p.first + " " + p.last, CountryCode: "US", ProvinceCode: p.code}
	o := shopifyOrder{
		ID: s.id, AdminGraphqlAPIID: fmt.Sprintf("gid://shopify/Order/%d", s.id), AppID: 580111, BrowserIP: "203.0.113.24",
		BuyerAcceptsMarketing: r.IntN(2) == 0, CartToken: token[:24], CheckoutID: 39012844572978 + s.id%1_000_000, CheckoutToken: token,
		ClientDetails: map[string]any{"accept_language": "en-US,en;q=0.9", "browser_height": nil, "browser_ip": "203.0.113.24",
			"browser_width": nil, "session_hash": nil, "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1"},
		ConfirmationNumber: strings.ToUpper(token[:9]), Confirmed: true, ContactEmail: email, CreatedAt: ts(0), Currency: "USD",
		CustomerLocale: "en", DiscountCodes: []discountCode{}, Email: email, FinancialStatus: "paid", LandingSite: s.landing,
		Name: fmt.Sprintf("#%d", 1000+s.id%1_000_000), NoteAttributes: []map[string]string{{"name": "gift_wrap", "value": "no"}},
		Number: s.id % 1_000_000, OrderNumber: 1000 + s.id%1_000_000,
		OrderStatusURL:      fmt.Sprintf("https://checkout.example-shop.com/6358021947/orders/%s/authenticate?key=%s", token, token),
		PaymentGatewayNames: []string{"shopify_payments"}, PresentmentCurrency: "USD", ProcessedAt: ts(-time.Second),
		ReferringSite: referringSites[r.IntN(len(referringSites))], SourceName: "web", Token: token, UpdatedAt: ts(2 * time.Second),
		BillingAddress: addr, ShippingAddress: addr, DiscountApplications: []discountApplication{}, Fulfillments: []any{},
		Refunds: []any{}, Returns: []any{},
		Customer: customer{ID: 7891245600818 + s.id%1_000_000, Email: email, CreatedAt: ts(-time.Minute), UpdatedAt: ts(0),
			FirstName: p.first, LastName: p.last, State: "disabled", VerifiedEmail: true, TaxExemptions: []any{}, Currency: "USD",
			EmailMarketingConsent: map[string]any{"state": "subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": ts(-time.Minute)},
			AdminGraphqlAPIID:     fmt.Sprintf("gid://shopify/Customer/%d", 7891245600818+s.id%1_000_000),
			DefaultAddress:        addr},
	}
	o.Customer.DefaultAddress.ID, o.Customer.DefaultAddress.CustomerID = o.Customer.ID+917, o.Customer.ID
	o.Customer.DefaultAddress.CountryName, o.Customer.DefaultAddress.Default = "United States", true

	const taxRate = 0.08875
	var subtotal, discount, tax cents
	var grams int
	var lines []sentLine
	n := 1 + r.IntN(4)
	for j := range n {
		pr := catalog[r.IntN(len(catalog))]
		qty := 1 + r.IntN(3)*r.IntN(2) // mostly 1, sometimes 2 or 3
		gross := pr.price * cents(qty)
		li := lineItem{ID: s.lineIDGen(), AttributedStaffs: []any{}, CurrentQuantity: qty, FulfillableQuantity: qty,
			FulfillmentService: "manual", Grams: pr.grams, Name: pr.title, Price: pr.price, PriceSet: set(pr.price),
			ProductExists: true, ProductID: 8817736401202 + int64(j) + int64(len(pr.sku)), Properties: []any{}, Quantity: qty,
			RequiresShipping: true, SKU: pr.sku, Taxable: true, Title: pr.title, TotalDiscountSet: set(0),
			VariantID: 47130982432050 + int64(len(pr.title)), VariantInventoryManagement: "shopify", Vendor: pr.vendor,
			Duties: []any{}, DiscountAllocations: []allocation{}}
		li.AdminGraphqlAPIID = fmt.Sprintf("gid://shopify/LineItem/%d", li.ID)
		if pr.variant != "" {
			v := pr.variant
			li.VariantTitle, li.Name = &v, pr.title+" - "+v
		}
		var d cents
		if s.code != "" {
			d = cents((int64(gross)*s.codeBps + 5000) / 10000)
			li.DiscountAllocations = append(li.DiscountAllocations, allocation{Amount: d, AmountSet: set(d)})
		}
		lt := cents(float64(gross-d)*taxRate + 0.5)
		li.TaxLines = []taxLine{{Price: lt, PriceSet: set(lt), Rate: taxRate, Title: "NY State Tax"}}
		o.LineItems = append(o.LineItems, li)
		lines = append(lines, sentLine{item: li, unitNet: (gross - d) / cents(qty), quantity: qty})
		subtotal, discount, tax, grams = subtotal+gross, discount+d, tax+lt, grams+pr.grams*qty
	}
	if s.code != "" {
		pct := strconv.FormatFloat(float64(s.codeBps)/100, 'f', 1, 64)
		o.DiscountCodes = []discountCode{{Code: s.code, Amount: discount, Type: "percentage"}}
		o.DiscountApplications = []discountApplication{{TargetType: "line_item", Type: "discount_code", Value: pct,
			ValueType: "percentage", AllocationMethod: "across", TargetSelection: "all", Code: s.code}}
	}
	ship := cents(795)
	if subtotal-discount >= 10000 {
		ship = 0
	}
	o.ShippingLines = []shippingLine{{ID: 5129773826354 + s.id%1_000_000, Code: "Standard", DiscountedPrice: ship,
		DiscountedPriceSet: set(ship), Price: ship, PriceSet: set(ship), Source: "shopify", Title: "Standard Shipping",
		TaxLines: []any{}, DiscountAllocations: []any{}}}
	net := subtotal - discount
	total := net + ship + tax
	o.CurrentSubtotalPrice, o.CurrentSubtotalSet, o.SubtotalPrice, o.SubtotalPriceSet = net, set(net), net, set(net)
	o.CurrentTotalDiscounts, o.CurrentTotalDiscSet, o.TotalDiscounts, o.TotalDiscountsSet = discount, set(discount), discount, set(discount)
	o.CurrentTotalPrice, o.CurrentTotalPriceSet, o.TotalPrice, o.TotalPriceSet = total, set(total), total, set(total)
	o.CurrentTotalTax, o.CurrentTotalTaxSet, o.TotalTax, o.TotalTaxSet = tax, set(tax), tax, set(tax)
	o.TotalLineItemsPrice, o.TotalLineItemsPriceSet = subtotal, set(subtotal)
	o.TotalShippingPriceSet, o.TotalWeight = set(ship), grams
	o.TaxLines = []taxLine{{Price: tax, PriceSet: set(tax), Rate: taxRate, Title: "NY State Tax"}}
	body, err := json.Marshal(o)
	if err != nil {
		panic(err) // only plain types: cannot fail
	}
	return body, lines, int64(net)
}

// buildRefund writes a refunds/create payload that takes back one unit of
// one line of an order; it returns the body and the merchandise refunded.
func buildRefund(refundID, orderID int64, l sentLine, at time.Time) ([]byte, int64) {
	ts := at.In(time.FixedZone("EST", -5*3600)).Format(time.RFC3339)
	tax := cents(float64(l.unitNet)*0.08875 + 0.5)
	p := shopifyRefund{ID: refundID, OrderID: orderID, CreatedAt: ts, Note: "Customer returned one item", UserID: 118027452722,
		ProcessedAt: ts, Duties: []any{}, TotalDutiesSet: set(0), Restock: true, RefundShippingLines: []any{},
		AdminGraphqlAPIID: fmt.Sprintf("gid://shopify/Refund/%d", refundID), OrderAdjustments: []any{},
		RefundLineItems: []refundLineItem{{ID: refundID + 7, Quantity: 1, LineItemID: l.item.ID, LocationID: 79123456050,
			RestockType: "return", Subtotal: centsNumber(l.unitNet), TotalTax: centsNumber(tax), SubtotalSet: set(l.unitNet),
			TotalTaxSet: set(tax), LineItem: l.item}},
		Transactions: []map[string]any{{"id": refundID + 11, "amount": (l.unitNet + tax).String(), "currency": "USD",
			"gateway": "shopify_payments", "kind": "refund", "order_id": orderID, "status": "success", "test": false}},
	}
	body, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return body, int64(l.unitNet)
}
