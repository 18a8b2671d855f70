package order

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/csvfile"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
)

// The CSV adapter reads order exports: one row per order line, rows with the
// same order id making one order, columns mapped to fields by the person
// importing (Mapping, guessed from the header by GuessMapping). Amounts are
// decimal strings in the currency's major units ("19.99"), read exactly.
// An import (Import) keeps the file, its mapping and its progress; orders are
// stored one by one through Apply, so importing a file twice creates nothing
// the second time.

// CSV import limits.
const (
	MaxCSVSize = 10 << 20 // bytes
	MaxCSVRows = 100_000  // data rows, the header and blank lines not counted
	// SampleRows is how many rows a Preview shows.
	SampleRows = 20
	// ImportEvery is how many orders an import applies between progress updates.
	ImportEvery = 25
	// ImportStale is how long an import may go without progress before it
	// counts as stopped (the server restarted, say) and may be started again.
	ImportStale = 10 * time.Minute
	// maxFailures caps the failures an import's report lists.
	maxFailures = 1000
)

// ErrImportStarted: the import is running or finished; it cannot start again.
var ErrImportStarted = errors.New("this import has already started")

// Field is an order field a CSV column can be mapped to.
type Field string

// The fields of a CSV import.
const (
	FieldOrderID       Field = "order_id"
	FieldPlacedAt      Field = "placed_at"
	FieldCurrency      Field = "currency"
	FieldSKU           Field = "sku"
	FieldProductID     Field = "product_id"
	FieldTitle         Field = "title"
	FieldQuantity      Field = "quantity"
	FieldUnitPrice     Field = "unit_price"
	FieldDiscount      Field = "discount"
	FieldDiscountCode  Field = "discount_code"
	FieldClickID       Field = "click_id"
	FieldCustomerEmail Field = "customer_email"
	FieldShipping      Field = "shipping"
	FieldTax           Field = "tax"
)

// FieldInfo describes a field for the mapping form.
type FieldInfo struct {
	Field    Field
	Label    string
	Required bool
	Help     string
	// synonyms are header names that guess this field, best first, in
	// normalised form (see normHeader).
	synonyms []string
}

// CSVFields lists the fields in the order the mapping form shows them.
var CSVFields = []FieldInfo{
	{FieldOrderID, "Order id", true, "Rows with the same order id are one order.",
		[]string{"order id", "order number", "order no", "order name", "order", "name", "order reference", "id"}},
	{FieldPlacedAt, "Placed at", true, "2026-03-01 14:30:00, 2026-03-01 or RFC 3339; times without a zone are in the brand's time zone.",
		[]string{"placed at", "created at", "order date", "ordered at", "purchase date", "date", "created", "processed at", "paid at", "timestamp"}},
	{FieldCurrency, "Currency", false, "An ISO 4217 code such as USD; empty means the brand's currency.",
		[]string{"currency", "currency code", "order currency"}},
	{FieldSKU, "SKU", true, "A line needs a SKU, a product id or a title.",
		[]string{"sku", "lineitem sku", "line item sku", "item sku", "product sku", "variant sku"}},
	{FieldProductID, "Product id", false, "",
		[]string{"product id", "lineitem product id", "line item product id", "item id", "variant id"}},
	{FieldTitle, "Title", false, "",
		[]string{"title", "lineitem name", "line item name", "product name", "product title", "item name", "product", "item", "description"}},
	{FieldQuantity, "Quantity", true, "A positive whole number.",
		[]string{"quantity", "lineitem quantity", "line item quantity", "qty", "item quantity", "units"}},
	{FieldUnitPrice, "Unit price", true, "A decimal amount such as 19.99, before discounts.",
		[]string{"unit price", "lineitem price", "line item price", "item price", "price"}},
	{FieldDiscount, "Line discount", false, "The line's total discount, a decimal amount.",
		[]string{"discount", "line discount", "lineitem discount", "line item discount", "item discount", "discount amount"}},
	{FieldDiscountCode, "Discount codes", false, "Several codes may be separated by ; or ,",
		[]string{"discount code", "discount codes", "coupon code", "coupon", "promo code", "voucher code", "code"}},
	{FieldClickID, "Click id", false, "The Clout click id the store passed along.",
		[]string{"click id", "clout click", "clickid", "click"}},
	{FieldCustomerEmail, "Customer email", false, "Stored as a keyed hash, never as the address.",
		[]string{"customer email", "email", "e mail", "buyer email", "billing email"}},
	{FieldShipping, "Shipping", false, "Per order: the first row that has a value counts.",
		[]string{"shipping", "shipping amount", "shipping cost", "shipping price", "shipping total"}},
	{FieldTax, "Tax", false, "Per order: the first row that has a value counts.",
		[]string{"tax", "taxes", "tax amount", "tax total", "vat"}},
}

