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
// payable entry up to the cut-off that no batch holds yet, netted per
// creator. Creators whose net is at least the payout minimum, who are not
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

// netRow is one creator's net of the entries a batch locked.
type netRow struct {
	CreatorID            string
	Amount               int64
	N                    int
	Status               *string
	StripeAccountID      *string
	StripePayoutsEnabled *bool
	PayoutEmail          *string
}

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
	batch := &Batch{ID: store.NewID("pb"), BrandID: b.ID, Status: BatchDraft, Currency: b.Currency, Cutoff: at,
		Scheduled: scheduled, CreatedBy: actorKey(actor), CreatedByLabel: actor.Label, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(batch).Error; err != nil {
		return nil, err
	}
	// Lock every candidate entry first, then net exactly what was locked:
	// an entry the ledger adds meanwhile is either in both or in neither.
	res := tx.Exec(`INSERT INTO payout_entries (entry_id, batch_id, creator_id)
		SELECT e.id, ?, e.creator_id FROM commission_entries e
		WHERE e.brand_id = ? AND e.currency = ? AND e.payable_at <= ? AND e.created_at <= ?
		AND NOT EXISTS (SELECT 1 FROM payout_entries pe WHERE pe.entry_id = e.id)`,
		batch.ID, b.ID, b.Currency, at, at)
	if res.Error != nil {
		if store.IsUniqueViolation(res.Error) {
			return nil, fmt.Errorf("%w: another batch took some of these entries at the same moment; try again", store.ErrConflict)
		}
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("%w: no payable entry up to %s is waiting for a payout", ErrNothingToPay, at.Format(time.RFC3339))
	}
	var nets []netRow
	err := tx.Raw(`SELECT pe.creator_id, SUM(e.amount) AS amount, COUNT(*) AS n,
			c.status, c.stripe_account_id, c.stripe_payouts_enabled, c.payout_email
		FROM payout_entries pe
		JOIN commission_entries e ON e.id = pe.entry_id
		LEFT JOIN creators c ON c.id = pe.creator_id AND c.brand_id = ?
		WHERE pe.batch_id = ?
		GROUP BY pe.creator_id, c.status, c.stripe_account_id, c.stripe_payouts_enabled, c.payout_email`,
		b.ID, batch.ID).Scan(&nets).Error
	if err != nil {
		return nil, err
	}
	stripeReady := b.StripeSecretKey != ""
	var items []Item
	var skips []Skip
	reasons := map[string]int{}
	for _, n := range nets {
		method, dest := "", ""
		switch {
		case stripeReady && n.StripeAccountID != nil && *n.StripeAccountID != "" && n.StripePayoutsEnabled != nil && *n.StripePayoutsEnabled:
			method, dest = MethodStripe, *n.StripeAccountID
		case n.PayoutEmail != nil && *n.PayoutEmail != "":
			method, dest = MethodManual, *n.PayoutEmail
		}
		reason := ""
		switch {
		case n.Status != nil && *n.Status == "paused":
			reason = SkipPaused
		case n.Amount < 0:
			reason = SkipNegativeBalance
		case n.Amount == 0 || n.Amount < b.PayoutMinimum:
			reason = SkipBelowMinimum
		case method == "":
			reason = SkipNoPayoutMethod
		}
		if reason != "" {
			reasons[reason]++
			skips = append(skips, Skip{BatchID: batch.ID, CreatorID: n.CreatorID, Amount: n.Amount, Reason: reason})
			continue
		}
		items = append(items, Item{ID: store.NewTimeID("po"), BatchID: batch.ID, BrandID: b.ID, CreatorID: n.CreatorID,
			Amount: n.Amount, Currency: b.Currency, EntryCount: n.N, Method: method, Destination: dest,
			Status: ItemPending, UpdatedAt: now})
		batch.Total += n.Amount
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNothingToPay, skipSummary(reasons))
	}
	if err := tx.CreateInBatches(items, 1000).Error; err != nil {
		return nil, err
	}
	if len(skips) > 0 {
		if err := tx.CreateInBatches(skips, 2000).Error; err != nil {
			return nil, err
		}
		// Skipped creators' entries stay payable: the next batch nets them.
		if err := tx.Exec(`DELETE FROM payout_entries WHERE batch_id = ? AND NOT EXISTS
			(SELECT 1 FROM payout_items i WHERE i.batch_id = payout_entries.batch_id AND i.creator_id = payout_entries.creator_id)`,
			batch.ID).Error; err != nil {
			return nil, err
		}
	}
	batch.ItemCount, batch.SkippedCount = len(items), len(skips)
	if err := tx.Model(batch).Updates(map[string]any{"total": batch.Total, "item_count": batch.ItemCount,
		"skipped_count": batch.SkippedCount}).Error; err != nil {
		return nil, err
	}
	return batch, s.brands.Audit(tx, b.ID, actor, "payout.batch_created", map[string]any{"batch_id": batch.ID,
		"cutoff": at, "total": money.Amount{Minor: batch.Total, Currency: b.Currency}.String(), "items": len(items), "skipped": len(skips)})
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

func (s *Service) entriesOf(ctx context.Context, it *Item) ([]commission.Entry, error) {
	var es []commission.Entry
	err := s.db.WithContext(ctx).Model(&commission.Entry{}).
		Joins("JOIN payout_entries pe ON pe.entry_id = commission_entries.id").
		Where("pe.batch_id = ? AND pe.creator_id = ? AND commission_entries.brand_id = ?", it.BatchID, it.CreatorID, it.BrandID).
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
		Status string
		N      int
		Amount int64
	}
	var rows []row
	if err := s.db.WithContext(ctx).Model(&Item{}).Select("status, COUNT(*) AS n, SUM(amount) AS amount").
		Where("batch_id = ?", batchID).Group("status").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		p.Items += r.N
		switch r.Status {
		case ItemPending:
			p.Pending = r.N
		case ItemSent:
			p.Sent, p.DoneAmount = r.N, p.DoneAmount+r.Amount
		case ItemPaid:
			p.Paid, p.DoneAmount = r.N, p.DoneAmount+r.Amount
		case ItemFailed:
			p.Failed = r.N
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
