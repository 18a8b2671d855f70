package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"

	"github.com/labstack/echo/v4"
)

// Creator scorecards, brand side: every creator's measures for a period
// against the period before, with the flags ("top performer", "under-
// performing for N weeks") and the numbers behind them.

type scorecardsView struct {
	Page
	Range       rangePicker
	Rows        []scorecardRow
	Total       int
	Flagged     int
	FlaggedOnly bool
	Sort        string
	Desc        bool
	Sorts       []sortLink
	Unavailable string
}

type sortLink struct {
	Key, Label, URL string
	Current, Desc   bool
}

// scorecardRow is one creator's scorecard, formatted.
type scorecardRow struct {
	CreatorID, Name, Status                                              string
	Clicks, Orders, NewCustomers, ReturningCustomers                     int64
	Conversion, AOV, Revenue, Commission, EffectiveRate, RefundRate, EPC string
	LastActivity                                                         string
	// Trend is revenue against the period before: "▲ 20%", "—".
	Trend, TrendTone string
	Flags            []report.Flag
	sc               report.Scorecard
}

// scorecardSorts are the columns the list sorts by, in the order offered.
var scorecardSorts = []struct{ key, label string }{
	{"revenue", "Revenue"}, {"orders", "Orders"}, {"clicks", "Clicks"}, {"conversion", "Conversion"},
	{"commission", "Commission"}, {"effective_rate", "Effective rate"}, {"aov", "AOV"}, {"refund_rate", "Refund rate"},
	{"trend", "Trend"}, {"last_activity", "Last activity"}, {"name", "Name"},
}

func (a *App) scorecards(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	r, picker := parseRange(c, p.Brand, store.Now(), "/scorecards")
	v := scorecardsView{Page: a.page(c, "Creator scorecards", "scorecards"), Range: picker,
		FlaggedOnly: c.QueryParam("flagged") == "1", Sort: c.QueryParam("sort"), Desc: c.QueryParam("dir") != "asc"}
	known := false
	for _, s := range scorecardSorts {
		known = known || s.key == v.Sort
	}
	if !known {
		v.Sort = "revenue"
	}
	if v.Sort == "name" && c.QueryParam("dir") == "" {
		v.Desc = false
	}
	scs, err := a.reportService().Scorecards(ctx, p.Brand, r)
	switch {
	case errors.Is(err, report.ErrNotYet):
		v.Unavailable = "Reports are not available yet."
	case err != nil:
		return err
	}
	loc := brandLocation(p.Brand)
	for _, sc := range scs {
		if len(sc.Flags) > 0 {
			v.Flagged++
		}
		if v.FlaggedOnly && len(sc.Flags) == 0 {
			continue
		}
		v.Rows = append(v.Rows, scorecardRowOf(sc, p.Brand.Currency, loc))
	}
	v.Total = len(scs)
	sortScorecards(v.Rows, v.Sort, v.Desc)
	for _, s := range scorecardSorts {
		q := url.Values{}
		for k, vs := range c.QueryParams() {
			q[k] = vs
		}
		q.Set("sort", s.key)
		desc := s.key != "name"
		if s.key == v.Sort {
			desc = !v.Desc // a second click flips the order
		}
		if desc {
			q.Set("dir", "desc")
		} else {
			q.Set("dir", "asc")
		}
		v.Sorts = append(v.Sorts, sortLink{Key: s.key, Label: s.label, URL: "/scorecards?" + q.Encode(), Current: s.key == v.Sort, Desc: v.Desc})
	}
	return c.Render(http.StatusOK, "scorecards", v)
}

// By is the sort link of a column.
func (v scorecardsView) By(key string) sortLink {
	for _, s := range v.Sorts {
		if s.Key == key {
			return s
		}
	}
	return sortLink{Key: key, Label: key, URL: "/scorecards"}
}

// FlaggedURL and AllURL toggle the flagged-only filter, keeping the rest.
func (v scorecardsView) FlaggedURL() string { return v.filterURL("1") }

// AllURL drops the flagged-only filter.
func (v scorecardsView) AllURL() string { return v.filterURL("") }

func (v scorecardsView) filterURL(flagged string) string {
	q, _ := url.ParseQuery(string(v.Range.Query()))
	q.Set("sort", v.Sort)
	if v.Desc {
		q.Set("dir", "desc")
	} else {
		q.Set("dir", "asc")
	}
	if flagged != "" {
		q.Set("flagged", flagged)
	}
	return "/scorecards?" + q.Encode()
}

func scorecardRowOf(sc report.Scorecard, currency string, loc *time.Location) scorecardRow {
	k := sc.Current
	if k.Currency != "" {
		currency = k.Currency
	}
	row := scorecardRow{CreatorID: sc.CreatorID, Name: sc.Name, Status: sc.Status, Clicks: k.HumanClicks, Orders: k.Orders,
		NewCustomers: k.NewCustomers, ReturningCustomers: k.ReturningCustomers,
		Conversion: ratio(k.ConversionBps, k.Defined.Conversion), AOV: moneyIf(k.AOV, currency, k.Defined.AOV),
		Revenue: fmtMoney(k.Revenue, currency), Commission: fmtMoney(k.Commission, currency),
		EffectiveRate: ratio(k.CommissionOfRevenueBps, k.Defined.CommissionOfRevenue), RefundRate: ratio(k.RefundRateBps, k.Defined.RefundRate),
		EPC: moneyIf(k.EarningsPerClick, currency, k.Defined.EarningsPerClick), LastActivity: "never", Trend: "—", Flags: sc.Flags, sc: sc}
	if sc.LastActivity != nil {
		row.LastActivity = sc.LastActivity.In(loc).Format("2006-01-02")
	}
	if bps, ok := report.Change(k.Revenue, sc.Prior.Revenue); ok {
		row.Trend = changeText(bps)
		switch {
		case bps > 0:
			row.TrendTone = "good"
		case bps < 0:
			row.TrendTone = "bad"
		}
	} else if k.Revenue > 0 {
		row.Trend, row.TrendTone = "new", "good"
	}
	return row
}

