package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// Payout batches in the API. Amounts are integers in minor units of the
// batch's currency.

type payoutBatchSummaryJSON struct {
	ID           string     `json:"id"`
	Status       string     `json:"status"`
	Currency     string     `json:"currency"`
	Total        int64      `json:"total"`
	Cutoff       time.Time  `json:"cutoff"`
	ItemCount    int        `json:"item_count"`
	SkippedCount int        `json:"skipped_count"`
	Scheduled    bool       `json:"scheduled"`
	CreatedBy    string     `json:"created_by"`
	ApprovedBy   string     `json:"approved_by"`
	ApprovedAt   *time.Time `json:"approved_at"`
	ExecutedBy   string     `json:"executed_by"`
	ExecutedAt   *time.Time `json:"executed_at"`
	CompletedAt  *time.Time `json:"completed_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

type payoutBatchJSON struct {
	payoutBatchSummaryJSON
	Items   []payoutItemJSON `json:"items"`
	Skipped []payoutSkipJSON `json:"skipped"`
}

type payoutItemJSON struct {
	ID          string     `json:"id"`
	BatchID     string     `json:"batch_id"`
	CreatorID   string     `json:"creator_id"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Entries     int        `json:"entries"`
	Method      string     `json:"method"`
	Destination string     `json:"destination"`
	Status      string     `json:"status"`
	TransferID  string     `json:"transfer_id"`
	Failure     string     `json:"failure"`
	Reference   string     `json:"reference"`
	PaidAt      *time.Time `json:"paid_at"`
}

type payoutSkipJSON struct {
	CreatorID   string `json:"creator_id"`
	Amount      int64  `json:"amount"`
	Reason      string `json:"reason"`
	Explanation string `json:"explanation"`
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toPayoutBatchSummaryJSON(b *payout.Batch) payoutBatchSummaryJSON {
	created := b.CreatedByLabel
	if created == "" && b.Scheduled {
		created = payout.ScheduleActor.Label
	}
	return payoutBatchSummaryJSON{ID: b.ID, Status: b.Status, Currency: b.Currency, Total: b.Total, Cutoff: b.Cutoff.UTC(),
		ItemCount: b.ItemCount, SkippedCount: b.SkippedCount, Scheduled: b.Scheduled, CreatedBy: created,
		ApprovedBy: b.ApprovedByLabel, ApprovedAt: utcp(b.ApprovedAt), ExecutedBy: b.ExecutedBy, ExecutedAt: utcp(b.ExecutedAt),
		CompletedAt: utcp(b.CompletedAt), CreatedAt: b.CreatedAt.UTC()}
}

func toPayoutItemJSON(it *payout.Item) payoutItemJSON {
	return payoutItemJSON{ID: it.ID, BatchID: it.BatchID, CreatorID: it.CreatorID, Amount: it.Amount, Currency: it.Currency,
		Entries: it.EntryCount, Method: it.Method, Destination: it.Destination, Status: it.Status, TransferID: it.TransferID,
		Failure: it.Failure, Reference: it.Reference, PaidAt: utcp(it.PaidAt)}
}

// payoutBatchResponse answers with the batch, its items and its skips.
func (a *App) payoutBatchResponse(c echo.Context, status int, brandID, id string) error {
	ctx := c.Request().Context()
	b, err := a.payouts.Get(ctx, brandID, id)
	if err != nil {
		return err
	}
	items, err := a.payouts.Items(ctx, brandID, id)
	if err != nil {
		return err
	}
	skips, err := a.payouts.Skips(ctx, brandID, id, 0)
	if err != nil {
		return err
	}
	out := payoutBatchJSON{payoutBatchSummaryJSON: toPayoutBatchSummaryJSON(b), Items: make([]payoutItemJSON, len(items)),
		Skipped: make([]payoutSkipJSON, len(skips))}
	for i := range items {
		out.Items[i] = toPayoutItemJSON(&items[i].Item)
	}
	for i, s := range skips {
		out.Skipped[i] = payoutSkipJSON{CreatorID: s.CreatorID, Amount: s.Amount, Reason: s.Reason, Explanation: payoutSkipReason(s.Reason)}
	}
	return c.JSON(status, out)
}

// apiBrand loads the key's brand and actor.
func (a *App) apiBrand(c echo.Context) (*brand.Brand, brand.Actor, error) {
	k := currentKey(c)
	b, err := a.brands.Get(c.Request().Context(), k.BrandID)
	return b, brand.KeyActor(k, c.RealIP()), err
}

func (a *App) apiPayoutBatchesList(c echo.Context) error {
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return validate.Errors{{Field: "limit", Message: "a whole number from 1 to 500"}}
		}
		limit = n
	}
	bs, err := a.payouts.List(c.Request().Context(), currentKey(c).BrandID, limit)
	if err != nil {
		return err
	}
	out := make([]payoutBatchSummaryJSON, len(bs))
	for i := range bs {
		out[i] = toPayoutBatchSummaryJSON(&bs[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// apiPayoutBatchesCreate drafts a batch; the body ({"cutoff"}) is optional.
func (a *App) apiPayoutBatchesCreate(c echo.Context) error {
	var in struct {
		Cutoff *string `json:"cutoff"`
	}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "send a JSON body with Content-Type: application/json")
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apiErr(http.StatusRequestEntityTooLarge, "too_large", "the request body is too large")
		}
		return err
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := decodeBody(bytes.NewReader(raw), &in); err != nil {
			return err
		}
	}
	var cutoff *time.Time
	if in.Cutoff != nil && *in.Cutoff != "" {
		var errs validate.Errors
		t := parseTime(&errs, "cutoff", *in.Cutoff)
		if err := errs.Err(); err != nil {
			return err
		}
		cutoff = &t
	}
	b, actor, err := a.apiBrand(c)
	if err != nil {
		return err
	}
	batch, err := a.payouts.Create(c.Request().Context(), actor, b, cutoff)
	if err != nil {
		return payoutErr(err)
	}
	return a.payoutBatchResponse(c, http.StatusCreated, b.ID, batch.ID)
}

