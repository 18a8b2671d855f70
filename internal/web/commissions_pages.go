package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"github.com/labstack/echo/v4"
)

// commissionKinds are the entry kinds in the order the totals show them.
var commissionKinds = []string{commission.KindSale, commission.KindTrueUp, commission.KindBonus, commission.KindReversal, commission.KindAdjustment}

var kindLabels = map[string]string{commission.KindSale: "Sale", commission.KindReversal: "Reversal", commission.KindBonus: "Bonus",
	commission.KindTrueUp: "True-up", commission.KindAdjustment: "Adjustment"}

var entryStatusLabels = map[string]string{commission.StatusPending: "Pending", commission.StatusPayable: "Payable", commission.StatusPaid: "Paid"}

var entryStatusChoices = []choice{{commission.StatusPending, "Pending"}, {commission.StatusPayable, "Payable"}, {commission.StatusPaid, "Paid"}}

func kindLabel(k string) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return k
}

// entryRow is one ledger entry as the pages show it.
type entryRow struct {
	Entry           commission.Entry
	When            string // created, in the brand's time zone
	PayableOn       string // payable_at, in the brand's time zone
	CreatorName     string
	OrderExternalID string
	Kind            string // the kind, for people
	Status          string // pending, payable or paid
	StatusLabel     string
	Amount          string
	Negative        bool
}