// FieldLabel is a field's label, or the field itself when unknown.
func FieldLabel(f Field) string {
	for _, fi := range CSVFields {
		if fi.Field == f {
			return fi.Label
		}
	}
	return string(f)
}

// Mapping maps fields to the header names of the file's columns; a missing
// or empty entry leaves the field out.
type Mapping map[Field]string

// GuessMapping maps fields to headers by common names (case, spaces and
// punctuation ignored), such as those of Shopify's order export ("Name",
// "Created at", "Lineitem sku", "Lineitem quantity", "Lineitem price",
// "Discount Code"). A header is used for one field at most.
func GuessMapping(headers []string) Mapping {
	norm := make([]string, len(headers))
	for i, h := range headers {
		norm[i] = normHeader(h)
	}
	used := make([]bool, len(headers))
	m := Mapping{}
	for _, fi := range CSVFields {
	synonyms:
		for _, syn := range append([]string{normHeader(string(fi.Field))}, fi.synonyms...) {
			for i, h := range norm {
				if !used[i] && h != "" && (h == syn || strings.ReplaceAll(h, " ", "") == strings.ReplaceAll(syn, " ", "")) {
					m[fi.Field], used[i] = strings.TrimSpace(headers[i]), true
					break synonyms
				}
			}
		}
	}
	return m
}

// normHeader lower-cases a header and turns every run of other characters
// than letters and digits into one space.
func normHeader(h string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(h), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// columns resolves the mapping against the file's headers: the column index
// of each mapped field, and an error for each required field left out and
// each header the file does not have.
func (m Mapping) columns(headers []string) (map[Field]int, validate.Errors) {
	var errs validate.Errors
	cols := map[Field]int{}
	for _, fi := range CSVFields {
		name := strings.TrimSpace(m[fi.Field])
		if name == "" {
			if fi.Required {
				errs.Add(string(fi.Field), "choose the column that holds the %s", strings.ToLower(fi.Label))
			}
			continue
		}
		i := findHeader(headers, name)
		if i < 0 {
			errs.Add(string(fi.Field), "the file has no column named %q", name)
			continue
		}
		cols[fi.Field] = i
	}
	return cols, errs
}

func findHeader(headers []string, name string) int {
	for i, h := range headers {
		if strings.TrimSpace(h) == name {
			return i
		}
	}
	for i, h := range headers {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return i
		}
	}
	return -1
}

