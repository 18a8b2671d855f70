package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// payoutBatchExecute starts paying an approved batch (or resumes one that is
// processing) and sends its Stripe transfers in the background; the batch
// page shows the progress.
func (a *App) payoutBatchExecute(c echo.Context) error {
	p := currentPrincipal(c)
	id := c.Param("id")
	b, err := a.payouts.Start(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand, id)
	if status, msg, ok := payoutRefusal(err); ok {
		return a.payoutBatchRefused(c, id, status, "Not executed: "+msg+".", "", "", "")
	}
	if err != nil {
		return err
	}
	stripe, manual, err := a.payoutPending(c.Request().Context(), p.Brand.ID, b.ID)
	if err != nil {
		return err
	}
	a.executePayouts(c.Request().Context(), p.Brand.ID, b.ID)
	setFlash(c, flashOK, payoutExecuteMessage(stripe, manual))
	return c.Redirect(http.StatusSeeOther, payoutBatchURL(id))
}

// payoutRunFinished is logged when a background run of a batch ends.
const payoutRunFinished = "payout run finished"

// executePayouts sends a processing batch's Stripe transfers in the
// background. The run outlives the request (its context keeps the request's
// values, not its cancellation) but not the process: shutdown stops it
// between two transfers (DrainPayouts), and the next start resumes the
// batch. Another process already running the batch is fine: it sends them.
func (a *App) executePayouts(ctx context.Context, brandID, batchID string) {
	a.payoutRuns.mu.Lock()
	defer a.payoutRuns.mu.Unlock()
	if a.payoutRuns.stopped {
		return // shutting down: the next start resumes the batch
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if a.payoutRuns.cancels == nil {
		a.payoutRuns.cancels = map[int]context.CancelFunc{}
	}
	a.payoutRuns.next++
	n := a.payoutRuns.next
	a.payoutRuns.cancels[n] = cancel
	a.payoutRuns.wg.Add(1)
	go func() {
		defer a.payoutRuns.wg.Done()
		defer func() {
			cancel()
			a.payoutRuns.mu.Lock()
			delete(a.payoutRuns.cancels, n)
			a.payoutRuns.mu.Unlock()
		}()
		err := a.payouts.Execute(ctx, brandID, batchID)
		switch {
		case err == nil:
		case errors.Is(err, payout.ErrBusy):
			a.log.InfoContext(ctx, "payout batch already being executed by another process", "batch_id", batchID)
		default:
			a.log.ErrorContext(ctx, "executing a payout batch", "batch_id", batchID, "brand_id", brandID, "err", err)
		}
		// Every run ends with this line, whatever its outcome.
		a.log.InfoContext(ctx, payoutRunFinished, "batch_id", batchID)
	}()
}

// payoutRuns are the background payout runs this process started.
type payoutRuns struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	cancels map[int]context.CancelFunc
	next    int
	stopped bool
}

// PayoutRuns lets cmd/clout stop background payout runs at shutdown.
func (a *App) PayoutRuns() Drainer { return payoutDrainer{a} }

type payoutDrainer struct{ a *App }

// Drain stops the runs between two transfers and waits for them.
func (d payoutDrainer) Drain(ctx context.Context) error {
	r := &d.a.payoutRuns
	r.mu.Lock()
	r.stopped = true
	for _, c := range r.cancels {
		c()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// payoutExecuteMessage says what happens next to a batch being paid.
func payoutExecuteMessage(stripe, manual int) string {
	msg := "Paying the batch."
	if stripe > 0 {
		msg += fmt.Sprintf(" Stripe transfers being sent: %d; this page shows how far they are.", stripe)
	}
	if manual > 0 {
		msg += fmt.Sprintf(" Manual payments to make: %d; export the CSV, pay them, then mark each paid with its reference.", manual)
	}
	return msg
}
