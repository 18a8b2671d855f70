package commission

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/cloutapp/clout/internal/csvfile"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/validate"
)

// Limits of a products CSV file: one file is one all-or-nothing PutMany.
const (
	MaxProductsCSVSize = 2 << 20 // bytes
	MaxProductsCSVRows = MaxBulkProducts
)

// productColumns are the columns a products CSV may have, each with the
// headers that name it (compared case-insensitively, punctuation ignored),
// best first. "Variant SKU", "Cost per item" and "Type"/"Product Type" are
// what Shopify's product export writes.
var productColumns = []struct {
	field   string
	headers []string
}{
	{"sku", []string{"sku", "variant sku"}},
	{"product_id", []string{"product id", "productid"}},
	{"title", []string{"title", "product title", "name"}},
	{"category", []string{"category", "product type", "type", "product category"}},
	{"unit_cost", []string{"unit cost", "cost", "cost per item", "variant cost"}},
}

// ProductCSVRow is one valid row of a products file: the product it puts
// and its line number in the file.
type ProductCSVRow struct {
	Row   int
	Input ProductInput
}

// RowError is a problem with one row of a products file. Row is the row's
// line number in the file (the header is row 1); Column is the header as the
// file writes it, Field the product field it holds.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// String is "row 5, unit_cost (Cost per item): …".
func (e RowError) String() string {
	s := fmt.Sprintf("row %d, %s", e.Row, e.Field)
	if e.Column != "" && e.Column != e.Field {
		s += " (" + e.Column + ")"
	}
	return s + ": " + e.Message
}

// ParseProductsCSV reads a products file: one product per row, with a sku
// column (required) and any of product_id, title, category and unit_cost.
// unit_cost is a decimal in the currency's major units ("20.00" with
// exponent 2), read exactly; an empty cell makes the cost unknown. A column
// the file does not have leaves that field of existing products as it is.
//
// A file that cannot be read, or has no sku column, gives validate.Errors on
// the field "file". Otherwise the inputs are those of the valid rows, in
// file order, and rowErrs lists every invalid row's problems; a file with
// any row error should be imported as a whole or not at all, so callers
// import nothing then. Rows with an empty sku and nothing else in the
// recognised columns (such as the image rows of a Shopify export) are
// skipped; when a "Handle" column is present, a row's empty title and
// category are taken from the row above with the same handle, as Shopify
// writes them on a product's first variant only.
func ParseProductsCSV(content []byte, exponent int) ([]ProductInput, []RowError, error) {
	rows, errs, err := parseProductsCSV(content, exponent)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ProductInput, len(rows))
	for i, r := range rows {
		out[i] = r.Input
	}
	return out, errs, nil
}

// ParseProductsCSVRows is ParseProductsCSV keeping each input's row number.
func ParseProductsCSVRows(content []byte, exponent int) ([]ProductCSVRow, []RowError, error) {
	return parseProductsCSV(content, exponent)
}