// sortScorecards orders rows by key; ties by name, then id.
func sortScorecards(rows []scorecardRow, key string, desc bool) {
	val := func(r scorecardRow) (int64, bool) {
		k := r.sc.Current
		switch key {
		case "orders":
			return k.Orders, true
		case "clicks":
			return k.HumanClicks, true
		case "conversion":
			return k.ConversionBps, k.Defined.Conversion
		case "commission":
			return k.Commission, true
		case "effective_rate":
			return k.CommissionOfRevenueBps, k.Defined.CommissionOfRevenue
		case "aov":
			return k.AOV, k.Defined.AOV
		case "refund_rate":
			return k.RefundRateBps, k.Defined.RefundRate
		case "trend":
			return report.Change(k.Revenue, r.sc.Prior.Revenue)
		case "last_activity":
			if r.sc.LastActivity == nil {
				return 0, false
			}
			return r.sc.LastActivity.Unix(), true
		}
		return k.Revenue, true
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if key != "name" {
			va, oka := val(a)
			vb, okb := val(b)
			if oka != okb {
				return oka // undefined values last, either way
			}
			if va != vb {
				if desc {
					return va > vb
				}
				return va < vb
			}
		}
		na, nb := strings.ToLower(a.Name), strings.ToLower(b.Name)
		if na != nb {
			if key == "name" && desc {
				return na > nb
			}
			return na < nb
		}
		return a.CreatorID < b.CreatorID
	})
}

// creatorScorecardView is one creator's scorecard page (also loaded into
// the creator page's scorecard section).
type creatorScorecardView struct {
	Page
	Range        rangePicker
	Row          scorecardRow
	Tiles        []kpiTile
	Charts       []Chart
	LastActivity string
	Unavailable  string
}

func (a *App) creatorScorecard(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	// Another brand's creator is a 404 before anything else is read.
	cr, err := a.creators.Get(ctx, p.Brand.ID, c.Param("id"))
	if err != nil {
		return err
	}
	r, picker := parseRange(c, p.Brand, store.Now(), "/creators/"+url.PathEscape(cr.ID)+"/scorecard")
	v := creatorScorecardView{Page: a.page(c, cr.Name+": scorecard", "scorecards"), Range: picker}
	v.Row.CreatorID, v.Row.Name, v.Row.Status = cr.ID, cr.Name, string(cr.Status)
	sc, err := a.reportService().Scorecard(ctx, p.Brand, cr.ID, r)
	switch {
	case errors.Is(err, report.ErrNotYet):
		v.Unavailable = "Reports are not available yet."
	case errors.Is(err, report.ErrNotFound):
		return echo.ErrNotFound
	case err != nil:
		return err
	default:
		v.Row = scorecardRowOf(*sc, p.Brand.Currency, brandLocation(p.Brand))
		if v.Row.Name == "" {
			v.Row.Name = cr.Name
		}
		cur := sc.Current
		if cur.Currency == "" {
			cur.Currency = p.Brand.Currency
		}
		v.Tiles = scorecardTiles(cur, sc.Prior)
		v.Charts = dailyCharts("sc", sc.Daily, cur.Currency, false)
	}
	return c.Render(http.StatusOK, "creator_scorecard", v)
}

// scorecardTiles: the dashboard's measures that matter for one creator,
// plus new and returning customers.
func scorecardTiles(cur, prior report.KPIs) []kpiTile {
	all := kpiTiles(cur, prior)
	keep := map[string]bool{"kpi-clicks": true, "kpi-orders": true, "kpi-conversion": true, "kpi-revenue": true,
		"kpi-commission": true, "kpi-commission-revenue": true, "kpi-aov": true, "kpi-refund-rate": true, "kpi-epc": true}
	var out []kpiTile
	for _, t := range all {
		if keep[t.ID] {
			if t.ID == "kpi-commission-revenue" {
				t.Label, t.Help = "Effective rate", "Commission as a share of the creator's attributed revenue."
			}
			out = append(out, t)
		}
	}
	out = append(out,
		tile("kpi-new", "New customers", "Orders from customers with no earlier order.", formatThousands(cur.NewCustomers), formatThousands(prior.NewCustomers),
			cur.NewCustomers, prior.NewCustomers, true, true, 1),
		tile("kpi-returning", "Returning customers", "Orders from customers who had ordered before.", formatThousands(cur.ReturningCustomers),
			formatThousands(prior.ReturningCustomers), cur.ReturningCustomers, prior.ReturningCustomers, true, true, 0))
	return out
}
