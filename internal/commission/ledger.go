package commission

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Entry kinds.
const (
	KindSale       = "sale"
	KindReversal   = "reversal"
	KindBonus      = "bonus"
	KindTrueUp     = "true_up"
	KindAdjustment = "adjustment"
)

// Entry is one ledger entry. Entries are only ever added: a correction is a
// new entry. Component names what it adjusts; the sum of a component's
// entries is what the creator earns for it now.
type Entry struct {
	ID            string `gorm:"primaryKey"`
	BrandID       string
	CreatorID     string
	OrderID       *string
	Month         string
	Component     string
	Kind          string
	Amount        int64
	Currency      string
	PlanVersionID *string
	Explanation   string
	Reason        string
	Actor         string
	PayableAt     time.Time
	CreatedAt     time.Time
	// Paid: a payout sent or paid this entry (filled by Entries; not a column).
	Paid bool `gorm:"-"`
}

// TableName is commission_entries.
func (Entry) TableName() string { return "commission_entries" }

// Entry statuses, derived: pending until payable_at, then payable, then
// paid once a payout item that holds the entry is sent or paid
// (internal/payout locks entries to batches in payout_entries).
const (
	StatusPending = "pending"
	StatusPayable = "payable"
	StatusPaid    = "paid"
)

// Status is the entry's status at now.
func (e *Entry) Status(now time.Time) string {
	if e.Paid {
		return StatusPaid
	}
	if e.PayableAt.After(now) {
		return StatusPending
	}
	return StatusPayable
}

// monthRow binds a creator's month to the plan version that prices it.
type monthRow struct {
	BrandID       string `gorm:"primaryKey"`
	CreatorID     string `gorm:"primaryKey"`
	Month         string `gorm:"primaryKey"`
	PlanVersionID string
	CreatedAt     time.Time
}

func (monthRow) TableName() string { return "commission_months" }

// Ledger keeps commission entries in step with orders: every change to an
// order queues it (order_changes), and Process reprices the months it
// touches, adding entries for the differences.
type Ledger struct {
	db     *store.DB
	brands *brand.Service
	plans  *Plans
	log    *slog.Logger
	now    func() time.Time

	// onEntries, when set, runs in the transaction that adds entries
	// (internal/report marks its rollups stale with it).
	onEntries atomic.Pointer[func(tx *gorm.DB, es []Entry) error]

	mu      sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	stopped bool
}

// NewLedger wires the ledger.
func NewLedger(db *store.DB, brands *brand.Service, plans *Plans, log *slog.Logger) *Ledger {
	return &Ledger{db: db, brands: brands, plans: plans, log: log, now: store.Now, stop: make(chan struct{})}
}

// OnEntries installs fn to run in every transaction that adds entries,
// with the entries added. Call it before the ledger runs.
func (l *Ledger) OnEntries(fn func(tx *gorm.DB, es []Entry) error) { l.onEntries.Store(&fn) }

// entriesAdded runs the OnEntries hook, if any.
func (l *Ledger) entriesAdded(tx *gorm.DB, es []Entry) error {
	if fn := l.onEntries.Load(); fn != nil && *fn != nil {
		return (*fn)(tx, es)
	}
	return nil
}

// ProcessBatch is how many queued orders Process takes at a time. Each
// creator-month they touch is repriced once per batch, so a large batch
// (a bulk import, a recompute) costs one pass per creator-month, not one per
// order.
const ProcessBatch = 500_000

// ReconcileWorkers is how many creator-months a bulk pass reprices at once
// on PostgreSQL; BulkChanges is how many queued orders make a pass bulk.
const (
	ReconcileWorkers = 3
	BulkChanges      = 5000
)

// chunk bounds the ids in one IN (...) list.
const chunk = 5000

// Process brings the ledger up to date with every queued order change and
// returns how many orders it took.
func (l *Ledger) Process(ctx context.Context) (int, error) {
	total := 0
	for {
		var changes []order.Change
		if err := l.db.WithContext(ctx).Order("queued_at, order_id").Limit(ProcessBatch).Find(&changes).Error; err != nil {
			return total, err
		}
		if len(changes) == 0 {
			return total, nil
		}
		if err := l.processBatch(ctx, changes); err != nil {
			return total, err
		}
		total += len(changes)
	}
}

type monthKey struct{ brandID, creatorID, month string }

