package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// expectedItem is what a creator's item should be.
type expectedItem struct {
	amount              int64
	n                   int
	method, destination string
}

// expectedSkip is why a creator should be skipped, and their net.
type expectedSkip struct {
	reason string
	amount int64
}

// verify checks a draft batch against a netting computed here from the
// ledger and the creators, without the payout tables: every payable entry
// up to the batch's cut-off (and no other batch's) summed per creator, then
// the rules — paused, then a negative net, then a zero net or one below the
// minimum, then no payout method (a Stripe account ready for transfers, the
// brand having a Stripe key, else a payout email) are skipped; everyone else
// gets an item. It also checks the entries the batch locked: exactly the
// included creators' payable entries, each item's amount their sum, none of
// a skipped creator, none in two batches. It prints the skip reasons and
// what differs, and reports whether nothing does.
func verify(ctx context.Context, db *store.DB, w *world, b *payout.Batch) (bool, error) {
	q := db.WithContext(ctx)
	var nets []netRow
	if err := q.Raw(`SELECT e.creator_id, SUM(e.amount) AS amount, COUNT(*) AS n FROM commission_entries e
		WHERE e.brand_id = ? AND e.currency = ? AND e.payable_at <= ? AND e.created_at <= ?
		AND NOT EXISTS (SELECT 1 FROM payout_entries pe WHERE pe.entry_id = e.id AND pe.batch_id <> ?)
		GROUP BY e.creator_id`, w.brand.ID, w.brand.Currency, b.Cutoff, b.Cutoff, b.ID).Scan(&nets).Error; err != nil {
		return false, err
	}
	type creatorRow struct {
		ID                   string
		Status               string
		StripeAccountID      *string
		StripePayoutsEnabled bool
		PayoutEmail          string
	}
	var crs []creatorRow
	if err := q.Raw(`SELECT id, status, stripe_account_id, stripe_payouts_enabled, payout_email FROM creators WHERE brand_id = ?`,
		w.brand.ID).Scan(&crs).Error; err != nil {
		return false, err
	}
	byID := make(map[string]creatorRow, len(crs))
	for _, c := range crs {
		byID[c.ID] = c
	}
	items, skips := map[string]expectedItem{}, map[string]expectedSkip{}
	reasons := map[string]int{}
	var total int64
	locked := 0
	for _, n := range nets {
		c, known := byID[n.CreatorID]
		method, dest := "", ""
		switch {
		case known && c.StripeAccountID != nil && *c.StripeAccountID != "" && c.StripePayoutsEnabled:
			method, dest = payout.MethodStripe, *c.StripeAccountID
		case known && c.PayoutEmail != "":
			method, dest = payout.MethodManual, c.PayoutEmail
		}
		reason := ""
		switch {
		case c.Status == "paused":
			reason = payout.SkipPaused
		case n.Amount < 0:
			reason = payout.SkipNegativeBalance
		case n.Amount == 0 || n.Amount < w.brand.PayoutMinimum:
			reason = payout.SkipBelowMinimum
		case method == "":
			reason = payout.SkipNoPayoutMethod
		}
		if reason != "" {
			reasons[reason]++
			skips[n.CreatorID] = expectedSkip{reason: reason, amount: n.Amount}
			continue
		}
		items[n.CreatorID] = expectedItem{amount: n.Amount, n: n.N, method: method, destination: dest}
		total += n.Amount
		locked += n.N
	}

	var bad []string
	fail := func(format string, args ...any) {
		if len(bad) < 20 {
			bad = append(bad, fmt.Sprintf(format, args...))
		} else if len(bad) == 20 {
			bad = append(bad, "…")
		}
	}
	// The batch row.
	var stored payout.Batch
	if err := q.Where("id = ?", b.ID).Take(&stored).Error; err != nil {
		return false, err
	}
	if stored.Status != payout.BatchDraft || stored.Total != total || stored.ItemCount != len(items) || stored.SkippedCount != len(skips) ||
		b.Total != total || b.ItemCount != len(items) || b.SkippedCount != len(skips) {
		fail("batch: %s, total %d, %d items, %d skipped (returned: total %d, %d items, %d skipped); want draft, total %d, %d items, %d skipped",
			stored.Status, stored.Total, stored.ItemCount, stored.SkippedCount, b.Total, b.ItemCount, b.SkippedCount, total, len(items), len(skips))
	}
	// The items.
	var got []payout.Item
	if err := q.Where("batch_id = ?", b.ID).Find(&got).Error; err != nil {
		return false, err
	}
	seen := map[string]bool{}
	for _, it := range got {
		seen[it.CreatorID] = true
		want, ok := items[it.CreatorID]
		switch {
		case !ok:
			fail("item for %s (%d): want none (%s)", it.CreatorID, it.Amount, skips[it.CreatorID].reason)
		case it.Amount != want.amount || it.EntryCount != want.n || it.Method != want.method || it.Destination != want.destination ||
			it.Status != payout.ItemPending || it.Currency != w.brand.Currency || it.BrandID != w.brand.ID:
			fail("item for %s: %d over %d entries, %s to %q, %s %s; want %d over %d, %s to %q, pending", it.CreatorID, it.Amount,
				it.EntryCount, it.Method, it.Destination, it.Status, it.Currency, want.amount, want.n, want.method, want.destination)
		}
	}
	for id, want := range items {
		if !seen[id] {
			fail("no item for %s: want %d over %d entries", id, want.amount, want.n)
		}
	}
	// The skips.
	type skipRow struct {
		CreatorID, Reason string
		Amount            int64
	}
	var gotSkips []skipRow
	if err := q.Raw("SELECT creator_id, reason, amount FROM payout_skips WHERE batch_id = ?", b.ID).Scan(&gotSkips).Error; err != nil {
		return false, err
	}
	gotReasons := map[string]int{}
	clear(seen)
	for _, s := range gotSkips {
		seen[s.CreatorID] = true
		gotReasons[s.Reason]++
		want, ok := skips[s.CreatorID]
		if !ok || want.reason != s.Reason || want.amount != s.Amount {
			fail("skip of %s: %d, %s; want %d, %q", s.CreatorID, s.Amount, s.Reason, want.amount, want.reason)
		}
	}
	for id, want := range skips {
		if !seen[id] {
			fail("%s not listed as skipped: want %d, %s", id, want.amount, want.reason)
		}
	}
	// The locks: each item's amount is the sum of the entries locked to it,
	// and they are exactly its creator's payable entries.
	type lockRow struct {
		CreatorID string
		Amount    int64
		N         int
		Strays    int // of another creator, another brand, or not payable at the cut-off
	}
	var locks []lockRow
	if err := q.Raw(`SELECT pe.creator_id, SUM(e.amount) AS amount, COUNT(*) AS n,
			SUM(CASE WHEN e.creator_id = pe.creator_id AND e.brand_id = ? AND e.payable_at <= ? THEN 0 ELSE 1 END) AS strays
		FROM payout_entries pe JOIN commission_entries e ON e.id = pe.entry_id
		WHERE pe.batch_id = ? GROUP BY pe.creator_id`, w.brand.ID, b.Cutoff, b.ID).Scan(&locks).Error; err != nil {
		return false, err
	}
	lockedRows := 0
	for _, l := range locks {
		lockedRows += l.N
		want, ok := items[l.CreatorID]
		switch {
		case !ok:
			fail("%d entries of %s locked to the batch, which does not pay them (%s)", l.N, l.CreatorID, skips[l.CreatorID].reason)
		case l.Amount != want.amount || l.N != want.n || l.Strays != 0:
			fail("entries locked for %s: %d over %d (%d not theirs or not payable); want %d over %d", l.CreatorID, l.Amount, l.N,
				l.Strays, want.amount, want.n)
		}
	}
	var all, distinct, mine int64
	if err := errors.Join(
		q.Raw("SELECT COUNT(*), COUNT(DISTINCT entry_id) FROM payout_entries").Row().Scan(&all, &distinct),
		q.Raw("SELECT COUNT(*) FROM payout_entries WHERE batch_id = ?", b.ID).Row().Scan(&mine),
	); err != nil {
		return false, err
	}
	if mine != int64(locked) || lockedRows != locked {
		fail("%d entries locked to the batch (%d joined to the ledger); want %d, the included creators' payable entries", mine, lockedRows, locked)
	}
	if all != distinct || all != mine {
		fail("payout_entries holds %d rows, %d distinct entries, %d of this batch: want them equal (no other batch holds any)", all, distinct, mine)
	}

	var rs []string
	for _, k := range []string{payout.SkipBelowMinimum, payout.SkipNegativeBalance, payout.SkipNoPayoutMethod, payout.SkipPaused} {
		rs = append(rs, fmt.Sprintf("%s %d", k, gotReasons[k]))
		if gotReasons[k] != reasons[k] {
			fail("%d skipped as %s, want %d", gotReasons[k], k, reasons[k])
		}
	}
	fmt.Printf("  skipped: %s\n", strings.Join(rs, ", "))
	if len(bad) > 0 {
		sort.Strings(bad)
		fmt.Printf("  MISMATCH: the batch differs from the independent netting:\n    %s\n", strings.Join(bad, "\n    "))
		return false, nil
	}
	fmt.Printf("  verified: %s items (total %s) and %s skips equal an independent netting of %s payable entries;\n"+
		"  the %s entries locked are exactly the included creators' payable ones\n",
		thousands(len(items)), money(total), thousands(len(skips)), thousands(sumN(nets)), thousands(locked))
	return true, nil
}

