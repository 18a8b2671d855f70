// Package report keeps daily rollups of clicks, orders and commission per
// link and per creator, and answers the queries behind the brand dashboard,
// the creator scorecards and the creator portal from them (never from raw
// clicks).
//
// Money is int64 minor units of the brand's currency; rates are integer
// basis points (1% = 100 bps). A ratio whose denominator is zero is 0 and
// its flag in KPIs.Defined is false, so a page can show "—".
package report

import (
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/store"
)

// ErrNotFound: the creator is not in the brand.
var ErrNotFound = store.ErrNotFound

// ErrNotYet is returned by methods that are not built yet.
var ErrNotYet = errors.New("report: not yet")

// Range is a span of whole days in the brand's time zone, [From, To):
// From is local midnight of the first day, To local midnight of the day
// after the last.
type Range struct {
	From, To time.Time
}

// LastDays is the n days ending with today (now's local date in the
// brand's time zone), today included.
func LastDays(b *brand.Brand, now time.Time, n int) Range {
	if n < 1 {
		n = 1
	}
	loc := Location(b)
	t := now.In(loc)
	to := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	from := time.Date(t.Year(), t.Month(), t.Day()+1-n, 0, 0, 0, 0, loc)
	return Range{From: from, To: to}
}

// DayRange is the days first..last (local dates "2006-01-02", inclusive)
// in the brand's time zone.
func DayRange(b *brand.Brand, first, last string) (Range, error) {
	loc := Location(b)
	f, err := time.ParseInLocation("2006-01-02", first, loc)
	if err != nil {
		return Range{}, err
	}
	l, err := time.ParseInLocation("2006-01-02", last, loc)
	if err != nil {
		return Range{}, err
	}
	if l.Before(f) {
		f, l = l, f
	}
	return Range{From: f, To: time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)}, nil
}