// chunks calls fn with consecutive slices of at most chunk ids.
func chunks(ids []string, fn func([]string) error) error {
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (l *Ledger) processBatch(ctx context.Context, changes []order.Change) error {
	ids := make([]string, len(changes))
	for i, c := range changes {
		ids[i] = c.OrderID
	}
	keys := map[monthKey]bool{}
	brands := map[string]*brand.Brand{}
	err := chunks(ids, func(part []string) error {
		// Where the orders are now...
		type where struct {
			BrandID   string
			CreatorID *string
			PlacedAt  time.Time
		}
		var ws []where
		if err := l.db.WithContext(ctx).Model(&order.Order{}).Select("brand_id, creator_id, placed_at").
			Where("id IN ?", part).Scan(&ws).Error; err != nil {
			return err
		}
		for _, w := range ws {
			if w.CreatorID == nil {
				continue
			}
			b, err := l.brand(ctx, brands, w.BrandID)
			if err != nil {
				return err
			}
			keys[monthKey{w.BrandID, *w.CreatorID, MonthOf(w.PlacedAt, b)}] = true
		}
		// ...and where their entries are (a creator who lost the order).
		rows, err := l.db.WithContext(ctx).Table("commission_entries").Select("DISTINCT brand_id, creator_id, month").
			Where("order_id IN ?", part).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k monthKey
			if err := rows.Scan(&k.brandID, &k.creatorID, &k.month); err != nil {
				return err
			}
			keys[k] = true
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	sorted := make([]monthKey, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		return a.brandID+a.creatorID+a.month < b.brandID+b.creatorID+b.month
	})
	// Creator-months are independent (each reconciles under its own lock):
	// on PostgreSQL a few run at once; SQLite writes one at a time anyway.
	// A pass of the background worker (a few hundred orders) stays on one
	// connection so as not to crowd out the requests; a bulk pass (an
	// import, a recompute) uses more.
	workers := 1
	if l.db.Dialect == store.Postgres && len(changes) >= BulkChanges {
		workers = ReconcileWorkers
	}
	work := make(chan monthKey)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				if err := l.Reconcile(ctx, brands[k.brandID], k.creatorID, k.month); err != nil {
					errs <- fmt.Errorf("commission: %s %s: %w", k.creatorID, k.month, err)
					return
				}
			}
		}()
	}
	for _, k := range sorted {
		if _, err := l.brand(ctx, brands, k.brandID); err != nil {
			close(work)
			wg.Wait()
			return err
		}
	}
	var failed error
send:
	for _, k := range sorted {
		select {
		case work <- k:
		case failed = <-errs:
			break send
		}
	}
	close(work)
	wg.Wait()
	if failed == nil {
		select {
		case failed = <-errs:
		default:
		}
	}
	if failed != nil {
		return failed
	}
	return l.dequeue(ctx, changes)
}

// dequeue deletes the marks read, each only if unchanged: a change queued
// again meanwhile has a newer time and stays queued.
func (l *Ledger) dequeue(ctx context.Context, changes []order.Change) error {
	return l.db.WithTx(ctx, func(tx *gorm.DB) error {
		for len(changes) > 0 {
			n := min(len(changes), 5000)
			ids, ats := make([]string, n), make([]time.Time, n)
			for i, c := range changes[:n] {
				ids[i], ats[i] = c.OrderID, c.QueuedAt
			}
			var err error
			if l.db.Dialect == store.Postgres {
				// A join with the pairs as two array literals (one parameter
				// each: ids are base62 and underscores, times RFC 3339).
				stamps := make([]string, n)
				for i, at := range ats {
					stamps[i] = at.UTC().Format(time.RFC3339Nano)
				}
				err = tx.Exec(`DELETE FROM order_changes c USING unnest(CAST(? AS text[]), CAST(? AS timestamptz[])) AS d(id, at)
					WHERE c.order_id = d.id AND c.queued_at = d.at`,
					"{"+strings.Join(ids, ",")+"}", "{"+strings.Join(stamps, ",")+"}").Error
			} else {
				for len(ids) > 0 {
					m := min(len(ids), 200)
					pairs := make([][]any, m)
					for i := range pairs {
						pairs[i] = []any{ids[i], ats[i]}
					}
					if err = tx.Where("order_id IN ? AND (order_id, queued_at) IN ?", ids[:m], pairs).Delete(&order.Change{}).Error; err != nil {
						break
					}
					ids, ats = ids[m:], ats[m:]
				}
			}
			if err != nil {
				return err
			}
			changes = changes[n:]
		}
		return nil
	})
}