func sumN(rows []netRow) (n int) {
	for _, r := range rows {
		n += r.N
	}
	return n
}

// Create's big statements, as in internal/payout/batch.go (create): the
// candidate read, the net per creator (both into temporary tables) and the
// lock. eligible is its eligibleSQL, with the payout minimum as parameter.
const (
	candSQL = `SELECT e.id, e.creator_id, e.amount FROM commission_entries e
		WHERE e.brand_id = ? AND e.currency = ? AND e.payable_at <= ? AND e.created_at <= ?
		AND NOT EXISTS (SELECT 1 FROM payout_entries pe WHERE pe.entry_id = e.id)`
	netSQL = `SELECT s.creator_id, s.amount, s.n, c.status,
			CASE WHEN ? AND COALESCE(c.stripe_account_id, '') <> '' AND c.stripe_payouts_enabled THEN 'stripe'
			     WHEN COALESCE(c.payout_email, '') <> '' THEN 'manual' ELSE '' END AS method,
			CASE WHEN ? AND COALESCE(c.stripe_account_id, '') <> '' AND c.stripe_payouts_enabled THEN c.stripe_account_id
			     ELSE COALESCE(c.payout_email, '') END AS destination
		FROM (SELECT creator_id, SUM(amount) AS amount, COUNT(*) AS n FROM payout_cand GROUP BY creator_id) s
		LEFT JOIN creators c ON c.id = s.creator_id AND c.brand_id = ?`
	eligible = "(n.method <> '' AND n.amount > 0 AND n.amount >= ? AND COALESCE(n.status, '') <> 'paused')"
	lockSQL  = `INSERT INTO payout_entries (entry_id, batch_id, creator_id)
		SELECT c.id, ?, c.creator_id FROM payout_cand c JOIN payout_net n ON n.creator_id = c.creator_id WHERE ` + eligible
)

