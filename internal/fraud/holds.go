package fraud

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// MaxReason is the longest reason a hold or a release takes.
const MaxReason = 500

func checkReason(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", validate.Errors{{Field: field, Message: "say why, for the audit log and the team"}}
	case len(reason) > MaxReason:
		return "", validate.Errors{{Field: field, Message: fmt.Sprintf("must be at most %d characters", MaxReason)}}
	}
	return reason, nil
}

// Hold holds the entries of the signal with key in [from, to) that are in
// no payout batch and not held yet: payout batches leave them out until the
// hold is released. Entries already in a batch cannot be held (cancel the
// batch first); ErrNothingToHold (wrapped, saying why) when no entry is
// left to hold. ErrNotFound when the range has no such signal.
func (s *Service) Hold(ctx context.Context, actor brand.Actor, b *brand.Brand, from, to time.Time, key, reason string) (*Hold, error) {
	reason, err := checkReason("reason", reason)
	if err != nil {
		return nil, err
	}
	sig, err := s.Signal(ctx, b, from, to, key)
	if err != nil {
		return nil, err
	}
	now := s.now()
	h := &Hold{ID: store.NewID("hld"), BrandID: b.ID, CreatorID: sig.CreatorID, Kind: sig.Kind, SignalKey: sig.Key,
		Subject: sig.Subject, Evidence: sig.Evidence, Reason: reason, Currency: b.Currency,
		CreatedBy: actor.Type + ":" + actor.ID, CreatedByLabel: actor.Label, CreatedAt: now}
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		// Batches are built under this lock: an entry is either taken by
		// a batch before the hold or held before the next batch reads.
		if err := s.db.LockKey(tx, "payout|"+b.ID); err != nil {
			return err
		}
		if err := tx.Create(h).Error; err != nil {
			return err
		}
		if err := chunks(sig.OrderIDs, func(ids []string) error {
			return tx.Exec(`INSERT INTO commission_holds (hold_id, entry_id, brand_id)
				SELECT ?, e.id, e.brand_id FROM commission_entries e
				WHERE e.brand_id = ? AND e.creator_id = ? AND e.order_id IN ?
				AND NOT EXISTS (SELECT 1 FROM payout_entries pe WHERE pe.entry_id = e.id)
				AND NOT EXISTS (SELECT 1 FROM commission_holds ch WHERE ch.entry_id = e.id AND ch.released_at IS NULL)`,
				h.ID, b.ID, sig.CreatorID, ids).Error
		}); err != nil {
			return err
		}
		var sum struct {
			N      int
			Amount int64
		}
		if err := tx.Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(e.amount), 0) AS amount FROM commission_holds ch
			JOIN commission_entries e ON e.id = ch.entry_id WHERE ch.hold_id = ?`, h.ID).Scan(&sum).Error; err != nil {
			return err
		}
		if sum.N == 0 {
			why := "the signal's orders have no commission entries"
			if sig.InBatch.N > 0 || sig.Held.N > 0 {
				why = fmt.Sprintf("%d of its entries are already in payout batches (a batch's entries cannot be held; cancel the batch first) and %d are already held",
					sig.InBatch.N, sig.Held.N)
			}
			return fmt.Errorf("%w: %s", ErrNothingToHold, why)
		}
		h.EntryCount, h.Amount = sum.N, sum.Amount
		if err := tx.Model(h).Updates(map[string]any{"entry_count": h.EntryCount, "amount": h.Amount}).Error; err != nil {
			return err
		}
		return s.brands.Audit(tx, b.ID, actor, "fraud.hold_placed", map[string]any{"hold_id": h.ID, "creator_id": h.CreatorID,
			"signal": h.SignalKey, "entries": h.EntryCount, "amount": money.Amount{Minor: h.Amount, Currency: h.Currency}.String(),
			"in_batch_not_held": sig.InBatch.N, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Release releases one of the brand's holds: its entries are payable again
// for the next batch.
func (s *Service) Release(ctx context.Context, actor brand.Actor, brandID, id, reason string) (*Hold, error) {
	reason, err := checkReason("release_reason", reason)
	if err != nil {
		return nil, err
	}
	var h Hold
	err = s.db.WithTx(ctx, func(tx *gorm.DB) error {
		if err := s.db.ForUpdate(tx).Where("id = ? AND brand_id = ?", id, brandID).Take(&h).Error; err != nil {
			return store.Err(err)
		}
		if !h.Active() {
			return ErrReleased
		}
		now := s.now()
		h.ReleasedAt, h.ReleasedByLabel, h.ReleaseReason = &now, actor.Label, reason
		if err := tx.Model(&h).Updates(map[string]any{"released_at": now, "released_by_label": actor.Label, "release_reason": reason}).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE commission_holds SET released_at = ? WHERE hold_id = ? AND released_at IS NULL", now, h.ID).Error; err != nil {
			return err
		}
		return s.brands.Audit(tx, brandID, actor, "fraud.hold_released", map[string]any{"hold_id": h.ID, "creator_id": h.CreatorID,
			"entries": h.EntryCount, "amount": money.Amount{Minor: h.Amount, Currency: h.Currency}.String(), "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// Get returns one of the brand's holds.
func (s *Service) Get(ctx context.Context, brandID, id string) (*HoldView, error) {
	var out []HoldView
	if err := s.holds(ctx, brandID).Where("h.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// Holds lists the brand's holds, active ones first, newest first, at most
// limit.
func (s *Service) Holds(ctx context.Context, brandID string, limit int) ([]HoldView, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []HoldView
	err := s.holds(ctx, brandID).Order("CASE WHEN h.released_at IS NULL THEN 0 ELSE 1 END, h.created_at DESC, h.id DESC").
		Limit(limit).Scan(&out).Error
	return out, err
}

func (s *Service) holds(ctx context.Context, brandID string) *gorm.DB {
	return s.db.WithContext(ctx).Table("holds h").Select("h.*, COALESCE(c.name, '') AS creator_name").
		Joins("LEFT JOIN creators c ON c.id = h.creator_id AND c.brand_id = h.brand_id").
		Where("h.brand_id = ?", brandID)
}

// HeldEntries lists the entries a hold covers (or covered), oldest first.
func (s *Service) HeldEntries(ctx context.Context, brandID, holdID string) ([]Entry, error) {
	var es []Entry
	err := s.db.WithContext(ctx).Raw(`SELECT e.id, COALESCE(e.order_id, '') AS order_id, e.kind, e.amount, e.created_at,
			COALESCE(pe.batch_id, '') AS batch_id, CASE WHEN ch.released_at IS NULL THEN ch.hold_id ELSE '' END AS hold_id
		FROM commission_holds ch JOIN commission_entries e ON e.id = ch.entry_id
		LEFT JOIN payout_entries pe ON pe.entry_id = e.id
		WHERE ch.hold_id = ? AND ch.brand_id = ? ORDER BY e.created_at, e.id`, holdID, brandID).Scan(&es).Error
	return es, err
}

// HeldTotal is the sum of the creator's entries in active holds (what a
// balance's payable part cannot be paid until released).
func (s *Service) HeldTotal(ctx context.Context, b *brand.Brand, creatorID string) (Sum, error) {
	var sum Sum
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(e.amount), 0) AS amount FROM commission_holds ch
		JOIN commission_entries e ON e.id = ch.entry_id
		WHERE ch.brand_id = ? AND ch.released_at IS NULL AND e.creator_id = ? AND e.currency = ?`, b.ID, creatorID, b.Currency).Scan(&sum).Error
	return sum, err
}
