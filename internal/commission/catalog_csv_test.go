package commission_test

import (
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/commission"
)

func parseProducts(t *testing.T, content string, exp int) ([]commission.ProductInput, []commission.RowError) {
	t.Helper()
	in, rowErrs, err := commission.ParseProductsCSV([]byte(content), exp)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return in, rowErrs
}

func TestParseProductsCSV(t *testing.T) {
	in, rowErrs := parseProducts(t, "sku,product_id,title,category,unit_cost\n"+
		"SERUM,p1,Serum,Skin,20.00\n"+
		"\n"+
		"CREAM,,Cream,,\n"+
		"OIL,p3,Oil,Skin,0.10\n", 2)
	if len(rowErrs) != 0 || len(in) != 3 {
		t.Fatalf("inputs %+v, errors %v", in, rowErrs)
	}
	if s := in[0]; s.SKU != "SERUM" || *s.ProductID != "p1" || *s.Title != "Serum" || *s.Category != "Skin" ||
		!s.UnitCost.Set || s.UnitCost.V == nil || *s.UnitCost.V != 2000 {
		t.Errorf("serum: %+v", s)
	}
	// An empty cost is unknown: set to null, not left as it was.
	if c := in[1]; c.SKU != "CREAM" || !c.UnitCost.Set || c.UnitCost.V != nil || *c.Category != "" {
		t.Errorf("cream: %+v", c)
	}
	// Exact decimals: no float in between.
	if o := in[2]; *o.UnitCost.V != 10 {
		t.Errorf("0.10 = %d minor units", *o.UnitCost.V)
	}

	// Columns the file does not have are left alone.
	in, _ = parseProducts(t, "SKU\nA\n", 2)
	if len(in) != 1 || in[0].Title != nil || in[0].UnitCost.Set || in[0].ProductID != nil {
		t.Errorf("sku only: %+v", in)
	}
}

func TestParseProductsCSVExponents(t *testing.T) {
	in, rowErrs := parseProducts(t, "sku,unit_cost\nA,1500\nB,1.5\nC,12.345\n", 0)
	if len(in) != 1 || *in[0].UnitCost.V != 1500 {
		t.Errorf("JPY 1500: %+v", in)
	}
	if len(rowErrs) != 2 || rowErrs[0].Row != 3 || rowErrs[0].Field != "unit_cost" || !strings.Contains(rowErrs[0].Message, `"1.5"`) ||
		!strings.Contains(rowErrs[0].Message, "no decimals") || rowErrs[1].Row != 4 {
		t.Errorf("JPY 1.5 must be refused: %v", rowErrs)
	}
	in, rowErrs = parseProducts(t, "sku,unit_cost\nA,1.999\nB,19.9999\n", 3)
	if len(in) != 1 || *in[0].UnitCost.V != 1999 || len(rowErrs) != 1 || rowErrs[0].Row != 3 {
		t.Errorf("exponent 3: %+v %v", in, rowErrs)
	}
	_, rowErrs = parseProducts(t, "sku,unit_cost\nA,-1\nB,abc\nC,\"1,000\"\n", 2)
	if len(rowErrs) != 3 {
		t.Errorf("negative, text and thousands separators are refused: %v", rowErrs)
	}
}

func TestParseProductsCSVErrors(t *testing.T) {
	_, _, err := commission.ParseProductsCSV([]byte("title,unit_cost\nSerum,20.00\n"), 2)
	if errs := fields(err); !strings.Contains(errs["file"], "no sku column") || !strings.Contains(errs["file"], `"title"`) {
		t.Errorf("missing sku column: %v", err)
	}
	for name, c := range map[string]string{
		"empty":   "",
		"no rows": "sku,title\n",
		"xlsx":    "PK\x03\x04rest",
	} {
		if _, _, err := commission.ParseProductsCSV([]byte(c), 2); fields(err)["file"] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	big := "sku\n" + strings.Repeat("x\n", commission.MaxProductsCSVRows+1)
	if _, _, err := commission.ParseProductsCSV([]byte(big), 2); !strings.Contains(fields(err)["file"], "more than 1000 rows") {
		t.Errorf("too many rows: %v", err)
	}

	in, rowErrs := parseProducts(t, "sku,title,unit_cost\nA,One,1.00\nB,Two,2.00\nA,Again,3.00\n,Nameless,4.00\nC,"+
		strings.Repeat("t", commission.MaxProductText+1)+",\n", 2)
	if len(in) != 2 || in[0].SKU != "A" || in[1].SKU != "B" {
		t.Errorf("valid rows: %+v", in)
	}
	want := []struct {
		row   int
		field string
		text  string
	}{{4, "sku", "also on row 2"}, {5, "sku", "is empty"}, {6, "title", "at most 200"}}
	if len(rowErrs) != len(want) {
		t.Fatalf("row errors: %v", rowErrs)
	}
	for i, w := range want {
		if e := rowErrs[i]; e.Row != w.row || e.Field != w.field || !strings.Contains(e.Message, w.text) {
			t.Errorf("row error %d: %v, want row %d %s %q", i, e, w.row, w.field, w.text)
		}
	}
	if s := rowErrs[0].String(); s != `row 4, sku: sku "A" is also on row 2; list each sku once` {
		t.Errorf("String: %s", s)
	}
}

func TestParseProductsCSVHeadersAndEncodings(t *testing.T) {
	// A byte order mark, semicolons, a decimal comma, Windows line ends and
	// headers in another case.
	in, rowErrs := parseProducts(t, "\ufeffSKU;Title;Product Type;Unit Cost\r\nA;Crème;Skin;19,99\r\nB;\"Oil; big\";;\r\n", 2)
	if len(rowErrs) != 0 || len(in) != 2 || in[0].SKU != "A" || *in[0].Title != "Crème" || *in[0].Category != "Skin" ||
		*in[0].UnitCost.V != 1999 || *in[1].Title != "Oil; big" || in[1].UnitCost.V != nil {
		t.Fatalf("bom + semicolons: %+v %v", in, rowErrs)
	}
	// Windows-1252 (Excel on Windows) is read, not refused.
	in, _ = parseProducts(t, "sku,title\nA,Cr\xe8me\n", 2)
	if *in[0].Title != "Crème" {
		t.Errorf("windows-1252: %q", *in[0].Title)
	}

	// Shopify's product export: Variant SKU, Cost per item, Type; title and
	// type on a product's first row only; image rows with no variant.
	shopify := "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Cost per item\n" +
		"serum,Serum,<p>x</p>,Acme,Health & Beauty,Skin,,true,Size,30ml,SERUM-30,40.00,https://img/1.jpg,20.00\n" +
		"serum,,,,,,,,,50ml,SERUM-50,60.00,https://img/2.jpg,28.50\n" +
		"serum,,,,,,,,,,,,https://img/3.jpg,\n" +
		"mask,Mask,,Acme,,Face,,true,Title,Default Title,MASK,12.00,,\n"
	in, rowErrs = parseProducts(t, shopify, 2)
	if len(rowErrs) != 0 || len(in) != 3 {
		t.Fatalf("shopify: %+v %v", in, rowErrs)
	}
	if p := in[1]; p.SKU != "SERUM-50" || *p.Title != "Serum" || *p.Category != "Skin" || *p.UnitCost.V != 2850 {
		t.Errorf("second variant: %+v", p)
	}
	if p := in[2]; p.SKU != "MASK" || *p.Category != "Face" || p.UnitCost.V != nil {
		t.Errorf("mask: %+v", p)
	}
}
