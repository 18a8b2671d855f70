package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/order"
	"gorm.io/gorm"
)

// fact is what the rollups count of one order (or manual adjustment) for
// one creator: a row of report_facts.
type fact struct {
	Ref           string `gorm:"primaryKey"`
	CreatorID     string `gorm:"primaryKey"`
	BrandID       string
	Day           string
	LinkID        string
	Counted       int64
	Net           int64
	Refunded      int64
	Margin        int64
	MarginUnknown int64
	NewCustomer   int64
	Commission    int64
}

func (fact) TableName() string { return "report_facts" }

// queued is a row of report_queue.
type queued struct {
	Ref      string `gorm:"primaryKey"`
	BrandID  string
	QueuedAt time.Time
}

func (queued) TableName() string { return "report_queue" }

// dayKey is one creator's day: the unit the refresher recomputes.
type dayKey struct{ brandID, day, creatorID string }

// entriesWritten is the ledger's hook (commission.Ledger.OnEntries): the
// orders (or adjustments) of new entries are queued for a refresh in the
// entries' transaction.
func (s *Service) entriesWritten(tx *gorm.DB, es []commission.Entry) error {
	seen := map[string]bool{}
	now := s.now()
	for _, e := range es {
		ref := e.ID
		if e.OrderID != nil && *e.OrderID != "" {
			ref = *e.OrderID
		}
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if err := tx.Exec("INSERT INTO report_queue (ref, brand_id, queued_at) VALUES (?, ?, ?) "+
			"ON CONFLICT (ref) DO UPDATE SET queued_at = excluded.queued_at", ref, e.BrandID, now).Error; err != nil {
			return err
		}
	}
	return nil
}

// RefreshBatch is how many queued orders one refresh step takes.
const RefreshBatch = 5000

