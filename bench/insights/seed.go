package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/bench/internal/benchdb"
	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/store"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

const (
	ownerEmail = "owner@example.com"
	password   = "correct horse battery"
	timeZone   = "America/New_York"
	holdDays   = 14
	// Shares of the seeded data.
	botShare     = 0.05 // clicks classified as bots
	uniqueShare  = 0.70 // clicks marked unique (a visitor's first on the link)
	clickOrders  = 0.60 // orders attributed by a click (the rest by code)
	fullRefunds  = 0.02 // orders refunded in full
	partRefunds  = 0.03 // orders refunded in part (10% to 50%)
	cancels      = 0.01 // orders cancelled
	commissionBp = 1000 // sale commission, of the net (seeded entries)
)

// plan is the brand's default plan (as bench/commissions): marginal revenue
// tiers, 10% from 0 and 15% from 1,000.00, at most 50% of the margin. It
// prices orders only with -ledger.
var plan = commission.Plan{TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
	Tiers: []commission.Tier{{From: 0, RateBps: 1000}, {From: 100_000, RateBps: 1500}}, MarginCapBps: 5000}

var actor = brand.Actor{Type: "cli", Label: "insights bench"}

// world is what the app holds before the bulk data.
type world struct {
	app      *app.App
	brand    *brand.Brand
	loc      *time.Location
	creators []seedCreator // by rank: creators[0] is the top of the power law
	products int
	days     []time.Time // local midnights of the seeded days, oldest first
	url      string      // the app's base URL (the listener below)
	ln       net.Listener
}

type seedCreator struct {
	id, code string
	bps      int64
	links    []string
}

var (
	firstNames = strings.Fields("Sarah Jules Maya Theo Nina Omar Lena Kai Zoe Ravi Ines Hugo Ava Leo Mila Sam Ivy Finn Noor Eli")
	goods      = strings.Fields("Serum Cleanser Toner Mask Balm Mist Oil Cream Scrub Gel")
	categories = strings.Fields("skincare skincare skincare haircare body fragrance")
	// linkPlatforms: the platform of a creator's links; "" is not said
	// (reports then use the creator's main platform).
	linkPlatforms = []string{"instagram", "tiktok", "youtube", "newsletter", "x", "twitch"}
)

// setup builds the app as cmd/clout does (app.New) on a loopback listener's
// URL and, through its services, the brand (USD, America/New_York, 14
// hold days, the shop's domain allowed), the default plan, the products
// with their costs, and the creators with handles, a code and their links.
func setup(ctx context.Context, db *store.DB, o options) (*world, error) {
	auth.BcryptCost = bcrypt.MinCost
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &world{ln: ln, url: "http://" + ln.Addr().String(), products: o.products}
	// Production, as deployed; http so the session cookie is sent over
	// loopback (an https base URL makes it Secure).
	vars := map[string]string{"CLOUT_SECRET": "bench-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": os.TempDir(),
		"CLOUT_STRIPE_API_BASE": "http://127.0.0.1:1", "CLOUT_BASE_URL": w.url, "CLOUT_ENV": "production"}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	w.app = a
	created, err := a.Brands.CreateBrand(ctx, brand.NewBrand{Name: "Bench Co", OwnerEmail: ownerEmail, Password: password,
		Currency: "USD"}, actor)
	if err != nil {
		return nil, err
	}
	tz, hold, domains := timeZone, holdDays, []string{"shop.test"}
	b, err := a.Brands.UpdateSettings(ctx, actor, created.Brand.ID, brand.SettingsPatch{TimeZone: &tz, HoldDays: &hold,
		AllowedDomains: &domains})
	if err != nil {
		return nil, fmt.Errorf("brand settings: %w", err)
	}
	w.brand = b
	if w.loc, err = time.LoadLocation(timeZone); err != nil {
		return nil, err
	}
	p, err := a.Plans.Create(ctx, actor, b.ID, "Standard", plan)
	if err != nil {
		return nil, err
	}
	if err := a.Plans.SetDefault(ctx, actor, b.ID, p.ID); err != nil {
		return nil, err
	}
	var items []commission.ProductInput
	for i := range o.products {
		price := int64(900 + 1300*(i%11) + 100*(i%7))
		cost := price * int64(20+(i*13)%61) / 100
		title, pid, cat := fmt.Sprintf("%s No. %d", goods[i%len(goods)], i), fmt.Sprintf("gid://shopify/Product/%d", 8_000_000+i),
			categories[i%len(categories)]
		items = append(items, commission.ProductInput{SKU: fmt.Sprintf("SKU-%03d", i), ProductPatch: commission.ProductPatch{
			Title: &title, ProductID: &pid, Category: &cat, UnitCost: nullable.Of(cost)}})
	}
	for start := 0; start < len(items); start += commission.MaxBulkProducts {
		if _, err := a.Catalog.PutMany(ctx, b.ID, items[start:min(start+commission.MaxBulkProducts, len(items))]); err != nil {
			return nil, fmt.Errorf("products: %w", err)
		}
	}

	// Creators, 4 at a time through the services.
	w.creators = make([]seedCreator, o.creators)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				if err := newCreator(ctx, w, i); err != nil {
					errs <- fmt.Errorf("creator %d: %w", i, err)
					return
				}
			}
		})
	}
	go func() {
		defer close(next)
		for i := range o.creators {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		for range next { // let the feeder finish
		}
		return nil, err
	}
	return w, ctx.Err()
}

