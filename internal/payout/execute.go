package payout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"gorm.io/gorm"
)

// Execute sends the pending Stripe transfers of a processing batch, one per
// item, and completes the batch when every item is sent or paid. It is safe
// to run again at any point, after a crash too: each item's idempotency key
// is stored before its transfer is requested, so a re-run asks Stripe with
// the same key and Stripe answers with the transfer it already made.
//
// One process executes a batch at a time: it holds a lease on the batch,
// renewed as it goes; ErrBusy when another holds it. When ctx ends, Execute
// stops between items (an interrupted call is resumed by the next run).
func (s *Service) Execute(ctx context.Context, brandID, id string) error {
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return err
	}
	if err := s.claim(ctx, brandID, id); err != nil {
		return err
	}
	defer s.release(id)
	var sc *client.API
	key, err := s.stripeKey(b)
	if err != nil && !errors.Is(err, ErrNoStripe) {
		return err
	}
	if key != "" {
		sc = s.stripe.Client(key)
	}
	renewed := s.now()
	// Items retried while this run goes are picked up by its next round;
	// an item left pending (no answer from Stripe) is tried once per run.
	tried := map[string]bool{}
	for {
		var items []Item
		if err := s.db.WithContext(ctx).Where("batch_id = ? AND method = ? AND status = ?", id, MethodStripe, ItemPending).
			Order("id").Find(&items).Error; err != nil {
			return err
		}
		n := 0
		for i := range items {
			it := &items[i]
			if tried[it.ID] {
				continue
			}
			tried[it.ID], n = true, n+1
			if err := ctx.Err(); err != nil {
				return err
			}
			if s.now().Sub(renewed) > s.lease/4 {
				if err := s.claimAgain(ctx, id); err != nil {
					return err
				}
				renewed = s.now()
			}
			if sc == nil {
				if err := s.fail(ctx, it, ErrNoStripe.Error()); err != nil {
					return err
				}
				continue
			}
			if err := s.send(ctx, sc, b, it); err != nil {
				return err
			}
		}
		if n == 0 {
			break
		}
	}
	return s.finish(ctx, id)
}

