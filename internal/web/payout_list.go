package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// Payouts: the list of batches, the "new batch" form and the schedule.

// payoutBatchStatusLabels and payoutBatchStatusClasses show a batch's status.
var payoutBatchStatusLabels = map[string]string{payout.BatchDraft: "Draft", payout.BatchApproved: "Approved",
	payout.BatchProcessing: "Processing", payout.BatchCompleted: "Completed", payout.BatchCancelled: "Cancelled"}

var payoutBatchStatusClasses = map[string]string{payout.BatchDraft: "status-paused", payout.BatchApproved: "status-applied",
	payout.BatchProcessing: "status-import-importing", payout.BatchCompleted: "status-active", payout.BatchCancelled: "status-cancelled"}

// payoutScheduleChoices are the payout schedules a brand can pick.
var payoutScheduleChoices = []choice{
	{brand.ScheduleNone, "Off: batches are created by hand"},
	{brand.ScheduleWeekly, "Weekly (cut-off Mondays at midnight)"},
	{brand.ScheduleTwiceMonthly, "Twice a month (the 1st and the 16th)"},
	{brand.ScheduleMonthly, "Monthly (the 1st)"},
}

func payoutScheduleLabel(s string) string {
	for _, c := range payoutScheduleChoices {
		if c.Value == s {
			return c.Label
		}
	}
	return payoutScheduleChoices[0].Label
}

// payoutBatchRow is one batch as the list shows it.
type payoutBatchRow struct {
	Batch       payout.Batch
	StatusLabel string
	StatusClass string
	Total       string
	Cutoff      string
	Created     string
	CreatedBy   string
}

func toPayoutBatchRow(b payout.Batch, loc *time.Location) payoutBatchRow {
	r := payoutBatchRow{Batch: b, StatusLabel: payoutBatchStatusLabels[b.Status], StatusClass: payoutBatchStatusClasses[b.Status],
		Total: money.Amount{Minor: b.Total, Currency: b.Currency}.String(), Cutoff: inZone(b.Cutoff, loc),
		Created: inZone(b.CreatedAt, loc), CreatedBy: b.CreatedByLabel}
	if b.Scheduled && r.CreatedBy == "" {
		r.CreatedBy = payout.ScheduleActor.Label
	}
	return r
}

type payoutListView struct {
	Page
	Batches []payoutBatchRow
	// The new batch form, as typed, with its problems.
	Cutoff string
	Error  string
	Errors map[string]string
	// The schedule.
	Schedule      string
	ScheduleLabel string
	Schedules     []choice
	NextScheduled string
	Zone          string
	Minimum       string
}

// payoutCutoffLayout is how a datetime-local input sends its value.
const payoutCutoffLayout = "2006-01-02T15:04"

func (a *App) payoutListView(c echo.Context) (payoutListView, error) {
	p := currentPrincipal(c)
	loc := brandLocation(p.Brand)
	v := payoutListView{Page: a.page(c, "Payouts", "payouts"), Schedule: p.Brand.PayoutSchedule, Schedules: payoutScheduleChoices,
		ScheduleLabel: payoutScheduleLabel(p.Brand.PayoutSchedule), Zone: loc.String(),
		Minimum: money.Amount{Minor: p.Brand.PayoutMinimum, Currency: p.Brand.Currency}.String()}
	if v.Schedule == "" {
		v.Schedule = brand.ScheduleNone
	}
	if next := a.payouts.NextScheduled(p.Brand, store.Now()); next != nil {
		v.NextScheduled = inZone(*next, loc)
	}
	bs, err := a.payouts.List(c.Request().Context(), p.Brand.ID, 100)
	if err != nil {
		return v, err
	}
	for _, b := range bs {
		v.Batches = append(v.Batches, toPayoutBatchRow(b, loc))
	}
	return v, nil
}

func (a *App) payoutList(c echo.Context) error {
	v, err := a.payoutListView(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "payouts", v)
}

// parsePayoutCutoff reads a datetime-local value in the brand's time zone; empty
// is nil (now).
func parsePayoutCutoff(v string, loc *time.Location) (*time.Time, validate.Errors) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{payoutCutoffLayout, payoutCutoffLayout + ":05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return &t, nil
		}
	}
	return nil, validate.Errors{{Field: "cutoff", Message: "must be a date and time such as 2026-03-01T00:00, in " + loc.String()}}
}

// payoutCreate drafts a batch of everything payable up to the cut-off.
func (a *App) payoutCreate(c echo.Context) error {
	p := currentPrincipal(c)
	loc := brandLocation(p.Brand)
	cutoff, errs := parsePayoutCutoff(c.FormValue("cutoff"), loc)
	status, msg := 0, ""
	var batch *payout.Batch
	if len(errs) == 0 {
		var err error
		batch, err = a.payouts.Create(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand, cutoff)
		switch {
		case errors.As(err, &errs):
		case errors.Is(err, payout.ErrNothingToPay):
			status, msg = http.StatusUnprocessableEntity, "No batch was created: "+err.Error()+"."
		case errors.Is(err, store.ErrConflict):
			status, msg = http.StatusConflict, "No batch was created: "+err.Error()+"."
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		status, msg = http.StatusUnprocessableEntity, "No batch was created: "+errs.Error()+"."
	}
	if status != 0 {
		v, err := a.payoutListView(c)
		if err != nil {
			return err
		}
		v.Cutoff, v.Error, v.Errors = c.FormValue("cutoff"), msg, errs.Map()
		return c.Render(status, "payouts", v)
	}
	skipped := ""
	if batch.SkippedCount > 0 {
		skipped = fmt.Sprintf(" %d skipped (see why below).", batch.SkippedCount)
	}
	setFlash(c, flashOK, fmt.Sprintf("Draft batch created: %s to %d creator%s.%s Review it, then approve it.",
		money.Amount{Minor: batch.Total, Currency: batch.Currency}.String(), batch.ItemCount, payoutPlural(batch.ItemCount), skipped))
	return c.Redirect(http.StatusSeeOther, "/payouts/"+url.PathEscape(batch.ID))
}

func payoutPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
