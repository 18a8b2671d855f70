package payout

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// ItemView is an item with its creator's name and email.
type ItemView struct {
	Item
	CreatorName  string
	CreatorEmail string
}

// SkipView is a skip with its creator's name.
type SkipView struct {
	Skip
	CreatorName string
}

// Create builds a draft batch for the brand at cutoff (nil: now): every
// payable entry up to the cut-off that no batch holds yet and no fraud
// review holds (internal/fraud), netted per creator. Creators whose net is at least the payout minimum, who are not
// paused and have a payout method get an item, and their entries are locked
// to the batch; the others are listed as skipped and their entries stay
// payable for the next batch. ErrNothingToPay (wrapped, saying why) when no
// creator gets an item.
func (s *Service) Create(ctx context.Context, actor brand.Actor, b *brand.Brand, cutoff *time.Time) (*Batch, error) {
	var out *Batch
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = s.create(tx, actor, b, cutoff, false)
		return err
	})
	return out, err
}

// eligible is the SQL condition on payout_net (alias n) for a creator who
// gets an item; skipReason says why one does not. Both take the payout
// minimum as their one parameter.
const (
	eligibleSQL   = "(n.method <> '' AND n.amount > 0 AND n.amount >= ? AND COALESCE(n.status, '') <> 'paused')"
	skipReasonSQL = "CASE WHEN COALESCE(n.status, '') = 'paused' THEN '" + SkipPaused + "'" +
		" WHEN n.amount < 0 THEN '" + SkipNegativeBalance + "'" +
		" WHEN n.amount = 0 OR n.amount < ? THEN '" + SkipBelowMinimum + "'" +
		" ELSE '" + SkipNoPayoutMethod + "' END"
)

