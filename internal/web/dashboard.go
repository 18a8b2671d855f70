package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/report"
	"github.com/cloutapp/clout/internal/store"

	"github.com/labstack/echo/v4"
)

type dashboardView struct {
	Page
	Members      int
	ActiveKeys   int
	HasDomains   bool
	SetupDone    bool
	Creators     int64
	ActiveCount  int64
	Applications int64
	BaseURL      string

	// Range is the period shown, with its picker.
	Range rangePicker
	// Insights are the period's KPIs, charts and tables; nil when the
	// reports are not available (Unavailable says why).
	Insights    *dashboardInsights
	Unavailable string
}

// dashboardInsights is what the dashboard shows of a period.
type dashboardInsights struct {
	// Empty: no click, order or commission in the period nor the one before.
	Empty bool
	// MarginUnknown: some lines had neither a cost nor a default margin.
	MarginUnknown bool
	Tiles         []kpiTile
	Charts        []Chart
	TopCreators   []creatorPerfRow
	Platforms     []platformRow
	Links         []linkPerfRow
}

// kpiTile is one measure: now, the period before, and the change.
type kpiTile struct {
	ID, Label, Value, Prior string
	// Change is "▲ 12.5%", "▼ 3%", "0%" or "—" (no previous value).
	Change string
	// Tone is "good", "bad" or "" (neutral), from whether up is better.
	Tone string
	Help string
}

type creatorPerfRow struct {
	CreatorID, Name                                       string
	Clicks, Unique, Orders                                int64
	Conversion, Revenue, Commission, EPC, AOV, RefundRate string
}

type platformRow struct {
	Platform                                              string
	Clicks, Orders                                        int64
	Conversion, Revenue, Commission, CommissionShare, EPC string
}

type linkPerfRow struct {
	LinkID, Slug, Label, CreatorID, CreatorName, Platform string
	Clicks, Unique, Orders                                int64
	Conversion, Revenue, Commission                       string
}

// dashboard is the brand's home: the set-up checklist until it is done,
// the program's counts, and the insights of a period (default the last 30
// days) against the period before. The checklist stays above the insights
// rather than replacing them: a brand can have sales before it has invited a
// teammate, and a finished checklist disappears on its own.
func (a *App) dashboard(c echo.Context) error {
	p := currentPrincipal(c)
	ctx := c.Request().Context()
	members, err := a.brands.Members(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	keys, err := a.brands.APIKeys(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	active := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			active++
		}
	}
	counts, err := a.creators.CountByStatus(ctx, p.Brand.ID)
	if err != nil {
		return err
	}
	v := dashboardView{Page: a.page(c, "Dashboard", "dashboard"), Members: len(members), ActiveKeys: active,
		HasDomains: len(p.Brand.AllowedDomains) > 0, ActiveCount: counts[creator.Active], Applications: counts[creator.Applied],
		BaseURL: a.cfg.BaseURL}
	for _, n := range counts {
		v.Creators += n
	}
	v.SetupDone = v.HasDomains && v.ActiveKeys > 0 && v.Members > 1

	r, picker := parseRange(c, p.Brand, store.Now(), "/dashboard")
	v.Range = picker
	d, err := a.reportService().Dashboard(ctx, p.Brand, r)
	switch {
	case errors.Is(err, report.ErrNotYet):
		v.Unavailable = "Reports are not available yet."
	case err != nil:
		return err
	default:
		v.Insights = dashboardInsightsOf(d, p.Brand.Currency)
	}
	return c.Render(http.StatusOK, "dashboard", v)
}

func dashboardInsightsOf(d *report.Dashboard, currency string) *dashboardInsights {
	cur, prior := d.Current, d.Prior
	if cur.Currency == "" {
		cur.Currency = currency
	}
	in := &dashboardInsights{MarginUnknown: cur.Orders > 0 && !cur.MarginKnown}
	in.Empty = noActivity(cur) && noActivity(prior)
	in.Tiles = kpiTiles(cur, prior)
	in.Charts = dailyCharts("dash", d.Daily, cur.Currency, false)
	for _, r := range d.TopCreators {
		in.TopCreators = append(in.TopCreators, creatorPerf(r.CreatorID, r.Name, r.KPIs, cur.Currency))
	}
	for _, r := range d.Platforms {
		k := r.KPIs
		in.Platforms = append(in.Platforms, platformRow{Platform: platformLabel(r.Platform), Clicks: k.HumanClicks, Orders: k.Orders,
			Conversion: ratio(k.ConversionBps, k.Defined.Conversion), Revenue: fmtMoney(k.Revenue, cur.Currency),
			Commission:      fmtMoney(k.Commission, cur.Currency),
			CommissionShare: ratio(k.CommissionOfRevenueBps, k.Defined.CommissionOfRevenue),
			EPC:             moneyIf(k.EarningsPerClick, cur.Currency, k.Defined.EarningsPerClick)})
	}
	for _, l := range d.Links {
		in.Links = append(in.Links, linkPerf(l, cur.Currency))
	}
	return in
}

