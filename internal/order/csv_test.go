package order_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
)

// simpleMapping maps every field to a header named like it.
func simpleMapping() order.Mapping {
	m := order.Mapping{}
	for _, f := range order.CSVFields {
		m[f.Field] = string(f.Field)
	}
	return m
}

const simpleHeader = "order_id,placed_at,currency,sku,product_id,title,quantity,unit_price,discount,discount_code,click_id,customer_email,shipping,tax\n"

func parse(t *testing.T, content string, m order.Mapping) *order.Preview {
	t.Helper()
	p, err := order.ParseCSV([]byte(content), m, time.UTC, "USD")
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	return p
}

func fieldErrors(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve validate.Errors
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not validate.Errors", err)
	}
	return ve.Map()
}

func TestParseCSVBOMSemicolonsQuotesAndBlankLines(t *testing.T) {
	content := "\uFEFF" + strings.ReplaceAll(simpleHeader, ",", ";") +
		"1001;2026-03-01 10:00:00;EUR;SERUM;;\"Serum; 30 ml, \"\"new\"\"\";2;19,99;;SPRING;;a@b.test;4.50;1.20\n" +
		"\n" +
		";;;;;;;;;;;;;\n" +
		"1001;;;CREAM;;Cream;1;5.00;0.50;;;;;\n"
	p := parse(t, content, simpleMapping())
	if p.Delimiter != ";" || p.Rows != 2 || len(p.Headers) != 14 || p.Headers[0] != "order_id" {
		t.Fatalf("delimiter %q, rows %d, headers %q", p.Delimiter, p.Rows, p.Headers)
	}
	if len(p.Invalid) != 0 || len(p.Orders) != 1 {
		t.Fatalf("orders %d, invalid %+v", len(p.Orders), p.Invalid)
	}
	o := p.Orders[0]
	in := o.Input
	if in.ExternalID != "1001" || in.Currency != "EUR" || in.Shipping != 450 || in.Tax != 120 || len(in.Lines) != 2 ||
		fmt.Sprint(in.Codes) != "[SPRING]" || in.CustomerEmail != "a@b.test" {
		t.Fatalf("order = %+v", in)
	}
	if l := in.Lines[0]; l.Title != `Serum; 30 ml, "new"` || l.UnitPrice != 1999 || l.Quantity != 2 {
		t.Errorf("line 0 = %+v", l)
	}
	if l := in.Lines[1]; l.SKU != "CREAM" || l.UnitPrice != 500 || l.Discount != 50 {
		t.Errorf("line 1 = %+v", l)
	}
	if fmt.Sprint(o.Rows) != "[2 5]" {
		t.Errorf("rows %v, want the file's line numbers [2 5]", o.Rows)
	}
	if !in.PlacedAt.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("placed at %v", in.PlacedAt)
	}
}

func TestParseCSVAmountsAreExact(t *testing.T) {
	cases := []struct {
		currency, price string
		want            int64
		wantErr         bool
	}{
		{"USD", "19.99", 1999, false},
		{"USD", "0.1", 10, false},
		{"USD", "1000000.01", 100000001, false},
		{"USD", "19.999", 0, true},
		{"USD", "$19.99", 0, true},
		{"USD", "1,999.00", 0, true},
		{"USD", "1e3", 0, true},
		{"JPY", "1500", 1500, false},
		{"JPY", "1.5", 0, true},
		{"JPY", "1,500", 0, true},
		{"KWD", "1.234", 1234, false},
	}
	for _, c := range cases {
		content := simpleHeader + "A1,2026-03-01," + c.currency + ",SKU,,,1,\"" + c.price + "\",,,,,,\n"
		p := parse(t, content, simpleMapping())
		if c.wantErr {
			if len(p.Errors) != 1 || p.Errors[0].Field != order.FieldUnitPrice || p.Errors[0].Row != 2 || len(p.Orders) != 0 {
				t.Errorf("%s %q: errors %+v, orders %d", c.currency, c.price, p.Errors, len(p.Orders))
			}
			continue
		}
		if len(p.Orders) != 1 || p.Orders[0].Input.Lines[0].UnitPrice != c.want {
			t.Errorf("%s %q: %+v %+v, want %d", c.currency, c.price, p.Orders, p.Errors, c.want)
		}
	}
	p := parse(t, simpleHeader+"A1,2026-03-01,JPY,SKU,,,1,1.5,,,,,,\n", simpleMapping())
	if msg := p.Errors[0].Message; !strings.Contains(msg, "JPY") || !strings.Contains(msg, "1.5") {
		t.Errorf("JPY message %q does not say what is wrong", msg)
	}
}