func (a *App) apiPayoutBatchesGet(c echo.Context) error {
	return a.payoutBatchResponse(c, http.StatusOK, currentKey(c).BrandID, c.Param("id"))
}

func (a *App) apiPayoutBatchesApprove(c echo.Context) error {
	b, actor, err := a.apiBrand(c)
	if err != nil {
		return err
	}
	batch, err := a.payouts.Approve(c.Request().Context(), actor, b, c.Param("id"))
	if err != nil {
		return payoutErr(err)
	}
	return a.payoutBatchResponse(c, http.StatusOK, b.ID, batch.ID)
}

// apiPayoutBatchesExecute starts paying an approved batch (or resumes a
// processing one) and answers 202 at once: the Stripe transfers are sent in
// the background; poll GET /payout-batches/{id} for their outcome.
func (a *App) apiPayoutBatchesExecute(c echo.Context) error {
	b, actor, err := a.apiBrand(c)
	if err != nil {
		return err
	}
	batch, err := a.payouts.Start(c.Request().Context(), actor, b, c.Param("id"))
	if err != nil {
		return payoutErr(err)
	}
	a.executePayouts(c.Request().Context(), b.ID, batch.ID)
	return a.payoutBatchResponse(c, http.StatusAccepted, b.ID, batch.ID)
}

func (a *App) apiPayoutBatchesCancel(c echo.Context) error {
	b, actor, err := a.apiBrand(c)
	if err != nil {
		return err
	}
	batch, err := a.payouts.Cancel(c.Request().Context(), actor, b.ID, c.Param("id"))
	if err != nil {
		return payoutErr(err)
	}
	return a.payoutBatchResponse(c, http.StatusOK, b.ID, batch.ID)
}

// apiPayoutItemRetry puts a failed item back to pending and sends it again
// in the background (202).
func (a *App) apiPayoutItemRetry(c echo.Context) error {
	b, actor, err := a.apiBrand(c)
	if err != nil {
		return err
	}
	it, err := a.payouts.Retry(c.Request().Context(), actor, b.ID, c.Param("id"), c.Param("item_id"))
	if err != nil {
		return payoutErr(err)
	}
	a.executePayouts(c.Request().Context(), b.ID, it.BatchID)
	return c.JSON(http.StatusAccepted, toPayoutItemJSON(it))
}

func (a *App) apiPayoutItemMarkPaid(c echo.Context) error {
	var in struct {
		Reference string `json:"reference"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, actor, err := a.apiBrand(c)
	if err != nil {
		return err
	}
	it, err := a.payouts.MarkPaid(c.Request().Context(), actor, b.ID, c.Param("id"), c.Param("item_id"), in.Reference)
	if err != nil {
		return payoutErr(err)
	}
	return c.JSON(http.StatusOK, toPayoutItemJSON(it))
}
