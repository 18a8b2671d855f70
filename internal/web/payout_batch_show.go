package web

import (
	"context"
	"net/http"
	"time"

	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// The review page of one batch: its summary, the actions its state allows,
// its items with their own actions, the creators it skipped, and the live
// progress while it is paid.

var payoutItemStatusLabels = map[string]string{payout.ItemPending: "Pending", payout.ItemSent: "Sent", payout.ItemFailed: "Failed",
	payout.ItemPaid: "Paid", payout.ItemCancelled: "Cancelled"}

var payoutItemStatusClasses = map[string]string{payout.ItemPending: "status-paused", payout.ItemSent: "status-active",
	payout.ItemFailed: "status-rejected", payout.ItemPaid: "status-active", payout.ItemCancelled: "status-cancelled"}

var payoutMethodLabels = map[string]string{payout.MethodStripe: "Stripe transfer", payout.MethodManual: "Manual"}

// payoutItemRow is one item as the review page shows it.
type payoutItemRow struct {
	Item        payout.ItemView
	Amount      string
	MethodLabel string
	StatusLabel string
	StatusClass string
	// What the viewer may do with it now.
	CanRetry    bool
	CanToManual bool
	CanMarkPaid bool
	// The mark-paid form, as typed, with its problem.
	Reference      string
	ReferenceError string
}

// payoutSkipRow is one skipped creator.
type payoutSkipRow struct {
	Skip   payout.SkipView
	Amount string
	Reason string
}

type payoutBatchView struct {
	Page
	Batch       *payout.Batch
	StatusLabel string
	StatusClass string
	Total       string
	Cutoff      string
	Created     string
	CreatedBy   string
	Approved    string
	Executed    string
	Completed   string
	Zone        string
	Items       []payoutItemRow
	// ItemStatus filters the items shown; ItemsShown of ItemsTotal are.
	ItemStatus             string
	ItemsShown, ItemsTotal int
	Skips                  []payoutSkipRow
	// Counts of items by method.
	StripeCount, ManualCount int
	// Actions on the batch.
	CanApprove bool
	// ApproveBlocked says why the viewer may not approve a draft.
	ApproveBlocked string
	CanExecute     bool
	// Resume: the batch is processing with Stripe items unsent and nothing
	// sending them.
	Resume     bool
	CanCancel  bool
	CanExport  bool
	Processing bool
	// The live progress.
	Progress   *payout.Progress
	Percent    int
	DoneAmount string
	// Sending is how many Stripe items wait to be sent.
	Sending int
	// Error is an action's refusal, shown above the page.
	Error string
}

// userActorKey is how a batch records a user (the payout package's "type:id").
func userActorKey(userID string) string { return "user:" + userID }

func (a *App) payoutBatchView(c echo.Context, id string) (payoutBatchView, error) {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	b, err := a.payouts.Get(ctx, p.Brand.ID, id)
	if err != nil {
		return payoutBatchView{}, err
	}
	loc := brandLocation(p.Brand)
	row := toPayoutBatchRow(*b, loc)
	v := payoutBatchView{Page: a.page(c, "Payout batch of "+row.Total, "payouts"), Batch: b, StatusLabel: row.StatusLabel,
		StatusClass: row.StatusClass, Total: row.Total, Cutoff: row.Cutoff, Created: row.Created, CreatedBy: row.CreatedBy,
		Zone: loc.String(), Processing: b.Status == payout.BatchProcessing}
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return inZone(*t, loc)
	}
	v.Approved, v.Executed, v.Completed = at(b.ApprovedAt), at(b.ExecutedAt), at(b.CompletedAt)
	if v.Progress, err = a.payouts.Progress(ctx, p.Brand.ID, b.ID); err != nil {
		return v, err
	}
	v.StripeCount, v.ManualCount, v.Sending = v.Progress.StripeItems, v.Progress.ManualItems, v.Progress.StripePending
	v.Percent = payoutPercent(v.Progress)
	v.DoneAmount = money.Amount{Minor: v.Progress.DoneAmount, Currency: b.Currency}.String()
	// A batch may hold tens of thousands of items: the page shows those
	// needing attention first, a page at most, with a status filter.
	v.ItemStatus = c.QueryParam("status")
	if _, ok := payoutItemStatusLabels[v.ItemStatus]; !ok {
		v.ItemStatus = ""
	}
	items, err := a.payouts.ItemsPage(ctx, p.Brand.ID, b.ID, v.ItemStatus, payoutItemsShown)
	if err != nil {
		return v, err
	}
	v.ItemsShown, v.ItemsTotal = len(items), v.Progress.Items
	if v.ItemStatus != "" {
		v.ItemsTotal = map[string]int{payout.ItemPending: v.Progress.Pending, payout.ItemSent: v.Progress.Sent,
			payout.ItemPaid: v.Progress.Paid, payout.ItemFailed: v.Progress.Failed}[v.ItemStatus]
		if v.ItemStatus == payout.ItemCancelled {
			v.ItemsTotal = len(items)
		}
	}
	write := p.Role.CanWrite()
	for _, it := range items {
		r := payoutItemRow{Item: it, Amount: money.Amount{Minor: it.Amount, Currency: it.Currency}.String(),
			MethodLabel: payoutMethodLabels[it.Method], StatusLabel: payoutItemStatusLabels[it.Status],
			StatusClass: payoutItemStatusClasses[it.Status]}
		if write && v.Processing {
			r.CanRetry = it.Status == payout.ItemFailed
			r.CanToManual = it.Status == payout.ItemFailed && it.Method == payout.MethodStripe
			r.CanMarkPaid = it.Status == payout.ItemPending && it.Method == payout.MethodManual
		}
		v.Items = append(v.Items, r)
	}
	skips, err := a.payouts.Skips(ctx, p.Brand.ID, b.ID, 1000)
	if err != nil {
		return v, err
	}
	for _, s := range skips {
		v.Skips = append(v.Skips, payoutSkipRow{Skip: s, Amount: money.Amount{Minor: s.Amount, Currency: b.Currency}.String(),
			Reason: payoutSkipReason(s.Reason)})
	}
	if write {
		switch b.Status {
		case payout.BatchDraft:
			v.CanApprove = true
			if p.Brand.TwoPersonApproval && b.CreatedBy == userActorKey(p.User.ID) {
				v.CanApprove = false
				v.ApproveBlocked = "Two-person approval is on and you created this batch: another owner or admin must approve it."
			}
			v.CanCancel = true
		case payout.BatchApproved:
			v.CanExecute, v.CanCancel = true, true
		case payout.BatchProcessing:
			v.Resume = v.Sending > 0 && !v.Progress.Running
		}
		v.CanExport = v.ManualCount > 0 && b.Status != payout.BatchCancelled
	}
	return v, nil
}