func (l *Ledger) brand(ctx context.Context, cache map[string]*brand.Brand, id string) (*brand.Brand, error) {
	if b, ok := cache[id]; ok {
		return b, nil
	}
	b, err := l.brands.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	cache[id] = b
	return b, nil
}

// Location is the brand's time zone (UTC when unknown).
func Location(b *brand.Brand) *time.Location {
	if loc, err := time.LoadLocation(b.TimeZone); err == nil && b.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// MonthOf is the calendar month ("2026-03") of t in the brand's time zone.
func MonthOf(t time.Time, b *brand.Brand) string { return t.In(Location(b)).Format("2006-01") }

// component is what a creator should have for one part of one order.
type component struct {
	kind        string
	amount      int64
	orderID     string
	explanation string
	payableAt   time.Time
}

// Reconcile reprices one creator's month from its orders as they are now and
// adds an entry for every component whose sum differs: the ledger then
// equals a fresh computation, whatever happened before.
func (l *Ledger) Reconcile(ctx context.Context, b *brand.Brand, creatorID, month string) error {
	return l.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := l.db.LockKey(tx, "commission|"+b.ID+"|"+creatorID+"|"+month); err != nil {
			return err
		}
		want, versionID, err := l.desired(tx, b, creatorID, month)
		if err != nil {
			return err
		}
		have := map[string]int64{}
		rows, err := tx.Table("commission_entries").Select("component, SUM(amount)").
			Where("brand_id = ? AND creator_id = ? AND month = ? AND kind <> ?", b.ID, creatorID, month, KindAdjustment).
			Group("component").Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			var sum int64
			if err := rows.Scan(&c, &sum); err != nil {
				rows.Close()
				return err
			}
			have[c] = sum
		}
		rows.Close()
		names := make([]string, 0, len(want)+len(have))
		for c := range want {
			names = append(names, c)
		}
		for c := range have {
			if _, ok := want[c]; !ok {
				names = append(names, c)
			}
		}
		sort.Strings(names)
		now := l.now()
		var entries []Entry
		for _, c := range names {
			w, h := want[c], have[c]
			delta := w.amount - h
			if delta == 0 {
				continue
			}
			// Time-ordered ids: the entries' primary key grows at one edge.
			e := Entry{ID: store.NewTimeID("ce"), BrandID: b.ID, CreatorID: creatorID, Month: month, Component: c,
				Amount: delta, Currency: b.Currency, CreatedAt: now, PayableAt: w.payableAt, Kind: w.kind, Explanation: w.explanation}
			if versionID != "" {
				v := versionID
				e.PlanVersionID = &v
			}
			orderID := w.orderID
			if orderID == "" {
				// The component is no longer wanted (the order went to
				// another creator, say): take it back.
				orderID = strings.SplitN(c, ":", 2)[1]
				e.Kind, e.Explanation = KindReversal, "The order no longer earns this creator commission: "+money.Amount{Minor: h, Currency: b.Currency}.String()+" taken back."
				e.PayableAt = now
			} else if h != 0 {
				// A correction of a component already in the ledger.
				if delta < 0 && e.Kind != KindReversal {
					e.Kind = KindReversal
				}
				e.Explanation = fmt.Sprintf("Corrected after the order changed: now %s (was %s). %s",
					money.Amount{Minor: w.amount, Currency: b.Currency}, money.Amount{Minor: h, Currency: b.Currency}, w.explanation)
			}
			e.OrderID = &orderID
			entries = append(entries, e)
		}
		if len(entries) == 0 {
			return nil
		}
		if err := tx.CreateInBatches(entries, 1000).Error; err != nil {
			return err
		}
		return l.entriesAdded(tx, entries)
	})
}