// newCreator makes creator i (rank i of the power law): active, one or two
// handles with a power-law audience, a percent code, and links (-links per
// creator) whose platform is set on all but the last.
func newCreator(ctx context.Context, w *world, i int) error {
	a := w.app
	first := firstNames[i%len(firstNames)]
	name, email := fmt.Sprintf("%s Creator%d", first, i), fmt.Sprintf("%s.%d@creators.example.com", strings.ToLower(first), i)
	main := creator.Platforms[i%3] // instagram, tiktok, youtube
	handles := map[creator.Platform]creator.HandleInput{
		main: {Handle: fmt.Sprintf("%s%d", strings.ToLower(first), i), Audience: int64(5_000_000 / math.Pow(float64(i+1), 0.8))}}
	if i%2 == 0 {
		handles["newsletter"] = creator.HandleInput{Handle: fmt.Sprintf("%s-letter-%d", strings.ToLower(first), i), Audience: int64(1000 + i)}
	}
	c, _, err := a.Creators.New(ctx, actor, w.brand.ID, creator.Profile{Name: &name, Email: &email, Handles: handles}, creator.Active)
	if err != nil {
		return err
	}
	bps := int64(1000 + 500*(i%3))
	code, err := a.Codes.Create(ctx, w.brand.ID, c.ID, coupon.Input{Code: fmt.Sprintf("%s%d", strings.ToUpper(first), i),
		DiscountType: coupon.Percent, DiscountValue: bps})
	if err != nil {
		return fmt.Errorf("code: %w", err)
	}
	sc := seedCreator{id: c.ID, code: code.Code, bps: bps}
	for j := range linksPerCreator {
		in := link.Input{Destination: fmt.Sprintf("https://shop.test/products/%s-%d?v=%d", strings.ToLower(goods[(i+j)%len(goods)]), i, j),
			Label: fmt.Sprintf("%s %d", goods[(i+j)%len(goods)], j)}
		if j < linksPerCreator-1 {
			in.Platform = linkPlatforms[(i+j)%len(linkPlatforms)]
		}
		l, err := a.Links.Create(ctx, w.brand.ID, c.ID, in)
		if err != nil {
			return fmt.Errorf("link %d: %w", j, err)
		}
		sc.links = append(sc.links, l.ID)
	}
	w.creators[i] = sc
	return nil
}

// linksPerCreator: each creator's links; their shares of the creator's
// clicks are linkShares.
const linksPerCreator = 3

var linkShares = [linksPerCreator]float64{0.6, 0.3, 0.1}