// claim takes the batch's lease if it is processing and nobody holds it.
func (s *Service) claim(ctx context.Context, brandID, id string) error {
	now := s.now()
	res := s.db.WithContext(ctx).Exec(`UPDATE payout_batches SET lease_until = ?
		WHERE id = ? AND brand_id = ? AND status = ? AND (lease_until IS NULL OR lease_until < ?)`,
		now.Add(s.lease), id, brandID, BatchProcessing, now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	batch, err := s.Get(ctx, brandID, id)
	if err != nil {
		return err
	}
	if batch.Status != BatchProcessing {
		return fmt.Errorf("%w: only a processing batch is executed; this batch is %s", ErrState, batch.Status)
	}
	return ErrBusy
}

// claimAgain extends a lease this process holds.
func (s *Service) claimAgain(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Exec("UPDATE payout_batches SET lease_until = ? WHERE id = ?", s.now().Add(s.lease), id).Error
}

// release gives the lease up, even when the run's context has ended.
func (s *Service) release(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.db.WithContext(ctx).Exec("UPDATE payout_batches SET lease_until = NULL WHERE id = ?", id).Error; err != nil {
		s.log.Warn("payout: releasing a batch's lease", "batch_id", id, "err", err)
	}
}

// IdempotencyKey is the key of an item's transfer attempt. A retry after a
// refusal is a new attempt; a re-run of an unanswered attempt is not.
func IdempotencyKey(itemID string, attempt int) string {
	return fmt.Sprintf("clout-payout-%s-%d", itemID, attempt)
}

// send makes one item's transfer. A definite refusal fails the item; an
// answer that never came (a timeout, a network error, a 5xx) leaves it
// pending with its key, for the next run to ask again with the same key.
func (s *Service) send(ctx context.Context, sc *client.API, b *brand.Brand, it *Item) error {
	if it.IdempotencyKey == "" {
		key := IdempotencyKey(it.ID, it.Attempt)
		res := s.db.WithContext(ctx).Model(&Item{}).Where("id = ? AND status = ? AND idempotency_key = ''", it.ID, ItemPending).
			Updates(map[string]any{"idempotency_key": key, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return nil // changed meanwhile (cancelled, marked paid): not ours to send
		}
		it.IdempotencyKey = key
	}
	params := &stripe.TransferParams{Amount: stripe.Int64(it.Amount), Currency: stripe.String(strings.ToLower(it.Currency)),
		Destination: stripe.String(it.Destination), TransferGroup: stripe.String(it.BatchID),
		Description: stripe.String(b.Name + " creator payout")}
	params.AddMetadata("payout_item_id", it.ID)
	params.AddMetadata("payout_batch_id", it.BatchID)
	params.AddMetadata("creator_id", it.CreatorID)
	params.SetIdempotencyKey(it.IdempotencyKey)
	params.Context = ctx
	tr, err := sc.Transfers.New(params)
	if err == nil {
		return s.sent(ctx, b, it, tr.ID)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *stripe.Error
	if errors.As(err, &se) && definite(se) {
		s.log.WarnContext(ctx, "payout: Stripe refused a transfer", "item_id", it.ID, "status", se.HTTPStatusCode, "code", se.Code, "msg", se.Msg)
		return s.fail(ctx, it, "Stripe refused the transfer: "+se.Msg)
	}
	// No definite answer: keep the key, ask again on the next run.
	s.log.WarnContext(ctx, "payout: transfer unconfirmed; will retry with the same idempotency key", "item_id", it.ID, "err", err)
	return s.db.WithContext(ctx).Model(&Item{}).Where("id = ? AND status = ?", it.ID, ItemPending).
		Updates(map[string]any{"failure": "Not confirmed by Stripe yet; will be retried with the same key: " + err.Error(), "updated_at": s.now()}).Error
}

// definite: Stripe answered and refused; asking again with the same key
// would get the same answer.
func definite(se *stripe.Error) bool {
	switch se.HTTPStatusCode {
	case http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return false
}

// sent records a transfer and tells the creator.
func (s *Service) sent(ctx context.Context, b *brand.Brand, it *Item, transferID string) error {
	// A detached context: the transfer exists, so its record must be kept
	// even when the run is being stopped.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.now()
	return s.db.WithTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Item{}).Where("id = ? AND status = ?", it.ID, ItemPending).
			Updates(map[string]any{"status": ItemSent, "transfer_id": transferID, "failure": "", "paid_at": now, "updated_at": now})
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		it.Status, it.TransferID, it.PaidAt = ItemSent, transferID, &now
		return s.notify(ctx, tx, b, it)
	})
}

// fail records a refusal.
func (s *Service) fail(ctx context.Context, it *Item, msg string) error {
	return s.db.WithContext(ctx).Model(&Item{}).Where("id = ? AND status = ?", it.ID, ItemPending).
		Updates(map[string]any{"status": ItemFailed, "failure": msg, "updated_at": s.now()}).Error
}

// paidMail is what the payout email says.
type paidMail struct {
	BrandName, Name, Amount, How, PortalURL string
}

// notify queues the creator's "you were paid" email in tx.
func (s *Service) notify(ctx context.Context, tx *gorm.DB, b *brand.Brand, it *Item) error {
	var c struct{ Name, Email string }
	if err := tx.Table("creators").Select("name, email").Where("id = ? AND brand_id = ?", it.CreatorID, it.BrandID).Take(&c).Error; err != nil {
		return store.Err(err)
	}
	how := "by Stripe transfer " + it.TransferID + " to your connected account"
	if it.Method == MethodManual {
		how = "by " + b.Name + " directly (reference " + it.Reference + ")"
	}
	return s.outbox.Send(ctx, tx, b.ID, c.Email, mail.PayoutSent, paidMail{BrandName: b.Name, Name: c.Name,
		Amount: money.Amount{Minor: it.Amount, Currency: it.Currency}.String(), How: how,
		PortalURL: strings.TrimRight(s.baseURL, "/") + "/portal/payouts"})
}

// itemChange changes one item of a processing batch under a row lock.
func (s *Service) itemChange(ctx context.Context, actor brand.Actor, brandID, batchID, itemID, action string,
	change func(tx *gorm.DB, it *Item) error) (*Item, error) {
	var it Item
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var batch Batch
		if err := s.db.ForUpdate(tx).Where("id = ? AND brand_id = ?", batchID, brandID).Take(&batch).Error; err != nil {
			return store.Err(err)
		}
		if err := tx.Where("id = ? AND batch_id = ?", itemID, batchID).Take(&it).Error; err != nil {
			return store.Err(err)
		}
		if batch.Status != BatchProcessing {
			return fmt.Errorf("%w: items change only while the batch is being paid (execute it first); this batch is %s", ErrState, batch.Status)
		}
		if err := change(tx, &it); err != nil {
			return err
		}
		it.UpdatedAt = s.now()
		if err := tx.Save(&it).Error; err != nil {
			return err
		}
		return s.brands.Audit(tx, brandID, actor, action, map[string]any{"batch_id": batchID, "item_id": itemID})
	})
	if err != nil {
		return nil, err
	}
	return &it, s.finish(ctx, batchID)
}