// desired computes what the creator should have for each component of the
// month, under the month's plan version.
func (l *Ledger) desired(tx *gorm.DB, b *brand.Brand, creatorID, month string) (map[string]component, string, error) {
	// Without a plan nothing is priced, and nothing was (a month that was
	// priced keeps its plan version), so the orders need not be read.
	version, err := l.monthVersion(tx, b.ID, creatorID, month)
	if errors.Is(err, ErrNoPlan) {
		return map[string]component{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	pm, err := l.priceMonth(tx, b, creatorID, month, version.Rules)
	if err != nil {
		return nil, "", err
	}
	return pm.want, version.ID, nil
}

// monthBounds is the month's first instant and the next month's, in the
// brand's time zone.
func monthBounds(b *brand.Brand, month string) (time.Time, time.Time, error) {
	start, err := time.ParseInLocation("2006-01", month, Location(b))
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("commission: month %q: %w", month, err)
	}
	return start, start.AddDate(0, 1, 0), nil
}

// pricedMonth is a creator's month priced under some rules: the components
// the ledger should hold, and what the month sold.
type pricedMonth struct {
	want    map[string]component
	revenue int64 // net of the priced orders
	margin  int64 // gross margin of the lines whose margin is known
	marginN int64 // net of those lines
}

// priceMonth prices a creator's month under rules.
func (l *Ledger) priceMonth(tx *gorm.DB, b *brand.Brand, creatorID, month string, rules Plan) (*pricedMonth, error) {
	start, end, err := monthBounds(b, month)
	if err != nil {
		return nil, err
	}
	pm := &pricedMonth{want: map[string]component{}}
	want := pm.want
	var os []order.Order
	// Only what pricing reads: the JSON and text columns cost scanning time.
	if err := tx.Select("id, external_id, placed_at, currency, net, refunded, status, customer_hash").
		Where("brand_id = ? AND creator_id = ? AND placed_at >= ? AND placed_at < ?", b.ID, creatorID, start.UTC(), end.UTC()).
		Order("placed_at, id").Find(&os).Error; err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return pm, nil
	}
	in, err := l.inputs(tx, b, os, rules.NewCustomersOnly)
	if err != nil {
		return nil, err
	}
	m, err := NewMonth(rules, Settings{Currency: b.Currency, DefaultMarginBps: defaultMargin(b)})
	if err != nil {
		return nil, err
	}
	type priced struct {
		res     Result
		initial int64
	}
	results := make([]priced, len(os))
	index := make([]int, len(os)) // order i → its index in the Month, or -1
	n := 0
	for i, o := range os {
		index[i] = -1
		if o.Currency != b.Currency || len(in[i].Lines) == 0 {
			continue // another currency: not priced (noted on the order page)
		}
		res, err := m.Add(in[i].Order)
		if err != nil {
			return nil, fmt.Errorf("pricing order %s: %w", o.ExternalID, err)
		}
		results[i] = priced{res: res, initial: res.Commission}
		pm.revenue += in[i].Net()
		for j, lr := range res.Lines {
			if lr.MarginSource != MarginUnknown {
				pm.margin += lr.Margin
				pm.marginN += in[i].Lines[j].Net
			}
		}
		index[i] = n
		n++
	}
	hold := time.Duration(b.HoldDays) * 24 * time.Hour
	for i, o := range os {
		if index[i] < 0 {
			continue
		}
		r := results[i].res
		payable := o.PlacedAt.Add(hold)
		ref := "Order " + o.ExternalID + ": "
		var lineExpl []string
		for _, lr := range r.Lines {
			lineExpl = append(lineExpl, lr.Explanation)
		}
		if r.Excluded != "" {
			lineExpl = append(lineExpl, r.Excluded)
		}
		want["sale:"+o.ID] = component{kind: KindSale, amount: results[i].initial, orderID: o.ID,
			explanation: ref + strings.Join(lineExpl, "; "), payableAt: payable}
		final := m.Lines(index[i])
		var finalTotal int64
		for _, lr := range final {
			finalTotal += lr.Commission
		}
		if tu := finalTotal - results[i].initial; tu != 0 {
			want["true_up:"+o.ID] = component{kind: KindTrueUp, amount: tu, orderID: o.ID,
				explanation: ref + "the month reached a higher tier: its lines now earn " + money.Amount{Minor: finalTotal, Currency: b.Currency}.String(),
				payableAt:   payable}
		}
		if r.Bonus != 0 {
			var bx []string
			for _, bo := range r.Bonuses {
				bx = append(bx, bo.Explanation)
			}
			want["bonus:"+o.ID] = component{kind: KindBonus, amount: r.Bonus, orderID: o.ID, explanation: ref + strings.Join(bx, "; "), payableAt: payable}
		}
		rev, why, err := reversal(&o, in[i], final, r.Bonus, os[i].Refunded, in[i].refunds)
		if err != nil {
			return nil, err
		}
		if rev != 0 {
			want["reversal:"+o.ID] = component{kind: KindReversal, amount: -rev, orderID: o.ID, explanation: ref + why, payableAt: payable}
		}
	}
	return pm, nil
}

