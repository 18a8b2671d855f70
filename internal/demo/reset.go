package demo

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/cloutapp/clout/internal/store"
	"gorm.io/gorm"
)

// ErrNotDemo: Reset was asked for an email that is on a brand this package
// did not seed; nothing is deleted.
var ErrNotDemo = errors.New("this email is on a brand that is not a demo brand; nothing was deleted (choose another -email)")

func sortEvents(evs []event) {
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].at.Equal(evs[j].at) {
			return evs[i].at.Before(evs[j].at)
		}
		return evs[i].kind < evs[j].kind
	})
}

// reset deletes the demo brands of the account with this email, every row
// of theirs, and the account, in one transaction. It refuses when the
// account is on any brand without the demo marker in its audit log.
func reset(ctx context.Context, db *store.DB, email string) error {
	return db.WithTx(ctx, func(tx *gorm.DB) error {
		var userID string
		if err := tx.Table("users").Select("id").Where("email = ?", email).Scan(&userID).Error; err != nil {
			return err
		}
		var brands []string
		if err := tx.Table("memberships").Where("user_id = ?", userID).Pluck("brand_id", &brands).Error; err != nil {
			return err
		}
		for _, b := range brands {
			var n int64
			if err := tx.Table("audit_log").Where("brand_id = ? AND action = ?", b, AuditAction).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotDemo
			}
		}
		for _, b := range brands {
			if err := deleteBrand(tx, b); err != nil {
				return fmt.Errorf("demo: deleting brand %s: %w", b, err)
			}
		}
		for _, t := range []string{"sessions", "password_resets", "memberships"} {
			if err := tx.Exec("DELETE FROM "+t+" WHERE user_id = ?", userID).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec("UPDATE invites SET invited_by = NULL WHERE invited_by = ?", userID).Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM users WHERE id = ?", userID).Error
	})
}

// deleteBrand deletes every row of a brand: the rows of tables keyed by
// brand_id (whatever tables later migrations add), the rows hanging off
// them without one, then the brand. Foreign keys decide the order: a table
// whose rows are still referenced is tried again after the others.
func deleteBrand(tx *gorm.DB, brandID string) error {
	// Rows without a brand_id, through their parent.
	for _, q := range []string{
		"DELETE FROM payout_entries WHERE batch_id IN (SELECT id FROM payout_batches WHERE brand_id = ?)",
		"DELETE FROM payout_skips WHERE batch_id IN (SELECT id FROM payout_batches WHERE brand_id = ?)",
		"DELETE FROM portal_sessions WHERE creator_id IN (SELECT id FROM creators WHERE brand_id = ?)",
	} {
		if err := tx.Exec(q, brandID).Error; err != nil {
			return err
		}
	}
	var accounts []string
	if err := tx.Table("creators").Where("brand_id = ?", brandID).Pluck("account_id", &accounts).Error; err != nil {
		return err
	}
	tables, err := tx.Migrator().GetTables()
	if err != nil {
		return err
	}
	var left []string
	for _, t := range tables {
		if tx.Migrator().HasColumn(t, "brand_id") {
			left = append(left, t)
		}
	}
	sort.Strings(left)
	for round := 0; len(left) > 0; round++ {
		var again []string
		var lastErr error
		for i, t := range left {
			sp := fmt.Sprintf("demo_reset_%d_%d", round, i)
			if err := tx.SavePoint(sp).Error; err != nil {
				return err
			}
			if err := tx.Exec("DELETE FROM "+t+" WHERE brand_id = ?", brandID).Error; err != nil {
				if rb := tx.RollbackTo(sp).Error; rb != nil {
					return rb
				}
				again, lastErr = append(again, t), err
				continue
			}
		}
		if len(again) == len(left) {
			return fmt.Errorf("cannot delete from %v: %w", again, lastErr)
		}
		left = again
	}
	if err := tx.Exec("DELETE FROM brands WHERE id = ?", brandID).Error; err != nil {
		return err
	}
	// The creators' accounts that no other program uses.
	for len(accounts) > 0 {
		n := min(len(accounts), 500)
		if err := tx.Exec("DELETE FROM creator_accounts WHERE id IN ? AND NOT EXISTS "+
			"(SELECT 1 FROM creators c WHERE c.account_id = creator_accounts.id)", accounts[:n]).Error; err != nil {
			return err
		}
		accounts = accounts[n:]
	}
	return nil
}
