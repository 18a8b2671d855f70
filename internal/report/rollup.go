package report

import (
	"context"
	"sort"
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

type clickKey struct{ brandID, day, creatorID, linkID string }

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

// ClickRollup is the click writer's hook (click.Writer.SetRollup): the
// batch's counts per link and per creator and local day, added to the
// rollups in the batch's own transaction.
func (s *Service) ClickRollup(ctx context.Context, batch []click.Event) ([]click.Stmt, error) {
	links := map[clickKey]*clickCounts{}
	for i := range batch {
		e := &batch[i]
		l, err := s.loc(ctx, e.BrandID)
		if err != nil {
			return nil, err
		}
		k := clickKey{e.BrandID, DayOf(e.ClickedAt, l), e.CreatorID, e.LinkID}
		c := links[k]
		if c == nil {
			c = &clickCounts{}
			links[k] = c
		}
		c.add(e.IsBot, e.IsUnique)
	}
	return clickStmts(links), nil
}

// clickStmts turns per-link counts into upserts adding them to both rollups.
func clickStmts(links map[clickKey]*clickCounts) []click.Stmt {
	creators := map[clickKey]*clickCounts{}
	keys := make([]clickKey, 0, len(links))
	for k, c := range links {
		keys = append(keys, k)
		ck := clickKey{k.brandID, k.day, k.creatorID, ""}
		t := creators[ck]
		if t == nil {
			t = &clickCounts{}
			creators[ck] = t
		}
		t.clicks, t.unique, t.bots = t.clicks+c.clicks, t.unique+c.unique, t.bots+c.bots
	}
	// A fixed order of rows: concurrent writers lock them alike.
	less := func(keys []clickKey) func(i, j int) bool {
		return func(i, j int) bool {
			a, b := keys[i], keys[j]
			if a.brandID != b.brandID {
				return a.brandID < b.brandID
			}
			if a.day != b.day {
				return a.day < b.day
			}
			if a.creatorID != b.creatorID {
				return a.creatorID < b.creatorID
			}
			return a.linkID < b.linkID
		}
	}
	sort.Slice(keys, less(keys))
	ckeys := make([]clickKey, 0, len(creators))
	for k := range creators {
		ckeys = append(ckeys, k)
	}
	sort.Slice(ckeys, less(ckeys))
	var out []click.Stmt
	const per = 500
	for len(keys) > 0 {
		n := min(per, len(keys))
		var b strings.Builder
		b.WriteString("INSERT INTO report_link_daily (brand_id, day, creator_id, link_id, clicks, unique_clicks, bot_clicks) VALUES ")
		args := make([]any, 0, n*7)
		for i, k := range keys[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			c := links[k]
			args = append(args, k.brandID, k.day, k.creatorID, k.linkID, c.clicks, c.unique, c.bots)
		}
		b.WriteString(" ON CONFLICT (brand_id, day, creator_id, link_id) DO UPDATE SET clicks = report_link_daily.clicks + excluded.clicks, " +
			"unique_clicks = report_link_daily.unique_clicks + excluded.unique_clicks, bot_clicks = report_link_daily.bot_clicks + excluded.bot_clicks")
		out = append(out, click.Stmt{SQL: b.String(), Args: args})
		keys = keys[n:]
	}
	for len(ckeys) > 0 {
		n := min(per, len(ckeys))
		var b strings.Builder
		b.WriteString("INSERT INTO report_creator_daily (brand_id, day, creator_id, clicks, unique_clicks, bot_clicks) VALUES ")
		args := make([]any, 0, n*6)
		for i, k := range ckeys[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?)")
			c := creators[k]
			args = append(args, k.brandID, k.day, k.creatorID, c.clicks, c.unique, c.bots)
		}
		b.WriteString(" ON CONFLICT (brand_id, day, creator_id) DO UPDATE SET clicks = report_creator_daily.clicks + excluded.clicks, " +
			"unique_clicks = report_creator_daily.unique_clicks + excluded.unique_clicks, bot_clicks = report_creator_daily.bot_clicks + excluded.bot_clicks")
		out = append(out, click.Stmt{SQL: b.String(), Args: args})
		ckeys = ckeys[n:]
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
			k := clickKey{brandID, DayOf(at, loc), creatorID, linkID}
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
	return execStmts(tx, clickStmts(links))
}
