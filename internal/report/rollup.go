package report

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/click"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// loc is a brand's time zone, cached (UTC for a brand that is not found).
func (s *Service) loc(ctx context.Context, brandID string) (*time.Location, error) {
	s.locMu.Lock()
	l, ok := s.locs[brandID]
	s.locMu.Unlock()
	if ok {
		return l, nil
	}
	var rows []struct{ TimeZone string }
	if err := s.db.WithContext(ctx).Table("brands").Select("time_zone").Where("id = ?", brandID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	l = time.UTC
	if len(rows) == 1 && rows[0].TimeZone != "" {
		if z, err := time.LoadLocation(rows[0].TimeZone); err == nil {
			l = z
		}
	}
	s.locMu.Lock()
	s.locs[brandID] = l
	s.locMu.Unlock()
	return l, nil
}

// BrandChanged forgets a brand's cached time zone. Rollups already written
// keep the days of the old zone until Rebuild.
func (s *Service) BrandChanged(brandID string) {
	s.locMu.Lock()
	delete(s.locs, brandID)
	s.locMu.Unlock()
	s.dropFlags(brandID)
}

// clickKey is a rollup row's key; day is a block's first day when span
// is set.
type clickKey struct {
	brandID, day, creatorID, linkID string
	span                            int
}

type clickCounts struct{ clicks, unique, bots int64 }

func (c *clickCounts) add(isBot, isUnique bool) {
	switch {
	case isBot:
		c.bots++
	case isUnique:
		c.clicks++
		c.unique++
	default:
		c.clicks++
	}
}

// ClickRollup is the click writer's hook (click.Writer.SetRollup): a
// batch's tally of counts per link, creator and brand and local day (and
// per block, for late clicks of sealable blocks, see blocks.go), added to
// the rollups in the batch's own transaction.
func (s *Service) ClickRollup() click.Tally {
	return &clickTally{s: s, rows: map[linkDay]int{}, brands: map[string]*brandDays{}}
}

// clickTally counts a batch's clicks per link and local day as they come.
// A link belongs to one creator and brand for good: (link, day) keys a
// row. A brand's local day is computed once per day seen, not per click.
type clickTally struct {
	s      *Service
	rows   map[linkDay]int // index in links
	links  []linkCount
	brands map[string]*brandDays
	cur    *brandDays // the last click's brand
}

type linkDay struct{ linkID, day string }

func (t *clickTally) Add(ctx context.Context, e *click.Event) error {
	if t.cur == nil || t.cur.brandID != e.BrandID {
		if t.cur = t.brands[e.BrandID]; t.cur == nil {
			l, err := t.s.loc(ctx, e.BrandID)
			if err != nil {
				return err
			}
			t.cur = &brandDays{brandID: e.BrandID, loc: l, horizon: sealableThrough(DayOf(t.s.now(), l))}
			t.brands[e.BrandID] = t.cur
		}
	}
	day := t.cur.dayOf(e.ClickedAt)
	j, ok := t.rows[linkDay{e.LinkID, day}]
	if !ok {
		j = len(t.links)
		t.rows[linkDay{e.LinkID, day}] = j
		t.links = append(t.links, linkCount{k: clickKey{brandID: e.BrandID, day: day, creatorID: e.CreatorID, linkID: e.LinkID}})
	}
	t.links[j].c.add(e.IsBot, e.IsUnique)
	return nil
}

func (t *clickTally) Stmts() []click.Stmt {
	horizon := make(map[string]string, len(t.brands))
	for id, b := range t.brands {
		horizon[id] = b.horizon
	}
	return clickStmts(t.links, horizon, t.s.db.Dialect == store.Postgres)
}

// brandDays turns click times into a brand's local days, remembering the
// last day's bounds.
type brandDays struct {
	brandID  string
	loc      *time.Location
	horizon  string
	day      string
	from, to time.Time // the last day: [from, to)
}

// dayOf is DayOf(t, b.loc).
func (b *brandDays) dayOf(t time.Time) string {
	if b.day == "" || t.Before(b.from) || !t.Before(b.to) {
		y, m, d := t.In(b.loc).Date()
		b.from, b.to = time.Date(y, m, d, 0, 0, 0, 0, b.loc), time.Date(y, m, d+1, 0, 0, 0, 0, b.loc)
		b.day = b.from.Format("2006-01-02")
	}
	return b.day
}

// linkCount is one link-day's click counts.
type linkCount struct {
	k clickKey
	c clickCounts
}

// clickTable is one rollup the click counts are added to: its table, its
// key columns, the rows a link-day's counts go to, and a row's key values.
type clickTable struct {
	table string
	cols  []string
	rows  func(k clickKey, out []clickKey) []clickKey // appends k's rows to out
	args  func(clickKey) []any
}

// clickTables in the order every writer locks rows in: link, creator and
// brand days, then link and creator blocks. horizon is each brand's
// sealableThrough; nil leaves the brand days and the blocks out (Rebuild
// sums them from the creator days).
func clickTables(horizon map[string]string) []clickTable {
	one := func(f func(clickKey) clickKey) func(clickKey, []clickKey) []clickKey {
		return func(k clickKey, out []clickKey) []clickKey { return append(out, f(k)) }
	}
	ts := []clickTable{
		{"report_link_daily", []string{"brand_id", "day", "creator_id", "link_id"}, one(func(k clickKey) clickKey { return k }),
			func(k clickKey) []any { return []any{k.brandID, k.day, k.creatorID, k.linkID} }},
		{"report_creator_daily", []string{"brand_id", "day", "creator_id"}, one(func(k clickKey) clickKey { k.linkID = ""; return k }),
			func(k clickKey) []any { return []any{k.brandID, k.day, k.creatorID} }},
	}
	if horizon == nil {
		return ts
	}
	blocks := func(k clickKey, out []clickKey) []clickKey {
		through := horizon[k.brandID]
		if k.day > through { // no block of a day after the horizon is sealable (ISO dates compare as strings)
			return out
		}
		for _, b := range blocksOf(k.day, through) {
			bk := k
			bk.span, bk.day = b.span, b.start
			out = append(out, bk)
		}
		return out
	}
	return append(ts,
		clickTable{"report_brand_daily", []string{"brand_id", "day"}, one(func(k clickKey) clickKey { return clickKey{brandID: k.brandID, day: k.day} }),
			func(k clickKey) []any { return []any{k.brandID, k.day} }},
		clickTable{"report_link_blocks", []string{"brand_id", "span", "first_day", "creator_id", "link_id"}, blocks,
			func(k clickKey) []any { return []any{k.brandID, k.span, k.day, k.creatorID, k.linkID} }},
		clickTable{"report_creator_blocks", []string{"brand_id", "span", "first_day", "creator_id"}, func(k clickKey, out []clickKey) []clickKey {
			k.linkID = ""
			return blocks(k, out)
		}, func(k clickKey) []any { return []any{k.brandID, k.span, k.day, k.creatorID} }},
	)
}

func compareKeys(k, o clickKey) int {
	return cmp.Or(strings.Compare(k.brandID, o.brandID), cmp.Compare(k.span, o.span), strings.Compare(k.day, o.day),
		strings.Compare(k.creatorID, o.creatorID), strings.Compare(k.linkID, o.linkID))
}

// clickStmts turns per-link counts into upserts adding them to the rollups
// (see clickTables): on PostgreSQL (arrays) one statement per table with
// the rows as arrays, else multi-row VALUES. links holds each (link, day)
// once: it is the link table's rows as they are.
func clickStmts(links []linkCount, horizon map[string]string, arrays bool) []click.Stmt {
	var out []click.Stmt
	var buf []clickKey
	for i, t := range clickTables(horizon) {
		var rows []linkCount
		if i == 0 { // report_link_daily: a row per (link, day), sorted below (a copy: the tally may be asked again)
			rows = slices.Clone(links)
		} else {
			at := map[clickKey]int{}
			for _, l := range links {
				buf = t.rows(l.k, buf[:0])
				for _, rk := range buf {
					j, ok := at[rk]
					if !ok {
						j = len(rows)
						at[rk] = j
						rows = append(rows, linkCount{k: rk})
					}
					c := &rows[j].c
					c.clicks, c.unique, c.bots = c.clicks+l.c.clicks, c.unique+l.c.unique, c.bots+l.c.bots
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		// A fixed order of rows: concurrent writers lock them alike.
		slices.SortFunc(rows, func(a, b linkCount) int { return compareKeys(a.k, b.k) })
		if arrays {
			out = append(out, arrayStmt(t, rows))
		} else {
			out = append(out, addStmts(t, rows)...)
		}
	}
	return out
}

// addUpdate is the ON CONFLICT clause adding the counts to t's row.
func addUpdate(t clickTable) string {
	return " ON CONFLICT (" + strings.Join(t.cols, ", ") + ") DO UPDATE SET clicks = " + t.table + ".clicks + excluded.clicks, " +
		"unique_clicks = " + t.table + ".unique_clicks + excluded.unique_clicks, bot_clicks = " + t.table + ".bot_clicks + excluded.bot_clicks"
}

// arrayStmt is one PostgreSQL upsert adding rows' counts to t, the rows
// passed as one array per column: the same statement text for any number
// of rows (prepared once per connection), a few parameters instead of
// thousands, and rows taken in keys' order (WITH ORDINALITY) so that
// concurrent writers lock them alike.
func arrayStmt(t clickTable, rows []linkCount) click.Stmt {
	nk := len(t.cols)
	args := make([]any, nk+3)
	casts := make([]string, nk+3)
	for j, c := range t.cols {
		if c == "span" {
			args[j], casts[j] = make([]int64, 0, len(rows)), "?::bigint[]"
		} else {
			args[j], casts[j] = make([]string, 0, len(rows)), "?::text[]"
		}
	}
	counts := [3][]int64{make([]int64, 0, len(rows)), make([]int64, 0, len(rows)), make([]int64, 0, len(rows))}
	for _, r := range rows {
		for j, v := range t.args(r.k) {
			switch v := v.(type) {
			case int:
				args[j] = append(args[j].([]int64), int64(v))
			case string:
				args[j] = append(args[j].([]string), v)
			}
		}
		counts[0], counts[1], counts[2] = append(counts[0], r.c.clicks), append(counts[1], r.c.unique), append(counts[2], r.c.bots)
	}
	for i := range counts {
		args[nk+i], casts[nk+i] = counts[i], "?::bigint[]"
	}
	cols := strings.Join(t.cols, ", ") + ", clicks, unique_clicks, bot_clicks"
	return click.Stmt{SQL: "INSERT INTO " + t.table + " (" + cols + ") SELECT " + cols + " FROM unnest(" + strings.Join(casts, ", ") +
		") WITH ORDINALITY AS r(" + cols + ", n) ORDER BY n" + addUpdate(t), Args: args}
}

// addStmts are upserts adding rows' counts to t, 500 rows a statement.
func addStmts(t clickTable, rows []linkCount) []click.Stmt {
	const per = 500
	nk := len(t.cols)
	marks := "(" + strings.TrimSuffix(strings.Repeat("?, ", nk+3), ", ") + ")"
	var out []click.Stmt
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO " + t.table + " (" + strings.Join(t.cols, ", ") + ", clicks, unique_clicks, bot_clicks) VALUES ")
		args := make([]any, 0, n*(nk+3))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(marks)
			args = append(args, t.args(r.k)...)
			args = append(args, r.c.clicks, r.c.unique, r.c.bots)
		}
		b.WriteString(addUpdate(t))
		out = append(out, click.Stmt{SQL: b.String(), Args: args})
		rows = rows[n:]
	}
	return out
}

// execStmts runs statements on tx.
func execStmts(tx *gorm.DB, stmts []click.Stmt) error {
	for _, st := range stmts {
		if err := tx.Exec(st.SQL, st.Args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// rebuildClicks recomputes a brand's click columns from raw clicks (only
// Rebuild scans them). PostgreSQL groups by local day itself; SQLite,
// which has no time zones, streams the clicks through Go.
func (s *Service) rebuildClicks(ctx context.Context, tx *gorm.DB, brandID string, loc *time.Location) error {
	links := map[clickKey]*clickCounts{}
	if s.db.Dialect == store.Postgres {
		rows, err := tx.Raw(`SELECT to_char(clicked_at AT TIME ZONE ?, 'YYYY-MM-DD') AS day, creator_id, link_id,
			SUM(CASE WHEN NOT is_bot THEN 1 ELSE 0 END), SUM(CASE WHEN is_unique AND NOT is_bot THEN 1 ELSE 0 END),
			SUM(CASE WHEN is_bot THEN 1 ELSE 0 END)
			FROM clicks WHERE brand_id = ? GROUP BY 1, 2, 3`, loc.String(), brandID).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k := clickKey{brandID: brandID}
			c := &clickCounts{}
			if err := rows.Scan(&k.day, &k.creatorID, &k.linkID, &c.clicks, &c.unique, &c.bots); err != nil {
				return err
			}
			links[k] = c
		}
		if err := rows.Err(); err != nil {
			return err
		}
	} else {
		rows, err := tx.Table("clicks").Select("clicked_at, creator_id, link_id, is_bot, is_unique").Where("brand_id = ?", brandID).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at time.Time
			var creatorID, linkID string
			var bot, uniq bool
			if err := rows.Scan(&at, &creatorID, &linkID, &bot, &uniq); err != nil {
				return err
			}
			k := clickKey{brandID: brandID, day: DayOf(at, loc), creatorID: creatorID, linkID: linkID}
			c := links[k]
			if c == nil {
				c = &clickCounts{}
				links[k] = c
			}
			c.add(bot, uniq)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	counts := make([]linkCount, 0, len(links))
	for k, c := range links {
		counts = append(counts, linkCount{k, *c})
	}
	return execStmts(tx, clickStmts(counts, nil, false))
}