// reversal is what refunds and a cancellation take back from an order.
func reversal(o *order.Order, in pricedOrder, final []LineResult, bonus, refunded int64, lineRefunds []int64) (int64, string, error) {
	var earned int64
	for _, lr := range final {
		earned += lr.Commission
	}
	if o.Status == order.Cancelled {
		if earned+bonus == 0 {
			return 0, "", nil
		}
		return earned + bonus, "cancelled: everything it earned is taken back", nil
	}
	if refunded <= 0 {
		return 0, "", nil
	}
	var back, lineLevel, restCommission, restNet int64
	for i, lr := range final {
		r := min(lineRefunds[i], in.Lines[i].Net)
		lineLevel += r
		v, err := Reverse(lr.Commission, in.Lines[i].Net, 0, r)
		if err != nil {
			return 0, "", err
		}
		back += v
		restCommission += lr.Commission - v
		restNet += in.Lines[i].Net - r
	}
	if rest := min(refunded-lineLevel, restNet); rest > 0 {
		v, err := Reverse(restCommission, restNet, 0, rest)
		if err != nil {
			return 0, "", err
		}
		back += v
	}
	why := "refunded " + money.Amount{Minor: refunded, Currency: o.Currency}.String() + " of " +
		money.Amount{Minor: o.Net, Currency: o.Currency}.String() + ": that share of its commission is taken back"
	if refunded >= o.Net && o.Net > 0 {
		back += bonus
		if bonus != 0 {
			why += ", with its bonus"
		}
	}
	return back, why, nil
}

func defaultMargin(b *brand.Brand) *int64 {
	if b.DefaultMarginBps == nil {
		return nil
	}
	v := int64(*b.DefaultMarginBps)
	return &v
}

// monthVersion is the plan version bound to the creator's month, binding the
// creator's current plan when the month has none yet.
func (l *Ledger) monthVersion(tx *gorm.DB, brandID, creatorID, month string) (*PlanVersion, error) {
	var mr monthRow
	err := tx.Where("brand_id = ? AND creator_id = ? AND month = ?", brandID, creatorID, month).Take(&mr).Error
	if err == nil {
		var v PlanVersion
		if err := tx.Where("id = ?", mr.PlanVersionID).Take(&v).Error; err != nil {
			return nil, store.Err(err)
		}
		return &v, nil
	}
	if !errors.Is(store.Err(err), store.ErrNotFound) {
		return nil, err
	}
	v, err := l.plans.forCreator(tx, brandID, creatorID)
	if err != nil {
		return nil, err
	}
	mr = monthRow{BrandID: brandID, CreatorID: creatorID, Month: month, PlanVersionID: v.ID, CreatedAt: l.now()}
	if err := tx.Create(&mr).Error; err != nil {
		return nil, err
	}
	return v, nil
}

// pricedOrder is an order as the calculator sees it, with each line's
// refunded net.
type pricedOrder struct {
	Order
	refunds []int64
}

// inputs turns stored orders into calculator orders: lines with their
// catalog cost and category, whether the customer is new, and each line's
// refunds.
func (l *Ledger) inputs(tx *gorm.DB, b *brand.Brand, os []order.Order, newCustomers bool) ([]pricedOrder, error) {
	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	var lines []order.Line
	if err := tx.Where("order_id IN ?", ids).Order("order_id, position").Find(&lines).Error; err != nil {
		return nil, err
	}
	var adjs []order.Adjustment
	// Only refunded orders have refunds to read (most have none).
	var refunded []string
	for _, o := range os {
		if o.Refunded > 0 {
			refunded = append(refunded, o.ID)
		}
	}
	if len(refunded) > 0 {
		if err := tx.Where("order_id IN ? AND kind = ?", refunded, order.KindRefund).Find(&adjs).Error; err != nil {
			return nil, err
		}
	}
	byOrder := map[string][]order.Line{}
	var refs []LineRef
	for _, ln := range lines {
		byOrder[ln.OrderID] = append(byOrder[ln.OrderID], ln)
	}
	// The catalog, matched once for every line of the month, in order.
	for _, o := range os {
		for _, ln := range byOrder[o.ID] {
			refs = append(refs, LineRef{SKU: ln.SKU, ProductID: ln.ProductID})
		}
	}
	products, err := matchProducts(tx, b.ID, refs)
	if err != nil {
		return nil, err
	}
	// Whether a customer is new matters only to new-customers-only plans.
	returning := map[string]bool{}
	if newCustomers {
		if returning, err = returningCustomers(tx, b.ID, os); err != nil {
			return nil, err
		}
	}
	out := make([]pricedOrder, len(os))
	ref := 0
	for i, o := range os {
		ls := byOrder[o.ID]
		po := pricedOrder{Order: Order{IsNewCustomer: !returning[o.ID]}, refunds: make([]int64, len(ls))}
		for j, ln := range ls {
			cl := Line{Title: ln.Title, SKU: ln.SKU, ProductID: ln.ProductID, Quantity: ln.Quantity, Net: max(ln.Net, 0)}
			if p, ok := products[ref]; ok {
				cl.Category, cl.UnitCost = p.Category, p.UnitCost
			}
			ref++
			po.Lines = append(po.Lines, cl)
			for _, a := range adjs {
				if a.OrderID == nil || *a.OrderID != o.ID {
					continue
				}
				for _, rl := range a.Lines {
					if (rl.LineExternalID != "" && rl.LineExternalID == ln.ExternalID) ||
						(rl.LineExternalID == "" && rl.SKU != "" && rl.SKU == ln.SKU) {
						po.refunds[j] += rl.Amount
					}
				}
			}
		}
		out[i] = po
	}
	return out, nil
}