// Days is how many days r spans.
func (r Range) Days() int {
	n := 0
	for d := r.From; d.Before(r.To); d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// Previous is the range of the same number of days just before r.
func (r Range) Previous() Range {
	n := r.Days()
	return Range{From: r.From.AddDate(0, 0, -n), To: r.From}
}

// FirstDay and LastDay are r's first and last local dates ("2006-01-02").
func (r Range) FirstDay() string { return r.From.Format("2006-01-02") }

// LastDay is r's last local date ("2006-01-02").
func (r Range) LastDay() string { return r.To.AddDate(0, 0, -1).Format("2006-01-02") }

// Location is the brand's time zone (UTC when unknown).
func Location(b *brand.Brand) *time.Location {
	if b != nil && b.TimeZone != "" {
		if loc, err := time.LoadLocation(b.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// DayOf is t's local date ("2006-01-02") in the brand's time zone.
func DayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// KPIs are the measures of one period, for a brand, a creator or a
// platform. Formulas (all integer; a/b rounds half away from zero):
//
//   - HumanClicks: clicks not classified as bots. UniqueClicks: human
//     clicks the click writer marked unique (the visitor's first on that
//     link within click.UniqueWindow).
//     BotClicks: clicks classified as bots (not in any rate).
//   - Orders: attributed orders placed in the period (any status but
//     cancelled). Revenue: their net (after discounts, before tax and
//     shipping). Refunded: what was refunded of those orders (by order
//     placed date, so a refund lowers the period its order was placed in).
//   - Commission: ledger entries for the period's orders, by order placed
//     date (sales, reversals, true-ups of those orders), plus bonuses and
//     adjustments (entries with no order) by the local date they were
//     made. It is what the period's sales cost, kept current as refunds
//     reverse it.
//   - GrossMargin: over order lines, net − unit cost × quantity when the
//     product's cost is known, else net × the brand's default margin; lines
//     with neither count net in full and make MarginKnown false. Refunds
//     lower it by the refunded amount × the line's margin share.
//   - ConversionBps = Orders × 10000 / HumanClicks.
//   - RefundRateBps = Refunded × 10000 / Revenue.
//   - CommissionOfRevenueBps = Commission × 10000 / Revenue.
//   - CommissionOfMarginBps = Commission × 10000 / GrossMargin (GrossMargin > 0).
//   - EarningsPerClick = Commission / HumanClicks (minor units).
//   - AOV = Revenue / Orders (minor units).
//   - NewCustomers / ReturningCustomers: orders whose customer had no
//     earlier order with the brand / had one (orders with no customer hash
//     count as new).
//
// A ratio whose denominator is 0 is 0 with its Defined flag false.
type KPIs struct {
	Currency string

	HumanClicks  int64
	UniqueClicks int64
	BotClicks    int64
	Orders       int64
	Revenue      int64
	Refunded     int64
	Commission   int64
	GrossMargin  int64
	// MarginKnown is false when some line had neither a unit cost nor a
	// brand default margin (its net then counts in full in GrossMargin).
	MarginKnown bool

	NewCustomers       int64
	ReturningCustomers int64

	ConversionBps          int64
	RefundRateBps          int64
	CommissionOfRevenueBps int64
	CommissionOfMarginBps  int64
	EarningsPerClick       int64
	AOV                    int64

	Defined Defined
}

// Defined tells which ratios have a non-zero denominator.
type Defined struct {
	Conversion          bool // HumanClicks > 0
	RefundRate          bool // Revenue > 0
	CommissionOfRevenue bool // Revenue > 0
	CommissionOfMargin  bool // GrossMargin > 0
	EarningsPerClick    bool // HumanClicks > 0
	AOV                 bool // Orders > 0
}

// NetRevenue is Revenue − Refunded.
func (k KPIs) NetRevenue() int64 { return k.Revenue - k.Refunded }

// DayPoint is one local day of a time series. Clicks are human clicks;
// Revenue and Commission as in KPIs.
type DayPoint struct {
	Day          string // "2006-01-02"
	Clicks       int64
	UniqueClicks int64
	Orders       int64
	Revenue      int64
	Refunded     int64
	Commission   int64
}

// CreatorRow is one creator's KPIs in a period.
type CreatorRow struct {
	CreatorID string
	Name      string
	KPIs
}

// PlatformRow is one platform's KPIs in a period: the links on that
// platform (a link's platform, ” counting as "other"). Orders attributed
// by code alone (no link) count under "code".
type PlatformRow struct {
	Platform string
	KPIs
}

// LinkRow is one link's performance in a period. Orders are those
// attributed through the link's clicks.
type LinkRow struct {
	LinkID       string
	Slug         string
	Label        string
	CreatorID    string
	CreatorName  string
	Platform     string
	Clicks       int64 // human
	UniqueClicks int64
	Orders       int64
	Revenue      int64
	Commission   int64
	// ConversionBps = Orders × 10000 / Clicks (0 when no clicks).
	ConversionBps int64
}

// Dashboard is the brand dashboard for a range and the one before it.
type Dashboard struct {
	Range, Previous Range
	Current, Prior  KPIs
	Daily           []DayPoint    // one point per day of Range, zeros included
	TopCreators     []CreatorRow  // by revenue, then commission, at most TopN
	Platforms       []PlatformRow // by revenue
	Links           []LinkRow     // by revenue then clicks, at most TopN
}

// TopN bounds the dashboard's creator and link tables.
const TopN = 20

// Flag kinds.
const (
	FlagTopPerformer    = "top_performer"
	FlagUnderperforming = "underperforming"
)

// Flag is a scorecard signal with the numbers behind it.
type Flag struct {
	Kind     string
	Message  string
	Evidence []string
	// Weeks: for underperforming, how many consecutive weeks.
	Weeks int
}

// Scorecard is one creator's performance in a range and the one before.
type Scorecard struct {
	CreatorID    string
	Name         string
	Status       string
	Current      KPIs
	Prior        KPIs
	Daily        []DayPoint
	LastActivity *time.Time // latest click or order day (local midnight), nil if none
	Flags        []Flag
}

// Earnings is a creator's portal view of a range.
type Earnings struct {
	Currency string
	Daily    []DayPoint
	// Balance by status now (commission.Ledger.Balance).
	Pending, Payable, InPayout, Paid int64
	Links                            []LinkRow // every link of the creator, by revenue
	Total                            KPIs      // the range's totals
}

// Change is the change from prior to cur in basis points of prior
// (+2500 = up 25%); ok is false when prior is 0.
func Change(cur, prior int64) (bps int64, ok bool) {
	if prior == 0 {
		return 0, false
	}
	return div((cur-prior)*10000, abs(prior)), true
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// div is a/b rounded half away from zero; 0 when b is 0.
func div(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	neg := (a < 0) != (b < 0)
	a, b = abs(a), abs(b)
	q := (a + b/2) / b
	if neg {
		return -q
	}
	return q
}

// parseDay is local midnight of a date in the brand's time zone.
func parseDay(day string, b *brand.Brand) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", day, Location(b))
}