func noActivity(k report.KPIs) bool {
	return k.HumanClicks == 0 && k.BotClicks == 0 && k.Orders == 0 && k.Commission == 0 && k.Revenue == 0
}

func creatorPerf(id, name string, k report.KPIs, currency string) creatorPerfRow {
	return creatorPerfRow{CreatorID: id, Name: name, Clicks: k.HumanClicks, Unique: k.UniqueClicks, Orders: k.Orders,
		Conversion: ratio(k.ConversionBps, k.Defined.Conversion), Revenue: fmtMoney(k.Revenue, currency),
		Commission: fmtMoney(k.Commission, currency), EPC: moneyIf(k.EarningsPerClick, currency, k.Defined.EarningsPerClick),
		AOV: moneyIf(k.AOV, currency, k.Defined.AOV), RefundRate: ratio(k.RefundRateBps, k.Defined.RefundRate)}
}

func linkPerf(l report.LinkRow, currency string) linkPerfRow {
	return linkPerfRow{LinkID: l.LinkID, Slug: l.Slug, Label: l.Label, CreatorID: l.CreatorID, CreatorName: l.CreatorName,
		Platform: platformLabel(l.Platform), Clicks: l.Clicks, Unique: l.UniqueClicks, Orders: l.Orders,
		Conversion: ratio(l.ConversionBps, l.Clicks > 0), Revenue: fmtMoney(l.Revenue, currency), Commission: fmtMoney(l.Commission, currency)}
}

// kpiTiles are the dashboard's measures, in the order the issue lists them.
func kpiTiles(cur, prior report.KPIs) []kpiTile {
	c := cur.Currency
	if c == "" {
		c = prior.Currency
	}
	count := func(id, label, help string, now, before int64, up int) kpiTile {
		return tile(id, label, help, formatThousands(now), formatThousands(before), now, before, true, true, up)
	}
	amount := func(id, label, help string, now, before int64, nowOK, beforeOK bool, up int) kpiTile {
		return tile(id, label, help, moneyIf(now, c, nowOK), moneyIf(before, c, beforeOK), now, before, nowOK, beforeOK, up)
	}
	rate := func(id, label, help string, now, before int64, nowOK, beforeOK bool, up int) kpiTile {
		return tile(id, label, help, ratio(now, nowOK), ratio(before, beforeOK), now, before, nowOK, beforeOK, up)
	}
	cd, pd := cur.Defined, prior.Defined
	return []kpiTile{
		count("kpi-clicks", "Human clicks", "Clicks on your creators' links, bots excluded.", cur.HumanClicks, prior.HumanClicks, 1),
		count("kpi-unique", "Unique clicks", "First click of a visitor on a link each day.", cur.UniqueClicks, prior.UniqueClicks, 1),
		count("kpi-orders", "Orders", "Attributed orders placed in the period.", cur.Orders, prior.Orders, 1),
		rate("kpi-conversion", "Conversion rate", "Orders per human click.", cur.ConversionBps, prior.ConversionBps, cd.Conversion, pd.Conversion, 1),
		amount("kpi-revenue", "Attributed revenue", "Net of discounts, before tax and shipping.", cur.Revenue, prior.Revenue, true, true, 1),
		amount("kpi-commission", "Commission cost", "What the period's sales cost in commission, after reversals.", cur.Commission, prior.Commission, true, true, 0),
		rate("kpi-commission-revenue", "Commission / revenue", "Commission as a share of attributed revenue.", cur.CommissionOfRevenueBps, prior.CommissionOfRevenueBps, cd.CommissionOfRevenue, pd.CommissionOfRevenue, -1),
		rate("kpi-commission-margin", "Commission / gross margin", "Commission as a share of the gross margin of those sales.", cur.CommissionOfMarginBps, prior.CommissionOfMarginBps, cd.CommissionOfMargin, pd.CommissionOfMargin, -1),
		amount("kpi-epc", "Earnings per click", "Commission per human click.", cur.EarningsPerClick, prior.EarningsPerClick, cd.EarningsPerClick, pd.EarningsPerClick, 0),
		amount("kpi-aov", "Average order value", "Attributed revenue per order.", cur.AOV, prior.AOV, cd.AOV, pd.AOV, 1),
		rate("kpi-refund-rate", "Refund rate", "Refunded share of the period's attributed revenue.", cur.RefundRateBps, prior.RefundRateBps, cd.RefundRate, pd.RefundRate, -1),
	}
}