// returningCustomers marks the orders whose customer had an earlier order
// with the brand.
func returningCustomers(tx *gorm.DB, brandID string, os []order.Order) (map[string]bool, error) {
	hashes := map[string]bool{}
	for _, o := range os {
		if o.CustomerHash != "" {
			hashes[o.CustomerHash] = true
		}
	}
	out := map[string]bool{}
	if len(hashes) == 0 {
		return out, nil
	}
	list := make([]string, 0, len(hashes))
	for h := range hashes {
		list = append(list, h)
	}
	// The earliest order per customer, found here rather than with MIN():
	// SQLite returns an aggregate of a time column as text.
	type placed struct {
		CustomerHash string
		PlacedAt     time.Time
	}
	var ps []placed
	if err := tx.Model(&order.Order{}).Select("customer_hash, placed_at").
		Where("brand_id = ? AND customer_hash IN ?", brandID, list).Scan(&ps).Error; err != nil {
		return nil, err
	}
	firsts := map[string]time.Time{}
	for _, p := range ps {
		if f, ok := firsts[p.CustomerHash]; !ok || p.PlacedAt.Before(f) {
			firsts[p.CustomerHash] = p.PlacedAt
		}
	}
	for _, o := range os {
		if f, ok := firsts[o.CustomerHash]; ok && o.CustomerHash != "" && f.Before(o.PlacedAt) {
			out[o.ID] = true
		}
	}
	return out, nil
}

// Balance is what a creator has in the ledger, by status.
type Balance struct {
	Currency string `json:"currency"`
	// Pending: still in its hold period.
	Pending int64 `json:"pending"`
	// Payable: past its hold period and in no payout yet.
	Payable int64 `json:"payable"`
	// Held: held by a fraud or quality review (internal/fraud), or added
	// to a held order since, in no payout; neither pending nor payable until
	// released.
	Held int64 `json:"held"`
	// InPayout: in a payout batch that has not paid it yet.
	InPayout int64 `json:"in_payout"`
	// Paid: in a payout that was sent or paid.
	Paid int64 `json:"paid"`
}

// paidSQL selects the entries a payout has paid.
const paidSQL = "EXISTS (SELECT 1 FROM payout_entries pe JOIN payout_items pi ON pi.batch_id = pe.batch_id AND pi.creator_id = pe.creator_id " +
	"WHERE pe.entry_id = commission_entries.id AND pi.status IN ('sent', 'paid'))"