func (s *Service) create(tx *gorm.DB, actor brand.Actor, b *brand.Brand, cutoff *time.Time, scheduled bool) (*Batch, error) {
	now := s.now()
	at := now
	if cutoff != nil {
		if cutoff.After(now) {
			return nil, validate.Errors{{Field: "cutoff", Message: "must not be in the future: entries are payable only once their hold has passed"}}
		}
		at = cutoff.UTC().Truncate(time.Microsecond)
	}
	// One batch is built at a time per brand; the entries' primary key in
	// payout_entries would refuse a second lock on an entry anyway.
	if err := s.db.LockKey(tx, "payout|"+b.ID); err != nil {
		return nil, err
	}
	if err := s.freshStats(tx); err != nil {
		return nil, err
	}
	batch := &Batch{ID: store.NewID("pb"), BrandID: b.ID, Status: BatchDraft, Currency: b.Currency, Cutoff: at,
		Scheduled: scheduled, CreatedBy: actorKey(actor), CreatedByLabel: actor.Label, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(batch).Error; err != nil {
		return nil, err
	}
	// The candidates: every payable entry up to the cut-off that no batch
	// and no active review hold holds (a hold covers its orders: entries the
	// ledger adds to a held order later, a correction or a reversal, wait
	// with it), read once into a temporary table. Netting and locking both
	// work from it, so they see exactly the same entries, and
	// payout_entries is not read while it is written.
	pg := s.db.Dialect == store.Postgres
	temp := func(name, query string, args ...any) error {
		if pg {
			return tx.Exec("CREATE TEMPORARY TABLE "+name+" ON COMMIT DROP AS "+query, args...).Error
		}
		if err := tx.Exec("DROP TABLE IF EXISTS temp." + name).Error; err != nil {
			return err
		}
		return tx.Exec("CREATE TEMPORARY TABLE "+name+" AS "+query, args...).Error
	}
	if !pg {
		defer tx.Exec("DROP TABLE IF EXISTS temp.payout_cand")
		defer tx.Exec("DROP TABLE IF EXISTS temp.payout_net")
	}
	if err := temp("payout_cand", `SELECT e.id, e.creator_id, e.amount FROM commission_entries e
		WHERE e.brand_id = ? AND e.currency = ? AND e.payable_at <= ? AND e.created_at <= ?
		AND NOT EXISTS (SELECT 1 FROM payout_entries pe WHERE pe.entry_id = e.id)
		AND NOT EXISTS (SELECT 1 FROM commission_holds h WHERE h.entry_id = e.id AND h.released_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM commission_holds h JOIN commission_entries he ON he.id = h.entry_id
			WHERE h.released_at IS NULL AND h.brand_id = e.brand_id AND he.order_id = e.order_id AND he.creator_id = e.creator_id)`,
		b.ID, b.Currency, at, at); err != nil {
		return nil, err
	}
	// Each creator's net, and how they would be paid: by Stripe when the
	// brand has a key and their account can receive transfers, else by hand
	// to their payout email.
	stripeReady := b.StripeSecretKey != ""
	if err := temp("payout_net", `SELECT s.creator_id, s.amount, s.n, c.status,
			CASE WHEN ? AND COALESCE(c.stripe_account_id, '') <> '' AND c.stripe_payouts_enabled THEN 'stripe'
			     WHEN COALESCE(c.payout_email, '') <> '' THEN 'manual' ELSE '' END AS method,
			CASE WHEN ? AND COALESCE(c.stripe_account_id, '') <> '' AND c.stripe_payouts_enabled THEN c.stripe_account_id
			     ELSE COALESCE(c.payout_email, '') END AS destination
		FROM (SELECT creator_id, SUM(amount) AS amount, COUNT(*) AS n FROM payout_cand GROUP BY creator_id) s
		LEFT JOIN creators c ON c.id = s.creator_id AND c.brand_id = ?`, stripeReady, stripeReady, b.ID); err != nil {
		return nil, err
	}
	if pg {
		// Temporary tables are never analysed by autovacuum; the joins
		// below plan better with their sizes known.
		if err := tx.Exec("ANALYZE payout_cand, payout_net").Error; err != nil {
			return nil, err
		}
	}
	min := b.PayoutMinimum
	itemPrefix := "po_" + strings.TrimPrefix(batch.ID, "pb_") + "_"
	if err := tx.Exec(`INSERT INTO payout_items (id, batch_id, brand_id, creator_id, amount, currency, entry_count, method, destination, status, updated_at)
		SELECT ? || ROW_NUMBER() OVER (ORDER BY n.creator_id), ?, ?, n.creator_id, n.amount, ?, n.n, n.method, n.destination, ?, ?
		FROM payout_net n WHERE `+eligibleSQL, itemPrefix, batch.ID, b.ID, b.Currency, ItemPending, now, min).Error; err != nil {
		return nil, err
	}
	if err := tx.Exec(`INSERT INTO payout_skips (batch_id, creator_id, amount, reason)
		SELECT ?, n.creator_id, n.amount, `+skipReasonSQL+` FROM payout_net n WHERE NOT `+eligibleSQL,
		batch.ID, min, min).Error; err != nil {
		return nil, err
	}
	// Lock the paid creators' entries; the skipped creators' stay payable
	// and the next batch nets them again.
	if err := tx.Exec(`INSERT INTO payout_entries (entry_id, batch_id, creator_id)
		SELECT c.id, ?, c.creator_id FROM payout_cand c JOIN payout_net n ON n.creator_id = c.creator_id WHERE `+eligibleSQL,
		batch.ID, min).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return nil, fmt.Errorf("%w: another batch took some of these entries at the same moment; try again", store.ErrConflict)
		}
		return nil, err
	}
	var sums struct {
		N     int
		Total int64
	}
	if err := tx.Raw("SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM payout_items WHERE batch_id = ?", batch.ID).Scan(&sums).Error; err != nil {
		return nil, err
	}
	var reasons []struct {
		Reason string
		N      int
	}
	if err := tx.Raw("SELECT reason, COUNT(*) AS n FROM payout_skips WHERE batch_id = ? GROUP BY reason", batch.ID).Scan(&reasons).Error; err != nil {
		return nil, err
	}
	skipped := map[string]int{}
	for _, r := range reasons {
		skipped[r.Reason] = r.N
		batch.SkippedCount += r.N
	}
	if sums.N == 0 {
		if batch.SkippedCount == 0 {
			return nil, fmt.Errorf("%w: no payable entry up to %s is waiting for a payout", ErrNothingToPay, at.Format(time.RFC3339))
		}
		return nil, fmt.Errorf("%w: %s", ErrNothingToPay, skipSummary(skipped))
	}
	batch.ItemCount, batch.Total = sums.N, sums.Total
	if err := tx.Model(batch).Updates(map[string]any{"total": batch.Total, "item_count": batch.ItemCount,
		"skipped_count": batch.SkippedCount}).Error; err != nil {
		return nil, err
	}
	return batch, s.brands.Audit(tx, b.ID, actor, "payout.batch_created", map[string]any{"batch_id": batch.ID,
		"cutoff": at, "total": money.Amount{Minor: batch.Total, Currency: b.Currency}.String(), "items": batch.ItemCount, "skipped": batch.SkippedCount})
}