func TestParseCSVRowErrors(t *testing.T) {
	content := simpleHeader +
		"ok-1,2026-03-01,USD,SKU,,,1,10.00,,,,,,\n" +
		"bad-qty,2026-03-01,USD,SKU,,,-2,10.00,,,,,,\n" +
		"bad-qty,2026-03-01,USD,SKU2,,,1,10.00,,,,,,\n" +
		"conflict,2026-03-01 10:00,USD,SKU,,,1,10.00,,,,,,\n" +
		"conflict,2026-03-02 10:00,EUR,SKU,,,1,10.00,,,,,,\n" +
		",2026-03-01,USD,SKU,,,1,10.00,,,,,,\n" +
		"bad-date,03/01/2026,USD,SKU,,,1,10.00,,,,,,\n" +
		"too-much-discount,2026-03-01,USD,SKU,,,1,10.00,11.00,,,,,\n" +
		"no-sku,2026-03-01,USD,,,,1,10.00,,,,,,\n" +
		"ok-2,2026-03-01,,SKU,,,3,1.00,,,,,,\n"
	p := parse(t, content, simpleMapping())
	if len(p.Orders) != 2 || p.Orders[0].Input.ExternalID != "ok-1" || p.Orders[1].Input.ExternalID != "ok-2" {
		t.Fatalf("valid orders %+v", p.Orders)
	}
	if p.Orders[1].Input.Currency != "USD" {
		t.Errorf("default currency: %q", p.Orders[1].Input.Currency)
	}
	if p.OrderCount() != 8 || len(p.Invalid) != 6 {
		t.Fatalf("%d orders, %d invalid: %+v", p.OrderCount(), len(p.Invalid), p.Invalid)
	}
	want := []struct {
		row   int
		field order.Field
		text  string
	}{
		{3, order.FieldQuantity, "positive whole number"},
		{6, order.FieldPlacedAt, "row 5"},
		{6, order.FieldCurrency, "USD"},
		{7, order.FieldOrderID, "empty"},
		{8, order.FieldPlacedAt, "not a date"},
		{9, order.FieldDiscount, "larger"},
		{10, order.FieldSKU, "a SKU, a product id or a title"},
	}
	if len(p.Errors) != len(want) {
		t.Fatalf("errors %+v", p.Errors)
	}
	for i, w := range want {
		e := p.Errors[i]
		if e.Row != w.row || e.Field != w.field || !strings.Contains(e.Message, w.text) {
			t.Errorf("error %d = %s, want row %d, %s, %q", i, e, w.row, w.field, w.text)
		}
	}
	// The bad row's order is left out whole, its good row too.
	for _, o := range p.Invalid {
		if o.Input.ExternalID == "bad-qty" && fmt.Sprint(o.Rows) != "[3 4]" {
			t.Errorf("bad-qty rows %v", o.Rows)
		}
	}
	// The sample shows the first rows with their problems.
	if len(p.Sample) != 10 || p.Sample[1].Row != 3 || len(p.Sample[1].Errors) != 1 || p.Sample[1].Values[6] != "-2" {
		t.Errorf("sample %+v", p.Sample[:2])
	}
}

func TestParseCSVTimesInTheBrandZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database")
	}
	for in, want := range map[string]time.Time{
		"2026-03-01 10:00:00":       time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC),
		"2026-03-01":                time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00Z":      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00+01:00": time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		"2026-03-01 10:00:00 -0800": time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC),
		"2026-03-01 10:00:00 UTC":   time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	} {
		p, err := order.ParseCSV([]byte(simpleHeader+"A,"+in+",USD,SKU,,,1,1,,,,,,\n"), simpleMapping(), ny, "USD")
		if err != nil || len(p.Orders) != 1 {
			t.Fatalf("%s: %v %+v", in, err, p.Errors)
		}
		if got := p.Orders[0].Input.PlacedAt; !got.Equal(want) {
			t.Errorf("%s: %v, want %v", in, got.UTC(), want)
		}
	}
}

