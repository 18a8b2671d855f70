package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// Blocks: a dashboard over 90 days would read 90 rows per link and per
// creator from the daily rollups. The block rollups hold the same sums
// over 2, 4, 8, … MaxSpan days, aligned on the calendar (a block of span n
// starts on a day whose number since 1970-01-01 is a multiple of n), so
// any range is a handful of blocks plus a few days: at most two blocks of
// each span, usually fewer.
//
// A block's rows are read only once it is sealed (report_seal): once its
// last day is SealGraceDays behind the brand's today, the sealer sums its
// two halves (days, or the blocks of half its span) into it. From the
// moment a block is sealable by the clock, every writer keeps its rows
// current along with the days': the click writer adds late clicks to them
// in its batch transaction, and the refresher recomputes the blocks of the
// creator-days it recomputes. The sealer overwrites whatever a block's
// rows hold with the sums of its halves, so rows written before it ran
// cannot be wrong after.

// SealGraceDays is how many days after a block's last day it may be
// sealed. Clicks reach the rollups seconds after the redirect, so a click
// written later than that is not expected (and is still counted right).
const SealGraceDays = 2

// MaxSpan is the longest block, in days.
const MaxSpan = 128

// spans are the block lengths, shortest first.
var spans = func() []int {
	var out []int
	for s := 2; s <= MaxSpan; s *= 2 {
		out = append(out, s)
	}
	return out
}()

const dayLayout = "2006-01-02"

func calDay(d string) time.Time {
	t, err := time.Parse(dayLayout, d)
	if err != nil {
		panic(fmt.Sprintf("report: bad day %q", d))
	}
	return t
}

func addDays(day string, n int) string { return calDay(day).AddDate(0, 0, n).Format(dayLayout) }

// dayNum is day's number since 1970-01-01; numDay is the inverse.
func dayNum(day string) int { return int(calDay(day).Unix() / 86400) }

func numDay(n int) string { return time.Unix(int64(n)*86400, 0).UTC().Format(dayLayout) }

// block is span days from start.
type block struct {
	span  int
	start string
}

func (b block) last() string { return addDays(b.start, b.span-1) }

// blocksOf are the blocks day is in, shortest first, up to the last one
// ending on or before through.
func blocksOf(day, through string) []block {
	n, lim := dayNum(day), dayNum(through)
	var out []block
	for _, s := range spans {
		start := n - n%s
		if start+s-1 > lim {
			break
		}
		out = append(out, block{s, numDay(start)})
	}
	return out
}

// sealableThrough is the last day whose blocks may be sealed on today. A
// block is sealable when its last day is on or before it.
func sealableThrough(today string) string { return addDays(today, -SealGraceDays) }

// spanPart selects some of a range's rows: blocks of one span from the
// block rollups, or a run of days from the daily ones.
type spanPart struct {
	blocks bool
	cond   string
	args   []any
}

// rangeParts splits the days [first, end) into sealed blocks (sealed is
// the last sealed day, "" if none) and runs of days. Each run and each
// span is its own part, so that PostgreSQL range-scans the primary keys.
func rangeParts(first, end, sealed string) []spanPart {
	a, b := dayNum(first), dayNum(end)
	if a >= b {
		return nil
	}
	lim := a
	if sealed != "" {
		lim = max(a, min(b, dayNum(sealed)+1))
	}
	starts := map[int][]any{}
	var runs [][2]int
	day := func(n int) {
		if len(runs) > 0 && runs[len(runs)-1][1] == n {
			runs[len(runs)-1][1] = n + 1
		} else {
			runs = append(runs, [2]int{n, n + 1})
		}
	}
	for p := a; p < lim; {
		s := 0
		for i := len(spans) - 1; i >= 0; i-- {
			if p%spans[i] == 0 && p+spans[i] <= lim {
				s = spans[i]
				break
			}
		}
		if s == 0 {
			day(p)
			p++
			continue
		}
		starts[s] = append(starts[s], numDay(p))
		p += s
	}
	for p := lim; p < b; p++ {
		day(p)
	}
	var out []spanPart
	for _, s := range spans {
		if st := starts[s]; len(st) > 0 {
			out = append(out, spanPart{blocks: true, cond: "span = ? AND first_day IN ?", args: []any{s, st}})
		}
	}
	for _, r := range runs {
		out = append(out, spanPart{cond: "day >= ? AND day < ?", args: []any{numDay(r[0]), numDay(r[1])}})
	}
	return out
}

// sealedThrough is the brand's last sealed day, "" if none.
func (s *Service) sealedThrough(ctx context.Context, brandID string) (string, error) {
	var rows []string
	if err := s.conn(ctx).Table("report_seal").Where("brand_id = ?", brandID).Pluck("sealed_through", &rows).Error; err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", nil
	}
	return rows[0], nil
}