// tile builds a tile; up is 1 when a rise is good, -1 when it is bad, 0
// when neutral.
func tile(id, label, help, value, prior string, now, before int64, nowOK, beforeOK bool, up int) kpiTile {
	t := kpiTile{ID: id, Label: label, Help: help, Value: value, Prior: prior, Change: "—"}
	if !nowOK || !beforeOK {
		return t
	}
	bps, ok := report.Change(now, before)
	if !ok {
		return t
	}
	t.Change = changeText(bps)
	switch {
	case bps == 0 || up == 0:
	case (bps > 0) == (up > 0):
		t.Tone = "good"
	default:
		t.Tone = "bad"
	}
	return t
}

// changeText writes a change in basis points as "▲ 12.5%" / "▼ 3%" / "0%",
// to one decimal (rounded half away from zero).
func changeText(bps int64) string {
	arrow := "▲ "
	if bps < 0 {
		arrow, bps = "▼ ", -bps
	}
	tenths := (bps + 5) / 10 // basis points → tenths of a percent
	if tenths == 0 {
		return "0%"
	}
	s := strconv.FormatInt(tenths/10, 10)
	if f := tenths % 10; f != 0 {
		s += "." + strconv.FormatInt(f, 10)
	}
	return arrow + s + "%"
}

// ratio writes basis points as a percentage, or "—" when undefined.
func ratio(bps int64, ok bool) string {
	if !ok {
		return "—"
	}
	return percent(bps) + "%"
}

func fmtMoney(minor int64, currency string) string {
	return money.Amount{Minor: minor, Currency: currency}.String()
}

func moneyIf(minor int64, currency string, ok bool) string {
	if !ok {
		return "—"
	}
	return fmtMoney(minor, currency)
}

func moneyFormat(currency string) func(int64) string {
	return func(v int64) string { return fmtMoney(v, currency) }
}

// majorUnit is one unit of the currency in minor units (100 for USD).
func majorUnit(currency string) int64 {
	c, err := money.LookupCurrency(currency)
	if err != nil {
		return 1
	}
	u := int64(1)
	for i := 0; i < c.Exponent; i++ {
		u *= 10
	}
	return u
}

var platformNames = map[string]string{"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "twitter": "X (Twitter)",
	"x": "X", "facebook": "Facebook", "pinterest": "Pinterest", "twitch": "Twitch", "snapchat": "Snapchat", "blog": "Blog",
	"newsletter": "Newsletter", "podcast": "Podcast", "code": "Codes only (no link)", "other": "Other", "": "Other"}

func platformLabel(p string) string {
	if n, ok := platformNames[strings.ToLower(p)]; ok {
		return n
	}
	return p
}

// dailyCharts are the daily series as charts: clicks (human and unique),
// orders and revenue, and commission. portal drops the clicks' unique line
// and titles the commission "earnings".
func dailyCharts(prefix string, days []report.DayPoint, currency string, portal bool) []Chart {
	labels := make([]string, len(days))
	clicks, unique, orders, revenue, commission := make([]int64, len(days)), make([]int64, len(days)), make([]int64, len(days)),
		make([]int64, len(days)), make([]int64, len(days))
	for i, d := range days {
		labels[i] = d.Day
		clicks[i], unique[i], orders[i], revenue[i], commission[i] = d.Clicks, d.UniqueClicks, d.Orders, d.Revenue, d.Commission
	}
	mf, unit := moneyFormat(currency), majorUnit(currency)
	if portal {
		return []Chart{
			{ID: prefix + "-earnings", Title: "Earnings per day", Desc: "Commission earned each day, after reversals.",
				Labels: labels, Series: []Series{{Name: "Earnings", Values: commission, Bar: true}}, Format: mf, Step: unit},
			{ID: prefix + "-clicks", Title: "Clicks and orders per day", Desc: "Human clicks on your links and the orders they brought.",
				Labels: labels, Series: []Series{{Name: "Human clicks", Values: clicks}, {Name: "Orders", Values: orders, Bar: true}}},
		}
	}
	return []Chart{
		{ID: prefix + "-clicks", Title: "Clicks per day", Desc: "Human clicks and unique clicks on every creator link.",
			Labels: labels, Series: []Series{{Name: "Human clicks", Values: clicks}, {Name: "Unique clicks", Values: unique}}},
		{ID: prefix + "-orders", Title: "Orders and revenue per day", Desc: "Attributed orders (bars, left axis) and their revenue (line, right axis).",
			Labels: labels, Series: []Series{{Name: "Orders", Values: orders, Bar: true}, {Name: "Revenue", Values: revenue, Right: true}},
			RightFormat: mf, RightStep: unit},
		{ID: prefix + "-commission", Title: "Commission per day", Desc: "Commission cost of each day's sales.",
			Labels: labels, Series: []Series{{Name: "Commission", Values: commission, Bar: true}}, Format: mf, Step: unit},
	}
}

