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

// Weeks: a dashboard over 90 days would read 90 rows per link and per
// creator from the daily rollups. The weekly rollups hold the same sums
// per local week (Monday to Sunday), so a range reads its whole weeks from
// them and only its first and last few days from the daily rows.
//
// A week's rows are read only once the week is sealed (report_seal): once
// its Sunday is SealGraceDays behind the brand's today, the sealer sums the
// week's daily rows into them. From the moment a week is sealable (by the
// clock), every writer keeps its rows current along with the daily ones: the
// click writer adds late clicks to them in its batch transaction, and the
// refresher recomputes the weeks of the creator-days it recomputes. The
// sealer overwrites whatever a week's rows hold with the sums of its days,
// so rows written before it ran cannot be wrong after.

// SealGraceDays is how many days after a week's Sunday the week may be
// sealed. Clicks reach the rollups seconds after the redirect, so a click
// of a week written after that is not expected.
const SealGraceDays = 2

const dayLayout = "2006-01-02"

func calDay(d string) time.Time {
	t, err := time.Parse(dayLayout, d)
	if err != nil {
		panic(fmt.Sprintf("report: bad day %q", d))
	}
	return t
}

func addDays(day string, n int) string { return calDay(day).AddDate(0, 0, n).Format(dayLayout) }

// weekOf is the Monday of day's week.
func weekOf(day string) string {
	t := calDay(day)
	back := (int(t.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return t.AddDate(0, 0, -back).Format(dayLayout)
}

// sealableThrough is the last Sunday whose week may be sealed on today:
// the Sunday on or before today minus SealGraceDays. A day d is in a
// sealable week exactly when d <= sealableThrough(today).
func sealableThrough(today string) string {
	t := calDay(today).AddDate(0, 0, -SealGraceDays)
	return t.AddDate(0, 0, -int(t.Weekday())).Format(dayLayout)
}

// span is how a range of days [first, end) is read: the sealed whole
// weeks [weekFrom, weekTo) from the weekly rollups, the days before and
// after them from the daily ones.
type span struct {
	weekFrom, weekTo string
	days             [][2]string // [from, to) pairs
}

// splitRange splits [first, end) given the last sealed Sunday ("" if no week
// is sealed).
func splitRange(first, end, sealed string) span {
	if first >= end {
		return span{}
	}
	wFirst := weekOf(first)
	if wFirst < first {
		wFirst = addDays(wFirst, 7)
	}
	wEnd := weekOf(end) // weeks before end's week end before end
	if sealed != "" && addDays(sealed, 1) < wEnd {
		wEnd = addDays(sealed, 1)
	}
	if sealed == "" || wEnd <= wFirst {
		return span{days: [][2]string{{first, end}}}
	}
	sp := span{weekFrom: wFirst, weekTo: wEnd}
	if first < wFirst {
		sp.days = append(sp.days, [2]string{first, wFirst})
	}
	if wEnd < end {
		sp.days = append(sp.days, [2]string{wEnd, end})
	}
	return sp
}

// parts are the conditions and arguments selecting sp's rows: its weeks
// from the weekly table, each run of days from the daily one. One branch
// per run (not an OR of them) lets PostgreSQL range-scan the primary key
// (brand_id, day, …) for each.
func (sp span) parts() []spanPart {
	var out []spanPart
	if sp.weekFrom != "" {
		out = append(out, spanPart{weekly: true, cond: "week >= ? AND week < ?", args: []any{sp.weekFrom, sp.weekTo}})
	}
	for _, d := range sp.days {
		out = append(out, spanPart{cond: "day >= ? AND day < ?", args: []any{d[0], d[1]}})
	}
	return out
}

type spanPart struct {
	weekly bool
	cond   string
	args   []any
}

// sealedThrough is the brand's last sealed Sunday, "" if none.
func (s *Service) sealedThrough(ctx context.Context, brandID string) (string, error) {
	var rows []string
	if err := s.db.WithContext(ctx).Table("report_seal").Where("brand_id = ?", brandID).Pluck("sealed_through", &rows).Error; err != nil {
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

// recomputeWeek sets the weekly rows of the brand's week (a Monday) to the
// sums of its daily rows, for the given creators or (nil) all.
func recomputeWeek(tx *gorm.DB, brandID, week string, creators []string) error {
	for _, t := range []struct {
		daily, weekly string
		keys          string
		cols          []string
	}{
		{"report_link_daily", "report_link_weekly", "creator_id, link_id", linkCols},
		{"report_creator_daily", "report_creator_weekly", "creator_id", creatorCols},
	} {
		del, args := "DELETE FROM "+t.weekly+" WHERE brand_id = ? AND week = ?", []any{brandID, week}
		sel, selArgs := fmt.Sprintf("INSERT INTO %s (brand_id, week, %s, %s) SELECT brand_id, ?, %s, %s FROM %s WHERE brand_id = ? AND day >= ? AND day < ?",
			t.weekly, t.keys, strings.Join(t.cols, ", "), t.keys, sumList(t.cols), t.daily), []any{week, brandID, week, addDays(week, 7)}
		if creators != nil {
			del += " AND creator_id IN ?"
			args = append(args, creators)
			sel += " AND creator_id IN ?"
			selArgs = append(selArgs, creators)
		}
		sel += fmt.Sprintf(" GROUP BY brand_id, %s ON CONFLICT (brand_id, week, %s) DO UPDATE SET %s", t.keys, t.keys, setExcluded(t.cols))
		if err := tx.Exec(del, args...).Error; err != nil {
			return err
		}
		if err := tx.Exec(sel, selArgs...).Error; err != nil {
			return err
		}
	}
	return nil
}

// recomputeWeeks recomputes the weekly rows of the dirty creator-days that
// are in sealable weeks (the others are summed when their week is sealed).
func (s *Service) recomputeWeeks(ctx context.Context, tx *gorm.DB, dirty map[dayKey]bool) error {
	type bw struct{ brandID, week string }
	groups := map[bw]map[string]bool{}
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
		if k.day > h {
			continue
		}
		g := bw{k.brandID, weekOf(k.day)}
		if groups[g] == nil {
			groups[g] = map[string]bool{}
		}
		groups[g][k.creatorID] = true
	}
	gs := make([]bw, 0, len(groups))
	for g := range groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].brandID != gs[j].brandID {
			return gs[i].brandID < gs[j].brandID
		}
		return gs[i].week < gs[j].week
	})
	for _, g := range gs {
		for _, part := range chunked(keys(groups[g]), 500) {
			if err := recomputeWeek(tx, g.brandID, g.week, part); err != nil {
				return err
			}
		}
	}
	return nil
}