// entryRows turns entries into rows; names (optional) gives creators' names.
func (a *App) entryRows(ctx context.Context, brandID string, es []commission.Entry, loc *time.Location, names map[string]string) ([]entryRow, error) {
	refs, err := a.ledger.OrderRefs(ctx, brandID, es)
	if err != nil {
		return nil, err
	}
	now := store.Now()
	rows := make([]entryRow, 0, len(es))
	for _, e := range es {
		st := e.Status(now)
		r := entryRow{Entry: e, When: inZone(e.CreatedAt, loc), PayableOn: inZone(e.PayableAt, loc), Kind: kindLabel(e.Kind),
			Status: st, StatusLabel: entryStatusLabels[st], Amount: money.Amount{Minor: e.Amount, Currency: e.Currency}.String(),
			Negative: e.Amount < 0}
		if e.OrderID != nil {
			r.OrderExternalID = refs[*e.OrderID]
		}
		if names != nil {
			name, ok := names[e.CreatorID]
			if !ok { // past the select's bound
				cr, err := a.creators.Get(ctx, brandID, e.CreatorID)
				if err != nil {
					return nil, err
				}
				name, names[cr.ID] = cr.Name, cr.Name
			}
			r.CreatorName = name
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// kindTotal is the sum of one kind of entry in the filtered set.
type kindTotal struct {
	Kind, Label string
	Count       int64
	Amount      string
}

// commissionTotals sums the filtered set in one currency.
type commissionTotals struct {
	Currency string
	Count    int64
	Sum      string
	ByKind   []kindTotal
}

// entryTotals sums every entry that q's filters select (not only the page),
// by currency and kind. The filters are the ledger's (Ledger.Entries).
func (a *App) entryTotals(ctx context.Context, brandID string, q commission.EntryQuery) ([]commissionTotals, error) {
	sums, err := a.ledger.Totals(ctx, brandID, q)
	if err != nil {
		return nil, err
	}
	var out []commissionTotals
	for _, cur := range uniqueCurrencies(sums, func(i int) string { return sums[i].Currency }) {
		t := commissionTotals{Currency: cur}
		var total int64
		for _, k := range commissionKinds {
			for _, s := range sums {
				if s.Currency == cur && s.Kind == k {
					total += s.Amount
					t.Count += s.N
					t.ByKind = append(t.ByKind, kindTotal{Kind: k, Label: kindLabel(k), Count: s.N,
						Amount: money.Amount{Minor: s.Amount, Currency: cur}.String()})
				}
			}
		}
		t.Sum = money.Amount{Minor: total, Currency: cur}.String()
		out = append(out, t)
	}
	return out, nil
}

func uniqueCurrencies[T any](s []T, at func(int) string) []string {
	var out []string
	seen := map[string]bool{}
	for i := range s {
		if c := at(i); !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// commissionFilters are the list's filters as typed in the query string.
type commissionFilters struct {
	Creator, Status, Order string
}

func (f commissionFilters) set() bool { return f.Creator != "" || f.Status != "" || f.Order != "" }

func (f commissionFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"creator", f.Creator}, {"status", f.Status}, {"order", f.Order}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

type commissionListView struct {
	Page
	Filters  commissionFilters
	Creators []creator.Creator
	Statuses []choice
	Totals   []commissionTotals
	Rows     []entryRow
	NextURL  string
	Filtered bool
	// NoEntries: the brand has no entries at all (the first-run empty state).
	NoEntries bool
	// NoPlans: the brand has no commission plan yet.
	NoPlans bool
	Zone    string
	Error   string
	Errors  map[string]string
}

// commissionPageSize is how many entries a page of the list shows.
const commissionPageSize = 50

func (a *App) commissionList(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	loc := brandLocation(p.Brand)
	f := commissionFilters{Creator: c.QueryParam("creator"), Status: c.QueryParam("status"), Order: strings.TrimSpace(c.QueryParam("order"))}
	v := commissionListView{Page: a.page(c, "Commissions", "commissions"), Filters: f, Statuses: entryStatusChoices,
		Filtered: f.set(), Zone: loc.String()}
	q := commission.EntryQuery{CreatorID: f.Creator, OrderExternalID: f.Order, Status: f.Status, Cursor: c.QueryParam("cursor"),
		Limit: commissionPageSize}
	es, next, err := a.ledger.Entries(ctx, p.Brand.ID, q)
	var ve validate.Errors
	if errors.As(err, &ve) {
		v.Error, v.Errors, es, next = "These filters do not work: "+ve.Error()+".", ve.Map(), nil, ""
	} else if err != nil {
		return err
	}
	if v.Error == "" {
		if v.Totals, err = a.entryTotals(ctx, p.Brand.ID, q); err != nil {
			return err
		}
	}
	if v.Creators, err = a.creatorChoices(ctx, p.Brand.ID, ""); err != nil {
		return err
	}
	names := make(map[string]string, len(v.Creators))
	for _, cr := range v.Creators {
		names[cr.ID] = cr.Name
	}
	if v.Rows, err = a.entryRows(ctx, p.Brand.ID, es, loc, names); err != nil {
		return err
	}
	if next != "" {
		nv := f.values()
		nv.Set("cursor", next)
		v.NextURL = "/commissions?" + nv.Encode()
	}
	if len(v.Rows) == 0 && v.Error == "" && q.Cursor == "" {
		v.NoEntries = !v.Filtered
		if v.Filtered { // does the brand have entries at all?
			first, _, err := a.ledger.Entries(ctx, p.Brand.ID, commission.EntryQuery{Limit: 1})
			if err != nil {
				return err
			}
			v.NoEntries = len(first) == 0
		}
		if v.NoEntries {
			plans, err := a.plans.List(ctx, p.Brand.ID)
			if err != nil {
				return err
			}
			v.NoPlans = len(plans) == 0
		}
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	return c.Render(status, "commissions", v)
}

// creatorCommission is the commission card of a brand's creator page.
type creatorCommission struct {
	Balance *commission.Balance
	Rows    []entryRow
	More    bool
	// The adjustment form, as typed, with its problems.
	Amount, Reason, Placeholder string
	Errors                      map[string]string
}

// creatorCommissionRecent is how many entries the creator page shows.
const creatorCommissionRecent = 10

// creatorCommission fills the creator page's commission card.
func (a *App) creatorCommission(ctx context.Context, b *brand.Brand, creatorID string) (creatorCommission, error) {
	var out creatorCommission
	exp := 2
	if cur, err := money.LookupCurrency(b.Currency); err == nil {
		exp = cur.Exponent
	}
	out.Placeholder = money.FormatMinor(-1250, exp)
	var err error
	if out.Balance, err = a.ledger.Balance(ctx, b, creatorID); err != nil {
		return out, err
	}
	es, next, err := a.ledger.Entries(ctx, b.ID, commission.EntryQuery{CreatorID: creatorID, Limit: creatorCommissionRecent})
	if err != nil {
		return out, err
	}
	out.More = next != ""
	out.Rows, err = a.entryRows(ctx, b.ID, es, brandLocation(b), nil)
	return out, err
}

// commissionAdjust adds a manual entry to a creator's balance: an amount
// typed in the brand currency's major units ("-12.50"), with a reason.
func (a *App) commissionAdjust(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	cr, err := a.creators.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	amountText, reason := strings.TrimSpace(c.FormValue("amount")), c.FormValue("reason")
	cur, err := money.LookupCurrency(p.Brand.Currency)
	if err != nil {
		return err
	}
	var errs validate.Errors
	amount, perr := money.ParseMinor(amountText, cur.Exponent)
	switch {
	case amountText == "":
		errs.Add("amount", "type an amount in %s such as %s, or %s to take money back", cur.Code,
			money.FormatMinor(1250, cur.Exponent), money.FormatMinor(-1250, cur.Exponent))
	case perr != nil:
		why := perr.Error()
		if i := strings.LastIndex(why, ": "); i >= 0 {
			why = why[i+2:]
		}
		errs.Add("amount", "not an amount in %s (%s): type one such as %s, with at most %d decimals", cur.Code, why,
			money.FormatMinor(-1250, cur.Exponent), cur.Exponent)
	}
	var e *commission.Entry
	if len(errs) == 0 {
		e, err = a.ledger.Adjust(ctx, brand.UserActor(p.User, c.RealIP()), p.Brand, cr.ID, amount, reason)
		if !errors.As(err, &errs) && err != nil {
			return err
		}
	} else if strings.TrimSpace(reason) == "" {
		errs.Add("reason", "say why; it is shown to the creator and kept in the audit log")
	}
	if len(errs) > 0 {
		v, err := a.creatorDetailView(c, cr)
		if err != nil {
			return err
		}
		v.Commission.Amount, v.Commission.Reason, v.Commission.Errors = c.FormValue("amount"), reason, errs.Map()
		return c.Render(http.StatusUnprocessableEntity, "creator", v)
	}
	setFlash(c, flashOK, "Adjustment of "+money.Amount{Minor: e.Amount, Currency: e.Currency}.String()+" added to "+cr.Name+"'s balance.")
	return c.Redirect(http.StatusSeeOther, "/creators/"+url.PathEscape(cr.ID)+"#creator-commission")
}

type portalEarningsView struct {
	Page
	Balance *commission.Balance
	Rows    []entryRow
	NextURL string
	// Later: this is not the first page.
	Later bool
	Zone  string
}

// portalEarningsPageSize is how many entries a page of the portal shows.
const portalEarningsPageSize = 50

// portalEarnings shows the session's creator their balance and every entry,
// newest first. Only theirs: the creator comes from the session.
func (a *App) portalEarnings(c echo.Context) error {
	ctx := c.Request().Context()
	cr := currentPortal(c).Creator
	b, err := a.brands.Get(ctx, cr.BrandID)
	if err != nil {
		return err
	}
	loc := brandLocation(b)
	v := portalEarningsView{Page: a.page(c, "Your earnings", "portal-earnings"), Later: c.QueryParam("cursor") != "", Zone: loc.String()}
	if v.Balance, err = a.ledger.Balance(ctx, b, cr.ID); err != nil {
		return err
	}
	es, next, err := a.ledger.Entries(ctx, b.ID, commission.EntryQuery{CreatorID: cr.ID, Cursor: c.QueryParam("cursor"),
		Limit: portalEarningsPageSize})
	if err != nil {
		return err
	}
	if v.Rows, err = a.entryRows(ctx, b.ID, es, loc, nil); err != nil {
		return err
	}
	if next != "" {
		v.NextURL = "/portal/earnings?" + url.Values{"cursor": {next}}.Encode()
	}
	page, err := a.portalEarningsExtras(ctx, c, b, cr.ID, v, store.Now())
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal_earnings", page)
}