// freshStats analyses payout_entries on PostgreSQL when much of it changed
// since it was last analysed (a big batch was just created or cancelled and
// autovacuum has not come by yet). With statistics that call a large table
// empty, the planner would check each candidate entry against it with a
// sequential scan: a batch of 800,000 entries took minutes instead of
// seconds.
func (s *Service) freshStats(tx *gorm.DB) error {
	if s.db.Dialect != store.Postgres {
		return nil
	}
	var st struct{ Changed, Live int64 }
	if err := tx.Raw(`SELECT COALESCE(n_mod_since_analyze, 0) AS changed, COALESCE(n_live_tup, 0) AS live
		FROM pg_stat_user_tables WHERE relid = 'payout_entries'::regclass`).Scan(&st).Error; err != nil {
		return err
	}
	if st.Changed < 10_000 || st.Changed < st.Live/10 {
		return nil
	}
	return tx.Exec("ANALYZE payout_entries").Error
}

// skipSummary says why nobody is paid.
func skipSummary(reasons map[string]int) string {
	if len(reasons) == 0 {
		return "no creator is owed anything"
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", reasons[k], SkipReasonText[k]))
	}
	return "every creator with payable entries was skipped: " + strings.Join(parts, "; ")
}

// Get returns one of the brand's batches.
func (s *Service) Get(ctx context.Context, brandID, id string) (*Batch, error) {
	var b Batch
	err := s.db.WithContext(ctx).Where("id = ? AND brand_id = ?", id, brandID).Take(&b).Error
	return &b, store.Err(err)
}

// List returns the brand's batches, newest first.
func (s *Service) List(ctx context.Context, brandID string, limit int) ([]Batch, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var bs []Batch
	err := s.db.WithContext(ctx).Where("brand_id = ?", brandID).Order("created_at DESC, id DESC").Limit(limit).Find(&bs).Error
	return bs, err
}

// Items lists a batch's items with their creators, by creator name.
func (s *Service) Items(ctx context.Context, brandID, batchID string) ([]ItemView, error) {
	var out []ItemView
	err := s.db.WithContext(ctx).Table("payout_items i").
		Select("i.*, COALESCE(c.name, '') AS creator_name, COALESCE(c.email, '') AS creator_email").
		Joins("LEFT JOIN creators c ON c.id = i.creator_id AND c.brand_id = i.brand_id").
		Where("i.batch_id = ? AND i.brand_id = ?", batchID, brandID).Order("creator_name, i.id").Scan(&out).Error
	return out, err
}

// ItemsPage lists up to limit of a batch's items, those needing attention
// first (failed, then pending), then by creator name; status, when set,
// keeps only items in it.
func (s *Service) ItemsPage(ctx context.Context, brandID, batchID, status string, limit int) ([]ItemView, error) {
	var out []ItemView
	q := s.db.WithContext(ctx).Table("payout_items i").
		Select("i.*, COALESCE(c.name, '') AS creator_name, COALESCE(c.email, '') AS creator_email").
		Joins("LEFT JOIN creators c ON c.id = i.creator_id AND c.brand_id = i.brand_id").
		Where("i.batch_id = ? AND i.brand_id = ?", batchID, brandID)
	if status != "" {
		q = q.Where("i.status = ?", status)
	}
	err := q.Order("CASE i.status WHEN '" + ItemFailed + "' THEN 0 WHEN '" + ItemPending + "' THEN 1 ELSE 2 END, creator_name, i.id").
		Limit(limit).Scan(&out).Error
	return out, err
}

