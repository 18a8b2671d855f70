package commission_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/secret"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
	"golang.org/x/crypto/bcrypt"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

func newCatalog(t *testing.T, db *store.DB) (*commission.CatalogService, func() string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	brands := brand.NewService(db, secret.NewBox(strings.Repeat("m", 32)), mail.NewOutbox(db, log, false), log,
		brand.Options{BaseURL: "http://clout.test"})
	n := 0
	newBrand := func() string {
		n++
		c, err := brands.CreateBrand(context.Background(), brand.NewBrand{Name: fmt.Sprintf("Brand %d %d", n, time.Now().UnixNano()),
			OwnerEmail: fmt.Sprintf("owner%d.%d@brand.test", n, time.Now().UnixNano()), Password: "correct horse battery",
			Currency: "USD"}, brand.Actor{Type: "cli", Label: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return c.Brand.ID
	}
	return commission.NewCatalog(db, log), newBrand
}

func str(s string) *string { return &s }

func fields(err error) map[string]string {
	var ve validate.Errors
	if !errors.As(err, &ve) {
		return nil
	}
	return ve.Map()
}

func TestCatalogPut(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat, newBrand := newCatalog(t, db)
		b1, b2 := newBrand(), newBrand()

		p, created, err := cat.Put(ctx, b1, " SERUM-1 ", commission.ProductPatch{Title: str("Serum"), ProductID: str("gid-1"),
			Category: str("Skin"), UnitCost: nullable.Of[int64](2000)})
		if err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		if p.SKU != "SERUM-1" || p.Title != "Serum" || p.UnitCost == nil || *p.UnitCost != 2000 {
			t.Fatalf("created %+v", p)
		}
		// An update leaves absent fields alone.
		p, created, err = cat.Put(ctx, b1, "SERUM-1", commission.ProductPatch{Title: str("Serum 30ml")})
		if err != nil || created {
			t.Fatalf("update: %v %v", created, err)
		}
		if p.Title != "Serum 30ml" || p.Category != "Skin" || p.ProductID != "gid-1" || p.UnitCost == nil || *p.UnitCost != 2000 {
			t.Fatalf("updated %+v", p)
		}
		// null makes the cost unknown.
		if p, _, err = cat.Put(ctx, b1, "SERUM-1", commission.ProductPatch{UnitCost: nullable.Null[int64]()}); err != nil || p.UnitCost != nil {
			t.Fatalf("clear cost: %+v %v", p, err)
		}
		got, err := cat.Get(ctx, b1, "SERUM-1")
		if err != nil || got.UnitCost != nil || got.Title != "Serum 30ml" {
			t.Fatalf("get: %+v %v", got, err)
		}
		// Brand-scoped: the other brand sees nothing, and may use the same sku.
		if _, err := cat.Get(ctx, b2, "SERUM-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other brand's get: %v", err)
		}
		if _, created, err := cat.Put(ctx, b2, "SERUM-1", commission.ProductPatch{}); err != nil || !created {
			t.Fatalf("same sku, other brand: %v %v", created, err)
		}

		for _, c := range []struct {
			sku   string
			patch commission.ProductPatch
			field string
		}{
			{"  ", commission.ProductPatch{}, "sku"},
			{strings.Repeat("x", 101), commission.ProductPatch{}, "sku"},
			{"A", commission.ProductPatch{UnitCost: nullable.Of[int64](-1)}, "unit_cost"},
			{"A", commission.ProductPatch{UnitCost: nullable.Of[int64](commission.MaxUnitCost + 1)}, "unit_cost"},
			{"A", commission.ProductPatch{Title: str(strings.Repeat("t", 201))}, "title"},
			{"A", commission.ProductPatch{Category: str(strings.Repeat("c", 201))}, "category"},
			{"A", commission.ProductPatch{ProductID: str(strings.Repeat("p", 201))}, "product_id"},
		} {
			if _, _, err := cat.Put(ctx, b1, c.sku, c.patch); fields(err)[c.field] == "" {
				t.Errorf("%q %+v: want an error on %s, got %v", c.sku, c.patch, c.field, err)
			}
		}
		if _, err := cat.Get(ctx, b1, "A"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an invalid put stored something: %v", err)
		}
		// The limits themselves are fine.
		if _, _, err := cat.Put(ctx, b1, strings.Repeat("é", 100), commission.ProductPatch{Title: str(strings.Repeat("é", 200)),
			UnitCost: nullable.Of[int64](commission.MaxUnitCost)}); err != nil {
			t.Errorf("limits: %v", err)
		}
	})
}