// weekday is the weekly seasonality of clicks: weekends busiest.
var weekday = [7]float64{time.Sunday: 1.25, time.Monday: 0.85, time.Tuesday: 0.9, time.Wednesday: 0.95, time.Thursday: 1.0,
	time.Friday: 1.1, time.Saturday: 1.3}

// stats are what the seeding wrote.
type stats struct {
	clicks, humans, orders, lines, adjustments, entries int64
	took                                                map[string]time.Duration
	steps                                               []string
}

func (s *stats) step(name string, start time.Time, cpu benchdb.CPUMark, noise *benchdb.Noise) {
	d := time.Since(start)
	u := cpu.Since()
	noise.Note("seeding: "+name, u)
	s.took[name] = d
	s.steps = append(s.steps, name)
	fmt.Printf("  %-46s %9s  (%s)\n", name, d.Round(time.Millisecond), u)
}

// exec runs one statement and fails loudly.
func exec(ctx context.Context, db *store.DB, q string, args ...any) error {
	if err := db.WithContext(ctx).Exec(q, args...).Error; err != nil {
		short := strings.Join(strings.Fields(q), " ")
		if len(short) > 120 {
			short = short[:120] + " …"
		}
		return fmt.Errorf("%s: %w", short, err)
	}
	return nil
}