// Balance sums a creator's entries by status at now.
func (l *Ledger) Balance(ctx context.Context, b *brand.Brand, creatorID string) (*Balance, error) {
	now := l.now()
	out := &Balance{Currency: b.Currency}
	var s struct {
		Pending, Payable, Held, InPayout, Paid int64
	}
	err := l.db.WithContext(ctx).Table("commission_entries e").
		Select(`COALESCE(SUM(CASE WHEN pi.status IN ('sent', 'paid') THEN e.amount ELSE 0 END), 0) AS paid,
			COALESCE(SUM(CASE WHEN pe.entry_id IS NOT NULL AND (pi.status IS NULL OR pi.status NOT IN ('sent', 'paid')) THEN e.amount ELSE 0 END), 0) AS in_payout,
			COALESCE(SUM(CASE WHEN pe.entry_id IS NULL AND (h.entry_id IS NOT NULL OR ho.order_id IS NOT NULL) THEN e.amount ELSE 0 END), 0) AS held,
			COALESCE(SUM(CASE WHEN pe.entry_id IS NULL AND h.entry_id IS NULL AND ho.order_id IS NULL AND e.payable_at > ? THEN e.amount ELSE 0 END), 0) AS pending,
			COALESCE(SUM(CASE WHEN pe.entry_id IS NULL AND h.entry_id IS NULL AND ho.order_id IS NULL AND e.payable_at <= ? THEN e.amount ELSE 0 END), 0) AS payable`, now, now).
		Joins("LEFT JOIN payout_entries pe ON pe.entry_id = e.id").
		Joins("LEFT JOIN payout_items pi ON pi.batch_id = pe.batch_id AND pi.creator_id = pe.creator_id").
		Joins("LEFT JOIN commission_holds h ON h.entry_id = e.id AND h.released_at IS NULL").
		// A hold covers its orders: entries added to a held order later wait too.
		Joins(`LEFT JOIN (SELECT DISTINCT he.order_id, he.creator_id FROM commission_holds hh JOIN commission_entries he ON he.id = hh.entry_id
			WHERE hh.released_at IS NULL AND hh.brand_id = ? AND he.creator_id = ?) ho ON ho.order_id = e.order_id AND ho.creator_id = e.creator_id`, b.ID, creatorID).
		Where("e.brand_id = ? AND e.creator_id = ? AND e.currency = ?", b.ID, creatorID, b.Currency).
		Scan(&s).Error
	if err != nil {
		return nil, err
	}
	out.Pending, out.Payable, out.Held, out.InPayout, out.Paid = s.Pending, s.Payable, s.Held, s.InPayout, s.Paid
	return out, nil
}

// EntryQuery filters the entries list.
type EntryQuery struct {
	CreatorID       string
	OrderExternalID string
	Status          string
	Cursor          string
	Limit           int
}

// filter is the entries q selects (without its cursor or limit).
func (l *Ledger) filter(ctx context.Context, brandID string, q *EntryQuery) (*gorm.DB, error) {
	var errs validate.Errors
	if q.Status != "" && q.Status != StatusPending && q.Status != StatusPayable && q.Status != StatusPaid {
		errs.Add("status", "one of pending, payable, paid")
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 100
	}
	if len(errs) > 0 {
		return nil, errs
	}
	db := l.db.WithContext(ctx).Model(&Entry{}).Where("commission_entries.brand_id = ?", brandID)
	if q.CreatorID != "" {
		db = db.Where("commission_entries.creator_id = ?", q.CreatorID)
	}
	if q.OrderExternalID != "" {
		db = db.Where("commission_entries.order_id IN (?)",
			l.db.Table("orders").Select("id").Where("brand_id = ? AND external_id = ?", brandID, q.OrderExternalID))
	}
	now := l.now()
	switch q.Status {
	case StatusPending:
		db = db.Where("payable_at > ? AND NOT "+paidSQL, now)
	case StatusPayable:
		db = db.Where("payable_at <= ? AND NOT "+paidSQL, now)
	case StatusPaid:
		db = db.Where(paidSQL)
	}
	return db, nil
}

// Entries lists the brand's entries, newest first.
func (l *Ledger) Entries(ctx context.Context, brandID string, q EntryQuery) ([]Entry, string, error) {
	db, err := l.filter(ctx, brandID, &q)
	if err != nil {
		return nil, "", err
	}
	if q.Cursor != "" {
		at, id, ok := decodeCursor(q.Cursor)
		if !ok {
			return nil, "", validate.Errors{{Field: "cursor", Message: "not a cursor this list gave out"}}
		}
		db = db.Where("(commission_entries.created_at < ? OR (commission_entries.created_at = ? AND commission_entries.id < ?))", at, at, id)
	}
	var es []Entry
	if err := db.Order("commission_entries.created_at DESC, commission_entries.id DESC").Limit(q.Limit + 1).Find(&es).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(es) > q.Limit {
		es = es[:q.Limit]
		last := es[len(es)-1]
		next = base64.RawURLEncoding.EncodeToString([]byte(last.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + last.ID))
	}
	return es, next, l.MarkPaid(ctx, es)
}