// today is now's local date in the brand's zone.
func (s *Service) today(ctx context.Context, brandID string) (string, error) {
	loc, err := s.loc(ctx, brandID)
	if err != nil {
		return "", err
	}
	return DayOf(s.now(), loc), nil
}

var (
	linkCols    = []string{"clicks", "unique_clicks", "bot_clicks", "orders", "revenue", "refunded", "commission"}
	creatorCols = append(append([]string{}, linkCols...), "gross_margin", "margin_unknown", "new_customers", "returning_customers")
)

func sumList(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "SUM(" + c + ")"
	}
	return strings.Join(parts, ", ")
}

func setExcluded(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = excluded." + c
	}
	return strings.Join(parts, ", ")
}

// blockTables are the rollups kept in blocks: the daily table, the block
// table, the key columns after the brand and day, and the summed columns.
var blockTables = []struct {
	daily, blocks string
	keys          string
	cols          []string
}{
	{"report_link_daily", "report_link_blocks", "creator_id, link_id", linkCols},
	{"report_creator_daily", "report_creator_blocks", "creator_id", creatorCols},
}

// recomputeBlock sets a block's rows of the brand to the sums of its two
// halves (days for span 2), for the given creators or (nil) all.
func recomputeBlock(tx *gorm.DB, brandID string, b block, creators []string) error {
	half := b.span / 2
	for _, t := range blockTables {
		del, args := "DELETE FROM "+t.blocks+" WHERE brand_id = ? AND span = ? AND first_day = ?", []any{brandID, b.span, b.start}
		src, srcArgs := t.daily+" WHERE brand_id = ? AND day >= ? AND day < ?", []any{brandID, b.start, addDays(b.start, b.span)}
		if half > 1 {
			src, srcArgs = t.blocks+" WHERE brand_id = ? AND span = ? AND first_day IN (?, ?)", []any{brandID, half, b.start, addDays(b.start, half)}
		}
		sel := fmt.Sprintf("INSERT INTO %s (brand_id, span, first_day, %s, %s) SELECT brand_id, ?, ?, %s, %s FROM %s",
			t.blocks, t.keys, strings.Join(t.cols, ", "), t.keys, sumList(t.cols), src)
		selArgs := append([]any{b.span, b.start}, srcArgs...)
		if creators != nil {
			del += " AND creator_id IN ?"
			args = append(args, creators)
			sel += " AND creator_id IN ?"
			selArgs = append(selArgs, creators)
		}
		sel += fmt.Sprintf(" GROUP BY brand_id, %s ON CONFLICT (brand_id, span, first_day, %s) DO UPDATE SET %s", t.keys, t.keys, setExcluded(t.cols))
		if err := tx.Exec(del, args...).Error; err != nil {
			return err
		}
		if err := tx.Exec(sel, selArgs...).Error; err != nil {
			return err
		}
	}
	return nil
}

// rebuildBlocks computes every sealable block of the brand (ending by
// through) from the daily rows, one statement per span and table, and
// records the brand sealed through through. The blocks must be empty.
func (s *Service) rebuildBlocks(tx *gorm.DB, brandID, through string) error {
	// num is a day column's number since 1970-01-01.
	num := func(col string) string {
		if s.db.Dialect == store.Postgres {
			return "(" + col + "::date - date '1970-01-01')"
		}
		return "CAST(julianday(" + col + ") - 2440587.5 AS INTEGER)"
	}
	day := func(n string) string {
		if s.db.Dialect == store.Postgres {
			return "to_char(date '1970-01-01' + " + n + ", 'YYYY-MM-DD')"
		}
		return "date('1970-01-01', '+' || (" + n + ") || ' days')"
	}
	for _, sp := range spans {
		for _, t := range blockTables {
			src, col := t.daily+" WHERE brand_id = ?", "day"
			args := []any{brandID}
			if sp > 2 {
				src, col = t.blocks+" WHERE brand_id = ? AND span = ?", "first_day"
				args = append(args, sp/2)
			}
			start := fmt.Sprintf("(%s / %d) * %d", num(col), sp, sp)
			q := fmt.Sprintf("INSERT INTO %s (brand_id, span, first_day, %s, %s) SELECT brand_id, %d, %s, %s, %s FROM %s AND %s + %d <= %d GROUP BY brand_id, %s, %s",
				t.blocks, t.keys, strings.Join(t.cols, ", "), sp, day(start), t.keys, sumList(t.cols), src, start, sp-1, dayNum(through), start, t.keys)
			if err := tx.Exec(q, args...).Error; err != nil {
				return err
			}
		}
	}
	return setSeal(tx, brandID, through)
}

// lockSeal serializes, per brand and across app instances, the sealer and
// the refresher's recomputation of sealed blocks (each reads blocks the
// other writes). SQLite has one writer at a time anyway.
func (s *Service) lockSeal(tx *gorm.DB, brandID string) error {
	return s.db.LockKey(tx, "clout-report-seal:"+brandID)
}