func TestCatalogPutMany(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat, newBrand := newCatalog(t, db)
		b := newBrand()
		if _, _, err := cat.Put(ctx, b, "A", commission.ProductPatch{Title: str("Old A")}); err != nil {
			t.Fatal(err)
		}
		// One bad item: nothing is stored, and the error names it.
		_, err := cat.PutMany(ctx, b, []commission.ProductInput{
			{SKU: "A", ProductPatch: commission.ProductPatch{Title: str("New A")}},
			{SKU: "B"}, {SKU: "C"},
			{SKU: "D", ProductPatch: commission.ProductPatch{UnitCost: nullable.Of[int64](-5)}},
		})
		if fields(err)["products[3].unit_cost"] == "" {
			t.Fatalf("want products[3].unit_cost, got %v", err)
		}
		if p, _ := cat.Get(ctx, b, "A"); p.Title != "Old A" {
			t.Errorf("A changed: %+v", p)
		}
		if _, err := cat.Get(ctx, b, "B"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("B stored: %v", err)
		}
		_, err = cat.PutMany(ctx, b, []commission.ProductInput{{SKU: "X"}, {SKU: " X"}})
		if fields(err)["products[1].sku"] == "" {
			t.Errorf("duplicate sku: %v", err)
		}
		if _, err := cat.PutMany(ctx, b, nil); fields(err)["products"] == "" {
			t.Errorf("empty list: %v", err)
		}

		res, err := cat.PutMany(ctx, b, []commission.ProductInput{
			{SKU: "A", ProductPatch: commission.ProductPatch{Title: str("New A"), UnitCost: nullable.Of[int64](100)}},
			{SKU: "B", ProductPatch: commission.ProductPatch{ProductID: str("pb")}},
		})
		if err != nil || len(res) != 2 || res[0].Created || !res[1].Created || res[0].Product.Title != "New A" {
			t.Fatalf("bulk: %+v %v", res, err)
		}
	})
}

func TestCatalogListAndMatch(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat, newBrand := newCatalog(t, db)
		b, other := newBrand(), newBrand()
		var in []commission.ProductInput
		for i := 0; i < 7; i++ {
			in = append(in, commission.ProductInput{SKU: fmt.Sprintf("SKU-%02d", i), ProductPatch: commission.ProductPatch{
				Title: str(fmt.Sprintf("Item %d", i)), ProductID: str(fmt.Sprintf("p%d", i/2)), Category: str("Hair_Care")}})
		}
		in[3].Title = str("Lip 100% Balm")
		if _, err := cat.PutMany(ctx, b, in); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cat.Put(ctx, other, "SKU-99", commission.ProductPatch{ProductID: str("p0")}); err != nil {
			t.Fatal(err)
		}

		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			items, next, err := cat.List(ctx, b, "", cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range items {
				seen = append(seen, p.SKU)
			}
			if next == "" {
				if pages != 2 {
					t.Errorf("pages: %d", pages+1)
				}
				break
			}
			cursor = next
		}
		if strings.Join(seen, ",") != "SKU-00,SKU-01,SKU-02,SKU-03,SKU-04,SKU-05,SKU-06" {
			t.Errorf("listed %v", seen)
		}
		for q, want := range map[string]int{"lip 100%": 1, "100%": 1, "%": 1, "sku-0": 7, "p3": 1, "HAIR_care": 7, "r_c": 7, "nothing": 0, "_": 7} {
			items, _, err := cat.List(ctx, b, q, "", 0)
			if err != nil || len(items) != want {
				t.Errorf("q=%q: %d items (want %d), %v", q, len(items), want, err)
			}
		}
		if _, _, err := cat.List(ctx, b, "", "!!", 0); fields(err)["cursor"] == "" {
			t.Errorf("bad cursor: %v", err)
		}

		m, err := cat.Match(ctx, b, []commission.LineRef{
			{SKU: "SKU-05", ProductID: "p0"}, // sku wins
			{SKU: "gone", ProductID: "p1"},   // product id: SKU-02 or SKU-03, the smaller sku
			{SKU: "gone"},                    // nothing
			{ProductID: "p9"},                // nothing
			{SKU: "SKU-99"},                  // the other brand's
			{ProductID: "p3"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{0: "SKU-05", 1: "SKU-02", 5: "SKU-06"}
		if len(m) != len(want) {
			t.Errorf("matched %d lines: %v", len(m), m)
		}
		for i, sku := range want {
			if m[i] == nil || m[i].SKU != sku {
				t.Errorf("line %d: %+v, want %s", i, m[i], sku)
			}
		}
		if m, err := cat.Match(ctx, b, nil); err != nil || len(m) != 0 {
			t.Errorf("no lines: %v %v", m, err)
		}
	})
}