// Retry puts a failed item back to pending as a new attempt, with a new
// idempotency key (Stripe refused the last one, so it paid nothing); the
// next Execute sends it.
func (s *Service) Retry(ctx context.Context, actor brand.Actor, brandID, batchID, itemID string) (*Item, error) {
	return s.itemChange(ctx, actor, brandID, batchID, itemID, "payout.item_retried", func(tx *gorm.DB, it *Item) error {
		if it.Status != ItemFailed {
			return fmt.Errorf("%w: only a failed item can be retried; this one is %s", ErrState, it.Status)
		}
		if it.Method == MethodStripe {
			// The creator may have fixed their account: send to it as it is now.
			var c struct {
				StripeAccountID *string
			}
			if err := tx.Table("creators").Select("stripe_account_id").Where("id = ? AND brand_id = ?", it.CreatorID, brandID).Take(&c).Error; err != nil {
				return store.Err(err)
			}
			if c.StripeAccountID != nil && *c.StripeAccountID != "" {
				it.Destination = *c.StripeAccountID
			}
		}
		it.Status, it.Attempt, it.IdempotencyKey, it.Failure = ItemPending, it.Attempt+1, "", ""
		return nil
	})
}

// ToManual moves a failed Stripe item to manual payment: it is then paid
// outside Clout (see Export) and marked paid.
func (s *Service) ToManual(ctx context.Context, actor brand.Actor, brandID, batchID, itemID string) (*Item, error) {
	return s.itemChange(ctx, actor, brandID, batchID, itemID, "payout.item_to_manual", func(tx *gorm.DB, it *Item) error {
		if it.Status != ItemFailed || it.Method != MethodStripe {
			return fmt.Errorf("%w: only a failed Stripe item can be moved to manual payment; this one is %s (%s)", ErrState, it.Status, it.Method)
		}
		var c struct{ PayoutEmail string }
		if err := tx.Table("creators").Select("payout_email").Where("id = ? AND brand_id = ?", it.CreatorID, brandID).Take(&c).Error; err != nil {
			return store.Err(err)
		}
		it.Method, it.Status, it.Destination = MethodManual, ItemPending, c.PayoutEmail
		return nil
	})
}

// MaxReference bounds a manual payment's reference.
const MaxReference = 200

// MarkPaid records a manual item as paid outside Clout, with the payment's
// reference (a bank transfer id, a PayPal batch id), and tells the creator.
func (s *Service) MarkPaid(ctx context.Context, actor brand.Actor, brandID, batchID, itemID, reference string) (*Item, error) {
	reference = strings.TrimSpace(reference)
	if reference == "" || len(reference) > MaxReference {
		return nil, validate.Errors{{Field: "reference", Message: fmt.Sprintf("enter the payment's reference (a bank transfer or PayPal id), 1 to %d characters", MaxReference)}}
	}
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return s.itemChange(ctx, actor, brandID, batchID, itemID, "payout.item_marked_paid", func(tx *gorm.DB, it *Item) error {
		if it.Method != MethodManual || it.Status != ItemPending {
			return fmt.Errorf("%w: only a pending manual item can be marked paid; this one is %s (%s)", ErrState, it.Status, it.Method)
		}
		now := s.now()
		it.Status, it.Reference, it.PaidBy, it.PaidAt = ItemPaid, reference, actor.Label, &now
		return s.notify(ctx, tx, b, it)
	})
}