// rangePicker is the period a page shows and the links to change it.
type rangePicker struct {
	Action   string
	From, To string
	// Days is the preset shown (7, 30, 90), 0 for a custom range.
	Days             int
	Presets          []rangePreset
	PrevFrom, PrevTo string
	Error            string
}

type rangePreset struct {
	Days    int
	URL     string
	Current bool
}

// Range presets and bounds.
const (
	defaultRangeDays = 30
	maxRangeDays     = 366
)

var rangePresets = []int{7, 30, 90}

// parseRange reads ?from=YYYY-MM-DD&to=YYYY-MM-DD or ?days=N (default the
// last 30 days, today included) in the brand's time zone. A bad range
// falls back to the default with an error to show. Other query parameters
// (sort, filters) are kept in the preset links.
func parseRange(c echo.Context, b *brand.Brand, now time.Time, action string) (report.Range, rangePicker) {
	q := c.QueryParams()
	pk := rangePicker{Action: action}
	var r report.Range
	from, to := strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	days, _ := strconv.Atoi(q.Get("days"))
	switch {
	case from != "" || to != "":
		if from == "" {
			from = to
		}
		if to == "" {
			to = report.LastDays(b, now, 1).FirstDay()
		}
		var err error
		r, err = report.DayRange(b, from, to)
		if err != nil {
			pk.Error = "Dates must be written YYYY-MM-DD; showing the last 30 days."
			r = report.LastDays(b, now, defaultRangeDays)
			days = defaultRangeDays
		} else if r.To.Sub(r.From) > time.Duration(maxRangeDays+1)*24*time.Hour || r.Days() > maxRangeDays {
			pk.Error = "A range can span at most 366 days; showing the 366 days up to " + r.LastDay() + "."
			last := r.To.AddDate(0, 0, -1)
			r = report.Range{From: last.AddDate(0, 0, 1-maxRangeDays), To: r.To}
			days = 0
		} else {
			days = 0
		}
	case days >= 1 && days <= maxRangeDays:
		r = report.LastDays(b, now, days)
	default:
		days = defaultRangeDays
		r = report.LastDays(b, now, days)
	}
	pk.From, pk.To, pk.Days = r.FirstDay(), r.LastDay(), days
	prev := r.Previous()
	pk.PrevFrom, pk.PrevTo = prev.FirstDay(), prev.LastDay()
	keep := url.Values{}
	for k, vs := range q {
		if k != "from" && k != "to" && k != "days" {
			keep[k] = vs
		}
	}
	for _, n := range rangePresets {
		u := url.Values{}
		for k, vs := range keep {
			u[k] = vs
		}
		u.Set("days", strconv.Itoa(n))
		pk.Presets = append(pk.Presets, rangePreset{Days: n, URL: action + "?" + u.Encode(), Current: days == n})
	}
	return r, pk
}

// Query is the range as query parameters, for links that keep it.
func (p rangePicker) Query() template.URL {
	if p.Days > 0 {
		return template.URL("days=" + strconv.Itoa(p.Days))
	}
	return template.URL(url.Values{"from": {p.From}, "to": {p.To}}.Encode())
}

// reportService is the app's reporting service (web.Deps.Reports).
func (a *App) reportService() *report.Service { return a.reports }

type accountView struct {
	Page
}

func (a *App) account(c echo.Context) error {
	return c.Render(http.StatusOK, "account", accountView{Page: a.page(c, "Your account", "account")})
}