// Refresh recomputes the facts of every queued order and adjustment and
// the order columns of the creator-days they touch (before and after the
// change); it returns how many queued refs it took.
func (s *Service) Refresh(ctx context.Context) (int, error) {
	s.work.Lock()
	defer s.work.Unlock()
	total := 0
	for {
		var qs []queued
		if err := s.db.WithContext(ctx).Order("queued_at, ref").Limit(RefreshBatch).Find(&qs).Error; err != nil {
			return total, err
		}
		if len(qs) == 0 {
			return total, s.seal(ctx)
		}
		refs := make([]string, len(qs))
		for i, q := range qs {
			refs[i] = q.Ref
		}
		err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
			dirty, err := s.refreshRefs(ctx, tx, refs)
			if err != nil {
				return err
			}
			if err := s.recompute(ctx, tx, dirty); err != nil {
				return err
			}
			// Each mark only if unchanged: one queued again meanwhile stays.
			for _, q := range qs {
				if err := tx.Exec("DELETE FROM report_queue WHERE ref = ? AND queued_at = ?", q.Ref, q.QueuedAt).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(qs)
	}
}

// refreshRefs replaces the facts of refs (and of the other orders of the
// same customers, whose new-or-returning may change) and returns the
// creator-days whose order columns are stale.
func (s *Service) refreshRefs(ctx context.Context, tx *gorm.DB, refs []string) (map[dayKey]bool, error) {
	dirty := map[dayKey]bool{}
	facts, all, err := s.computeFacts(ctx, tx, refs, true)
	if err != nil {
		return nil, err
	}
	for _, part := range chunked(all, 1000) {
		var old []fact
		if err := tx.Select("brand_id, day, creator_id").Where("ref IN ?", part).Find(&old).Error; err != nil {
			return nil, err
		}
		for _, f := range old {
			dirty[dayKey{f.BrandID, f.Day, f.CreatorID}] = true
		}
		if err := tx.Where("ref IN ?", part).Delete(&fact{}).Error; err != nil {
			return nil, err
		}
	}
	for _, f := range facts {
		dirty[dayKey{f.BrandID, f.Day, f.CreatorID}] = true
	}
	if len(facts) > 0 {
		if err := tx.CreateInBatches(facts, 500).Error; err != nil {
			return nil, err
		}
	}
	return dirty, nil
}

func chunked(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > 0 {
		m := min(n, len(ids))
		out = append(out, ids[:m])
		ids = ids[m:]
	}
	return out
}

// computeFacts computes the facts of refs: order ids and adjustment entry
// ids (a ref that is neither has no facts). With expand, the other orders
// of the orders' customers are computed too. It returns the facts and every
// ref they were computed for (facts or none).
func (s *Service) computeFacts(ctx context.Context, tx *gorm.DB, refs []string, expand bool) ([]fact, []string, error) {
	var os []order.Order
	for _, part := range chunked(refs, 1000) {
		var got []order.Order
		if err := tx.Where("id IN ?", part).Find(&got).Error; err != nil {
			return nil, nil, err
		}
		os = append(os, got...)
	}
	byID := map[string]bool{}
	for _, o := range os {
		byID[o.ID] = true
	}
	// Customers: every order of each customer, for who came first.
	type custKey struct{ brandID, hash string }
	custs := map[custKey]bool{}
	for _, o := range os {
		if o.CustomerHash != "" {
			custs[custKey{o.BrandID, o.CustomerHash}] = true
		}
	}
	firsts := map[custKey]time.Time{}
	byBrand := map[string][]string{}
	for k := range custs {
		byBrand[k.brandID] = append(byBrand[k.brandID], k.hash)
	}
	for brandID, hashes := range byBrand {
		sort.Strings(hashes)
		for _, part := range chunked(hashes, 1000) {
			var ps []order.Order
			q := tx.Model(&order.Order{}).Where("brand_id = ? AND customer_hash IN ?", brandID, part)
			if expand {
				q = q.Select("*")
			} else {
				q = q.Select("customer_hash, placed_at")
			}
			if err := q.Find(&ps).Error; err != nil {
				return nil, nil, err
			}
			for _, p := range ps {
				k := custKey{brandID, p.CustomerHash}
				if f, ok := firsts[k]; !ok || p.PlacedAt.Before(f) {
					firsts[k] = p.PlacedAt
				}
				if expand && !byID[p.ID] {
					byID[p.ID] = true
					os = append(os, p)
				}
			}
		}
	}
	all := make([]string, 0, len(refs)+len(os))
	all = append(all, refs...)
	for _, o := range os {
		all = append(all, o.ID)
	}
	all = dedupe(all)

	// Adjustments: refs that are no order.
	var adjRefs []string
	for _, r := range refs {
		if !byID[r] {
			adjRefs = append(adjRefs, r)
		}
	}
	var facts []fact
	for _, part := range chunked(adjRefs, 1000) {
		var es []commission.Entry
		if err := tx.Table("commission_entries e").Select("e.*").Joins("JOIN brands b ON b.id = e.brand_id AND b.currency = e.currency").
			Where("e.id IN ? AND e.order_id IS NULL", part).Find(&es).Error; err != nil {
			return nil, nil, err
		}
		for _, e := range es {
			l, err := s.loc(ctx, e.BrandID)
			if err != nil {
				return nil, nil, err
			}
			facts = append(facts, fact{Ref: e.ID, CreatorID: e.CreatorID, BrandID: e.BrandID, Day: DayOf(e.CreatedAt, l), Commission: e.Amount})
		}
	}
	if len(os) == 0 {
		return facts, all, nil
	}

	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	// Commission by order and creator (every creator with entries on it).
	type comm struct {
		OrderID, CreatorID string
		Amount             int64
	}
	comms := map[string][]comm{}
	for _, part := range chunked(ids, 1000) {
		var cs []comm
		// Only entries in the brand's currency: a brand that changed its
		// currency keeps older entries in the old one, never added in.
		if err := tx.Table("commission_entries e").Select("e.order_id, e.creator_id, SUM(e.amount) AS amount").
			Joins("JOIN brands b ON b.id = e.brand_id AND b.currency = e.currency").
			Where("e.order_id IN ?", part).Group("e.order_id, e.creator_id").Scan(&cs).Error; err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			comms[c.OrderID] = append(comms[c.OrderID], c)
		}
	}
	// Lines of counted orders, for the margin.
	brands := map[string]*brand.Brand{}
	counted := func(o *order.Order, b *brand.Brand) bool {
		return o.CreatorID != nil && o.Status != order.Cancelled && o.Currency == b.Currency
	}
	var lineIDs []string
	linkIDs := map[string]bool{}
	for i := range os {
		o := &os[i]
		b, err := s.brand(ctx, brands, o.BrandID)
		if err != nil {
			return nil, nil, err
		}
		if counted(o, b) {
			lineIDs = append(lineIDs, o.ID)
			if o.AttributionEvidence.LinkID != "" {
				linkIDs[o.AttributionEvidence.LinkID] = true
			}
		}
	}
	lines := map[string][]order.Line{}
	for _, part := range chunked(lineIDs, 1000) {
		var ls []order.Line
		if err := tx.Where("order_id IN ?", part).Order("order_id, position").Find(&ls).Error; err != nil {
			return nil, nil, err
		}
		for _, l := range ls {
			lines[l.OrderID] = append(lines[l.OrderID], l)
		}
	}
	linkCreator := map[string]string{}
	for _, part := range chunked(keys(linkIDs), 1000) {
		var ls []struct{ ID, CreatorID string }
		if err := tx.Table("links").Select("id, creator_id").Where("id IN ?", part).Scan(&ls).Error; err != nil {
			return nil, nil, err
		}
		for _, l := range ls {
			linkCreator[l.ID] = l.CreatorID
		}
	}
	costs, err := s.costs(tx, os, lines)
	if err != nil {
		return nil, nil, err
	}
	for i := range os {
		o := &os[i]
		b := brands[o.BrandID]
		l, err := s.loc(ctx, o.BrandID)
		if err != nil {
			return nil, nil, err
		}
		day := DayOf(o.PlacedAt, l)
		rows := map[string]*fact{}
		if counted(o, b) {
			f := &fact{Ref: o.ID, CreatorID: *o.CreatorID, BrandID: o.BrandID, Day: day, Counted: 1, Net: o.Net, Refunded: o.Refunded}
			if lk := o.AttributionEvidence.LinkID; lk != "" && linkCreator[lk] == *o.CreatorID {
				f.LinkID = lk
			}
			var margin int64
			for _, ln := range lines[o.ID] {
				net := max(ln.Net, 0)
				switch c, ok := costs[costKey{o.BrandID, ln.SKU, ln.ProductID}]; {
				case ok:
					margin += net - c*ln.Quantity
				case b.DefaultMarginBps != nil:
					margin += div(net*int64(*b.DefaultMarginBps), 10000)
				default:
					margin += net
					f.MarginUnknown = 1
				}
			}
			// What refunds gave back takes its share of the margin.
			if o.Refunded > 0 && o.Net > 0 {
				margin -= div(margin*o.Refunded, o.Net)
			}
			f.Margin = margin
			if k := (custKey{o.BrandID, o.CustomerHash}); o.CustomerHash == "" || !firsts[k].Before(o.PlacedAt) {
				f.NewCustomer = 1
			}
			rows[f.CreatorID] = f
		}
		for _, c := range comms[o.ID] {
			f := rows[c.CreatorID]
			if f == nil {
				f = &fact{Ref: o.ID, CreatorID: c.CreatorID, BrandID: o.BrandID, Day: day}
				rows[c.CreatorID] = f
			}
			f.Commission += c.Amount
		}
		for _, f := range rows {
			if f.Counted == 1 || f.Commission != 0 {
				facts = append(facts, *f)
			}
		}
	}
	return facts, all, nil
}

