package report

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// sums are summed rollup columns.
type sums struct {
	Key                 string `gorm:"column:group_key"`
	Day                 string `gorm:"-"`
	Clicks              int64
	UniqueClicks        int64
	BotClicks           int64
	Orders              int64
	Revenue             int64
	Refunded            int64
	Commission          int64
	GrossMargin         int64
	MarginUnknown       int64
	NewCustomers        int64
	ReturningCustomers  int64
	hasMargin, hasCusts bool
}

func (a *sums) add(b sums) {
	a.Clicks += b.Clicks
	a.UniqueClicks += b.UniqueClicks
	a.BotClicks += b.BotClicks
	a.Orders += b.Orders
	a.Revenue += b.Revenue
	a.Refunded += b.Refunded
	a.Commission += b.Commission
	a.GrossMargin += b.GrossMargin
	a.MarginUnknown += b.MarginUnknown
	a.NewCustomers += b.NewCustomers
	a.ReturningCustomers += b.ReturningCustomers
}

func sumCols(cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "CAST(COALESCE(SUM(" + c + "), 0) AS BIGINT) AS " + c
	}
	return strings.Join(parts, ", ")
}

var (
	creatorSums = sumCols("clicks", "unique_clicks", "bot_clicks", "orders", "revenue", "refunded", "commission",
		"gross_margin", "margin_unknown", "new_customers", "returning_customers")
	linkSums = sumCols("clicks", "unique_clicks", "bot_clicks", "orders", "revenue", "refunded", "commission")
)

// days is r's first day and the day after its last, in the brand's zone.
func days(b *brand.Brand, r Range) (string, string) {
	loc := Location(b)
	return r.From.In(loc).Format("2006-01-02"), r.To.In(loc).Format("2006-01-02")
}

// ptrs are pointers to t's first n columns in creatorCols order.
func (t *sums) ptrs(n int) []any {
	return []any{&t.Clicks, &t.UniqueClicks, &t.BotClicks, &t.Orders, &t.Revenue, &t.Refunded, &t.Commission, &t.GrossMargin,
		&t.MarginUnknown, &t.NewCustomers, &t.ReturningCustomers}[:n]
}

// linkPart is t's link columns alone.
func (t sums) linkPart() sums {
	return sums{Clicks: t.Clicks, UniqueClicks: t.UniqueClicks, BotClicks: t.BotClicks, Orders: t.Orders, Revenue: t.Revenue,
		Refunded: t.Refunded, Commission: t.Commission}
}

func (a *sums) sub(b sums) {
	a.Clicks -= b.Clicks
	a.UniqueClicks -= b.UniqueClicks
	a.BotClicks -= b.BotClicks
	a.Orders -= b.Orders
	a.Revenue -= b.Revenue
	a.Refunded -= b.Refunded
	a.Commission -= b.Commission
}

// txKey carries a snapshot's transaction in a context.
type txKey struct{}

// conn is the snapshot's transaction when ctx carries one, else the
// database.
func (s *Service) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.db.WithContext(ctx)
}

// snapshot runs fn, on PostgreSQL, with every read in one read-only
// repeatable-read transaction, so that a report's numbers agree with each
// other (the totals with the rows), and with serial plans: the rollup
// reads are a few tens of thousands of rows, where parallel workers cost
// more than they save and would take every core from the other requests.
// SQLite reads directly (its transactions here take the write lock).
func (s *Service) snapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.db.Dialect != store.Postgres {
		return fn(ctx)
	}
	return s.db.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL max_parallel_workers_per_gather = 0").Error; err != nil {
			return err
		}
		return fn(context.WithValue(ctx, txKey{}, tx))
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

