package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/fraud"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// Signals: fraud and quality signals for a range, with the action to hold
// their commissions, and the brand's holds.

// signalRow is one signal as the page shows it.
type signalRow struct {
	fraud.Signal
	KindLabel string
}

// holdRow is one hold as the page shows it.
type holdRow struct {
	fraud.HoldView
	KindLabel string
	Amount    string
	Created   string
	Released  string
}

type fraudSignalsView struct {
	Page
	From, To string
	Zone     string
	Error    string
	Signals  []signalRow
	Holds    []holdRow
	// Rules describes the thresholds.
	Rules fraud.Thresholds
}

// signalRange reads the from and to dates (to inclusive) in the brand's time
// zone: the last 30 days by default.
func signalRange(from, to string, loc *time.Location) (time.Time, time.Time, string, string, validate.Errors) {
	var errs validate.Errors
	if to == "" {
		to = time.Now().In(loc).Format(dateLayout)
	}
	end := parseDay(&errs, "to", to, loc, true)
	if from == "" && len(errs) == 0 {
		from = end.AddDate(0, 0, -30).Format(dateLayout)
	}
	start := parseDay(&errs, "from", from, loc, false)
	return start, end, from, to, errs
}

func (a *App) fraudSignals(c echo.Context) error {
	p := currentPrincipal(c)
	loc := brandLocation(p.Brand)
	from, to, fromS, toS, errs := signalRange(c.QueryParam("from"), c.QueryParam("to"), loc)
	v := fraudSignalsView{Page: a.page(c, "Signals", "signals"), From: fromS, To: toS, Zone: loc.String(), Rules: fraud.DefaultThresholds}
	status := http.StatusOK
	if len(errs) == 0 {
		sigs, err := a.fraud.Signals(c.Request().Context(), p.Brand, from, to)
		var ve validate.Errors
		switch {
		case errors.As(err, &ve):
			errs = ve
		case err != nil:
			return err
		}
		for _, s := range sigs {
			v.Signals = append(v.Signals, signalRow{Signal: s, KindLabel: fraud.KindLabels[s.Kind]})
		}
	}
	if len(errs) > 0 {
		status, v.Error = http.StatusUnprocessableEntity, errs.Error()
	}
	hs, err := a.fraud.Holds(c.Request().Context(), p.Brand.ID, 100)
	if err != nil {
		return err
	}
	for _, h := range hs {
		r := holdRow{HoldView: h, KindLabel: fraud.KindLabels[h.Kind], Amount: money.Amount{Minor: h.Amount, Currency: h.Currency}.String(),
			Created: inZone(h.CreatedAt, loc)}
		if h.ReleasedAt != nil {
			r.Released = inZone(*h.ReleasedAt, loc)
		}
		v.Holds = append(v.Holds, r)
	}
	return c.Render(status, "fraud_signals", v)
}

// signalsURL is the signals page for a range.
func signalsURL(from, to string) string {
	return "/signals?" + url.Values{"from": {from}, "to": {to}}.Encode()
}

// fraudHold holds the commissions of one signal of the range.
func (a *App) fraudHold(c echo.Context) error {
	p := currentPrincipal(c)
	loc := brandLocation(p.Brand)
	from, to, fromS, toS, errs := signalRange(c.FormValue("from"), c.FormValue("to"), loc)
	back := signalsURL(fromS, toS)
	if len(errs) > 0 {
		setFlash(c, flashError, "Nothing was held: "+errs.Error()+".")
		return c.Redirect(http.StatusSeeOther, back)
	}
	h, err := a.fraud.Hold(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand, from, to, c.FormValue("key"), c.FormValue("reason"))
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		setFlash(c, flashError, "Nothing was held: "+ve.Error()+".")
	case errors.Is(err, fraud.ErrNothingToHold):
		setFlash(c, flashError, "Nothing was held: "+err.Error()+".")
	case err != nil:
		return err
	default:
		setFlash(c, flashOK, fmt.Sprintf("Held %d commission entr%s (%s): payout batches leave them out until the hold is released.",
			h.EntryCount, plural(h.EntryCount, "y", "ies"), money.Amount{Minor: h.Amount, Currency: h.Currency}))
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// fraudRelease releases a hold.
func (a *App) fraudRelease(c echo.Context) error {
	p := currentPrincipal(c)
	h, err := a.fraud.Release(c.Request().Context(), brand.UserActor(p.User, c.RealIP()), p.Brand.ID, c.Param("id"), c.FormValue("release_reason"))
	var ve validate.Errors
	switch {
	case errors.As(err, &ve):
		setFlash(c, flashError, "The hold was not released: "+ve.Error()+".")
	case errors.Is(err, fraud.ErrReleased):
		setFlash(c, flashError, err.Error()+".")
	case err != nil:
		return err
	default:
		setFlash(c, flashOK, fmt.Sprintf("Released: %d entr%s (%s) are payable again in the next batch.",
			h.EntryCount, plural(h.EntryCount, "y", "ies"), money.Amount{Minor: h.Amount, Currency: h.Currency}))
	}
	return c.Redirect(http.StatusSeeOther, signalsURL(c.FormValue("from"), c.FormValue("to")))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