// MarkPaid sets Paid on the entries a payout has paid.
func (l *Ledger) MarkPaid(ctx context.Context, es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	paid := map[string]bool{}
	err := chunks(ids, func(part []string) error {
		var got []string
		if err := l.db.WithContext(ctx).Table("payout_entries pe").Select("pe.entry_id").
			Joins("JOIN payout_items pi ON pi.batch_id = pe.batch_id AND pi.creator_id = pe.creator_id").
			Where("pe.entry_id IN ? AND pi.status IN ?", part, []string{"sent", "paid"}).Pluck("pe.entry_id", &got).Error; err != nil {
			return err
		}
		for _, id := range got {
			paid[id] = true
		}
		return nil
	})
	for i := range es {
		es[i].Paid = paid[es[i].ID]
	}
	return err
}

// KindSum is the count and sum of one kind of entry in one currency.
type KindSum struct {
	Currency string
	Kind     string
	N        int64
	Amount   int64
}

// Totals sums every entry q selects (not only a page), by currency and kind.
func (l *Ledger) Totals(ctx context.Context, brandID string, q EntryQuery) ([]KindSum, error) {
	db, err := l.filter(ctx, brandID, &q)
	if err != nil {
		return nil, err
	}
	var sums []KindSum
	err = db.Select("currency, kind, COUNT(*) AS n, COALESCE(SUM(amount), 0) AS amount").Group("currency, kind").
		Order("currency, kind").Scan(&sums).Error
	return sums, err
}

// OrderRefs maps the order ids of entries to the orders' external ids.
func (l *Ledger) OrderRefs(ctx context.Context, brandID string, es []Entry) (map[string]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, e := range es {
		if e.OrderID != nil && !seen[*e.OrderID] {
			seen[*e.OrderID] = true
			ids = append(ids, *e.OrderID)
		}
	}
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var refs []struct{ ID, ExternalID string }
	if err := l.db.WithContext(ctx).Table("orders").Select("id, external_id").Where("brand_id = ? AND id IN ?", brandID, ids).
		Scan(&refs).Error; err != nil {
		return nil, err
	}
	for _, r := range refs {
		out[r.ID] = r.ExternalID
	}
	return out, nil
}

func decodeCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	return t, id, ok && err == nil && id != ""
}

// Adjust adds a manual entry for a creator, with a reason, in the audit log.
func (l *Ledger) Adjust(ctx context.Context, actor brand.Actor, b *brand.Brand, creatorID string, amount int64, reason string) (*Entry, error) {
	reason = strings.TrimSpace(reason)
	var errs validate.Errors
	if amount == 0 {
		errs.Add("amount", "must not be zero (minor units; negative takes money back)")
	}
	if reason == "" || len(reason) > 500 {
		errs.Add("reason", "say why (1 to 500 characters); it is shown to the creator and kept in the audit log")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	now := l.now()
	id := store.NewID("ce")
	e := &Entry{ID: id, BrandID: b.ID, CreatorID: creatorID, Month: MonthOf(now, b), Component: "adj:" + id, Kind: KindAdjustment,
		Amount: amount, Currency: b.Currency, Explanation: "Manual adjustment: " + reason, Reason: reason, Actor: actor.Label,
		PayableAt: now, CreatedAt: now}
	err := l.db.WithTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("creators").Where("brand_id = ? AND id = ?", b.ID, creatorID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		if err := l.entriesAdded(tx, []Entry{*e}); err != nil {
			return err
		}
		return l.brands.Audit(tx, b.ID, actor, "commission.adjusted", map[string]any{"creator_id": creatorID, "amount": amount, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ProcessEvery is how often the background worker looks for order changes.
// Each pass reprices every creator-month touched since the last one, once:
// under a stream of orders, a longer interval means fewer repricings.
const ProcessEvery = 5 * time.Second

// Run processes order changes until Drain.
func (l *Ledger) Run(ctx context.Context) {
	l.mu.Lock()
	if l.done != nil || l.stopped {
		l.mu.Unlock()
		return
	}
	done := make(chan struct{})
	l.done = done
	l.mu.Unlock()
	defer close(done)
	t := time.NewTicker(ProcessEvery)
	defer t.Stop()
	for {
		if _, err := l.Process(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("commission: processing order changes", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-l.stop:
			return
		case <-t.C:
		}
	}
}

// Drain stops the worker after a last pass over the queue.
func (l *Ledger) Drain(ctx context.Context) error {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		close(l.stop)
	}
	done := l.done
	l.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err := l.Process(ctx)
	return err
}