// querySums runs q and scans rows of keys (strings) then n summed columns.
// Rows are scanned by hand: a dashboard reads thousands.
func (s *Service) querySums(ctx context.Context, keys, n int, q string, args ...any) ([][]string, []sums, error) {
	rows, err := s.conn(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ks [][]string
	var out []sums
	for rows.Next() {
		k := make([]string, keys)
		var t sums
		dest := make([]any, 0, keys+n)
		for i := range k {
			dest = append(dest, &k[i])
		}
		if err := rows.Scan(append(dest, t.ptrs(n)...)...); err != nil {
			return nil, nil, err
		}
		ks, out = append(ks, k), append(out, t)
	}
	return ks, out, rows.Err()
}

// rangeSQL is a query summing cols of a rollup ("report_creator" or
// "report_link") over the brand's days [first, end): sealed blocks from its
// block table, the other days from its daily one (see rangeParts). keys are
// selected and grouped by (none: one total); cond narrows both tables.
func (s *Service) rangeSQL(ctx context.Context, brandID, first, end, rollup string, cols []string, outKeys, innerKeys, group,
	cond string, condArgs ...any) (string, []any, error) {
	sealed, err := s.sealedThrough(ctx, brandID)
	if err != nil {
		return "", nil, err
	}
	inner := strings.Join(append(strings.Split(innerKeys, ", "), cols...), ", ")
	if innerKeys == "" {
		inner = strings.Join(cols, ", ")
	}
	var parts []string
	var args []any
	for _, p := range rangeParts(first, end, sealed) {
		table := rollup + "_daily"
		if p.blocks {
			table = rollup + "_blocks"
		}
		q := "SELECT " + inner + " FROM " + table + " WHERE brand_id = ? AND " + p.cond
		args = append(append(args, brandID), p.args...)
		if cond != "" {
			q += " AND " + cond
			args = append(args, condArgs...)
		}
		parts = append(parts, q)
	}
	if len(parts) == 0 { // an empty range
		parts = append(parts, "SELECT "+inner+" FROM "+rollup+"_daily WHERE 1 = 0")
	}
	q := "SELECT " + outKeys + sumCols(cols...) + " FROM (" + strings.Join(parts, " UNION ALL ") + ") u"
	if group != "" {
		q += " GROUP BY " + group
	}
	return q, args, nil
}

// creatorTotals sums the creator rollups over r, grouped by group ("" for
// one total; "creator_id" or "day"), for one creator or all. The daily
// series of all creators is the brand's daily rollup.
func (s *Service) creatorTotals(ctx context.Context, b *brand.Brand, r Range, creatorID, group string) ([]sums, error) {
	first, end := days(b, r)
	var keys [][]string
	var out []sums
	var err error
	if group == "day" {
		table, q, args := "report_brand_daily", "brand_id = ? AND day >= ? AND day < ?", []any{b.ID, first, end}
		if creatorID != "" {
			table, q, args = "report_creator_daily", q+" AND creator_id = ?", append(args, creatorID)
		}
		keys, out, err = s.querySums(ctx, 1, len(creatorCols),
			"SELECT day, "+sumCols(creatorCols...)+" FROM "+table+" WHERE "+q+" GROUP BY day", args...)
	} else {
		cond, condArgs := "", []any(nil)
		if creatorID != "" {
			cond, condArgs = "creator_id = ?", []any{creatorID}
		}
		outKeys, innerKeys, nk := "", "", 0
		if group != "" {
			outKeys, innerKeys, nk = group+", ", group, 1
		}
		q, args, qerr := s.rangeSQL(ctx, b.ID, first, end, "report_creator", creatorCols, outKeys, innerKeys, group, cond, condArgs...)
		if qerr != nil {
			return nil, qerr
		}
		keys, out, err = s.querySums(ctx, nk, len(creatorCols), q, args...)
	}
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].hasMargin, out[i].hasCusts = true, true
		if len(keys[i]) == 1 {
			out[i].Key = keys[i][0]
			if group == "day" {
				out[i].Day = out[i].Key
			}
		}
	}
	return out, nil
}

func (s *Service) total(ctx context.Context, b *brand.Brand, r Range, creatorID string) (sums, error) {
	rows, err := s.creatorTotals(ctx, b, r, creatorID, "")
	if err != nil || len(rows) == 0 {
		return sums{hasMargin: true, hasCusts: true}, err
	}
	return rows[0], nil
}