func TestParseCSVMappingAndFileErrors(t *testing.T) {
	m := simpleMapping()
	delete(m, order.FieldQuantity)
	m[order.FieldUnitPrice] = "Price"
	p, err := order.ParseCSV([]byte(simpleHeader+"A,2026-03-01,USD,SKU,,,1,1,,,,,,\n"), m, time.UTC, "USD")
	errs := fieldErrors(t, err)
	if !strings.Contains(errs["quantity"], "choose the column") || !strings.Contains(errs["unit_price"], `"Price"`) {
		t.Errorf("mapping errors %v", errs)
	}
	if p == nil || len(p.Sample) != 1 || p.Sample[0].Values[0] != "A" {
		t.Errorf("a mapping error still previews the rows: %+v", p)
	}

	big := []byte(simpleHeader + strings.Repeat("x", order.MaxCSVSize))
	for name, c := range map[string]struct {
		content []byte
		text    string
	}{
		"empty":     {nil, "empty"},
		"too large": {big, "limit is 10.0 MiB"},
		"no rows":   {[]byte(simpleHeader), "no rows of orders"},
		"bad quote": {[]byte(simpleHeader + "A,2026-03-01,USD,S\"K\"U,,,1,1\n"), "row 2"},
		"xlsx":      {[]byte("PK\x03\x04rest"), "xlsx"},
		"rows":      {[]byte("order_id\n" + strings.Repeat("x\n", order.MaxCSVRows+1)), "more than 100000 rows"},
	} {
		p, err := order.ParseCSV(c.content, simpleMapping(), time.UTC, "USD")
		if errs := fieldErrors(t, err); p != nil || !strings.Contains(errs["file"], c.text) {
			t.Errorf("%s: %v (preview %v)", name, err, p != nil)
		}
	}
	// Windows-1252 text (what Excel on Windows saves) is read, not refused.
	latin := []byte(simpleHeader + "A,2026-03-01,EUR,SKU,,Cr\xe8me,1,1,,,,,,\n")
	if p := parse(t, string(latin), simpleMapping()); len(p.Orders) != 1 || p.Orders[0].Input.Lines[0].Title != "Crème" {
		t.Errorf("windows-1252: %+v", p.Orders)
	}
}

// A header like the one of Shopify's order export.
const shopifyHeader = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total," +
	"Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price," +
	"Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Notes,Payment Method,Refunded Amount," +
	"Vendor,Id,Tags,Risk Level,Source,Lineitem discount"

func TestGuessMappingFromAShopifyExport(t *testing.T) {
	m := order.GuessMapping(strings.Split(shopifyHeader, ","))
	want := order.Mapping{
		order.FieldOrderID: "Name", order.FieldPlacedAt: "Created at", order.FieldCurrency: "Currency", order.FieldSKU: "Lineitem sku",
		order.FieldTitle: "Lineitem name", order.FieldQuantity: "Lineitem quantity", order.FieldUnitPrice: "Lineitem price",
		order.FieldDiscount: "Lineitem discount", order.FieldDiscountCode: "Discount Code", order.FieldCustomerEmail: "Email",
		order.FieldShipping: "Shipping", order.FieldTax: "Taxes",
	}
	for f, h := range want {
		if m[f] != h {
			t.Errorf("%s guessed as %q, want %q", f, m[f], h)
		}
	}
	if m[order.FieldProductID] != "" || m[order.FieldClickID] != "" {
		t.Errorf("guessed columns the export does not have: %v", m)
	}
	// Other spellings.
	m = order.GuessMapping([]string{"ORDER_ID", " Order Date ", "SKU", "Qty", "Unit Price", "Coupon"})
	if m[order.FieldOrderID] != "ORDER_ID" || m[order.FieldPlacedAt] != "Order Date" || m[order.FieldQuantity] != "Qty" ||
		m[order.FieldUnitPrice] != "Unit Price" || m[order.FieldDiscountCode] != "Coupon" {
		t.Errorf("guess %v", m)
	}
}

