package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

// upload posts a file as a multipart form, with the CSRF token of the page
// at from.
func (b *browser) upload(from, target, field, filename string, content []byte) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("_csrf", b.csrf(from)); err != nil {
		b.t.Fatal(err)
	}
	fw, err := w.CreateFormFile(field, filename)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(content)
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

type importProgress struct {
	Status    string `json:"status"`
	Total     int    `json:"total"`
	Processed int    `json:"processed"`
	Created   int    `json:"created"`
	Existing  int    `json:"existing"`
	Failed    int    `json:"failed"`
}

// A Shopify-like export: order-level columns on each order's first row;
// #1003 has a negative quantity on row 5.
const importCSV = "Name,Email,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Discount Code\r\n" +
	"#1001,ann@shop.test,USD,2026-03-01 10:00:00 -0500,2,Serum,19.99,SERUM,\r\n" +
	"#1001,,,,1,Cream,30.00,CREAM,\r\n" +
	"#1002,bob@shop.test,USD,2026-03-02 09:30:00 -0500,1,Mask,12.50,MASK,SPRING\r\n" +
	"#1003,cy@shop.test,USD,2026-03-02 11:00:00 -0500,-1,Mask,12.50,MASK,\r\n"

var importLocation = regexp.MustCompile(`^/orders/import/(imp_[A-Za-z0-9]+)$`)