// recomputeBlocks recomputes, shortest first, the blocks of the dirty
// creator-days that are sealable (the others are summed when sealed).
func (s *Service) recomputeBlocks(ctx context.Context, tx *gorm.DB, dirty map[dayKey]bool) error {
	type bb struct {
		brandID string
		b       block
	}
	groups := map[bb]map[string]bool{}
	horizon := map[string]string{}
	for k := range dirty {
		h, ok := horizon[k.brandID]
		if !ok {
			today, err := s.today(ctx, k.brandID)
			if err != nil {
				return err
			}
			h = sealableThrough(today)
			horizon[k.brandID] = h
		}
		for _, b := range blocksOf(k.day, h) {
			g := bb{k.brandID, b}
			if groups[g] == nil {
				groups[g] = map[string]bool{}
			}
			groups[g][k.creatorID] = true
		}
	}
	gs := make([]bb, 0, len(groups))
	for g := range groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool {
		a, c := gs[i], gs[j]
		if a.brandID != c.brandID {
			return a.brandID < c.brandID
		}
		if a.b.span != c.b.span {
			return a.b.span < c.b.span
		}
		return a.b.start < c.b.start
	})
	locked := map[string]bool{}
	for _, g := range gs {
		if !locked[g.brandID] {
			if err := s.lockSeal(tx, g.brandID); err != nil {
				return err
			}
			locked[g.brandID] = true
		}
		for _, part := range chunked(keys(groups[g]), 500) {
			if err := recomputeBlock(tx, g.brandID, g.b, part); err != nil {
				return err
			}
		}
	}
	return nil
}

// sealEvery is how often Refresh looks for days to seal.
const sealEvery = time.Minute

// seal seals, for every brand, the days that became sealable since its
// last seal. Brands are checked at most once a sealEvery.
func (s *Service) seal(ctx context.Context) error {
	s.sealMu.Lock()
	due := s.now().Sub(s.sealedAt) >= sealEvery
	if due {
		s.sealedAt = s.now()
	}
	s.sealMu.Unlock()
	if !due {
		return nil
	}
	var brands []string
	if err := s.db.WithContext(ctx).Table("brands").Order("id").Pluck("id", &brands).Error; err != nil {
		return err
	}
	var seals []struct{ BrandID, SealedThrough string }
	if err := s.db.WithContext(ctx).Table("report_seal").Scan(&seals).Error; err != nil {
		return err
	}
	sealed := map[string]string{}
	for _, r := range seals {
		sealed[r.BrandID] = r.SealedThrough
	}
	for _, id := range brands {
		today, err := s.today(ctx, id)
		if err != nil {
			return err
		}
		if sealed[id] >= sealableThrough(today) {
			continue
		}
		if err := s.SealBrand(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// SealBrand seals the brand's sealable days not sealed yet: oldest first,
// each day in its own transaction with the blocks it ends.
func (s *Service) SealBrand(ctx context.Context, brandID string) error {
	today, err := s.today(ctx, brandID)
	if err != nil {
		return err
	}
	through := sealableThrough(today)
	for {
		var done bool
		err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
			if err := s.lockSeal(tx, brandID); err != nil {
				return err
			}
			var cur []string
			if err := tx.Table("report_seal").Where("brand_id = ?", brandID).Pluck("sealed_through", &cur).Error; err != nil {
				return err
			}
			if len(cur) == 0 {
				// Never sealed: from the brand's first day with rollups.
				var first []string
				if err := tx.Table("report_creator_daily").Where("brand_id = ?", brandID).Order("day").Limit(1).Pluck("day", &first).Error; err != nil {
					return err
				}
				if len(first) == 0 || first[0] > through {
					done = true
					return setSeal(tx, brandID, through) // nothing to sum
				}
				cur = []string{addDays(first[0], -1)}
			}
			day := addDays(cur[0], 1)
			if day > through {
				done = true
				return nil
			}
			return sealDay(tx, brandID, day)
		})
		if err != nil || done {
			return err
		}
	}
}

// sealDay computes the blocks that end on day, shortest first, and
// records the brand sealed through day.
func sealDay(tx *gorm.DB, brandID, day string) error {
	n := dayNum(day) + 1
	for _, sp := range spans {
		if n%sp != 0 {
			break // a block of twice the span cannot end here either
		}
		if err := recomputeBlock(tx, brandID, block{sp, numDay(n - sp)}, nil); err != nil {
			return err
		}
	}
	return setSeal(tx, brandID, day)
}

func setSeal(tx *gorm.DB, brandID, through string) error {
	return tx.Exec("INSERT INTO report_seal (brand_id, sealed_through) VALUES (?, ?) "+
		"ON CONFLICT (brand_id) DO UPDATE SET sealed_through = excluded.sealed_through", brandID, through).Error
}
