package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// orderFilters are the orders list's filters as typed in the query string.
type orderFilters struct {
	Creator, Method, Status, Source, From, To string
}

// set reports whether a filter is set.
func (f orderFilters) set() bool {
	return f.Creator != "" || f.Method != "" || f.Status != "" || f.Source != "" || f.From != "" || f.To != ""
}

// values are the set filters as query parameters.
func (f orderFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"creator", f.Creator}, {"method", f.Method}, {"status", f.Status},
		{"source", f.Source}, {"from", f.From}, {"to", f.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// orderRow is one row of the orders table.
type orderRow struct {
	Order       order.Order
	Placed      string
	CreatorName string
	Method      string // the attribution method, for people
	Status      string // the status, for people
}

// choice is one option of a select.
type choice struct{ Value, Label string }

var methodLabels = map[string]string{order.ByCode: "Code", order.ByClick: "Link click", order.ByCustomer: "Customer lock",
	order.ByManual: "Manual", order.ByNone: "Unattributed"}

var statusLabels = map[order.Status]string{order.Open: "Open", order.PartiallyRefunded: "Partly refunded",
	order.Refunded: "Refunded", order.Cancelled: "Cancelled"}

func methodLabel(m string) string {
	if l, ok := methodLabels[m]; ok {
		return l
	}
	return m
}

func statusLabel(s order.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

var methodChoices, statusChoices, sourceChoices = func() (ms, ss, srcs []choice) {
	for _, m := range order.Methods {
		ms = append(ms, choice{m, methodLabel(m)})
	}
	for _, s := range order.Statuses {
		ss = append(ss, choice{string(s), statusLabel(s)})
	}
	for _, s := range order.Sources {
		srcs = append(srcs, choice{string(s), string(s)})
	}
	return
}()

type orderListView struct {
	Page
	Filters  orderFilters
	Creators []creator.Creator
	Methods  []choice
	Statuses []choice
	Sources  []choice
	Rows     []orderRow
	NextURL  string
	Filtered bool
	// NoOrders: the brand has no orders at all (the first-run empty state).
	NoOrders bool
	BaseURL  string
	Error    string
	Errors   map[string]string
}

// dateLayout is how the list's from and to dates are written (an <input type=date>).
const dateLayout = "2006-01-02"

// brandLocation is the brand's time zone; UTC when it has none or it does not load.
func brandLocation(b *brand.Brand) *time.Location {
	if b == nil || b.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// inZone writes a time in the brand's time zone for people.
func inZone(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// parseDay reads a date in loc; with next, it is the start of the following
// day (an inclusive "to" date as an exclusive bound).
func parseDay(errs *validate.Errors, field, v string, loc *time.Location, next bool) time.Time {
	if v == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation(dateLayout, v, loc)
	if err != nil {
		errs.Add(field, "must be a date such as 2026-03-01")
		return time.Time{}
	}
	if next {
		// By calendar, not by 24 hours: a day with a clock change is 23 or 25 hours long.
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	}
	return d
}

// maxCreatorChoices bounds the creators offered in a select.
const maxCreatorChoices = 1000

// creatorChoices lists the brand's creators (of one status, or all) by name,
// for a select.
func (a *App) creatorChoices(ctx context.Context, brandID string, status creator.Status) ([]creator.Creator, error) {
	var out []creator.Creator
	q := creator.ListQuery{Status: status, Sort: creator.SortName, Limit: creator.MaxLimit, NoTotal: true}
	for {
		p, err := a.creators.List(ctx, brandID, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Creators...)
		if p.Next == "" || len(out) >= maxCreatorChoices {
			return out, nil
		}
		q.Cursor = p.Next
	}
}

func (a *App) orderList(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	loc := brandLocation(p.Brand)
	f := orderFilters{Creator: c.QueryParam("creator"), Method: c.QueryParam("method"), Status: c.QueryParam("status"),
		Source: c.QueryParam("source"), From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to"))}
	v := orderListView{Page: a.page(c, "Orders", "orders"), Filters: f, Methods: methodChoices, Statuses: statusChoices,
		Sources: sourceChoices, Filtered: f.set(), BaseURL: a.cfg.BaseURL}

	var errs validate.Errors
	q := order.ListQuery{CreatorID: f.Creator, Method: f.Method, Status: order.Status(f.Status), Source: order.Source(f.Source),
		From: parseDay(&errs, "from", f.From, loc, false), To: parseDay(&errs, "to", f.To, loc, true), Cursor: c.QueryParam("cursor")}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		errs.Add("to", "must be on or after the from date")
	}
	var res *order.Page
	err := errs.Err()
	if err == nil {
		res, err = a.orders.List(ctx, p.Brand.ID, q)
	}
	var ve validate.Errors
	if errors.As(err, &ve) {
		v.Error, v.Errors, res = "These filters do not work: "+ve.Error()+".", ve.Map(), &order.Page{}
	} else if err != nil {
		return err
	}

	var cerr error
	if v.Creators, cerr = a.creatorChoices(ctx, p.Brand.ID, ""); cerr != nil {
		return cerr
	}
	names := make(map[string]string, len(v.Creators))
	for _, cr := range v.Creators {
		names[cr.ID] = cr.Name
	}
	for _, o := range res.Orders {
		row := orderRow{Order: o, Placed: inZone(o.PlacedAt, loc), Method: methodLabel(o.AttributionMethod), Status: statusLabel(o.Status)}
		if o.CreatorID != nil {
			name, ok := names[*o.CreatorID]
			if !ok { // past the select's bound
				cr, err := a.creators.Get(ctx, p.Brand.ID, *o.CreatorID)
				if err != nil {
					return err
				}
				name, names[cr.ID] = cr.Name, cr.Name
			}
			row.CreatorName = name
		}
		v.Rows = append(v.Rows, row)
	}
	if res.Next != "" {
		next := f.values()
		next.Set("cursor", res.Next)
		v.NextURL = "/orders?" + next.Encode()
	}
	if len(v.Rows) == 0 && v.Error == "" && q.Cursor == "" {
		v.NoOrders = !v.Filtered
		if v.Filtered { // does the brand have orders at all?
			first, err := a.orders.List(ctx, p.Brand.ID, order.ListQuery{Limit: 1})
			if err != nil {
				return err
			}
			v.NoOrders = len(first.Orders) == 0
		}
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	return c.Render(status, "orders", v)
}
