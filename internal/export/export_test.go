package export_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/export"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

const master = "export-test-secret-0123456789abcdef"

var actor = brand.Actor{Type: "cli", Label: "test"}

// fixture is a small fixed data set in a New York brand: one creator whose
// name is a formula, one link with clicks on two days, two orders (one
// outside the range), commission entries (one held, one paid) and a paid
// payout.
type fixture struct {
	b, other *brand.Brand
	jo       string
	svc      *export.Service
	from, to time.Time
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if err := db.Exec(q, args...).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := mail.NewOutbox(db, log, false)
	brands := brand.NewService(db, secret.NewBox(master), outbox, log, brand.Options{BaseURL: "http://clout.test"})
	creators := creator.NewService(db, brands, outbox, "http://clout.test", master, log)
	mk := func(name string) *brand.Brand {
		c, err := brands.CreateBrand(ctx, brand.NewBrand{Name: name, OwnerEmail: strings.ToLower(store.RandomString(8)) + "@brand.test",
			Password: "correct horse battery", Currency: "USD"}, actor)
		if err != nil {
			t.Fatal(err)
		}
		exec(t, db, "UPDATE brands SET time_zone = 'America/New_York' WHERE id = ?", c.Brand.ID)
		b, err := brands.Get(ctx, c.Brand.ID)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, other := mk("Glow"), mk("Other")
	name, email, pay := "=HYPERLINK(\"http://evil.test\",\"Jo\")", "jo@creator.test", "+jo@bank.test"
	jo, _, err := creators.New(ctx, actor, b.ID, creator.Profile{Name: &name, Email: &email, PayoutEmail: &pay}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	oname, oemail := "Other creator", "oc@creator.test"
	oc, _, err := creators.New(ctx, actor, other.ID, creator.Profile{Name: &oname, Email: &oemail}, creator.Active)
	if err != nil {
		t.Fatal(err)
	}
	// Fixed ids and times (UTC; New York is UTC−5 in March before the 8th).
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	created := at("2026-03-01T15:00:00Z")
	exec(t, db, "UPDATE creators SET created_at = ? WHERE id IN ?", created, []string{jo.ID, oc.ID})
	// The fixture's queries name the creators cr_jo and cr_oc.
	ids := strings.NewReplacer("cr_jo", jo.ID, "cr_oc", oc.ID)
	exec := func(t *testing.T, db *store.DB, q string, args ...any) {
		t.Helper()
		for i, a := range args {
			if s, ok := a.(string); ok {
				args[i] = ids.Replace(s)
			}
		}
		if err := db.Exec(ids.Replace(q), args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(t, db, `INSERT INTO links (id, brand_id, creator_id, slug, slug_key, destination, label, status, created_at, updated_at)
		VALUES ('lnk_1', ?, 'cr_jo', 'jo', 'jo', ?, ?, 'active', ?, ?)`, b.ID, "https://shop.test/?a=1", "@jo bio", created, created)
	exec(t, db, `INSERT INTO links (id, brand_id, creator_id, slug, slug_key, destination, status, created_at, updated_at)
		VALUES ('lnk_o', ?, 'cr_oc', 'oc', 'oc', 'https://other.test/', 'active', ?, ?)`, other.ID, created, created)
	clicks := []struct {
		id, link, brand, at string
		bot, uniq           bool
	}{
		{"k1", "lnk_1", b.ID, "2026-03-02T04:59:00Z", false, true}, // March 1st in New York
		{"k2", "lnk_1", b.ID, "2026-03-02T05:00:00Z", false, true}, // March 2nd
		{"k3", "lnk_1", b.ID, "2026-03-02T06:00:00Z", false, false},
		{"k4", "lnk_1", b.ID, "2026-03-02T07:00:00Z", true, false},
		{"k5", "lnk_o", other.ID, "2026-03-02T07:00:00Z", false, true},
	}
	for _, k := range clicks {
		cr := "cr_jo"
		if k.brand == other.ID {
			cr = "cr_oc"
		}
		exec(t, db, `INSERT INTO clicks (id, clicked_at, brand_id, creator_id, link_id, visitor_hash, is_bot, is_unique)
			VALUES (?, ?, ?, ?, ?, 'v', ?, ?)`, k.id, at(k.at), k.brand, cr, k.link, k.bot, k.uniq)
	}
	order := func(id, brandID, creatorID, ext string, placed time.Time, net, refunded int64, codes, site string) {
		exec(t, db, `INSERT INTO orders (id, brand_id, source, external_id, placed_at, currency, subtotal, discount, net, refunded,
			discount_codes, click_id, status, creator_id, attribution_method, referring_site, created_at, updated_at)
			VALUES (?, ?, 'api', ?, ?, 'USD', ?, 0, ?, ?, ?, 'k2', 'open', ?, 'code', ?, ?, ?)`,
			id, brandID, ext, placed, net, net, refunded, codes, creatorID, site, placed, placed)
	}
	order("ord_1", b.ID, "cr_jo", "@1001", at("2026-03-02T15:30:00Z"), 12345, 2000, `["JO10","-X"]`, "https://www.retailmenot.com/")
	order("ord_2", b.ID, "cr_jo", "1002", at("2026-03-09T15:30:00Z"), 5000, 0, `[]`, "")
	order("ord_o", other.ID, "cr_oc", "9", at("2026-03-02T15:30:00Z"), 700, 0, `[]`, "")
	entry := func(id, brandID, creatorID, orderID string, amount int64, created time.Time, reason string) {
		exec(t, db, `INSERT INTO commission_entries (id, brand_id, creator_id, order_id, month, component, kind, amount, currency,
			explanation, reason, actor, payable_at, created_at) VALUES (?, ?, ?, ?, '2026-03', ?, 'sale', ?, 'USD', '10% of 123.45', ?, '', ?, ?)`,
			id, brandID, creatorID, orderID, "sale:"+orderID, amount, reason, created, created)
	}
	entry("ce_1", b.ID, "cr_jo", "ord_1", 1235, at("2026-03-02T16:00:00Z"), "")
	entry("ce_2", b.ID, "cr_jo", "ord_1", -200, at("2026-03-03T16:00:00Z"), "@SUM(A1)")
	entry("ce_o", other.ID, "cr_oc", "ord_o", 70, at("2026-03-02T16:00:00Z"), "")
	exec(t, db, `INSERT INTO payout_batches (id, brand_id, status, currency, cutoff, total, item_count, skipped_count, created_by, created_at, updated_at)
		VALUES ('pb_1', ?, 'completed', 'USD', ?, 1235, 1, 0, 'user:u', ?, ?)`, b.ID, at("2026-03-04T00:00:00Z"), at("2026-03-04T01:00:00Z"), at("2026-03-04T01:00:00Z"))
	exec(t, db, `INSERT INTO payout_items (id, batch_id, brand_id, creator_id, amount, currency, entry_count, method, destination, status, reference, paid_at, updated_at)
		VALUES ('po_1', 'pb_1', ?, 'cr_jo', 1235, 'USD', 1, 'manual', ?, 'paid', ?, ?, ?)`, b.ID, "+jo@bank.test", "=cmd|calc", at("2026-03-05T12:00:00Z"), at("2026-03-05T12:00:00Z"))
	exec(t, db, "INSERT INTO payout_entries (entry_id, batch_id, creator_id) VALUES ('ce_1', 'pb_1', 'cr_jo')")
	exec(t, db, `INSERT INTO holds (id, brand_id, creator_id, kind, reason, entry_count, amount, currency, created_by, created_at)
		VALUES ('hld_1', ?, 'cr_jo', 'self_referral', 'x', 1, -200, 'USD', 'user:u', ?)`, b.ID, at("2026-03-04T00:00:00Z"))
	exec(t, db, "INSERT INTO commission_holds (hold_id, entry_id, brand_id) VALUES ('hld_1', 'ce_2', ?)", b.ID)

	// The range: March 1st to 7th in New York.
	loc, _ := time.LoadLocation("America/New_York")
	f := &fixture{b: b, other: other, jo: jo.ID, svc: export.NewService(db),
		from: time.Date(2026, 3, 1, 0, 0, 0, 0, loc), to: time.Date(2026, 3, 8, 0, 0, 0, 0, loc)}
	f.svc.SetClock(func() time.Time { return at("2026-03-10T00:00:00Z") })
	return f
}

func (f *fixture) csv(t *testing.T, b *brand.Brand, dataset string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f.svc.Write(context.Background(), b, dataset, f.from, f.to, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestExportsExactCSV(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		want := map[string]string{
			export.Creators: `creator_id,name,email,status,source,country,niche,payout_email,total_audience,created_at,orders,revenue,refunded,commission,currency
cr_jo,"'=HYPERLINK(""http://evil.test"",""Jo"")",jo@creator.test,active,api,,,'+jo@bank.test,0,2026-03-01T10:00:00-05:00,1,123.45,20.00,10.35,USD
`,
			export.Links: `link_id,slug,creator_id,creator_name,destination,label,status,created_at,human_clicks,unique_human_clicks
lnk_1,jo,cr_jo,"'=HYPERLINK(""http://evil.test"",""Jo"")",https://shop.test/?a=1,'@jo bio,active,2026-03-01T10:00:00-05:00,3,2
`,
			export.Clicks: `date,link_id,slug,creator_id,clicks,human_clicks,unique_human_clicks,bot_clicks
2026-03-01,lnk_1,jo,cr_jo,1,1,1,0
2026-03-02,lnk_1,jo,cr_jo,3,2,1,1
`,
			export.Orders: `order_id,external_id,source,placed_at,currency,subtotal,discount,net,shipping,tax,refunded,status,creator_id,creator_name,attribution_method,codes,click_id,referring_site
ord_1,'@1001,api,2026-03-02T10:30:00-05:00,USD,123.45,0.00,123.45,0.00,0.00,20.00,open,cr_jo,"'=HYPERLINK(""http://evil.test"",""Jo"")",code,JO10 -X,k2,https://www.retailmenot.com/
`,
			export.Commissions: `entry_id,created_at,creator_id,creator_name,order_id,order_external_id,month,kind,amount,currency,payable_at,status,payout_batch_id,hold_id,explanation,reason,actor
ce_1,2026-03-02T11:00:00-05:00,cr_jo,"'=HYPERLINK(""http://evil.test"",""Jo"")",ord_1,'@1001,2026-03,sale,12.35,USD,2026-03-02T11:00:00-05:00,paid,pb_1,,10% of 123.45,,
ce_2,2026-03-03T11:00:00-05:00,cr_jo,"'=HYPERLINK(""http://evil.test"",""Jo"")",ord_1,'@1001,2026-03,sale,-2.00,USD,2026-03-03T11:00:00-05:00,held,,hld_1,10% of 123.45,'@SUM(A1),
`,
			export.Payouts: `batch_id,batch_status,batch_created_at,cutoff,item_id,creator_id,creator_name,amount,currency,entries,method,status,transfer_id,reference,failure,paid_at
pb_1,completed,2026-03-03T20:00:00-05:00,2026-03-03T19:00:00-05:00,po_1,cr_jo,"'=HYPERLINK(""http://evil.test"",""Jo"")",12.35,USD,1,manual,paid,,'=cmd|calc,,2026-03-05T07:00:00-05:00
`,
		}
		for _, d := range export.Datasets {
			if got, w := f.csv(t, f.b, d.Name), strings.ReplaceAll(want[d.Name], "cr_jo", f.jo); got != w {
				t.Errorf("%s:\n got: %s\nwant: %s", d.Name, got, w)
			}
		}
		// The other brand's export has only its own rows.
		for _, d := range []string{export.Orders, export.Commissions, export.Payouts} {
			got := f.csv(t, f.other, d)
			if strings.Contains(got, f.jo) || strings.Contains(got, "ord_1") {
				t.Errorf("other brand's %s export has Glow's rows:\n%s", d, got)
			}
		}
		if got := f.csv(t, f.other, export.Orders); !strings.Contains(got, "ord_o") {
			t.Errorf("other brand's orders: %s", got)
		}
	})
}

func TestExportChecks(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ve validate.Errors
	if err := export.Check("secrets", from, from.AddDate(0, 0, 1)); !errors.As(err, &ve) || ve[0].Field != "dataset" {
		t.Errorf("unknown dataset: %v", err)
	}
	if err := export.Check(export.Orders, from, from); err == nil {
		t.Error("an empty range was accepted")
	}
	if err := export.Check(export.Clicks, from, from.AddDate(2, 0, 0)); err == nil {
		t.Error("two years of clicks were accepted")
	}
	if err := export.Check(export.Orders, from, from.AddDate(5, 0, 0)); err != nil {
		t.Errorf("five years of orders: %v", err)
	}
}
