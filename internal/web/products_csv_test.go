package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// postMultipart posts fields as a multipart form, with the CSRF token of
// the page at from, as the import preview's form does.
func (b *browser) postMultipart(from, target string, fields map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fields["_csrf"] = b.csrf(from)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			b.t.Fatal(err)
		}
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.app.URL+target, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="(filename|content)" value="([^"]*)">`)

// confirmFields are the hidden fields of a preview's Import form.
func confirmFields(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	if out["content"] == "" {
		t.Fatalf("the preview has no Import form: %s", body)
	}
	return out
}

func TestProductsCSVImport(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		acme := a.createBrand(t, "Acme", "owner@acme.test")
		owner := a.browser(t)
		owner.login("owner@acme.test", pw)
		ctx := context.Background()
		count := func() int {
			t.Helper()
			items, _, err := a.Catalog.List(ctx, acme.Brand.ID, "", "", 200)
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}

		if _, body := owner.get("/products"); !strings.Contains(body, `id="product-import-upload"`) {
			t.Fatalf("no upload form: %s", body)
		}

		// A row error shows its row and column, and nothing is imported.
		bad := "sku,title,Unit Cost\nSERUM,Serum,20.00\nCREAM,Cream,12.345\nSERUM,Again,1.00\n"
		resp, body := owner.upload("/products", "/products/import", "file", "bad.csv", []byte(bad))
		if resp.StatusCode != 422 || !strings.Contains(body, `id="product-import-errors"`) ||
			!strings.Contains(body, "<td>3</td><td>Unit Cost</td>") || !strings.Contains(body, "&#34;12.345&#34; is not an amount") ||
			!strings.Contains(body, "also on row 2") || strings.Contains(body, `id="product-import-confirm"`) {
			t.Fatalf("bad file preview: %d %s", resp.StatusCode, body)
		}
		// Nor when the file is posted to the confirm step directly.
		resp, _ = owner.postMultipart("/products", "/products/import/confirm", map[string]string{"content": b64(bad)})
		if resp.StatusCode != 422 || count() != 0 {
			t.Fatalf("bad file confirmed: %d, %d products", resp.StatusCode, count())
		}
		// A file that cannot be read at all says why.
		resp, body = owner.upload("/products", "/products/import", "file", "x.csv", []byte("title,cost\nSerum,1\n"))
		if resp.StatusCode != 422 || !strings.Contains(body, "no sku column") {
			t.Fatalf("no sku column: %d %s", resp.StatusCode, body)
		}
		resp, body = owner.upload("/products", "/products/import", "file", "x.csv",
			append([]byte("sku\n"), bytes.Repeat([]byte("x"), 2<<20)...))
		if resp.StatusCode != 422 || !strings.Contains(body, "the limit is 2.0 MiB") {
			t.Fatalf("too large: %d", resp.StatusCode)
		}

		// A good file: the preview stores nothing, Import stores it all.
		good := "\ufeffSKU;Title;Product Type;Unit Cost\r\nSERUM;Crème;Skin;20,00\r\nCREAM;Cream;Skin;\r\nOIL;Oil;Hair;7.50\r\n"
		resp, body = owner.upload("/products", "/products/import", "file", "catalog.csv", []byte(good))
		if resp.StatusCode != 200 || !strings.Contains(body, `id="product-import-creates">3 to create`) ||
			!strings.Contains(body, "20.00 USD") || !strings.Contains(body, "Crème") || count() != 0 {
			t.Fatalf("good preview: %d %s", resp.StatusCode, body)
		}
		resp, _ = owner.postMultipart("/products", "/products/import/confirm", confirmFields(t, body))
		if resp.StatusCode != 303 {
			t.Fatalf("import: %d", resp.StatusCode)
		}
		if _, body = owner.get("/products"); !strings.Contains(body, "Imported 3 products (3 created, 0 updated).") {
			t.Errorf("no flash: %s", body)
		}
		if p, err := a.Catalog.Get(ctx, acme.Brand.ID, "SERUM"); err != nil || p.UnitCost == nil || *p.UnitCost != 2000 ||
			p.Title != "Crème" || p.Category != "Skin" {
			t.Fatalf("serum: %+v %v", p, err)
		}
		if p, _ := a.Catalog.Get(ctx, acme.Brand.ID, "CREAM"); p.UnitCost != nil {
			t.Errorf("cream's empty cost is not unknown: %v", *p.UnitCost)
		}

		// Importing again updates: no duplicates, and columns the file does
		// not have are kept.
		again := "sku,unit_cost\nSERUM,21.00\nOIL,\nMASK,3.00\n"
		resp, body = owner.upload("/products", "/products/import", "file", "again.csv", []byte(again))
		if resp.StatusCode != 200 || !strings.Contains(body, `id="product-import-creates">1 to create`) ||
			!strings.Contains(body, `id="product-import-updates">2 to update`) {
			t.Fatalf("re-import preview: %d %s", resp.StatusCode, body)
		}
		resp, _ = owner.postMultipart("/products", "/products/import/confirm", confirmFields(t, body))
		if _, body = owner.get("/products"); resp.StatusCode != 303 || !strings.Contains(body, "Imported 3 products (1 created, 2 updated).") {
			t.Fatalf("re-import: %d %s", resp.StatusCode, body)
		}
		if n := count(); n != 4 {
			t.Errorf("%d products after re-import, want 4", n)
		}
		if p, _ := a.Catalog.Get(ctx, acme.Brand.ID, "SERUM"); *p.UnitCost != 2100 || p.Title != "Crème" {
			t.Errorf("serum after re-import: %+v", p)
		}
		if p, _ := a.Catalog.Get(ctx, acme.Brand.ID, "OIL"); p.UnitCost != nil || p.Category != "Hair" {
			t.Errorf("oil after re-import: %+v", p)
		}

		// An analyst can neither preview nor import.
		_, link, err := a.Brands.Invite(ctx, brand.Actor{Type: "cli", Label: "test"}, brand.Owner, acme.Brand.ID, "ana@acme.test", brand.Analyst)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Brands.AcceptInvite(ctx, path.Base(link), "", "Ana", "analyst password 1"); err != nil {
			t.Fatal(err)
		}
		ana := a.browser(t)
		ana.login("ana@acme.test", "analyst password 1")
		if _, body := ana.get("/products"); strings.Contains(body, `id="product-import-upload"`) {
			t.Errorf("analyst sees the upload form")
		}
		if resp, _ := ana.upload("/products", "/products/import", "file", "x.csv", []byte(again)); resp.StatusCode != 403 {
			t.Errorf("analyst previews: %d", resp.StatusCode)
		}
		if resp, _ := ana.postMultipart("/products", "/products/import/confirm", map[string]string{"content": b64("sku\nANA\n")}); resp.StatusCode != 403 {
			t.Errorf("analyst imports: %d", resp.StatusCode)
		}
		if _, err := a.Catalog.Get(ctx, acme.Brand.ID, "ANA"); err == nil {
			t.Errorf("the analyst's import was stored")
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