// sealEvery is how often Refresh looks for weeks to seal.
const sealEvery = time.Minute

// seal seals, for every brand, the weeks that became sealable since its
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

// SealBrand seals the brand's weeks that are sealable and not sealed yet,
// one transaction per week, oldest first.
func (s *Service) SealBrand(ctx context.Context, brandID string) error {
	today, err := s.today(ctx, brandID)
	if err != nil {
		return err
	}
	through := sealableThrough(today)
	for {
		done, err := s.sealNext(ctx, brandID, through)
		if err != nil || done {
			return err
		}
	}
}

// sealNext seals the brand's oldest unsealed week up to through; done when
// there was none.
func (s *Service) sealNext(ctx context.Context, brandID, through string) (done bool, err error) {
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if s.db.Dialect == store.Postgres {
			// One sealer per brand at a time, across app instances.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "clout-report-seal:"+brandID).Error; err != nil {
				return err
			}
		}
		var cur []string
		if err := tx.Table("report_seal").Where("brand_id = ?", brandID).Pluck("sealed_through", &cur).Error; err != nil {
			return err
		}
		var next string // the Monday of the week to seal
		if len(cur) == 1 {
			next = addDays(cur[0], 1)
		} else {
			var first []string
			if err := tx.Table("report_creator_daily").Where("brand_id = ?", brandID).Order("day").Limit(1).Pluck("day", &first).Error; err != nil {
				return err
			}
			if len(first) == 0 {
				next = addDays(through, 1) // no rows yet: nothing to sum
			} else {
				next = weekOf(first[0])
			}
		}
		sunday := addDays(next, 6)
		if sunday > through {
			if len(cur) == 0 {
				return setSeal(tx, brandID, through)
			}
			done = true
			return nil
		}
		if err := recomputeWeek(tx, brandID, next, nil); err != nil {
			return err
		}
		return setSeal(tx, brandID, sunday)
	})
	return done, err
}

func setSeal(tx *gorm.DB, brandID, through string) error {
	return tx.Exec("INSERT INTO report_seal (brand_id, sealed_through) VALUES (?, ?) "+
		"ON CONFLICT (brand_id) DO UPDATE SET sealed_through = excluded.sealed_through", brandID, through).Error
}