// kpis computes the KPIs of summed columns (see KPIs for the formulas).
func kpis(currency string, t sums) KPIs {
	k := KPIs{Currency: currency, HumanClicks: t.Clicks, UniqueClicks: t.UniqueClicks, BotClicks: t.BotClicks, Orders: t.Orders,
		Revenue: t.Revenue, Refunded: t.Refunded, Commission: t.Commission, GrossMargin: t.GrossMargin,
		MarginKnown: t.hasMargin && t.MarginUnknown == 0, NewCustomers: t.NewCustomers, ReturningCustomers: t.ReturningCustomers}
	if t.Clicks > 0 {
		k.ConversionBps, k.Defined.Conversion = div(t.Orders*10000, t.Clicks), true
		k.EarningsPerClick, k.Defined.EarningsPerClick = div(t.Commission, t.Clicks), true
	}
	if t.Revenue > 0 {
		k.RefundRateBps, k.Defined.RefundRate = div(t.Refunded*10000, t.Revenue), true
		k.CommissionOfRevenueBps, k.Defined.CommissionOfRevenue = div(t.Commission*10000, t.Revenue), true
	}
	if t.hasMargin && t.GrossMargin > 0 {
		k.CommissionOfMarginBps, k.Defined.CommissionOfMargin = div(t.Commission*10000, t.GrossMargin), true
	}
	if t.Orders > 0 {
		k.AOV, k.Defined.AOV = div(t.Revenue, t.Orders), true
	}
	return k
}

// daily is one point per day of r, zeros included.
func daily(b *brand.Brand, r Range, rows []sums) []DayPoint {
	by := map[string]sums{}
	for _, row := range rows {
		by[row.Day] = row
	}
	loc := Location(b)
	var out []DayPoint
	for d := r.From.In(loc); d.Before(r.To); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		day := d.Format("2006-01-02")
		t := by[day]
		out = append(out, DayPoint{Day: day, Clicks: t.Clicks, UniqueClicks: t.UniqueClicks, Orders: t.Orders, Revenue: t.Revenue,
			Refunded: t.Refunded, Commission: t.Commission})
	}
	return out
}

// creatorInfo is what reports show of a creator.
type creatorInfo struct {
	ID        string
	Name      string
	Status    string
	CreatedAt time.Time
}

func (s *Service) creators(ctx context.Context, brandID string, ids []string) (map[string]creatorInfo, error) {
	q := s.conn(ctx).Table("creators").Select("id, name, status, created_at").Where("brand_id = ?", brandID)
	if ids != nil {
		if len(ids) == 0 {
			return map[string]creatorInfo{}, nil
		}
		q = q.Where("id IN ?", ids)
	}
	var rows []creatorInfo
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]creatorInfo, len(rows))
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// mainPlatforms is each creator's main platform: the handle with the
// largest audience (ties by platform order), "other" without handles.
func (s *Service) mainPlatforms(ctx context.Context, brandID string) (map[string]string, error) {
	var hs []struct {
		CreatorID    string
		Platform     string
		AudienceSize int64
	}
	if err := s.conn(ctx).Table("creator_handles").Select("creator_id, platform, audience_size").
		Where("brand_id = ?", brandID).Order("creator_id, audience_size DESC, platform").Scan(&hs).Error; err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, h := range hs {
		if _, ok := out[h.CreatorID]; !ok {
			out[h.CreatorID] = h.Platform
		}
	}
	return out, nil
}

// linkTotals sums the link rollups over r by link, for one creator or
// all. Rows without a link (orders by code, adjustments) are left out:
// they are a creator's total less its links'.
func (s *Service) linkTotals(ctx context.Context, b *brand.Brand, r Range, creatorID string) ([]linkSum, error) {
	first, end := days(b, r)
	cond, condArgs := "link_id <> ''", []any(nil)
	if creatorID != "" {
		cond, condArgs = cond+" AND creator_id = ?", []any{creatorID}
	}
	// Grouped by link alone (a link has one creator, never changed; the
	// caller knows it from the links table): grouping by (link_id,
	// creator_id) made PostgreSQL expect a group per row and sort on disk.
	q, args, err := s.rangeSQL(ctx, b.ID, first, end, "report_link", linkCols, "link_id, ", "link_id", "link_id", cond, condArgs...)
	if err != nil {
		return nil, err
	}
	keys, ts, err := s.querySums(ctx, 1, len(linkCols), q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]linkSum, len(ts))
	for i, t := range ts {
		out[i] = linkSum{LinkID: keys[i][0], Clicks: t.Clicks, UniqueClicks: t.UniqueClicks, BotClicks: t.BotClicks,
			Orders: t.Orders, Revenue: t.Revenue, Refunded: t.Refunded, Commission: t.Commission}
	}
	return out, nil
}