func (s *Service) brand(ctx context.Context, cache map[string]*brand.Brand, id string) (*brand.Brand, error) {
	if b, ok := cache[id]; ok {
		return b, nil
	}
	b, err := s.brands.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("report: brand %s: %w", id, err)
	}
	cache[id] = b
	return b, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupe(ids []string) []string {
	sort.Strings(ids)
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

type costKey struct{ brandID, sku, productID string }

// costs are the known unit costs of the lines' products, matched as the
// commission calculator matches them: by SKU, else by product id.
func (s *Service) costs(tx *gorm.DB, os []order.Order, lines map[string][]order.Line) (map[costKey]int64, error) {
	type want struct{ skus, pids map[string]bool }
	byBrand := map[string]*want{}
	for _, o := range os {
		for _, ln := range lines[o.ID] {
			w := byBrand[o.BrandID]
			if w == nil {
				w = &want{map[string]bool{}, map[string]bool{}}
				byBrand[o.BrandID] = w
			}
			if v := strings.TrimSpace(ln.SKU); v != "" {
				w.skus[v] = true
			}
			if v := strings.TrimSpace(ln.ProductID); v != "" {
				w.pids[v] = true
			}
		}
	}
	out := map[costKey]int64{}
	for brandID, w := range byBrand {
		type product struct {
			SKU, ProductID string
			UnitCost       *int64
		}
		var ps []product
		for _, part := range chunked(keys(w.skus), 1000) {
			var got []product
			if err := tx.Table("products").Select("sku, product_id, unit_cost").Where("brand_id = ? AND sku IN ?", brandID, part).Scan(&got).Error; err != nil {
				return nil, err
			}
			ps = append(ps, got...)
		}
		for _, part := range chunked(keys(w.pids), 1000) {
			var got []product
			if err := tx.Table("products").Select("sku, product_id, unit_cost").Where("brand_id = ? AND product_id IN ?", brandID, part).Scan(&got).Error; err != nil {
				return nil, err
			}
			ps = append(ps, got...)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].SKU < ps[j].SKU })
		bySKU, byPID := map[string]*int64{}, map[string]*int64{}
		for _, p := range ps {
			bySKU[p.SKU] = p.UnitCost
			if _, ok := byPID[p.ProductID]; !ok && p.ProductID != "" {
				byPID[p.ProductID] = p.UnitCost
			}
		}
		for _, o := range os {
			if o.BrandID != brandID {
				continue
			}
			for _, ln := range lines[o.ID] {
				var c *int64
				var found bool
				if c, found = bySKU[strings.TrimSpace(ln.SKU)]; !found {
					c, found = byPID[strings.TrimSpace(ln.ProductID)]
				}
				if found && c != nil {
					out[costKey{brandID, ln.SKU, ln.ProductID}] = *c
				}
			}
		}
	}
	return out, nil
}