// shopifyRow is a row of a Shopify-like export with the given header: value
// pairs filled in.
func shopifyRow(cells ...string) string {
	headers := strings.Split(shopifyHeader, ",")
	out := make([]string, len(headers))
	for i := 0; i+1 < len(cells); i += 2 {
		for k, h := range headers {
			if h == cells[i] {
				out[k] = cells[i+1]
			}
		}
	}
	return strings.Join(out, ",") + "\r\n"
}

// shopifyExport is three orders as Shopify exports them: order-level columns
// on each order's first row only.
func shopifyExport() string {
	return shopifyHeader + "\r\n" +
		shopifyRow("Name", "#1001", "Email", "ann@shop.test", "Currency", "USD", "Shipping", "5.00", "Taxes", "2.10", "Discount Code", "MAYA15",
			"Created at", "2026-03-01 10:00:00 -0500", "Lineitem quantity", "2", "Lineitem name", "Serum", "Lineitem price", "19.99",
			"Lineitem sku", "SERUM", "Lineitem discount", "6.00") +
		shopifyRow("Name", "#1001", "Lineitem quantity", "1", "Lineitem name", "Cream", "Lineitem price", "30.00", "Lineitem sku", "CREAM") +
		shopifyRow("Name", "#1002", "Email", "bob@shop.test", "Currency", "USD", "Created at", "2026-03-02 09:30:00 -0500",
			"Lineitem quantity", "1", "Lineitem name", "Gift card", "Lineitem price", "50.00") +
		shopifyRow("Name", "#1003", "Currency", "USD", "Created at", "2026-03-02 11:00:00 -0500",
			"Lineitem quantity", "1", "Lineitem name", "Mask", "Lineitem price", "12.50", "Lineitem sku", "MASK")
}

func TestParseCSVGroupsLinesIntoOrders(t *testing.T) {
	p := parse(t, shopifyExport(), order.GuessMapping(strings.Split(shopifyHeader, ",")))
	if len(p.Invalid) != 0 || len(p.Orders) != 3 || p.LineCount() != 4 {
		t.Fatalf("orders %d, lines %d, errors %+v", len(p.Orders), p.LineCount(), p.Errors)
	}
	o := p.Orders[0].Input
	if o.ExternalID != "#1001" || len(o.Lines) != 2 || o.Shipping != 500 || o.Tax != 210 || fmt.Sprint(o.Codes) != "[MAYA15]" ||
		o.Lines[0].Discount != 600 || o.Lines[1].UnitPrice != 3000 ||
		!o.PlacedAt.Equal(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("order #1001 = %+v", o)
	}
	if l := p.Orders[1].Input.Lines[0]; l.SKU != "" || l.Title != "Gift card" || l.UnitPrice != 5000 {
		t.Errorf("a line with a title and no SKU: %+v", l)
	}
}