type linkSum struct {
	LinkID                                                                 string
	Clicks, UniqueClicks, BotClicks, Orders, Revenue, Refunded, Commission int64
}

func (l linkSum) sums() sums {
	return sums{Clicks: l.Clicks, UniqueClicks: l.UniqueClicks, BotClicks: l.BotClicks, Orders: l.Orders, Revenue: l.Revenue,
		Refunded: l.Refunded, Commission: l.Commission}
}

type linkInfo struct {
	ID, CreatorID, Slug, Label, Platform string
}

// links are the brand's links, or one creator's.
func (s *Service) links(ctx context.Context, brandID, creatorID string) (map[string]linkInfo, error) {
	q, args := "SELECT id, creator_id, slug, label, platform FROM links WHERE brand_id = ?", []any{brandID}
	if creatorID != "" {
		q, args = q+" AND creator_id = ?", append(args, creatorID)
	}
	rows, err := s.conn(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]linkInfo{}
	for rows.Next() {
		var l linkInfo
		if err := rows.Scan(&l.ID, &l.CreatorID, &l.Slug, &l.Label, &l.Platform); err != nil {
			return nil, err
		}
		out[l.ID] = l
	}
	return out, rows.Err()
}

func linkRow(l linkInfo, t sums, creatorName, platform string) LinkRow {
	row := LinkRow{LinkID: l.ID, Slug: l.Slug, Label: l.Label, CreatorID: l.CreatorID, CreatorName: creatorName, Platform: platform,
		Clicks: t.Clicks, UniqueClicks: t.UniqueClicks, Orders: t.Orders, Revenue: t.Revenue, Commission: t.Commission}
	row.ConversionBps = div(t.Orders*10000, t.Clicks)
	return row
}

func sortLinks(rows []LinkRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Revenue != b.Revenue {
			return a.Revenue > b.Revenue
		}
		if a.Clicks != b.Clicks {
			return a.Clicks > b.Clicks
		}
		return a.Slug < b.Slug
	})
}

// Dashboard is the brand dashboard for r, compared with r.Previous().
// Platforms: a link's platform when set, else its creator's main platform
// (the handle with the largest audience), else "other"; orders with no
// link (by code or customer) count under the creator's main platform.
// Platform rows have no margin or customer split (the link rollup does not
// keep them): their CommissionOfMargin is undefined.
func (s *Service) Dashboard(ctx context.Context, b *brand.Brand, r Range) (*Dashboard, error) {
	var d *Dashboard
	err := s.snapshot(ctx, func(ctx context.Context) error {
		var err error
		d, err = s.dashboard(ctx, b, r)
		return err
	})
	return d, err
}