// Item returns one item of one of the brand's batches.
func (s *Service) Item(ctx context.Context, brandID, batchID, itemID string) (*ItemView, error) {
	var out []ItemView
	err := s.db.WithContext(ctx).Table("payout_items i").
		Select("i.*, COALESCE(c.name, '') AS creator_name, COALESCE(c.email, '') AS creator_email").
		Joins("LEFT JOIN creators c ON c.id = i.creator_id AND c.brand_id = i.brand_id").
		Where("i.id = ? AND i.batch_id = ? AND i.brand_id = ?", itemID, batchID, brandID).Limit(1).Scan(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, store.ErrNotFound
	}
	return &out[0], nil
}

// Skips lists the creators a batch left out (at most limit), by name.
func (s *Service) Skips(ctx context.Context, brandID, batchID string, limit int) ([]SkipView, error) {
	if limit <= 0 {
		limit = 1000
	}
	var out []SkipView
	err := s.db.WithContext(ctx).Table("payout_skips k").
		Select("k.*, COALESCE(c.name, '') AS creator_name").
		Joins("JOIN payout_batches b ON b.id = k.batch_id").
		Joins("LEFT JOIN creators c ON c.id = k.creator_id AND c.brand_id = b.brand_id").
		Where("k.batch_id = ? AND b.brand_id = ?", batchID, brandID).Order("creator_name, k.creator_id").Limit(limit).Scan(&out).Error
	return out, err
}

// ItemEntries lists the ledger entries an item pays, oldest first.
func (s *Service) ItemEntries(ctx context.Context, brandID, batchID, itemID string) ([]commission.Entry, error) {
	it, err := s.Item(ctx, brandID, batchID, itemID)
	if err != nil {
		return nil, err
	}
	return s.entriesOf(ctx, &it.Item)
}

// entriesOf lists an item's entries: the creator's entries (their index)
// that the item's batch holds (the locks' primary key).
func (s *Service) entriesOf(ctx context.Context, it *Item) ([]commission.Entry, error) {
	var es []commission.Entry
	err := s.db.WithContext(ctx).Model(&commission.Entry{}).
		Joins("JOIN payout_entries pe ON pe.entry_id = commission_entries.id").
		Where("commission_entries.brand_id = ? AND commission_entries.creator_id = ? AND pe.batch_id = ?", it.BrandID, it.CreatorID, it.BatchID).
		Order("commission_entries.created_at, commission_entries.id").Find(&es).Error
	return es, err
}

// Approve approves a draft. With the brand's two-person approval on, the
// approver must not be who created the batch.
func (s *Service) Approve(ctx context.Context, actor brand.Actor, b *brand.Brand, id string) (*Batch, error) {
	return s.transition(ctx, actor, b.ID, id, "payout.batch_approved", func(batch *Batch) error {
		if batch.Status != BatchDraft {
			return fmt.Errorf("%w: only a draft can be approved; this batch is %s", ErrState, batch.Status)
		}
		if b.TwoPersonApproval && batch.CreatedBy == actorKey(actor) {
			return ErrSameApprover
		}
		now := s.now()
		batch.Status, batch.ApprovedBy, batch.ApprovedByLabel, batch.ApprovedAt = BatchApproved, actorKey(actor), actor.Label, &now
		return nil
	})
}