// recompute sets the order columns of the dirty creator-days, in the
// rollups, from the facts: set-based, one group of statements per brand
// and day and table. Tables are written in the click writer's order (link
// days, creator days, brand days, then blocks), so the two never wait on
// each other in a cycle.
func (s *Service) recompute(ctx context.Context, tx *gorm.DB, dirty map[dayKey]bool) error {
	type bd struct{ brandID, day string }
	groups := map[bd][]string{}
	for k := range dirty {
		g := bd{k.brandID, k.day}
		groups[g] = append(groups[g], k.creatorID)
	}
	gs := make([]bd, 0, len(groups))
	for g := range groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].brandID != gs[j].brandID {
			return gs[i].brandID < gs[j].brandID
		}
		return gs[i].day < gs[j].day
	})
	for _, set := range []func(where string, args ...any) error{
		func(where string, args ...any) error { return recomputeLinks(tx, where, args...) },
		func(where string, args ...any) error { return recomputeCreators(tx, where, args...) },
	} {
		for _, g := range gs {
			creators := groups[g]
			sort.Strings(creators)
			for _, part := range chunked(creators, 500) {
				if err := set("brand_id = ? AND day = ? AND creator_id IN ?", g.brandID, g.day, part); err != nil {
					return err
				}
			}
		}
	}
	for _, g := range gs {
		if err := tx.Exec(fmt.Sprintf(brandOrders, "brand_id = ? AND day = ?"), g.brandID, g.day).Error; err != nil {
			return err
		}
	}
	return s.recomputeBlocks(ctx, tx, dirty)
}

const (
	zeroCreatorOrders = "UPDATE report_creator_daily SET orders = 0, revenue = 0, refunded = 0, commission = 0, gross_margin = 0, " +
		"margin_unknown = 0, new_customers = 0, returning_customers = 0 WHERE "
	zeroLinkOrders = "UPDATE report_link_daily SET orders = 0, revenue = 0, refunded = 0, commission = 0 WHERE "
	creatorOrders  = `INSERT INTO report_creator_daily (brand_id, day, creator_id, orders, revenue, refunded, commission, gross_margin,
		margin_unknown, new_customers, returning_customers)
		SELECT brand_id, day, creator_id, SUM(counted), SUM(net), SUM(refunded), SUM(commission), SUM(margin), SUM(margin_unknown),
			SUM(new_customer), SUM(counted) - SUM(new_customer)
		FROM report_facts WHERE %s GROUP BY brand_id, day, creator_id
		ON CONFLICT (brand_id, day, creator_id) DO UPDATE SET orders = excluded.orders, revenue = excluded.revenue,
			refunded = excluded.refunded, commission = excluded.commission, gross_margin = excluded.gross_margin,
			margin_unknown = excluded.margin_unknown, new_customers = excluded.new_customers,
			returning_customers = excluded.returning_customers`
	linkOrders = `INSERT INTO report_link_daily (brand_id, day, creator_id, link_id, orders, revenue, refunded, commission)
		SELECT brand_id, day, creator_id, link_id, SUM(counted), SUM(net), SUM(refunded), SUM(commission)
		FROM report_facts WHERE %s GROUP BY brand_id, day, creator_id, link_id
		ON CONFLICT (brand_id, day, creator_id, link_id) DO UPDATE SET orders = excluded.orders, revenue = excluded.revenue,
			refunded = excluded.refunded, commission = excluded.commission`
	// brandOrders sets a brand-day's order columns to the sums of its
	// creator-days (the click columns are the click writer's).
	brandOrders = `INSERT INTO report_brand_daily (brand_id, day, orders, revenue, refunded, commission, gross_margin, margin_unknown,
		new_customers, returning_customers)
		SELECT brand_id, day, SUM(orders), SUM(revenue), SUM(refunded), SUM(commission), SUM(gross_margin), SUM(margin_unknown),
			SUM(new_customers), SUM(returning_customers)
		FROM report_creator_daily WHERE %s GROUP BY brand_id, day
		ON CONFLICT (brand_id, day) DO UPDATE SET orders = excluded.orders, revenue = excluded.revenue,
			refunded = excluded.refunded, commission = excluded.commission, gross_margin = excluded.gross_margin,
			margin_unknown = excluded.margin_unknown, new_customers = excluded.new_customers,
			returning_customers = excluded.returning_customers`
)