func (s *Service) dashboard(ctx context.Context, b *brand.Brand, r Range) (*Dashboard, error) {
	d := &Dashboard{Range: r, Previous: r.Previous()}
	// One scan by day over both periods gives the daily series and both
	// totals (summed here rather than read again).
	byDay, err := s.creatorTotals(ctx, b, Range{From: d.Previous.From, To: r.To}, "", "day")
	if err != nil {
		return nil, err
	}
	curFirst, _ := days(b, r)
	cur, prior := sums{hasMargin: true, hasCusts: true}, sums{hasMargin: true, hasCusts: true}
	var curDays []sums
	for _, t := range byDay {
		if t.Day >= curFirst {
			cur.add(t)
			curDays = append(curDays, t)
		} else {
			prior.add(t)
		}
	}
	d.Current, d.Prior = kpis(b.Currency, cur), kpis(b.Currency, prior)
	d.Daily = daily(b, r, curDays)
	byCreator, err := s.creatorTotals(ctx, b, r, "", "creator_id")
	if err != nil {
		return nil, err
	}
	sortSums(byCreator)
	top := byCreator[:min(TopN, len(byCreator))]
	ids := make([]string, len(top))
	for i, t := range top {
		ids[i] = t.Key
	}
	infos, err := s.creators(ctx, b.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range top {
		d.TopCreators = append(d.TopCreators, CreatorRow{CreatorID: t.Key, Name: infos[t.Key].Name, KPIs: kpis(b.Currency, t)})
	}

	ls, err := s.linkTotals(ctx, b, r, "")
	if err != nil {
		return nil, err
	}
	linfo, err := s.links(ctx, b.ID, "")
	if err != nil {
		return nil, err
	}
	mains, err := s.mainPlatforms(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	// What a creator has without a link (orders by code or customer,
	// adjustments) is their total less their links'.
	rest := make(map[string]*sums, len(byCreator))
	for _, t := range byCreator {
		lp := t.linkPart()
		rest[t.Key] = &lp
	}
	plat := map[string]*sums{}
	add := func(p string, t sums) {
		if plat[p] == nil {
			plat[p] = &sums{}
		}
		plat[p].add(t)
	}
	var rows []LinkRow
	for _, l := range ls {
		info, ok := linfo[l.LinkID]
		if !ok {
			return nil, fmt.Errorf("report: link %s has rollups but is not the brand's", l.LinkID)
		}
		if r := rest[info.CreatorID]; r != nil {
			r.sub(l.sums())
		}
		if l.sums() == (sums{}) {
			continue // a row whose orders all went away
		}
		p := platformOf(info.Platform, mains[info.CreatorID])
		add(p, l.sums())
		rows = append(rows, linkRow(info, l.sums(), "", p))
	}
	for id, t := range rest {
		if *t != (sums{}) {
			add(platformOf("", mains[id]), *t)
		}
	}
	for p, t := range plat {
		d.Platforms = append(d.Platforms, PlatformRow{Platform: p, KPIs: kpis(b.Currency, *t)})
	}
	sort.Slice(d.Platforms, func(i, j int) bool {
		a, c := d.Platforms[i], d.Platforms[j]
		if a.Revenue != c.Revenue {
			return a.Revenue > c.Revenue
		}
		if a.HumanClicks != c.HumanClicks {
			return a.HumanClicks > c.HumanClicks
		}
		return a.Platform < c.Platform
	})
	sortLinks(rows)
	rows = rows[:min(TopN, len(rows))]
	var creatorIDs []string
	for _, row := range rows {
		creatorIDs = append(creatorIDs, row.CreatorID)
	}
	names, err := s.creators(ctx, b.ID, creatorIDs)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].CreatorName = names[rows[i].CreatorID].Name
	}
	d.Links = rows
	return d, nil
}

// platformOf is a link's platform for reports.
func platformOf(link, creatorMain string) string {
	switch {
	case link != "":
		return link
	case creatorMain != "":
		return creatorMain
	}
	return "other"
}

// sortSums orders by revenue, commission, clicks, then key, all descending
// but the key.
func sortSums(rows []sums) {
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Revenue != b.Revenue {
			return a.Revenue > b.Revenue
		}
		if a.Commission != b.Commission {
			return a.Commission > b.Commission
		}
		if a.Clicks != b.Clicks {
			return a.Clicks > b.Clicks
		}
		return a.Key < b.Key
	})
}

// lastActivity is the latest day with a click or an order of the creator
// (local midnight), nil if none.
func (s *Service) lastActivity(ctx context.Context, b *brand.Brand, creatorID string) (*time.Time, error) {
	var ds []string
	if err := s.conn(ctx).Table("report_creator_daily").
		Where("brand_id = ? AND creator_id = ? AND (clicks > 0 OR orders > 0)", b.ID, creatorID).
		Order("day DESC").Limit(1).Pluck("day", &ds).Error; err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, nil
	}
	t, err := time.ParseInLocation("2006-01-02", ds[0], Location(b))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Scorecard is one creator's scorecard for r; ErrNotFound when the creator
// is not b's.
func (s *Service) Scorecard(ctx context.Context, b *brand.Brand, creatorID string, r Range) (*Scorecard, error) {
	infos, err := s.creators(ctx, b.ID, []string{creatorID})
	if err != nil {
		return nil, err
	}
	info, ok := infos[creatorID]
	if !ok {
		return nil, store.ErrNotFound
	}
	cur, err := s.total(ctx, b, r, creatorID)
	if err != nil {
		return nil, err
	}
	prior, err := s.total(ctx, b, r.Previous(), creatorID)
	if err != nil {
		return nil, err
	}
	byDay, err := s.creatorTotals(ctx, b, r, creatorID, "day")
	if err != nil {
		return nil, err
	}
	last, err := s.lastActivity(ctx, b, creatorID)
	if err != nil {
		return nil, err
	}
	flags, err := s.cachedFlags(ctx, b, r)
	if err != nil {
		return nil, err
	}
	return &Scorecard{CreatorID: creatorID, Name: info.Name, Status: info.Status, Current: kpis(b.Currency, cur),
		Prior: kpis(b.Currency, prior), Daily: daily(b, r, byDay), LastActivity: last, Flags: flags[creatorID]}, nil
}