// RowError is a problem with one row of the file. Row is the row's line
// number in the file (the header is row 1).
type RowError struct {
	Row     int    `json:"row"`
	OrderID string `json:"order_id,omitempty"`
	Field   Field  `json:"field"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// String is "row 5, quantity (Lineitem quantity): must be …".
func (e RowError) String() string {
	s := fmt.Sprintf("row %d, %s", e.Row, e.Field)
	if e.Column != "" && e.Column != string(e.Field) {
		s += " (" + e.Column + ")"
	}
	return s + ": " + e.Message
}

// CSVOrder is one order read from a file: its input, the rows it came from
// and, when it is invalid, why.
type CSVOrder struct {
	Input  OrderInput
	Rows   []int
	Errors []RowError
	cells  [][]string
}

// SampleRow is a row of the file as the mapping reads it: Values holds the
// mapped column's text for each of CSVFields ("" when not mapped).
type SampleRow struct {
	Row    int
	Values []string
	Errors []RowError
}

// Preview is what a file gives under a mapping: its valid orders, its
// invalid ones with their problems, and its first rows as read.
type Preview struct {
	Headers   []string
	Delimiter string
	// Rows counts the data rows (not the header or blank lines).
	Rows    int
	Orders  []CSVOrder
	Invalid []CSVOrder
	// Errors lists every row's problems, by row.
	Errors []RowError
	Sample []SampleRow
	// Columns is the column index of each mapped field.
	Columns map[Field]int
}

// OrderCount is the number of orders in the file, valid or not.
func (p *Preview) OrderCount() int { return len(p.Orders) + len(p.Invalid) }

// LineCount is the number of lines of the valid orders.
func (p *Preview) LineCount() int {
	n := 0
	for _, o := range p.Orders {
		n += len(o.Input.Lines)
	}
	return n
}

// csvTable is a file's header and non-blank data rows.
type csvTable struct {
	headers []string
	rows    []csvRow
	delim   rune
}

type csvRow struct {
	line  int
	cells []string
}

// ParseCSV reads an order export under a mapping. Times without a zone are
// read in loc; rows without a currency are in defaultCurrency.
//
// A file that cannot be read (too large, too many rows, not CSV text, no
// header) gives validate.Errors on the field "file" and no preview. A mapping
// that leaves out a required field or names a column the file does not have
// gives validate.Errors naming the fields, with a preview holding the
// headers and sample rows only. Otherwise the preview holds every order; an
// order with any invalid row is in Invalid, with its rows' errors.
func ParseCSV(content []byte, m Mapping, loc *time.Location, defaultCurrency string) (*Preview, error) {
	_, tab, err := readTable(content)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	cols, errs := m.columns(tab.headers)
	p := &Preview{Headers: tab.headers, Delimiter: string(tab.delim), Rows: len(tab.rows), Columns: cols}
	if len(errs) > 0 {
		p.sample(tab, nil)
		return p, errs
	}

	// Group the rows by order id, in order of first appearance.
	var groups []*csvGroup
	byID := map[string]*csvGroup{}
	var orphans []CSVOrder
	for _, r := range tab.rows {
		id := cell(r, cols, FieldOrderID)
		if id == "" {
			orphans = append(orphans, CSVOrder{Rows: []int{r.line}, cells: [][]string{r.cells}, Errors: []RowError{{Row: r.line,
				Field: FieldOrderID, Column: tab.headers[cols[FieldOrderID]], Message: "is empty: every row needs the id of the order it belongs to"}}})
			continue
		}
		g := byID[id]
		if g == nil {
			g = &csvGroup{id: id}
			byID[id] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
	}
	for _, g := range groups {
		o := parseGroup(g, cols, tab.headers, loc, defaultCurrency)
		if len(o.Errors) > 0 {
			p.Invalid = append(p.Invalid, o)
		} else {
			p.Orders = append(p.Orders, o)
		}
	}
	p.Invalid = append(p.Invalid, orphans...)
	sort.SliceStable(p.Invalid, func(i, j int) bool { return p.Invalid[i].Rows[0] < p.Invalid[j].Rows[0] })
	byRow := map[int][]RowError{}
	for _, o := range p.Invalid {
		for _, e := range o.Errors {
			p.Errors = append(p.Errors, e)
			byRow[e.Row] = append(byRow[e.Row], e)
		}
	}
	sort.SliceStable(p.Errors, func(i, j int) bool { return p.Errors[i].Row < p.Errors[j].Row })
	p.sample(tab, byRow)
	return p, nil
}

func (p *Preview) sample(tab *csvTable, byRow map[int][]RowError) {
	for _, r := range tab.rows {
		if len(p.Sample) == SampleRows {
			break
		}
		s := SampleRow{Row: r.line, Values: make([]string, len(CSVFields)), Errors: byRow[r.line]}
		for i, fi := range CSVFields {
			s.Values[i] = cell(r, p.Columns, fi.Field)
		}
		p.Sample = append(p.Sample, s)
	}
}

func cell(r csvRow, cols map[Field]int, f Field) string {
	i, ok := cols[f]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

type csvGroup struct {
	id   string
	rows []csvRow
}

// parseGroup reads the rows of one order. Order-level values (placed at,
// currency, email, click id, shipping, tax) come from the first row that has
// them, since exports such as Shopify's fill them on the first row only; a
// row with another placed at or currency than an earlier one is an error.
// Discount codes are gathered from every row.
func parseGroup(g *csvGroup, cols map[Field]int, headers []string, loc *time.Location, defaultCurrency string) CSVOrder {
	o := CSVOrder{Input: OrderInput{ExternalID: g.id}}
	for _, r := range g.rows {
		o.Rows = append(o.Rows, r.line)
		o.cells = append(o.cells, r.cells)
	}
	add := func(row int, f Field, format string, args ...any) {
		col := ""
		if i, ok := cols[f]; ok {
			col = headers[i]
		}
		o.Errors = append(o.Errors, RowError{Row: row, OrderID: g.id, Field: f, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	in := &o.Input
	first := g.rows[0].line

	// Order-level values.
	var (
		placedRow, curRow       int
		placedBad, curBad       bool
		cur                     money.Currency
		shipping, tax           string
		shippingRow, taxRow     int
		codes                   = map[string]bool{}
		currencyText, placedRaw string
	)
	for _, r := range g.rows {
		if v := cell(r, cols, FieldPlacedAt); v != "" {
			t, err := parseCSVTime(v, loc)
			switch {
			case err != nil:
				add(r.line, FieldPlacedAt, "%v", err)
				placedBad = true
			case in.PlacedAt.IsZero():
				in.PlacedAt, placedRow, placedRaw = t, r.line, v
			case !t.Equal(in.PlacedAt):
				add(r.line, FieldPlacedAt, "is %q, but row %d of order %s says %q: one order has one time", v, placedRow, g.id, placedRaw)
			}
		}
		if v := cell(r, cols, FieldCurrency); v != "" {
			c, err := money.LookupCurrency(v)
			switch {
			case err != nil:
				add(r.line, FieldCurrency, "%q is not a currency (want an ISO 4217 code such as USD, EUR or JPY)", v)
				curBad = true
			case curRow == 0:
				cur, curRow, currencyText = c, r.line, v
			case c.Code != cur.Code:
				add(r.line, FieldCurrency, "is %s, but row %d of order %s says %s: one order has one currency", c.Code, curRow, g.id, currencyText)
			}
		}
		if v := cell(r, cols, FieldCustomerEmail); v != "" && in.CustomerEmail == "" {
			in.CustomerEmail = v
		}
		if v := cell(r, cols, FieldClickID); v != "" && in.ClickID == "" {
			in.ClickID = v
		}
		if v := cell(r, cols, FieldShipping); v != "" && shippingRow == 0 {
			shipping, shippingRow = v, r.line
		}
		if v := cell(r, cols, FieldTax); v != "" && taxRow == 0 {
			tax, taxRow = v, r.line
		}
		for _, c := range strings.FieldsFunc(cell(r, cols, FieldDiscountCode), func(r rune) bool { return r == ';' || r == ',' }) {
			if c = strings.TrimSpace(c); c != "" && !codes[c] {
				codes[c] = true
				in.Codes = append(in.Codes, c)
			}
		}
	}
	if in.PlacedAt.IsZero() && !placedBad {
		add(first, FieldPlacedAt, "is empty on every row of order %s", g.id)
	}
	if curRow == 0 && !curBad {
		c, err := money.LookupCurrency(defaultCurrency)
		if err != nil {
			add(first, FieldCurrency, "is empty and the brand has no valid default currency")
			curBad = true
		}
		cur = c
	}
	if curBad {
		// Amounts cannot be read without knowing the currency's decimals.
		return o
	}
	in.Currency = cur.Code
	amount := func(row int, f Field, v string) int64 {
		n, err := parseCSVAmount(v, cur.Exponent)
		switch {
		case err != nil:
			add(row, f, "%q is not an exact amount in %s (%s, with at most %d decimal places and no currency sign or thousands separator)",
				v, cur.Code, example(cur.Exponent), cur.Exponent)
		case n < 0:
			add(row, f, "must not be negative (it is %s)", v)
		}
		return n
	}
	if shippingRow > 0 {
		in.Shipping = amount(shippingRow, FieldShipping, shipping)
	}
	if taxRow > 0 {
		in.Tax = amount(taxRow, FieldTax, tax)
	}

	// Lines: one per row.
	for _, r := range g.rows {
		l := LineInput{SKU: cell(r, cols, FieldSKU), ProductID: cell(r, cols, FieldProductID), Title: cell(r, cols, FieldTitle)}
		if l.SKU == "" && l.ProductID == "" && l.Title == "" {
			add(r.line, FieldSKU, "is empty: a line needs a SKU, a product id or a title")
		}
		if v := cell(r, cols, FieldQuantity); v == "" {
			add(r.line, FieldQuantity, "is empty")
		} else if q, err := money.ParseMinor(v, 0); err != nil {
			add(r.line, FieldQuantity, "must be a whole number such as 2 (it is %q)", v)
		} else if q <= 0 {
			add(r.line, FieldQuantity, "must be a positive whole number (it is %d)", q)
		} else if q > MaxQuantity {
			add(r.line, FieldQuantity, "must be at most %d (it is %d)", MaxQuantity, q)
		} else {
			l.Quantity = q
		}
		if v := cell(r, cols, FieldUnitPrice); v == "" {
			add(r.line, FieldUnitPrice, "is empty")
		} else {
			l.UnitPrice = amount(r.line, FieldUnitPrice, v)
		}
		if v := cell(r, cols, FieldDiscount); v != "" {
			l.Discount = amount(r.line, FieldDiscount, v)
		}
		in.Lines = append(in.Lines, l)
	}
	if len(o.Errors) > 0 {
		return o
	}
	// The checks Apply makes, reported on the rows at fault.
	var errs validate.Errors
	checkOrder(&errs, in)
	o.Errors = append(o.Errors, o.rowErrors(errs, cols, headers)...)
	return o
}

// rowErrors puts Apply's field errors on the rows at fault: a line's on its
// row, the order's on its first row.
func (o *CSVOrder) rowErrors(errs validate.Errors, cols map[Field]int, headers []string) []RowError {
	out := make([]RowError, 0, len(errs))
	for _, e := range errs {
		row, f := o.Rows[0], Field(e.Field)
		if rest, ok := strings.CutPrefix(e.Field, "lines["); ok {
			var i int
			var name string
			if _, err := fmt.Sscanf(strings.Replace(rest, "].", " ", 1), "%d %s", &i, &name); err == nil && i >= 0 && i < len(o.Rows) {
				row, f = o.Rows[i], Field(name)
			}
		} else {
			switch {
			case e.Field == "external_id", e.Field == "lines":
				f = FieldOrderID
			case strings.HasPrefix(e.Field, "discount_codes"):
				f = FieldDiscountCode
			}
		}
		col := ""
		if i, ok := cols[f]; ok && i < len(headers) {
			col = headers[i]
		}
		out = append(out, RowError{Row: row, OrderID: o.Input.ExternalID, Field: f, Column: col, Message: e.Message})
	}
	return out
}

// example is 19.99 written with exp decimals: "19.99", "1999", "1.999".
func example(exp int) string {
	switch exp {
	case 0:
		return "such as 1999"
	case 3:
		return "such as 19.999"
	}
	return "such as 19.99"
}

// parseCSVAmount reads a decimal amount exactly into minor units. A comma
// followed by one or two digits is a decimal comma ("19,99", as semicolon
// files from European spreadsheets write it); any other comma is refused,
// since it could be a thousands separator.
func parseCSVAmount(v string, exp int) (int64, error) {
	if i := strings.IndexByte(v, ','); i >= 0 && !strings.Contains(v, ".") && strings.Count(v, ",") == 1 {
		if n := len(strings.TrimSpace(v[i+1:])); n >= 1 && n <= 2 {
			v = v[:i] + "." + v[i+1:]
		}
	}
	return money.ParseMinor(v, exp)
}

// Time layouts CSV files use, with a zone and without one.
var (
	zonedLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 -07:00",
		"2006-01-02T15:04:05-0700", "2006-01-02 15:04 -0700", "2006-01-02T15:04Z07:00"}
	localLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"}
)

// parseCSVTime reads a time: RFC 3339, "2006-01-02 15:04:05" with or
// without a numeric zone (Shopify writes "2026-03-01 14:30:00 -0500"), or a
// date; times without a zone are in loc.
func parseCSVTime(v string, loc *time.Location) (time.Time, error) {
	s := strings.TrimSpace(v)
	if rest, ok := strings.CutSuffix(s, " UTC"); ok {
		s, loc = rest, time.UTC
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time: write 2026-03-01 14:30:00, 2026-03-01 or 2026-03-01T14:30:00Z "+
		"(times without a zone are in the brand's time zone, %s)", v, loc)
}

// readTable decodes an order file and splits it into its header and rows;
// text is the decoded file.
func readTable(content []byte) (string, *csvTable, error) {
	text, err := csvfile.Decode(content, MaxCSVSize)
	if err != nil {
		return "", nil, err
	}
	t, err := csvfile.Parse(text, MaxCSVRows)
	if err != nil {
		return "", nil, err
	}
	if len(t.Rows) == 0 {
		return "", nil, validate.Errors{{Field: "file", Message: "the file has a header row but no rows of orders under it"}}
	}
	tab := &csvTable{headers: t.Headers, delim: t.Delimiter, rows: make([]csvRow, len(t.Rows))}
	for i, cells := range t.Rows {
		tab.rows[i] = csvRow{line: t.RowNumbers[i], cells: cells}
	}
	return text, tab, nil
}

// raw is the order's rows as CSV under the file's header: the payload kept
// with the order.
func (o *CSVOrder) raw(headers []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(headers)
	_ = w.WriteAll(o.cells)
	return b.Bytes()
}

// ImportStatus is where an import stands.
type ImportStatus string

const (
	// ImportMapping: uploaded, waiting for its columns to be mapped.
	ImportMapping ImportStatus = "mapping"
	// ImportImporting: its orders are being stored.
	ImportImporting ImportStatus = "importing"
	// ImportDone: every order was handled; the report says how.
	ImportDone ImportStatus = "done"
	// ImportFailed: it stopped before the end; it may be started again.
	ImportFailed ImportStatus = "failed"
)

// Import is an uploaded CSV file, its mapping and its progress. Content is
// only loaded by the methods that parse it.
type Import struct {
	ID          string `gorm:"primaryKey"`
	BrandID     string
	Filename    string
	Content     string
	Mapping     Mapping `gorm:"serializer:json"`
	Status      ImportStatus
	TotalOrders int
	Processed   int
	Created     int
	Existing    int
	Failed      int
	Report      ImportReport `gorm:"serializer:json"`
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName is order_imports.
func (Import) TableName() string { return "order_imports" }

// Stalled reports whether an import that says it is running has made no
// progress for ImportStale, so that it may be started again.
func (im *Import) Stalled(now time.Time) bool {
	return im.Status == ImportImporting && now.Sub(im.UpdatedAt) > ImportStale
}

// CanStart reports whether the import may be started (again).
func (im *Import) CanStart(now time.Time) bool {
	return im.Status == ImportMapping || im.Status == ImportFailed || im.Stalled(now)
}

// ImportReport is what an import did: its file's size and every order that
// was not stored, with why.
type ImportReport struct {
	Rows     int             `json:"rows"`
	Orders   int             `json:"orders"`
	Failures []ImportFailure `json:"failures"`
	// MoreFailures counts failures left out of Failures.
	MoreFailures int `json:"more_failures,omitempty"`
	// Error says why a failed import stopped.
	Error string `json:"error,omitempty"`
}

// ImportFailure is an order that was not stored.
type ImportFailure struct {
	OrderID string     `json:"order_id"`
	Rows    []int      `json:"rows"`
	Errors  []RowError `json:"errors"`
}

// Location is the brand's time zone, UTC when it has none or an unknown one.
func Location(b *brand.Brand) *time.Location {
	if loc, err := time.LoadLocation(b.TimeZone); err == nil && b.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// CreateImport stores an uploaded file with a mapping guessed from its
// header, waiting for the mapping to be checked. A file that cannot be read
// gives validate.Errors on the field "file".
func (s *Service) CreateImport(ctx context.Context, brandID, userLabel, filename string, content []byte) (*Import, error) {
	if _, err := s.brands.Get(ctx, brandID); err != nil {
		return nil, err
	}
	text, tab, err := readTable(content)
	if err != nil {
		return nil, err
	}
	now := s.now()
	im := &Import{ID: store.NewID("imp"), BrandID: brandID, Filename: cleanFilename(filename), Content: text,
		Mapping: GuessMapping(tab.headers), Status: ImportMapping, Report: ImportReport{Rows: len(tab.rows), Failures: []ImportFailure{}},
		CreatedBy: truncate(userLabel, 200), CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(im).Error; err != nil {
		return nil, err
	}
	return im, nil
}

// cleanFilename keeps the base name of an uploaded file, as text.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, "")))
	if name == "" {
		name = "upload.csv"
	}
	return truncate(name, 200)
}

// GetImport returns one of the brand's imports without its file; another
// brand's is ErrNotFound.
func (s *Service) GetImport(ctx context.Context, brandID, id string) (*Import, error) {
	var im Import
	err := s.db.WithContext(ctx).Omit("content").Where("brand_id = ? AND id = ?", brandID, id).Take(&im).Error
	if err != nil {
		return nil, store.Err(err)
	}
	return &im, nil
}

// Imports lists the brand's latest imports, newest first, without their files.
func (s *Service) Imports(ctx context.Context, brandID string, limit int) ([]Import, error) {
	var ims []Import
	err := s.db.WithContext(ctx).Omit("content").Where("brand_id = ?", brandID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&ims).Error
	return ims, err
}

func (s *Service) loadImport(ctx context.Context, brandID, id string) (*Import, *brand.Brand, error) {
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, nil, err
	}
	var im Import
	if err := s.db.WithContext(ctx).Where("brand_id = ? AND id = ?", brandID, id).Take(&im).Error; err != nil {
		return nil, nil, store.Err(err)
	}
	return &im, b, nil
}

// PreviewImport reads an import's file under a mapping (its stored one when
// m is nil), as ParseCSV does, in the brand's time zone and currency.
func (s *Service) PreviewImport(ctx context.Context, brandID, id string, m Mapping) (*Import, *Preview, error) {
	im, b, err := s.loadImport(ctx, brandID, id)
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		m = im.Mapping
	}
	p, err := ParseCSV([]byte(im.Content), m, Location(b), b.Currency)
	im.Content = ""
	return im, p, err
}

// ImportJob stores the orders of a started import; see Service.Import.
type ImportJob struct {
	s       *Service
	brand   *brand.Brand
	id      string
	preview *Preview
}

// Import starts an import under a mapping: it reads the file, refuses a
// mapping that leaves out a required field or a file with no valid order
// (validate.Errors), and an import that has already started
// (ErrImportStarted); then it saves the mapping, sets the import importing
// with its number of orders, and returns the job that stores them. The
// caller runs the job, in the background for a web request.
func (s *Service) Import(ctx context.Context, brandID, id string, m Mapping) (*ImportJob, error) {
	im, b, err := s.loadImport(ctx, brandID, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !im.CanStart(now) {
		return nil, ErrImportStarted
	}
	p, err := ParseCSV([]byte(im.Content), m, Location(b), b.Currency)
	if err != nil {
		return nil, err
	}
	if len(p.Orders) == 0 {
		return nil, validate.Errors{{Field: "file", Message: fmt.Sprintf("none of the file's %d orders can be imported: fix the rows listed below, or the mapping", p.OrderCount())}}
	}
	clean := Mapping{}
	for f, h := range m {
		if _, ok := p.Columns[f]; ok {
			clean[f] = strings.TrimSpace(h)
		}
	}
	rep := ImportReport{Rows: p.Rows, Orders: p.OrderCount(), Failures: []ImportFailure{}}
	mapping, rb, err := jsonText(clean, rep)
	if err != nil {
		return nil, err
	}
	// Only one request starts it: the update happens if the import is still
	// startable when it runs.
	r := s.db.WithContext(ctx).Model(&Import{}).
		Where("brand_id = ? AND id = ? AND (status IN ? OR (status = ? AND updated_at < ?))", brandID, id,
			[]ImportStatus{ImportMapping, ImportFailed}, ImportImporting, now.Add(-ImportStale)).
		Updates(map[string]any{"status": ImportImporting, "mapping": mapping, "total_orders": p.OrderCount(), "processed": 0,
			"created": 0, "existing": 0, "failed": 0, "report": rb, "updated_at": now})
	if r.Error != nil {
		return nil, r.Error
	}
	if r.RowsAffected == 0 {
		return nil, ErrImportStarted
	}
	return &ImportJob{s: s, brand: b, id: id, preview: p}, nil
}

// Run stores the job's orders one by one through Apply: a new order counts
// as created, one the brand already has (from an earlier import of the same
// file, say) as existing and is left as it is, an invalid one as failed. It
// saves the counts every ImportEvery orders and ends with the import done
// and its report, or failed when ctx ends or the database keeps failing.
func (j *ImportJob) Run(ctx context.Context) (err error) {
	s, p := j.s, j.preview
	var (
		created, existing, failed, processed int
		rep                                  = ImportReport{Rows: p.Rows, Orders: p.OrderCount(), Failures: []ImportFailure{}}
	)
	fail := func(o CSVOrder, errs []RowError) {
		failed++
		if len(rep.Failures) == maxFailures {
			rep.MoreFailures++
			return
		}
		rep.Failures = append(rep.Failures, ImportFailure{OrderID: o.Input.ExternalID, Rows: o.Rows, Errors: errs})
	}
	save := func(status ImportStatus) error {
		u := map[string]any{"processed": processed, "created": created, "existing": existing, "failed": failed, "updated_at": s.now()}
		if status != ImportImporting {
			sort.SliceStable(rep.Failures, func(i, k int) bool { return rep.Failures[i].Rows[0] < rep.Failures[k].Rows[0] })
			_, rb, err := jsonText(nil, rep)
			if err != nil {
				return err
			}
			u["status"], u["report"] = status, rb
		}
		return s.db.WithContext(context.WithoutCancel(ctx)).Model(&Import{}).Where("brand_id = ? AND id = ?", j.brand.ID, j.id).Updates(u).Error
	}
	stop := func(why string, cause error) error {
		rep.Error = why
		if err := save(ImportFailed); err != nil {
			return errors.Join(cause, err)
		}
		return cause
	}
	defer func() {
		if r := recover(); r != nil {
			err = stop("the import stopped on an internal error; it has been logged", fmt.Errorf("order import %s: panic: %v", j.id, r))
		}
	}()

	for _, o := range p.Invalid {
		fail(o, o.Errors)
		processed++
	}
	headers := p.Headers
	broken := 0
	for i := range p.Orders {
		o := p.Orders[i]
		if err := ctx.Err(); err != nil {
			return stop("the import was interrupted; start it again to finish it (orders already stored are not stored twice)", err)
		}
		in := o.Input
		res, err := s.applyTo(ctx, j.brand, Event{Source: CSV, Topic: "csv", OrderRef: in.ExternalID, Raw: o.raw(headers), Order: &in}, nil)
		var ve validate.Errors
		switch {
		case errors.As(err, &ve):
			broken = 0
			fail(o, o.rowErrors(ve, p.Columns, headers))
		case err != nil:
			if ctx.Err() != nil {
				return stop("the import was interrupted; start it again to finish it (orders already stored are not stored twice)", err)
			}
			s.log.Error("order import: storing an order failed", "import", j.id, "order", in.ExternalID, "err", err)
			fail(o, []RowError{{Row: o.Rows[0], OrderID: in.ExternalID, Field: FieldOrderID, Message: "could not be stored (a database error; it has been logged)"}})
			if broken++; broken == 10 {
				return stop("the database failed on 10 orders in a row; start the import again later", err)
			}
		case res.Created:
			broken = 0
			created++
		default:
			broken = 0
			existing++
		}
		processed++
		if processed%ImportEvery == 0 {
			if err := save(ImportImporting); err != nil {
				s.log.Error("order import: saving progress failed", "import", j.id, "err", err)
			}
		}
	}
	return save(ImportDone)
}

// jsonText marshals a mapping and a report for the TEXT columns that hold them.
func jsonText(m Mapping, rep ImportReport) (string, string, error) {
	mb, err := json.Marshal(m)
	if err != nil {
		return "", "", err
	}
	rb, err := json.Marshal(rep)
	if err != nil {
		return "", "", err
	}
	return string(mb), string(rb), nil
}