// seed loads the clicks, orders (lines, adjustments) and commission
// entries straight into the tables, set-based, from small staging tables
// (bench_seed_*) that it drops at the end.
func seed(ctx context.Context, db *store.DB, w *world, o options, noise *benchdb.Noise) (*stats, error) {
	st := &stats{took: map[string]time.Duration{}}
	// The days: the o.days local days ending yesterday (today stays empty,
	// so the measured ranges are whole seeded days).
	now := time.Now().In(w.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, w.loc)
	for i := o.days; i >= 1; i-- {
		w.days = append(w.days, time.Date(today.Year(), today.Month(), today.Day()-i, 0, 0, 0, 0, w.loc))
	}

	start, cpu := time.Now(), benchdb.MarkCPU()
	// Staging: creators (rank, code), links (weight), days (weight), products.
	for _, q := range []string{
		`CREATE TABLE bench_seed_creators (idx INT PRIMARY KEY, creator_id TEXT NOT NULL, code TEXT NOT NULL, bps BIGINT NOT NULL)`,
		`CREATE TABLE bench_seed_links (idx INT PRIMARY KEY, link_id TEXT NOT NULL, creator_id TEXT NOT NULL, w FLOAT8 NOT NULL)`,
		`CREATE TABLE bench_seed_days (idx INT PRIMARY KEY, start TIMESTAMPTZ NOT NULL, len FLOAT8 NOT NULL, w FLOAT8 NOT NULL)`,
		`CREATE TABLE bench_seed_products (idx INT PRIMARY KEY, sku TEXT, product_id TEXT, title TEXT, price BIGINT)`,
	} {
		if err := exec(ctx, db, q); err != nil {
			return nil, err
		}
	}
	// Creators: Zipf weights 1/(rank+1)^s; a creator's links share its clicks.
	var cw, lw []float64
	var total float64
	for i := range w.creators {
		v := 1 / math.Pow(float64(i+1), o.zipf)
		cw = append(cw, v)
		total += v
	}
	var crows, lrows [][]any
	for i, c := range w.creators {
		crows = append(crows, []any{i, c.id, c.code, c.bps})
		for j, l := range c.links {
			v := cw[i] / total * linkShares[j]
			lw = append(lw, v)
			lrows = append(lrows, []any{len(lrows), l, c.id, v})
		}
	}
	var drows [][]any
	var dtotal float64
	var dws []float64
	for i, d := range w.days {
		// Weekly seasonality on a gentle upward trend (+40% over the span).
		v := weekday[d.Weekday()] * (0.8 + 0.4*float64(i)/float64(max(1, len(w.days)-1)))
		dws = append(dws, v)
		dtotal += v
	}
	for i, d := range w.days {
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, w.loc)
		drows = append(drows, []any{i, d.UTC(), next.Sub(d).Seconds(), dws[i] / dtotal})
	}
	var prows [][]any
	for i := range w.products {
		prows = append(prows, []any{i, fmt.Sprintf("SKU-%03d", i), fmt.Sprintf("gid://shopify/Product/%d", 8_000_000+i),
			fmt.Sprintf("%s No. %d", goods[i%len(goods)], i), int64(900 + 1300*(i%11) + 100*(i%7))})
	}
	for _, t := range []struct {
		name string
		cols string
		rows [][]any
	}{{"bench_seed_creators", "idx, creator_id, code, bps", crows}, {"bench_seed_links", "idx, link_id, creator_id, w", lrows},
		{"bench_seed_days", "idx, start, len, w", drows}, {"bench_seed_products", "idx, sku, product_id, title, price", prows}} {
		if err := insertRows(ctx, db, t.name, t.cols, t.rows); err != nil {
			return nil, err
		}
	}
	// Clicks per (link, day): N × w(link) × w(day), rounded by largest
	// remainder so that they add up to exactly N.
	if err := exec(ctx, db, `CREATE TABLE bench_seed_cells AS
		WITH x AS (SELECT l.idx AS li, d.idx AS di, ?::float8 * l.w * d.w AS exact FROM bench_seed_links l CROSS JOIN bench_seed_days d),
		y AS (SELECT li, di, floor(exact)::bigint AS base, exact - floor(exact) AS frac FROM x),
		z AS (SELECT li, di, base, row_number() OVER (ORDER BY frac DESC, li, di) AS rk, ?::bigint - SUM(base) OVER () AS short FROM y)
		SELECT li, di, base + CASE WHEN rk <= short THEN 1 ELSE 0 END AS n FROM z`, o.clicks, o.clicks); err != nil {
		return nil, err
	}
	st.step("staging (weights, cells)", start, cpu, noise)

	if err := seedClicks(ctx, db, w, o, st, noise); err != nil {
		return nil, err
	}
	if err := seedOrders(ctx, db, w, o, st, noise); err != nil {
		return nil, err
	}
	if !o.ledger {
		if err := seedEntries(ctx, db, w, st, noise); err != nil {
			return nil, err
		}
	}
	start, cpu = time.Now(), benchdb.MarkCPU()
	for _, t := range []string{"bench_seed_cells", "bench_seed_orders", "bench_seed_lines", "bench_seed_creators", "bench_seed_links",
		"bench_seed_days", "bench_seed_products"} {
		if err := exec(ctx, db, "DROP TABLE IF EXISTS "+t); err != nil {
			return nil, err
		}
	}
	if err := exec(ctx, db, "DROP SEQUENCE IF EXISTS bench_seed_click_seq"); err != nil {
		return nil, err
	}
	// Fresh statistics after a bulk load, as autovacuum would give.
	if err := exec(ctx, db, `VACUUM ANALYZE clicks, orders, order_lines, order_adjustments, commission_entries, creators,
		creator_handles, links, codes, products`); err != nil {
		return nil, err
	}
	st.step("VACUUM ANALYZE", start, cpu, noise)
	return st, nil
}

