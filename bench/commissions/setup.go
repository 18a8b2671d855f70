package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// plan is the brand's default plan, the worked example: marginal
// revenue tiers, 10% from 0 and 15% from 1,000.00, commission at most 50%
// of the margin.
var plan = commission.Plan{TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
	Tiers: []commission.Tier{{From: 0, RateBps: 1000}, {From: 100_000, RateBps: 1500}}, MarginCapBps: 5000}

var actor = brand.Actor{Type: "cli", Label: "commissions bench"}

// world is what the app holds before the orders: the brand, its creators
// (each with a discount code) and its catalog.
type world struct {
	app           *app.App
	brand         *brand.Brand
	creators      []seedCreator
	products      []seedProduct
	creatorMonths int // filled by generate
}

type seedCreator struct {
	id, code string
	bps      int64 // the code's discount
}

type seedProduct struct {
	sku, productID, title, category string
	price, cost                     int64
}

var (
	firstNames = strings.Fields("Sarah Jules Maya Theo Nina Omar Lena Kai Zoe Ravi Ines Hugo Ava Leo Mila Sam Ivy Finn Noor Eli")
	goods      = strings.Fields("Serum Cleanser Toner Mask Balm Mist Oil Cream Scrub Gel")
	categories = strings.Fields("skincare skincare skincare haircare body fragrance")
)

// setup builds the app as cmd/clout does (app.New) and, through its
// services, a USD brand (30-day hold, its default) with the default plan,
// the creators (creator.Service.New, active, each with a percent code) and
// the products (CatalogService.PutMany, each with a unit cost).
func setup(ctx context.Context, db *store.DB, o options) (*world, error) {
	auth.BcryptCost = bcrypt.MinCost
	vars := map[string]string{"CLOUT_SECRET": "bench-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": os.TempDir(),
		"CLOUT_STRIPE_API_BASE": "http://127.0.0.1:1", "CLOUT_BASE_URL": "https://go.clout.test"}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	created, err := a.Brands.CreateBrand(ctx, brand.NewBrand{Name: "Bench Co", OwnerEmail: "owner@example.com",
		Password: "correct horse battery", Currency: "USD"}, actor)
	if err != nil {
		return nil, err
	}
	w := &world{app: a, brand: created.Brand}
	if w.brand.HoldDays != 30 || w.brand.Currency != "USD" {
		return nil, fmt.Errorf("the new brand holds %d days in %s, want 30 in USD", w.brand.HoldDays, w.brand.Currency)
	}
	p, err := a.Plans.Create(ctx, actor, w.brand.ID, "Standard", plan)
	if err != nil {
		return nil, err
	}
	if err := a.Plans.SetDefault(ctx, actor, w.brand.ID, p.ID); err != nil {
		return nil, err
	}
	for i := range o.creators {
		first := firstNames[i%len(firstNames)]
		name, email := fmt.Sprintf("%s Creator%d", first, i), fmt.Sprintf("%s.%d@creators.example.com", strings.ToLower(first), i)
		c, _, err := a.Creators.New(ctx, actor, w.brand.ID, creator.Profile{Name: &name, Email: &email}, creator.Active)
		if err != nil {
			return nil, fmt.Errorf("creator %d: %w", i, err)
		}
		bps := int64(1000 + 500*(i%3))
		code, err := a.Codes.Create(ctx, w.brand.ID, c.ID, coupon.Input{Code: fmt.Sprintf("%s%d", strings.ToUpper(first), i),
			DiscountType: coupon.Percent, DiscountValue: bps})
		if err != nil {
			return nil, fmt.Errorf("code of creator %d: %w", i, err)
		}
		w.creators = append(w.creators, seedCreator{id: c.ID, code: code.Code, bps: bps})
	}
	var items []commission.ProductInput
	for i := range o.products {
		// Prices 9.00 to 148.00; costs 20% to 80% of the price, so that the
		// 50% margin cap binds on the dearer-to-make products.
		sp := seedProduct{sku: fmt.Sprintf("SKU-%03d", i), productID: fmt.Sprintf("gid://shopify/Product/%d", 8_000_000+i),
			title: fmt.Sprintf("%s No. %d", goods[i%len(goods)], i), category: categories[i%len(categories)],
			price: int64(900 + 1300*(i%11) + 100*(i%7))}
		sp.cost = sp.price * int64(20+(i*13)%61) / 100
		w.products = append(w.products, sp)
		title, pid, cat := sp.title, sp.productID, sp.category
		items = append(items, commission.ProductInput{SKU: sp.sku, ProductPatch: commission.ProductPatch{Title: &title,
			ProductID: &pid, Category: &cat, UnitCost: nullable.Of(sp.cost)}})
	}
	for start := 0; start < len(items); start += commission.MaxBulkProducts {
		if _, err := a.Catalog.PutMany(ctx, w.brand.ID, items[start:min(start+commission.MaxBulkProducts, len(items))]); err != nil {
			return nil, fmt.Errorf("products: %w", err)
		}
	}
	return w, nil
}
