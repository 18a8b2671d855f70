package web

import (
	"net/http"

	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/labstack/echo/v4"
)

// The ledger entries behind one item of a batch, and their sum.

type payoutItemView struct {
	Page
	Batch       *payout.Batch
	Item        *payout.ItemView
	Amount      string
	MethodLabel string
	StatusLabel string
	StatusClass string
	Cutoff      string
	Rows        []entryRow
	Sum         string
	Zone        string
}

func (a *App) payoutItemShow(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	b, err := a.payouts.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	it, err := a.payouts.Item(ctx, p.Brand.ID, b.ID, c.Param("item"))
	if err != nil {
		return err
	}
	es, err := a.payouts.ItemEntries(ctx, p.Brand.ID, b.ID, it.ID)
	if err != nil {
		return err
	}
	loc := brandLocation(p.Brand)
	name := it.CreatorName
	if name == "" {
		name = it.CreatorID
	}
	v := payoutItemView{Page: a.page(c, "Payout to "+name, "payouts"), Batch: b, Item: it,
		Amount: money.Amount{Minor: it.Amount, Currency: it.Currency}.String(), MethodLabel: payoutMethodLabels[it.Method],
		StatusLabel: payoutItemStatusLabels[it.Status], StatusClass: payoutItemStatusClasses[it.Status],
		Cutoff: inZone(b.Cutoff, loc), Zone: loc.String()}
	if v.Rows, err = a.entryRows(ctx, p.Brand.ID, es, loc, nil); err != nil {
		return err
	}
	var sum int64
	for _, e := range es {
		sum += e.Amount
	}
	v.Sum = money.Amount{Minor: sum, Currency: it.Currency}.String()
	return c.Render(http.StatusOK, "payout_item", v)
}