// explain prints the plans of Create's big statements, run by hand in a
// transaction that is rolled back (no batch holds any entry when called).
func explain(ctx context.Context, db *store.DB, w *world) error {
	fmt.Printf("\n-- plans of Create's big statements (run by hand, rolled back) --\n")
	prefix, temp := "EXPLAIN (ANALYZE, BUFFERS) ", "CREATE TEMPORARY TABLE %s ON COMMIT DROP AS "
	if db.Dialect == store.SQLite {
		prefix, temp = "EXPLAIN QUERY PLAN ", "CREATE TEMPORARY TABLE %s AS "
	}
	now, stripe := store.Now(), w.brand.StripeSecretKey != ""
	stmts := []explainStmt{
		{"read candidates (temp table payout_cand)", fmt.Sprintf(temp, "payout_cand") + candSQL,
			[]any{w.brand.ID, w.brand.Currency, now, now}},
		{"net per creator (temp table payout_net)", fmt.Sprintf(temp, "payout_net") + netSQL, []any{stripe, stripe, w.brand.ID}},
		{"ANALYZE payout_cand, payout_net", "ANALYZE payout_cand, payout_net", nil},
		{"lock the included creators' entries", lockSQL, []any{"pb_explain", w.brand.PayoutMinimum}},
	}
	if db.Dialect == store.SQLite {
		stmts = slices.Delete(stmts, 2, 3)
	}
	return explainTx(ctx, db, prefix, stmts)
}

type explainStmt struct {
	name, sql string
	args      []any
}

// explainTx runs statements with prefix (EXPLAIN …) in a transaction rolled
// back, and prints the last column of what they return; an ANALYZE is run as
// it is. On SQLite each statement is then run, for the next to read.
func explainTx(ctx context.Context, db *store.DB, prefix string, stmts []explainStmt) error {
	errDone := errors.New("rolled back")
	err := db.WithTx(ctx, func(tx *gorm.DB) error {
		for _, s := range stmts {
			if strings.HasPrefix(s.sql, "ANALYZE") {
				t := time.Now()
				if err := tx.Exec(s.sql).Error; err != nil {
					return err
				}
				fmt.Printf("%s (%s)\n", s.name, time.Since(t).Round(time.Millisecond))
				continue
			}
			t := time.Now()
			rows, err := tx.Raw(prefix+s.sql, s.args...).Rows()
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			fmt.Printf("%s (%s):\n", s.name, time.Since(t).Round(time.Millisecond))
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				fmt.Printf("  %v\n", vals[len(vals)-1])
			}
			if err := errors.Join(rows.Close(), rows.Err()); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			if db.Dialect == store.SQLite {
				// EXPLAIN QUERY PLAN does not run the statement, and the
				// next one reads what it writes.
				if err := tx.Exec(s.sql, s.args...).Error; err != nil {
					return err
				}
			}
		}
		return errDone
	})
	if errors.Is(err, errDone) {
		return nil
	}
	return err
}
