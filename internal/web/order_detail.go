package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// receiptView is an order's attribution receipt, in sentences.
type receiptView struct {
	Method string // for people
	// Evidence is what the attribution rests on, one sentence each.
	Evidence []string
	// FirstOrderID is the customer's first attributed order (customer lock).
	FirstOrderID string
	// Considered is what was looked at and refused.
	Considered string
	Rule       string
}

// adjustmentRow is a refund or a cancellation, for people.
type adjustmentRow struct {
	Kind   string
	Ref    string
	Amount string
	At     string
	Lines  []string
	Reason string
	Note   string
}

// deliveryRow is one raw payload behind an order.
type deliveryRow struct {
	Topic      string
	DeliveryID string
	Received   string
	Payload    string
}

// reassignForm is what the reassign form holds.
type reassignForm struct {
	CreatorID string
	Reason    string
}

type orderDetailView struct {
	Page
	Order        *order.Order
	Placed       string
	Creator      *creator.Creator
	Status       string
	AfterRefunds int64
	Receipt      receiptView
	Adjustments  []adjustmentRow
	// Choices are the active creators the order can go to (writers only).
	Choices    []creator.Creator
	Form       reassignForm
	Errors     map[string]string
	Deliveries []deliveryRow
}

// orderDetailView builds the detail page of a loaded order.
func (a *App) orderDetailView(c echo.Context, o *order.Order) (orderDetailView, error) {
	ctx := c.Request().Context()
	pg := a.page(c, "Order "+o.ExternalID, "orders")
	loc := brandLocation(pg.Brand)
	v := orderDetailView{Page: pg, Order: o, Placed: inZone(o.PlacedAt, loc), Status: statusLabel(o.Status),
		AfterRefunds: o.Net - o.Refunded, Receipt: receipt(o, loc)}
	if o.CreatorID != nil {
		cr, err := a.creators.Get(ctx, o.BrandID, *o.CreatorID)
		if err != nil {
			return v, err
		}
		v.Creator, v.Form.CreatorID = cr, cr.ID
	}
	for _, adj := range o.Adjustments {
		v.Adjustments = append(v.Adjustments, adjustmentFor(adj, o.Currency, loc))
	}
	if !pg.CanWrite() {
		return v, nil
	}
	var err error
	if v.Choices, err = a.creatorChoices(ctx, o.BrandID, creator.Active); err != nil {
		return v, err
	}
	ds, err := a.orders.Deliveries(ctx, o)
	if err != nil {
		return v, err
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, deliveryRow{Topic: d.Topic, DeliveryID: d.DeliveryID,
			Received: inZone(d.ReceivedAt, loc), Payload: prettyJSON(d.Payload)})
	}
	return v, nil
}

// receipt writes an attribution receipt as sentences.
func receipt(o *order.Order, loc *time.Location) receiptView {
	ev := o.AttributionEvidence
	r := receiptView{Method: methodLabel(o.AttributionMethod), Rule: sentence(o.AttributionRule)}
	switch o.AttributionMethod {
	case order.ByCode:
		r.Evidence = append(r.Evidence, fmt.Sprintf("The order used the discount code %s.", ev.Code))
	case order.ByClick:
		s := fmt.Sprintf("The shopper came through one of the creator's links (click %s)", ev.ClickID)
		if ev.ClickedAt != nil {
			s += " at " + inZone(*ev.ClickedAt, loc)
		}
		r.Evidence = append(r.Evidence, s+", before placing the order.")
	case order.ByCustomer:
		s := "This customer's first attributed order went to the same creator"
		if ev.FirstPlacedAt != nil {
			s += "; it was placed at " + inZone(*ev.FirstPlacedAt, loc)
		}
		r.Evidence, r.FirstOrderID = append(r.Evidence, s+"."), ev.FirstOrderID
	case order.ByManual:
		by := ev.By
		if by == "" {
			by = "A team member"
		}
		if o.CreatorID == nil {
			r.Evidence = append(r.Evidence, by+" took the credit away by hand.")
		} else {
			r.Evidence = append(r.Evidence, by+" gave the order to this creator by hand.")
		}
		if ev.Reason != "" {
			r.Evidence = append(r.Evidence, "The reason given: “"+ev.Reason+"”.")
		}
		return r
	}
	r.Considered = sentence(ev.Reason)
	return r
}

// sentence starts s with a capital and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	first, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(first)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func adjustmentFor(adj order.Adjustment, currency string, loc *time.Location) adjustmentRow {
	row := adjustmentRow{Kind: "Refund", Ref: adj.ExternalID, At: inZone(adj.OccurredAt, loc), Reason: adj.Reason,
		Amount: money.Amount{Minor: adj.Amount, Currency: currency}.String()}
	if adj.Kind == order.KindCancel {
		row.Kind = "Cancellation"
	}
	for _, l := range adj.Lines {
		item := l.SKU
		if item == "" {
			item = "line " + l.LineExternalID
		}
		row.Lines = append(row.Lines, fmt.Sprintf("%d × %s (%s)", l.Quantity, item, money.Amount{Minor: l.Amount, Currency: currency}))
	}
	if adj.Cumulative {
		row.Note = "The total refunded so far on payment " + adj.GroupRef + "; only the largest such total counts."
	}
	return row
}

// prettyJSON indents a JSON payload; anything else is returned as it is.
func prettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

func (a *App) orderDetail(c echo.Context) error {
	o, err := a.orders.Get(c.Request().Context(), currentPrincipal(c).Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.orderDetailView(c, o)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "order", v)
}

func (a *App) orderReassign(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	id := c.Param("id")
	form := reassignForm{CreatorID: strings.TrimSpace(c.FormValue("creator_id")), Reason: c.FormValue("reason")}
	o, err := a.orders.Reassign(ctx, brand.UserActor(p.User, c.RealIP()), p.Brand.ID, id, form.CreatorID, form.Reason)
	var ve validate.Errors
	if errors.As(err, &ve) {
		if o, err = a.orders.Get(ctx, p.Brand.ID, id); err != nil {
			return err
		}
		v, err := a.orderDetailView(c, o)
		if err != nil {
			return err
		}
		v.Form, v.Errors = form, ve.Map()
		return c.Render(http.StatusUnprocessableEntity, "order", v)
	}
	if err != nil {
		return err
	}
	// Reassigning to whom the order already goes changes nothing.
	if o.AttributionMethod == order.ByManual && o.AttributionEvidence.Reason == strings.TrimSpace(form.Reason) {
		setFlash(c, flashOK, "Order reassigned.")
	} else {
		setFlash(c, flashOK, "Nothing changed: the order already goes there.")
	}
	return c.Redirect(http.StatusSeeOther, "/orders/"+url.PathEscape(id))
}