// Scorecards are every creator's scorecards for r (without Daily), by
// revenue then name, with their flags.
func (s *Service) Scorecards(ctx context.Context, b *brand.Brand, r Range) ([]Scorecard, error) {
	infos, err := s.creators(ctx, b.ID, nil)
	if err != nil {
		return nil, err
	}
	cur, err := s.creatorTotals(ctx, b, r, "", "creator_id")
	if err != nil {
		return nil, err
	}
	prior, err := s.creatorTotals(ctx, b, r.Previous(), "", "creator_id")
	if err != nil {
		return nil, err
	}
	flags, err := s.cachedFlags(ctx, b, r)
	if err != nil {
		return nil, err
	}
	var lasts []struct {
		CreatorID string
		Day       string
	}
	if err := s.conn(ctx).Table("report_creator_daily").Select("creator_id, MAX(day) AS day").
		Where("brand_id = ? AND (clicks > 0 OR orders > 0)", b.ID).Group("creator_id").Scan(&lasts).Error; err != nil {
		return nil, err
	}
	curBy, priorBy := map[string]sums{}, map[string]sums{}
	for _, t := range cur {
		curBy[t.Key] = t
	}
	for _, t := range prior {
		priorBy[t.Key] = t
	}
	lastBy := map[string]*time.Time{}
	for _, l := range lasts {
		if t, err := time.ParseInLocation("2006-01-02", l.Day, Location(b)); err == nil {
			lastBy[l.CreatorID] = &t
		}
	}
	out := make([]Scorecard, 0, len(infos))
	for id, info := range infos {
		c, p := curBy[id], priorBy[id]
		c.hasMargin, c.hasCusts, p.hasMargin, p.hasCusts = true, true, true, true
		out = append(out, Scorecard{CreatorID: id, Name: info.Name, Status: info.Status, Current: kpis(b.Currency, c),
			Prior: kpis(b.Currency, p), LastActivity: lastBy[id], Flags: flags[id]})
	}
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.Current.Revenue != c.Current.Revenue {
			return a.Current.Revenue > c.Current.Revenue
		}
		if a.Name != c.Name {
			return a.Name < c.Name
		}
		return a.CreatorID < c.CreatorID
	})
	return out, nil
}

// CreatorEarnings is the creator portal's view of r: the daily series, the
// balance now, and every link of the creator (zeros included) with its
// numbers in r. ErrNotFound when the creator is not b's.
func (s *Service) CreatorEarnings(ctx context.Context, b *brand.Brand, creatorID string, r Range) (*Earnings, error) {
	infos, err := s.creators(ctx, b.ID, []string{creatorID})
	if err != nil {
		return nil, err
	}
	info, ok := infos[creatorID]
	if !ok {
		return nil, store.ErrNotFound
	}
	out := &Earnings{Currency: b.Currency}
	if s.ledger != nil {
		bal, err := s.ledger.Balance(ctx, b, creatorID)
		if err != nil {
			return nil, err
		}
		out.Pending, out.Payable, out.InPayout, out.Paid = bal.Pending, bal.Payable, bal.InPayout, bal.Paid
	}
	tot, err := s.total(ctx, b, r, creatorID)
	if err != nil {
		return nil, err
	}
	out.Total = kpis(b.Currency, tot)
	byDay, err := s.creatorTotals(ctx, b, r, creatorID, "day")
	if err != nil {
		return nil, err
	}
	out.Daily = daily(b, r, byDay)
	ls, err := s.linkTotals(ctx, b, r, creatorID)
	if err != nil {
		return nil, err
	}
	linfo, err := s.links(ctx, b.ID, creatorID)
	if err != nil {
		return nil, err
	}
	mains, err := s.mainPlatforms(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	by := map[string]sums{}
	for _, l := range ls {
		by[l.LinkID] = l.sums()
	}
	for id, l := range linfo {
		out.Links = append(out.Links, linkRow(l, by[id], info.Name, platformOf(l.Platform, mains[creatorID])))
	}
	sortLinks(out.Links)
	return out, nil
}