func parseProductsCSV(content []byte, exponent int) ([]ProductCSVRow, []RowError, error) {
	headers, rows, lines, err := csvfile.Read(content, MaxProductsCSVSize, MaxProductsCSVRows)
	if err != nil {
		return nil, nil, err
	}
	cols := map[string]int{}
	for _, c := range productColumns {
		if i := findProductHeader(headers, c.headers); i >= 0 {
			cols[c.field] = i
		}
	}
	if _, ok := cols["sku"]; !ok {
		return nil, nil, validate.Errors{{Field: "file", Message: fmt.Sprintf(
			"the file has no sku column (a header named sku or Variant SKU); its headers are %s", quoteList(headers))}}
	}
	handle := findProductHeader(headers, []string{"handle"})

	var (
		out     []ProductCSVRow
		rowErrs []RowError
		seen    = map[string]int{} // sku → row
		last    struct{ handle, title, category string }
	)
	for n, cells := range rows {
		line := lines[n]
		get := func(field string) (string, bool) {
			i, ok := cols[field]
			if !ok {
				return "", false
			}
			if i >= len(cells) {
				return "", true
			}
			return strings.TrimSpace(cells[i]), true
		}
		title, hasTitle := get("title")
		category, hasCategory := get("category")
		if handle >= 0 && handle < len(cells) {
			h := strings.TrimSpace(cells[handle])
			if h != "" && h == last.handle {
				if title == "" {
					title = last.title
				}
				if category == "" {
					category = last.category
				}
			}
			last.handle, last.title, last.category = h, title, category
		}
		sku, _ := get("sku")
		pid, hasPID := get("product_id")
		cost, hasCost := get("unit_cost")
		rowErr := func(field, format string, args ...any) {
			rowErrs = append(rowErrs, RowError{Row: line, Field: field, Column: headers[cols[field]], Message: fmt.Sprintf(format, args...)})
		}
		if sku == "" {
			rawTitle, _ := get("title")
			rawCategory, _ := get("category")
			if pid == "" && rawTitle == "" && rawCategory == "" && cost == "" {
				continue // nothing for the catalog on this row
			}
			rowErr("sku", "is empty: every product needs a sku")
			continue
		}
		in := ProductInput{SKU: sku}
		if hasPID {
			in.ProductID = &pid
		}
		if hasTitle {
			in.Title = &title
		}
		if hasCategory {
			in.Category = &category
		}
		bad := false
		if hasCost {
			if cost == "" {
				in.UnitCost = nullable.Null[int64]()
			} else if minor, err := parseCostAmount(cost, exponent); err != nil {
				rowErr("unit_cost", "%q is not an amount: write it in major units %s, or leave it empty when the cost is unknown",
					cost, costExample(exponent))
				bad = true
			} else {
				in.UnitCost = nullable.Of(minor)
			}
		}
		if !bad {
			if _, errs := checkProduct("", sku, in.ProductPatch); len(errs) > 0 {
				for _, e := range errs {
					rowErr(e.Field, "%s", e.Message)
				}
				bad = true
			}
		}
		if first, dup := seen[sku]; dup {
			rowErr("sku", "sku %q is also on row %d; list each sku once", sku, first)
			bad = true
		} else {
			seen[sku] = line
		}
		if !bad {
			out = append(out, ProductCSVRow{Row: line, Input: in})
		}
	}
	if len(out) == 0 && len(rowErrs) == 0 {
		return nil, nil, validate.Errors{{Field: "file", Message: "the file has no rows with a sku"}}
	}
	return out, rowErrs, nil
}

// findProductHeader is the index of the first of names (best first) that
// a header matches, case and punctuation aside, or -1.
func findProductHeader(headers, names []string) int {
	for _, name := range names {
		for i, h := range headers {
			if normProductHeader(h) == name {
				return i
			}
		}
	}
	return -1
}

// normProductHeader lower-cases a header and turns every run of other
// characters than letters and digits into one space ("Unit_Cost" → "unit cost").
func normProductHeader(h string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(h), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// parseCostAmount reads a decimal amount exactly into minor units. As in
// the orders import, a comma followed by one or two digits is a decimal
// comma ("19,99", as semicolon files from European spreadsheets write it);
// any other comma is refused, since it could be a thousands separator.
func parseCostAmount(v string, exp int) (int64, error) {
	if i := strings.IndexByte(v, ','); i >= 0 && !strings.Contains(v, ".") && strings.Count(v, ",") == 1 {
		if n := len(strings.TrimSpace(v[i+1:])); n >= 1 && n <= 2 {
			v = v[:i] + "." + v[i+1:]
		}
	}
	return money.ParseMinor(v, exp)
}

// costExample is 20.00 written with exp decimals.
func costExample(exp int) string {
	if exp <= 0 {
		return "such as 20 (this currency has no decimals)"
	}
	return "such as " + money.FormatMinor(20*pow10(exp), exp)
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
