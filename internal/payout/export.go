package payout

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/cloutapp/clout/internal/csvfile"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
)

// Export formats.
const (
	// ExportGeneric: one row per manual item with a header, for a bank
	// transfer run or a spreadsheet.
	ExportGeneric = "generic"
	// ExportPayPal: PayPal Payouts' bulk upload file: no header; recipient,
	// amount, currency, customer id (the item id), note, wallet.
	ExportPayPal = "paypal"
)

// Export writes a batch's manual items (pending and paid) as CSV.
func (s *Service) Export(ctx context.Context, brandID, batchID, format string, w io.Writer) error {
	if format != ExportGeneric && format != ExportPayPal {
		return validate.Errors{{Field: "format", Message: fmt.Sprintf("choose %q or %q", ExportGeneric, ExportPayPal)}}
	}
	batch, err := s.Get(ctx, brandID, batchID)
	if err != nil {
		return err
	}
	items, err := s.Items(ctx, brandID, batchID)
	if err != nil {
		return err
	}
	b, err := s.brands.Get(ctx, brandID)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if format == ExportGeneric {
		if err := cw.Write([]string{"item_id", "batch_id", "creator_id", "creator_name", "creator_email", "payout_email",
			"amount", "currency", "entries", "status", "reference"}); err != nil {
			return err
		}
	}
	for _, it := range items {
		if it.Method != MethodManual || (it.Status != ItemPending && it.Status != ItemPaid) {
			continue
		}
		amount := money.Amount{Minor: it.Amount, Currency: it.Currency}.Decimal()
		var row []string
		if format == ExportPayPal {
			if it.Status != ItemPending || it.Destination == "" {
				continue // paid already, or nobody to pay at PayPal
			}
			row = []string{csvfile.SafeCell(it.Destination), amount, it.Currency, it.ID,
				csvfile.SafeCell(fmt.Sprintf("%s creator payout, commissions up to %s", b.Name, batch.Cutoff.Format("2006-01-02"))), "PAYPAL"}
		} else {
			row = []string{it.ID, it.BatchID, it.CreatorID, csvfile.SafeCell(it.CreatorName), csvfile.SafeCell(it.CreatorEmail),
				csvfile.SafeCell(it.Destination), amount, it.Currency, fmt.Sprint(it.EntryCount), it.Status, csvfile.SafeCell(it.Reference)}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CreatorPayout is one payout in a creator's history.
type CreatorPayout struct {
	Item
	BatchStatus string
	Cutoff      time.Time
	CreatedAt   time.Time
}

// CreatorPayouts lists a creator's payouts, newest first: items of batches
// that were approved (a draft is not a promise yet).
func (s *Service) CreatorPayouts(ctx context.Context, brandID, creatorID string) ([]CreatorPayout, error) {
	var out []CreatorPayout
	err := s.db.WithContext(ctx).Table("payout_items i").
		Select("i.*, b.status AS batch_status, b.cutoff, b.created_at").
		Joins("JOIN payout_batches b ON b.id = i.batch_id").
		Where("i.brand_id = ? AND i.creator_id = ? AND b.status IN ?", brandID, creatorID,
			[]string{BatchApproved, BatchProcessing, BatchCompleted}).
		Order("b.created_at DESC, i.id DESC").Scan(&out).Error
	return out, err
}

// Statement writes the CSV statement of one of the creator's payouts: the
// payout, then every ledger entry it pays.
func (s *Service) Statement(ctx context.Context, brandID, creatorID, itemID string, w io.Writer) error {
	var it Item
	if err := s.db.WithContext(ctx).Where("id = ? AND brand_id = ? AND creator_id = ?", itemID, brandID, creatorID).Take(&it).Error; err != nil {
		return store.Err(err)
	}
	batch, err := s.Get(ctx, brandID, it.BatchID)
	if err != nil {
		return err
	}
	if batch.Status == BatchDraft || batch.Status == BatchCancelled {
		return store.ErrNotFound
	}
	es, err := s.entriesOf(ctx, &it)
	if err != nil {
		return err
	}
	refs := map[string]string{}
	var ids []string
	for _, e := range es {
		if e.OrderID != nil {
			ids = append(ids, *e.OrderID)
		}
	}
	if len(ids) > 0 {
		var rows []struct{ ID, ExternalID string }
		if err := s.db.WithContext(ctx).Table("orders").Select("id, external_id").Where("brand_id = ? AND id IN ?", brandID, ids).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			refs[r.ID] = r.ExternalID
		}
	}
	cw := csv.NewWriter(w)
	paid := ""
	if it.PaidAt != nil {
		paid = it.PaidAt.UTC().Format(time.RFC3339)
	}
	head := [][]string{
		{"payout", it.ID},
		{"status", it.Status},
		{"amount", money.Amount{Minor: it.Amount, Currency: it.Currency}.Decimal(), it.Currency},
		{"method", it.Method},
		{"paid_at", paid},
		{"transfer_or_reference", csvfile.SafeCell(it.TransferID + it.Reference)},
		{"commissions_up_to", batch.Cutoff.UTC().Format(time.RFC3339)},
		{},
		{"entry_id", "created_at", "kind", "order", "month", "amount", "currency", "explanation"},
	}
	for _, r := range head {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	var sum int64
	for _, e := range es {
		order := ""
		if e.OrderID != nil {
			order = refs[*e.OrderID]
		}
		sum += e.Amount
		if err := cw.Write([]string{e.ID, e.CreatedAt.UTC().Format(time.RFC3339), e.Kind, csvfile.SafeCell(order), e.Month,
			money.Amount{Minor: e.Amount, Currency: e.Currency}.Decimal(), e.Currency, csvfile.SafeCell(e.Explanation)}); err != nil {
			return err
		}
	}
	if err := cw.Write([]string{"total", "", "", "", "", money.Amount{Minor: sum, Currency: it.Currency}.Decimal(), it.Currency, ""}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