func TestOrderCSVImportFlow(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		acme := a.createBrand(t, "Acme", "owner@acme.test")
		owner := a.browser(t)
		owner.login("owner@acme.test", pw)

		if status, body := owner.get("/orders/import"); status != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) ||
			!strings.Contains(body, "10 MiB") {
			t.Fatalf("upload form: %d", status)
		}
		// No file, then a file that is not CSV: the form says why.
		resp, body := owner.upload("/orders/import", "/orders/import", "nofile", "x.csv", []byte("x"))
		if resp.StatusCode != 422 || !strings.Contains(body, "choose a CSV file") {
			t.Fatalf("no file: %d", resp.StatusCode)
		}
		resp, body = owner.upload("/orders/import", "/orders/import", "file", "orders.xlsx", []byte("PK\x03\x04..."))
		if resp.StatusCode != 422 || !strings.Contains(body, "xlsx") {
			t.Fatalf("xlsx: %d", resp.StatusCode)
		}

		resp, _ = owner.upload("/orders/import", "/orders/import", "file", "orders_export.csv", []byte(importCSV))
		m := importLocation.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("upload: %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		id, page := m[1], m[0]

		// The mapping step: guessed columns, and the preview with the bad row's error.
		status, body := owner.get(page)
		if status != 200 {
			t.Fatalf("mapping page: %d", status)
		}
		for _, want := range []string{`<option value="Name" selected>`, `<option value="Lineitem sku" selected>`,
			`<option value="Created at" selected>`, `id="import-preview"`, "2 ready to import", "1 with problems",
			"must be a positive whole number", "row 5, quantity (Lineitem quantity)"} {
			if !strings.Contains(body, want) {
				t.Errorf("mapping page lacks %q", want)
			}
		}
		mapping := url.Values{"map_order_id": {"Name"}, "map_placed_at": {"Created at"}, "map_currency": {"Currency"},
			"map_sku": {"Lineitem sku"}, "map_title": {"Lineitem name"}, "map_quantity": {"Lineitem quantity"},
			"map_unit_price": {"Lineitem price"}, "map_discount_code": {"Discount Code"}, "map_customer_email": {"Email"}}

		// Checking a mapping without a required field shows the error beside it, and starts nothing.
		bad := url.Values{"action": {"start"}}
		for k, v := range mapping {
			if k != "map_quantity" {
				bad[k] = v
			}
		}
		resp, body = owner.post(page, page, bad)
		if resp.StatusCode != 422 || !strings.Contains(body, "choose the column that holds the quantity") {
			t.Fatalf("start without quantity: %d", resp.StatusCode)
		}
		check := url.Values{"action": {"preview"}}
		for k, v := range mapping {
			check[k] = v
		}
		check.Set("map_title", "")
		if resp, body := owner.post(page, page, check); resp.StatusCode != 200 || strings.Contains(body, "<th>Title</th>") ||
			!strings.Contains(body, "<th>SKU</th>") {
			t.Fatalf("preview with another mapping: %d", resp.StatusCode)
		}

		start := url.Values{"action": {"start"}}
		for k, v := range mapping {
			start[k] = v
		}
		resp, _ = owner.post(page, page, start)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
			t.Fatalf("start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		// Poll the progress until the import ends (bounded, not timed).
		var p importProgress
		deadline := time.Now().Add(30 * time.Second)
		for {
			status, body := owner.get(page + "/progress")
			if status != 200 {
				t.Fatalf("progress: %d %s", status, body)
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatalf("progress JSON %q: %v", body, err)
			}
			if p.Status != string(order.ImportImporting) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("import still running after 30s: %+v", p)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if p.Status != "done" || p.Total != 3 || p.Processed != 3 || p.Created != 2 || p.Existing != 0 || p.Failed != 1 {
			t.Fatalf("progress = %+v", p)
		}

		// The report.
		status, body = owner.get(page)
		if status != 200 {
			t.Fatalf("report: %d", status)
		}
		for _, want := range []string{`id="import-report"`, `href="/orders?source=csv"`, "#1003", "row 5, quantity"} {
			if !strings.Contains(body, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if strings.Contains(body, `id="import-mapping"`) {
			t.Error("a finished import still offers its mapping form")
		}
		o, err := a.Orders.ByExternalID(context.Background(), acme.Brand.ID, order.CSV, "#1001")
		if err != nil || len(o.Lines) != 2 || o.Subtotal != 6998 {
			t.Fatalf("imported order #1001: %+v, %v", o, err)
		}
		if _, err := a.Orders.ByExternalID(context.Background(), acme.Brand.ID, order.CSV, "#1003"); err == nil {
			t.Error("the invalid order was imported")
		}
		// Starting it again is refused.
		resp, _ = owner.post(page, page, start)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("second start: %d", resp.StatusCode)
		}
		if status, body := owner.get("/orders/import"); status != 200 || !strings.Contains(body, "orders_export.csv") {
			t.Errorf("recent imports: %d", status)
		}

		// The same file again, held while running to see its progress page,
		// then run: nothing new.
		resp, _ = owner.upload("/orders/import", "/orders/import", "file", "orders_export.csv", []byte(importCSV))
		m = importLocation.FindStringSubmatch(resp.Header.Get("Location"))
		if m == nil {
			t.Fatalf("second upload: %d", resp.StatusCode)
		}
		again, _ := a.Orders.GetImport(context.Background(), acme.Brand.ID, m[1])
		job, err := a.Orders.Import(context.Background(), acme.Brand.ID, again.ID, again.Mapping)
		if err != nil {
			t.Fatal(err)
		}
		status, body = owner.get(m[0])
		for _, want := range []string{`<progress id="import-bar" value="0" max="3"`, `data-progress-url="` + m[0] + `/progress"`,
			`<noscript><meta http-equiv="refresh" content="2"></noscript>`, `<script src="/static/js/import.js" defer></script>`} {
			if status != 200 || !strings.Contains(body, want) {
				t.Errorf("progress page (%d) lacks %q", status, want)
			}
		}
		if strings.Contains(body, `id="import-mapping"`) || strings.Contains(body, `id="import-report"`) {
			t.Error("a running import shows its mapping form or a report")
		}
		if err := job.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, body = owner.get(m[0] + "/progress")
		if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != "done" || p.Created != 0 || p.Existing != 2 || p.Failed != 1 {
			t.Errorf("re-import progress %+v, %v", p, err)
		}

		// An analyst cannot import, nor see an import.
		ana := a.analyst(t, acme.Brand.ID, "ana@acme.test")
		if status, _ := ana.get("/orders/import"); status != 403 {
			t.Errorf("analyst opens the import form: %d", status)
		}
		if resp, _ := ana.upload("/dashboard", "/orders/import", "file", "x.csv", []byte(importCSV)); resp.StatusCode != 403 {
			t.Errorf("analyst uploads: %d", resp.StatusCode)
		}
		if status, _ := ana.get(page); status != 403 {
			t.Errorf("analyst opens an import: %d", status)
		}

		// Another brand's owner gets a 404 for every address of the import.
		a.createBrand(t, "Other", "boss@other.test")
		boss := a.browser(t)
		boss.login("boss@other.test", pw)
		for _, p := range []string{page, page + "/progress"} {
			if status, _ := boss.get(p); status != 404 {
				t.Errorf("other brand GET %s: %d", p, status)
			}
		}
		if resp, _ := boss.post("/orders/import", page, start); resp.StatusCode != 404 {
			t.Errorf("other brand starts the import: %d", resp.StatusCode)
		}
		if got, err := a.Orders.GetImport(context.Background(), acme.Brand.ID, id); err != nil || got.Status != order.ImportDone {
			t.Errorf("import after the other brand's tries: %+v, %v", got, err)
		}
	})
}

// The upload has its own body limit: a file over the app's 2 MB limit is
// read, one over the import's 10 MiB limit is refused before any form
// parsing, and nothing is stored for it.
func TestOrderCSVUploadLimit(t *testing.T) {
	a := newTestApp(t, testutil.SQLite(t))
	c := a.createBrand(t, "Big Co", "owner@big.test")
	b := a.browser(t)
	b.login("owner@big.test", "correct horse battery")
	row := "#1,ann@shop.test,USD,2026-03-01 10:00:00,1,Serum,19.99,SERUM,\r\n"
	header := "Name,Email,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Discount Code\r\n"
	three := []byte(header + strings.Repeat(row, 3<<20/len(row)))
	resp, body := b.upload("/orders/import", "/orders/import", "file", "three.csv", three)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a 3 MB file: %d %s", resp.StatusCode, body)
	}
	twelve := []byte(header + strings.Repeat(row, 12<<20/len(row)))
	resp, _ = b.upload("/orders/import", "/orders/import", "file", "twelve.csv", twelve)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 12 MB file: %d", resp.StatusCode)
	}
	if n := countRows(t, a.DB, "order_imports", c.Brand.ID); n != 1 {
		t.Errorf("%d imports stored, want 1", n)
	}
}