// insertRows inserts small staging tables, 500 rows a statement.
func insertRows(ctx context.Context, db *store.DB, table, cols string, rows [][]any) error {
	n := len(strings.Split(cols, ","))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	return db.WithTx(ctx, func(tx *gorm.DB) error {
		for start := 0; start < len(rows); start += 500 {
			part := rows[start:min(start+500, len(rows))]
			args := make([]any, 0, len(part)*n)
			for _, r := range part {
				args = append(args, r...)
			}
			q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", len(part)), ", ")
			if err := tx.Exec(q, args...).Error; err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	})
}

// seedClicks inserts the clicks, a day-chunk per statement on two
// connections: each (link, day) cell's clicks at uniform random times of
// the local day, ~5% bots, ~70% unique. The clicks' two secondary indexes
// are dropped for the load and built again after it (as a bulk load does).
func seedClicks(ctx context.Context, db *store.DB, w *world, o options, st *stats, noise *benchdb.Noise) error {
	start, cpu := time.Now(), benchdb.MarkCPU()
	var idx []struct{ Indexname, Indexdef string }
	if err := db.WithContext(ctx).Raw(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
		AND tablename = 'clicks' AND indexname <> 'clicks_pkey'`).Scan(&idx).Error; err != nil {
		return err
	}
	for _, ix := range idx {
		if err := exec(ctx, db, "DROP INDEX "+ix.Indexname); err != nil {
			return err
		}
	}
	if err := exec(ctx, db, "CREATE SEQUENCE bench_seed_click_seq CACHE 1000"); err != nil {
		return err
	}
	const per = 5 // days per statement
	chunks := make(chan int)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, printed := 0, time.Now()
	for range 2 {
		wg.Go(func() {
			for first := range chunks {
				err := exec(ctx, db, `INSERT INTO clicks (id, clicked_at, brand_id, creator_id, link_id, visitor_hash, referrer_host,
					device, country, is_bot, is_unique)
					SELECT 'clk_' || lpad(nextval('bench_seed_click_seq')::text, 10, '0'),
						d.start + make_interval(secs => random() * d.len), ?, l.creator_id, l.link_id,
						substr(md5(random()::text), 1, 32),
						(ARRAY['instagram.com', 'tiktok.com', 'youtube.com', 't.co', '', 'l.instagram.com'])[1 + floor(random() * 6)::int],
						(ARRAY['mobile', 'mobile', 'mobile', 'desktop', 'tablet'])[1 + floor(random() * 5)::int],
						(ARRAY['US', 'US', 'US', 'CA', 'GB', 'DE', 'FR', 'AU'])[1 + floor(random() * 8)::int],
						random() < ?, random() < ?
					FROM bench_seed_cells c JOIN bench_seed_days d ON d.idx = c.di JOIN bench_seed_links l ON l.idx = c.li,
						generate_series(1, c.n) g
					WHERE c.di >= ? AND c.di < ? AND c.n > 0`, w.brand.ID, botShare, uniqueShare, first, first+per)
				if err != nil {
					errs <- err
					for range chunks {
					}
					return
				}
				mu.Lock()
				done += per
				if time.Since(printed) < 10*time.Second {
					mu.Unlock()
					continue
				}
				printed = time.Now()
				fmt.Printf("    clicks: %d of %d days written after %s\n", min(done, len(w.days)), len(w.days), time.Since(start).Round(time.Second))
				mu.Unlock()
			}
		})
	}
	for first := 0; first < len(w.days); first += per {
		chunks <- first
	}
	close(chunks)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	st.step(fmt.Sprintf("clicks: %s rows", thousands(o.clicks)), start, cpu, noise)
	start, cpu = time.Now(), benchdb.MarkCPU()
	// The two index builds in parallel, as a restore would.
	errs = make(chan error, len(idx))
	for _, ix := range idx {
		wg.Go(func() {
			if err := exec(ctx, db, ix.Indexdef); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	st.step("clicks: secondary indexes built", start, cpu, noise)
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT is_bot) FROM clicks WHERE brand_id = ?",
		w.brand.ID).Row().Scan(&st.clicks, &st.humans); err != nil {
		return err
	}
	if st.clicks != int64(o.clicks) {
		return fmt.Errorf("seeded %d clicks, want %d", st.clicks, o.clicks)
	}
	return nil
}

// seedOrders draws the orders from a random sample of human clicks (so
// they follow the clicks' spread over creators, links and days): the
// first 60% are attributed by that click (its link in the evidence), the
// rest by the creator's code (discounted, no link). Each has 1 to 3 lines
// of distinct products, a customer from a pool of returning customers, and
// a fate: ~2% refunded in full, ~3% in part, ~1% cancelled.
func seedOrders(ctx context.Context, db *store.DB, w *world, o options, st *stats, noise *benchdb.Noise) error {
	start, cpu := time.Now(), benchdb.MarkCPU()
	p := math.Min(1, 1.05*float64(o.orders)/float64(st.humans))
	cut := int64(float64(o.orders) * clickOrders)
	customers := max(1, o.orders*6/10)
	if err := exec(ctx, db, `CREATE TABLE bench_seed_orders AS
		SELECT s.*, 'ord_' || lpad(s.n::text, 9, '0') AS id, (6500000000000 + s.n)::text AS external_id,
			CASE WHEN s.n <= ? THEN 'click' ELSE 'code' END AS method,
			LEAST(s.clicked_at + make_interval(secs => 120 + random() * 21600), now() - interval '1 minute') AS placed_at,
			md5('customer' || floor(random() * ?)::text) AS customer_hash,
			1 + floor(random() * 3)::int AS nlines, floor(random() * ?)::int AS base, random() AS fate, 0.1 + random() * 0.4 AS frac,
			random() * 20 AS refund_days
		FROM (SELECT row_number() OVER () AS n, * FROM (
			SELECT id AS click_id, clicked_at, creator_id, link_id FROM clicks
			WHERE brand_id = ? AND NOT is_bot AND random() < ? ORDER BY random() LIMIT ?) r) s`,
		cut, customers, w.products, w.brand.ID, p, o.orders); err != nil {
		return err
	}
	if err := exec(ctx, db, `ALTER TABLE bench_seed_orders ADD PRIMARY KEY (id)`); err != nil {
		return err
	}
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM bench_seed_orders").Row().Scan(&n); err != nil {
		return err
	}
	if n != int64(o.orders) {
		return fmt.Errorf("drew %d orders from the clicks, want %d", n, o.orders)
	}
	st.step("orders: drawn from the clicks", start, cpu, noise)

	start, cpu = time.Now(), benchdb.MarkCPU()
	// Lines: products base, base+7, base+14 (distinct); 1 to 3 units
	// (hash of the line, so that it is the same wherever it is read);
	// code orders carry the code's percent discount, as order.Service.
	if err := exec(ctx, db, `CREATE TABLE bench_seed_lines AS
		SELECT x.*, x.gross * x.bps / 10000 AS discount, x.gross - x.gross * x.bps / 10000 AS net FROM (
			SELECT o.id || '_' || g AS id, o.id AS order_id, g - 1 AS position, (16000000000000 + o.n * 3 + g)::text AS external_id,
				p.sku, p.product_id, p.title, 1 + mod(hashint8(o.n * 3 + g)::bigint + 2147483648, 3) AS quantity, p.price AS unit_price,
				(1 + mod(hashint8(o.n * 3 + g)::bigint + 2147483648, 3)) * p.price AS gross,
				CASE WHEN o.method = 'code' THEN c.bps ELSE 0 END AS bps
			FROM bench_seed_orders o JOIN bench_seed_creators c ON c.creator_id = o.creator_id, generate_series(1, o.nlines) g,
				bench_seed_products p
			WHERE p.idx = (o.base + (g - 1) * 7) % ?) x`, w.products); err != nil {
		return err
	}
	if err := exec(ctx, db, `INSERT INTO orders (id, brand_id, source, external_id, placed_at, currency, subtotal, discount, net,
			shipping, tax, refunded, discount_codes, click_id, customer_hash, status, creator_id, attribution_method,
			attribution_evidence, attribution_rule, version, created_at, updated_at)
		SELECT o.id, ?, 'shopify', o.external_id, o.placed_at, 'USD', l.subtotal, l.discount, l.net,
			CASE WHEN o.n % 2 = 0 THEN 595 ELSE 0 END, l.net * 8 / 100,
			CASE WHEN o.fate < ? THEN l.net WHEN o.fate < ? THEN floor(l.net * o.frac)::bigint ELSE 0 END,
			CASE WHEN o.method = 'code' THEN json_build_array(c.code)::text ELSE '[]' END,
			CASE WHEN o.method = 'click' THEN o.click_id ELSE '' END,
			o.customer_hash,
			CASE WHEN o.fate < ? THEN 'refunded' WHEN o.fate < ? THEN 'partially_refunded' WHEN o.fate < ? THEN 'cancelled' ELSE 'open' END,
			o.creator_id, o.method,
			CASE WHEN o.method = 'click' THEN json_build_object('click_id', o.click_id, 'clicked_at', o.clicked_at, 'link_id', o.link_id)::text
				ELSE json_build_object('code', c.code)::text END,
			CASE WHEN o.method = 'click' THEN 'click: the order carried click ' || o.click_id
				ELSE 'code_first: the order used code ' || c.code || ', an active creator''s code' END,
			'', o.placed_at, o.placed_at
		FROM bench_seed_orders o JOIN bench_seed_creators c ON c.creator_id = o.creator_id
		JOIN (SELECT order_id, SUM(gross) AS subtotal, SUM(discount) AS discount, SUM(net) AS net FROM bench_seed_lines GROUP BY order_id) l
			ON l.order_id = o.id
		ORDER BY o.placed_at`,
		w.brand.ID, fullRefunds, fullRefunds+partRefunds, fullRefunds, fullRefunds+partRefunds, fullRefunds+partRefunds+cancels); err != nil {
		return err
	}
	st.step(fmt.Sprintf("orders: %s rows", thousands(o.orders)), start, cpu, noise)
	start, cpu = time.Now(), benchdb.MarkCPU()
	if err := exec(ctx, db, `INSERT INTO order_lines (id, order_id, brand_id, position, external_id, sku, product_id, title, quantity,
			unit_price, discount, net)
		SELECT id, order_id, ?, position, external_id, sku, product_id, title, quantity, unit_price, discount, net FROM bench_seed_lines`,
		w.brand.ID); err != nil {
		return err
	}
	// Refunds (not line by line) and cancellations, some days after the order.
	if err := exec(ctx, db, `INSERT INTO order_adjustments (id, brand_id, source, order_ref, order_id, kind, external_id, occurred_at,
			amount, lines, reason, created_at)
		SELECT 'adj_' || o.id, ?, 'shopify', o.external_id, o.id,
			CASE WHEN o.fate < ? THEN 'refund' ELSE 'cancel' END,
			CASE WHEN o.fate < ? THEN (990000000000 + o.n)::text ELSE 'cancel:' || o.external_id END,
			LEAST(o.placed_at + make_interval(secs => 86400 + o.refund_days * 86400), now() - interval '1 minute'),
			r.refunded, '[]', '', o.placed_at
		FROM bench_seed_orders o JOIN orders r ON r.id = o.id
		WHERE o.fate < ?`, w.brand.ID, fullRefunds+partRefunds, fullRefunds+partRefunds, fullRefunds+partRefunds+cancels); err != nil {
		return err
	}
	for _, q := range []struct {
		dst *int64
		sql string
	}{{&st.orders, "SELECT COUNT(*) FROM orders"}, {&st.lines, "SELECT COUNT(*) FROM order_lines"},
		{&st.adjustments, "SELECT COUNT(*) FROM order_adjustments"}} {
		if err := db.WithContext(ctx).Raw(q.sql).Row().Scan(q.dst); err != nil {
			return err
		}
	}
	st.step(fmt.Sprintf("order lines (%s) and adjustments (%s)", thousands(int(st.lines)), thousands(int(st.adjustments))),
		start, cpu, noise)
	return nil
}

// seedEntries writes plausible commission entries straight into the
// ledger's table (the default; -ledger runs Ledger.Process instead): a sale
// of 10% of the net for every order, when the order was placed; a reversal
// of 10% of what was refunded (all of it for a cancelled order) when the
// refund or cancellation came; and an adjustment with no order (a bonus)
// for each of the top 20 creators in each month of the span.
func seedEntries(ctx context.Context, db *store.DB, w *world, st *stats, noise *benchdb.Noise) error {
	start, cpu := time.Now(), benchdb.MarkCPU()
	if err := exec(ctx, db, `INSERT INTO commission_entries (id, brand_id, creator_id, order_id, month, component, kind, amount,
			currency, explanation, payable_at, created_at)
		SELECT 'ce_' || o.id || '_s', o.brand_id, o.creator_id, o.id, to_char(o.placed_at AT TIME ZONE ?, 'YYYY-MM'), 'sale:' || o.id,
			'sale', o.net * ? / 10000, 'USD', '10% of the net', o.placed_at + make_interval(days => ?), o.placed_at + interval '1 minute'
		FROM orders o WHERE o.brand_id = ? ORDER BY o.placed_at`, timeZone, commissionBp, holdDays, w.brand.ID); err != nil {
		return err
	}
	if err := exec(ctx, db, `INSERT INTO commission_entries (id, brand_id, creator_id, order_id, month, component, kind, amount,
			currency, explanation, payable_at, created_at)
		SELECT 'ce_' || o.id || '_r', o.brand_id, o.creator_id, o.id, to_char(o.placed_at AT TIME ZONE ?, 'YYYY-MM'), 'reversal:' || o.id,
			'reversal', -(CASE WHEN o.status = 'cancelled' THEN o.net * ? / 10000 ELSE o.refunded * ? / 10000 END), 'USD',
			'refunded', a.occurred_at, a.occurred_at
		FROM orders o JOIN order_adjustments a ON a.order_id = o.id
		WHERE o.brand_id = ? AND (o.refunded > 0 OR o.status = 'cancelled')`,
		timeZone, commissionBp, commissionBp, w.brand.ID); err != nil {
		return err
	}
	var bonus [][]any
	months := map[string]time.Time{}
	for _, d := range w.days {
		k := d.Format("2006-01")
		if _, ok := months[k]; !ok {
			months[k] = d
		}
	}
	for k, first := range months {
		at := time.Date(first.Year(), first.Month(), max(first.Day(), 15), 12, 0, 0, 0, w.loc)
		if last := w.days[len(w.days)-1]; at.After(last) {
			at = last.Add(12 * time.Hour)
		}
		for i := range min(20, len(w.creators)) {
			id := fmt.Sprintf("ce_bonus_%s_%02d", k, i)
			bonus = append(bonus, []any{id, w.brand.ID, w.creators[i].id, k, "adj:" + id, "adjustment", int64(5000 + 1000*(20-i)),
				"USD", "monthly bonus", at.UTC(), at.UTC()})
		}
	}
	if err := insertRows(ctx, db, "commission_entries", "id, brand_id, creator_id, month, component, kind, amount, currency, reason, payable_at, created_at",
		bonus); err != nil {
		return err
	}
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM commission_entries").Row().Scan(&st.entries); err != nil {
		return err
	}
	st.step(fmt.Sprintf("commission entries: %s rows (direct)", thousands(int(st.entries))), start, cpu, noise)
	return nil
}

// runLedger (-ledger) prices the orders with the app's ledger instead:
// every order queued in order_changes, then Ledger.Process to empty.
func runLedger(ctx context.Context, db *store.DB, w *world, st *stats, noise *benchdb.Noise) error {
	start, cpu := time.Now(), benchdb.MarkCPU()
	if err := exec(ctx, db, "INSERT INTO order_changes (order_id, brand_id, queued_at) SELECT id, brand_id, ? FROM orders WHERE brand_id = ?",
		store.Now(), w.brand.ID); err != nil {
		return err
	}
	n, err := w.app.Ledger.Process(ctx)
	if err != nil {
		return fmt.Errorf("Ledger.Process: %w", err)
	}
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM commission_entries").Row().Scan(&st.entries); err != nil {
		return err
	}
	st.step(fmt.Sprintf("Ledger.Process: %s orders, %s entries", thousands(n), thousands(int(st.entries))), start, cpu, noise)
	return exec(ctx, db, "VACUUM ANALYZE commission_entries")
}