func payoutSkipReason(r string) string {
	if t, ok := payout.SkipReasonText[r]; ok {
		return t
	}
	return r
}

// payoutPercent is how much of the batch's money has left, in whole percent.
func payoutPercent(p *payout.Progress) int {
	if p.Total <= 0 {
		if p.Items == 0 {
			return 0
		}
		return (p.Sent + p.Paid) * 100 / p.Items
	}
	return int(p.DoneAmount * 100 / p.Total)
}

func (a *App) payoutBatchShow(c echo.Context) error {
	v, err := a.payoutBatchView(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "payout_batch", v)
}

// payoutBatchRefused shows the batch page again with an action's refusal,
// under status; itemID and refErr put a mark-paid problem beside its form.
func (a *App) payoutBatchRefused(c echo.Context, id string, status int, msg, itemID, reference, refErr string) error {
	v, err := a.payoutBatchView(c, id)
	if err != nil {
		return err
	}
	v.Error = msg
	for i := range v.Items {
		if v.Items[i].Item.ID == itemID {
			v.Items[i].Reference, v.Items[i].ReferenceError = reference, refErr
		}
	}
	return c.Render(status, "payout_batch", v)
}

// payoutProgressJSON is what the batch page's progress bar polls.
type payoutProgressJSON struct {
	payout.Progress
	Percent int `json:"percent"`
	// Sending: Stripe items still waiting to be sent.
	Sending int `json:"sending"`
}

func (a *App) payoutBatchProgress(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	pr, err := a.payouts.Progress(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	sending := pr.StripePending
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, payoutProgressJSON{Progress: *pr, Percent: payoutPercent(pr), Sending: sending})
}

// payoutPending counts a batch's pending items: Stripe items waiting to be
// sent, manual items waiting to be marked paid.
func (a *App) payoutPending(ctx context.Context, brandID, batchID string) (stripe, manual int, err error) {
	pr, err := a.payouts.Progress(ctx, brandID, batchID)
	if err != nil {
		return 0, 0, err
	}
	return pr.StripePending, pr.Pending - pr.StripePending, nil
}

// payoutItemsShown bounds the items the batch page lists.
const payoutItemsShown = 500