func TestCSVImportCountsAndReimport(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t)
		maya := e.creator(t, b.ID, "Maya Lee")
		e.code(t, b.ID, maya.ID, "MAYA15")
		// #1004 has a negative quantity: it is reported, the others are stored.
		file := shopifyExport() + shopifyRow("Name", "#1004", "Currency", "USD", "Created at", "2026-03-03 08:00:00 -0500",
			"Lineitem quantity", "-2", "Lineitem name", "Serum", "Lineitem price", "19.99", "Lineitem sku", "SERUM")
		run := func() *order.Import {
			t.Helper()
			im, err := e.orders.CreateImport(ctx, b.ID, "owner@brand.test", "../exports/orders_export.csv", []byte(file))
			if err != nil {
				t.Fatal(err)
			}
			if im.Status != order.ImportMapping || im.Filename != "orders_export.csv" || im.Mapping[order.FieldSKU] != "Lineitem sku" {
				t.Fatalf("created import %+v", im)
			}
			job, err := e.orders.Import(ctx, b.ID, im.ID, im.Mapping)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.orders.GetImport(ctx, b.ID, im.ID)
			if err != nil || got.Status != order.ImportImporting || got.TotalOrders != 4 || got.Content != "" {
				t.Fatalf("started import %+v, %v", got, err)
			}
			if _, err := e.orders.Import(ctx, b.ID, im.ID, im.Mapping); !errors.Is(err, order.ErrImportStarted) {
				t.Fatalf("second start: %v", err)
			}
			if err := job.Run(ctx); err != nil {
				t.Fatal(err)
			}
			got, err = e.orders.GetImport(ctx, b.ID, im.ID)
			if err != nil || got.Status != order.ImportDone || got.Processed != 4 || got.Failed != 1 {
				t.Fatalf("finished import %+v, %v", got, err)
			}
			return got
		}
		first := run()
		if first.Created != 3 || first.Existing != 0 {
			t.Fatalf("first import: created %d, existing %d", first.Created, first.Existing)
		}
		rep := first.Report
		if rep.Rows != 5 || rep.Orders != 4 || len(rep.Failures) != 1 || rep.Failures[0].OrderID != "#1004" ||
			rep.Failures[0].Errors[0].Field != order.FieldQuantity || rep.Failures[0].Errors[0].Row != 6 {
			t.Fatalf("report %+v", rep)
		}
		o, err := e.orders.ByExternalID(ctx, b.ID, order.CSV, "#1001")
		if err != nil || len(o.Lines) != 2 || o.Subtotal != 6998 || o.Discount != 600 || o.Shipping != 500 ||
			o.CreatorID == nil || *o.CreatorID != maya.ID || o.AttributionMethod != order.ByCode {
			t.Fatalf("order #1001 = %+v, %v", o, err)
		}
		ds, err := e.orders.Deliveries(ctx, o)
		if err != nil || len(ds) != 1 || !strings.Contains(ds[0].Payload, "Lineitem sku") || !strings.Contains(ds[0].Payload, "CREAM") {
			t.Errorf("the order keeps its rows as its payload: %+v, %v", ds, err)
		}

		// The same file again: nothing new.
		second := run()
		if second.Created != 0 || second.Existing != 3 {
			t.Fatalf("re-import: created %d, existing %d", second.Created, second.Existing)
		}
		if n := count(t, db, "orders", b.ID); n != 3 {
			t.Errorf("%d orders after the re-import, want 3", n)
		}
		if n := count(t, db, "order_lines", b.ID); n != 4 {
			t.Errorf("%d lines after the re-import, want 4", n)
		}
		ims, err := e.orders.Imports(ctx, b.ID, 10)
		if err != nil || len(ims) != 2 || ims[0].ID != second.ID {
			t.Errorf("imports list: %d, %v", len(ims), err)
		}

		// Brand-scoped: another brand sees none of it.
		other := e.brand(t)
		if _, err := e.orders.GetImport(ctx, other.ID, first.ID); !errors.Is(err, order.ErrNotFound) {
			t.Errorf("another brand reads the import: %v", err)
		}
		if _, err := e.orders.Import(ctx, other.ID, first.ID, first.Mapping); !errors.Is(err, order.ErrNotFound) {
			t.Errorf("another brand starts the import: %v", err)
		}
	})
}

func TestCSVImportRefusals(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		b := e.brand(t)
		if _, err := e.orders.CreateImport(ctx, b.ID, "x", "a.csv", []byte(simpleHeader)); !strings.Contains(fieldErrors(t, err)["file"], "no rows") {
			t.Errorf("empty file: %v", err)
		}
		im, err := e.orders.CreateImport(ctx, b.ID, "x", "a.csv", []byte(simpleHeader+"A,2026-03-01,USD,SKU,,,0,1,,,,,,\n"))
		if err != nil {
			t.Fatal(err)
		}
		// A mapping without a required field, then a file without a valid order.
		m := simpleMapping()
		delete(m, order.FieldOrderID)
		if _, err := e.orders.Import(ctx, b.ID, im.ID, m); fieldErrors(t, err)["order_id"] == "" {
			t.Errorf("missing order id mapping: %v", err)
		}
		if _, err := e.orders.Import(ctx, b.ID, im.ID, simpleMapping()); !strings.Contains(fieldErrors(t, err)["file"], "none of") {
			t.Errorf("no valid order: %v", err)
		}
		if got, _ := e.orders.GetImport(ctx, b.ID, im.ID); got.Status != order.ImportMapping {
			t.Errorf("a refused start changed the import: %+v", got)
		}
	})
}
