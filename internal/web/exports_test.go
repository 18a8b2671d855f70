package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func TestExportsPageAndAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newTestApp(t, db)
		c := a.createBrand(t, "Acme", "owner@acme.test")
		o := a.createBrand(t, "Other", "owner@other.test")
		selfReferral(t, a, c.Brand, "=HYPERLINK(1)", "jo@creator.test", "5001")
		selfReferral(t, a, o.Brand, "Olly Other", "olly@creator.test", "6001")
		from := time.Now().AddDate(0, 0, -7).Format("2006-01-02")
		to := time.Now().AddDate(0, 0, 1).Format("2006-01-02")

		// Analysts may export: the data is what they can read on the pages.
		analyst := a.analyst(t, c.Brand.ID, "ana@acme.test")
		if status, body := analyst.get("/exports"); status != http.StatusOK || !strings.Contains(body, `id="export-form"`) {
			t.Fatalf("exports page: %d", status)
		}
		resp, err := analyst.client.Get(a.URL + "/exports/download?dataset=orders&from=" + from + "&to=" + to)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csv := string(body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "clout-orders-"+from+"-to-"+to+".csv") {
			t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
		}
		if !strings.HasPrefix(csv, "order_id,external_id,") || !strings.Contains(csv, ",5001,api,") ||
			!strings.Contains(csv, `'=HYPERLINK(1)`) || strings.Contains(csv, "6001") {
			t.Errorf("orders CSV:\n%s", csv)
		}
		if status, body := analyst.get("/exports/download?dataset=secrets&from=" + from + "&to=" + to); status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "must be one of") {
			t.Errorf("unknown dataset: %d", status)
		}

		status, body2 := a.api(t, "GET", "/api/v1/exports/commissions.csv?from="+from+"&to="+to, c.APIKey, "")
		if status != http.StatusOK || !strings.HasPrefix(body2, "entry_id,") || !strings.Contains(body2, ",10.00,USD,") || strings.Contains(body2, "Olly") {
			t.Errorf("API export: %d\n%s", status, body2)
		}
		status, body2 = a.api(t, "GET", "/api/v1/exports/creators.csv", o.APIKey, "")
		if status != http.StatusOK || !strings.Contains(body2, "Olly Other") || strings.Contains(body2, "HYPERLINK") {
			t.Errorf("other brand's API export: %d\n%s", status, body2)
		}
		if status, _ := a.api(t, "GET", "/api/v1/exports/secrets.csv", c.APIKey, ""); status != http.StatusNotFound {
			t.Errorf("unknown API export: %d", status)
		}
		if status, _ := a.api(t, "GET", "/api/v1/exports/orders.csv?from=2026-13-01", c.APIKey, ""); status != http.StatusUnprocessableEntity {
			t.Errorf("bad date: %d", status)
		}
	})
}