// Cancel cancels a draft or approved batch: its items are cancelled and its
// entries released, payable again for the next batch.
func (s *Service) Cancel(ctx context.Context, actor brand.Actor, brandID, id string) (*Batch, error) {
	return s.transition(ctx, actor, brandID, id, "payout.batch_cancelled", func(batch *Batch) error {
		if batch.Status != BatchDraft && batch.Status != BatchApproved {
			return fmt.Errorf("%w: only a draft or approved batch can be cancelled; this batch is %s", ErrState, batch.Status)
		}
		batch.Status, batch.CancelledBy = BatchCancelled, actor.Label
		return nil
	}, func(tx *gorm.DB, batch *Batch) error {
		if err := tx.Model(&Item{}).Where("batch_id = ?", batch.ID).
			Updates(map[string]any{"status": ItemCancelled, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM payout_entries WHERE batch_id = ?", batch.ID).Error
	})
}

// Start begins paying an approved batch: it becomes processing, and Execute
// sends its Stripe transfers while manual items wait to be marked paid. A
// batch already processing is left as it is (Execute resumes it).
func (s *Service) Start(ctx context.Context, actor brand.Actor, b *brand.Brand, id string) (*Batch, error) {
	batch, err := s.transition(ctx, actor, b.ID, id, "payout.batch_executed", func(batch *Batch) error {
		switch batch.Status {
		case BatchProcessing:
			return errUnchanged
		case BatchApproved:
		case BatchDraft:
			return fmt.Errorf("%w: approve the batch before executing it", ErrState)
		default:
			return fmt.Errorf("%w: this batch is %s", ErrState, batch.Status)
		}
		now := s.now()
		batch.Status, batch.ExecutedBy, batch.ExecutedAt = BatchProcessing, actor.Label, &now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return batch, s.finish(ctx, batch.ID)
}

// errUnchanged: a transition that has nothing to do.
var errUnchanged = fmt.Errorf("unchanged")

// transition changes a batch under a row lock, audits it, and runs extra in
// the same transaction.
func (s *Service) transition(ctx context.Context, actor brand.Actor, brandID, id, action string, change func(*Batch) error,
	extra ...func(tx *gorm.DB, batch *Batch) error) (*Batch, error) {
	var out Batch
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := s.db.ForUpdate(tx).Where("id = ? AND brand_id = ?", id, brandID).Take(&out).Error; err != nil {
			return store.Err(err)
		}
		if err := change(&out); err != nil {
			return err
		}
		out.UpdatedAt = s.now()
		if err := tx.Save(&out).Error; err != nil {
			return err
		}
		for _, fn := range extra {
			if err := fn(tx, &out); err != nil {
				return err
			}
		}
		return s.brands.Audit(tx, brandID, actor, action, map[string]any{"batch_id": out.ID})
	})
	if err == errUnchanged {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Progress is how far a batch has come.
type Progress struct {
	Status     string `json:"status"`
	Items      int    `json:"items"`
	Pending    int    `json:"pending"`
	Sent       int    `json:"sent"`
	Paid       int    `json:"paid"`
	Failed     int    `json:"failed"`
	Total      int64  `json:"total"`
	DoneAmount int64  `json:"done_amount"`
	// By method: items paid by Stripe transfer, by hand, and the Stripe
	// items still waiting to be sent.
	StripeItems   int `json:"stripe_items"`
	ManualItems   int `json:"manual_items"`
	StripePending int `json:"stripe_pending"`
	// Running: a process is sending the batch's transfers now.
	Running bool `json:"running"`
}

// Progress reports how far a batch has come.
func (s *Service) Progress(ctx context.Context, brandID, batchID string) (*Progress, error) {
	batch, err := s.Get(ctx, brandID, batchID)
	if err != nil {
		return nil, err
	}
	p := &Progress{Status: batch.Status, Total: batch.Total,
		Running: batch.LeaseUntil != nil && batch.LeaseUntil.After(s.now())}
	type row struct {
		Status, Method string
		N              int
		Amount         int64
	}
	var rows []row
	if err := s.db.WithContext(ctx).Model(&Item{}).Select("status, method, COUNT(*) AS n, SUM(amount) AS amount").
		Where("batch_id = ?", batchID).Group("status, method").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		p.Items += r.N
		if r.Method == MethodStripe {
			p.StripeItems += r.N
		} else {
			p.ManualItems += r.N
		}
		switch r.Status {
		case ItemPending:
			p.Pending += r.N
			if r.Method == MethodStripe {
				p.StripePending += r.N
			}
		case ItemSent:
			p.Sent, p.DoneAmount = p.Sent+r.N, p.DoneAmount+r.Amount
		case ItemPaid:
			p.Paid, p.DoneAmount = p.Paid+r.N, p.DoneAmount+r.Amount
		case ItemFailed:
			p.Failed += r.N
		}
	}
	return p, nil
}

// finish completes a processing batch once every item is sent or paid.
func (s *Service) finish(ctx context.Context, batchID string) error {
	now := s.now()
	return s.db.WithContext(ctx).Exec(`UPDATE payout_batches SET status = ?, completed_at = ?, updated_at = ?
		WHERE id = ? AND status = ? AND NOT EXISTS
		(SELECT 1 FROM payout_items i WHERE i.batch_id = payout_batches.id AND i.status NOT IN (?, ?))`,
		BatchCompleted, now, now, batchID, BatchProcessing, ItemSent, ItemPaid).Error
}