// recomputeLinks and recomputeCreators rewrite the order columns of the
// rollup rows that where selects, from the facts it selects.
func recomputeLinks(tx *gorm.DB, where string, args ...any) error {
	if err := tx.Exec(zeroLinkOrders+where, args...).Error; err != nil {
		return err
	}
	return tx.Exec(fmt.Sprintf(linkOrders, where), args...).Error
}

func recomputeCreators(tx *gorm.DB, where string, args ...any) error {
	if err := tx.Exec(zeroCreatorOrders+where, args...).Error; err != nil {
		return err
	}
	return tx.Exec(fmt.Sprintf(creatorOrders, where), args...).Error
}

// rollupTables are every table a brand's rollups are in.
var rollupTables = []string{"report_link_daily", "report_creator_daily", "report_brand_daily", "report_link_blocks",
	"report_creator_blocks", "report_seal", "report_facts", "report_queue"}

// Rebuild recomputes every rollup of a brand from raw clicks, orders and
// commission entries. It is the reference the incremental rollups are
// tested against, and what the demo seed runs after loading data. Clicks
// written while it runs may be counted twice or not at all: run it when
// the brand is quiet.
func (s *Service) Rebuild(ctx context.Context, brandID string) error {
	s.work.Lock()
	defer s.work.Unlock()
	s.BrandChanged(brandID)
	loc, err := s.loc(ctx, brandID)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		for _, t := range rollupTables {
			if err := tx.Exec("DELETE FROM "+t+" WHERE brand_id = ?", brandID).Error; err != nil {
				return err
			}
		}
		if err := s.rebuildClicks(ctx, tx, brandID, loc); err != nil {
			return err
		}
		var refs []string
		if err := tx.Table("orders").Where("brand_id = ?", brandID).Order("id").Pluck("id", &refs).Error; err != nil {
			return err
		}
		var adj []string
		if err := tx.Table("commission_entries").Where("brand_id = ? AND order_id IS NULL", brandID).Order("id").Pluck("id", &adj).Error; err != nil {
			return err
		}
		refs = append(refs, adj...)
		for _, part := range chunked(refs, RefreshBatch) {
			facts, _, err := s.computeFacts(ctx, tx, part, false)
			if err != nil {
				return err
			}
			if len(facts) > 0 {
				if err := tx.CreateInBatches(facts, 500).Error; err != nil {
					return err
				}
			}
		}
		if err := recomputeLinks(tx, "brand_id = ?", brandID); err != nil {
			return err
		}
		if err := recomputeCreators(tx, "brand_id = ?", brandID); err != nil {
			return err
		}
		if err := tx.Exec(fmt.Sprintf(`INSERT INTO report_brand_daily (brand_id, day, %s) SELECT brand_id, day, %s
			FROM report_creator_daily WHERE brand_id = ? GROUP BY brand_id, day`, strings.Join(creatorCols, ", "), sumList(creatorCols)),
			brandID).Error; err != nil {
			return err
		}
		// Every sealable block, summed from its days.
		return s.rebuildBlocks(tx, brandID, sealableThrough(DayOf(s.now(), loc)))
	})
}

// Backfill rebuilds the rollups of every brand that has clicks or orders
// but no rollup rows yet: brands from before the rollups existed, after an
// upgrade. It returns how many brands it rebuilt.
func (s *Service) Backfill(ctx context.Context) (int, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Table("brands").Where(`NOT EXISTS (SELECT 1 FROM report_creator_daily r WHERE r.brand_id = brands.id)
		AND (EXISTS (SELECT 1 FROM clicks c WHERE c.brand_id = brands.id) OR EXISTS (SELECT 1 FROM orders o WHERE o.brand_id = brands.id))`).
		Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	for i, id := range ids {
		s.log.InfoContext(ctx, "report: building the rollups of a brand from its history", "brand_id", id)
		if err := s.Rebuild(ctx, id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}
