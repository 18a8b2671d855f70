// Package export writes a brand's data as CSV for a date range: creators,
// links, clicks (per link per day), orders, commission entries and payout
// items. Rows are streamed from the database to the writer, never held in
// memory. Text cells go through csvfile.SafeCell, so no cell opens as a
// formula in a spreadsheet; amounts are plain decimals in the currency's
// minor-unit exponent ("19.99", "-5.00") with a currency column; times are
// RFC 3339 in the brand's time zone.
package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/csvfile"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Datasets.
const (
	Creators    = "creators"
	Links       = "links"
	Clicks      = "clicks"
	Orders      = "orders"
	Commissions = "commissions"
	Payouts     = "payouts"
)

// Datasets lists the datasets, with what each row is and what the range
// selects.
var Datasets = []Dataset{
	{Creators, "Creators", "One row per creator (all of them), with their orders, revenue and commission in the range."},
	{Links, "Links", "One row per link (all of them), with its clicks in the range."},
	{Clicks, "Clicks", "Clicks per link per day in the range (brand time zone): all, human, unique human and bot clicks."},
	{Orders, "Orders", "One row per order placed in the range, with its attribution."},
	{Commissions, "Commissions", "One row per ledger entry recorded in the range, with its status now."},
	{Payouts, "Payouts", "One row per payout item of the batches created in the range."},
}

// Dataset describes one export.
type Dataset struct {
	Name, Label, Description string
}

// Valid reports whether name is a dataset.
func Valid(name string) bool {
	for _, d := range Datasets {
		if d.Name == name {
			return true
		}
	}
	return false
}

// MaxClickDays is the longest range of the clicks export (one query a day).
const MaxClickDays = 366

// Service writes exports.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// NewService wires exports.
func NewService(db *store.DB) *Service { return &Service{db: db, now: store.Now} }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Check validates a dataset and range before anything is written.
func Check(dataset string, from, to time.Time) error {
	var errs validate.Errors
	if !Valid(dataset) {
		names := make([]string, len(Datasets))
		for i, d := range Datasets {
			names[i] = d.Name
		}
		errs.Add("dataset", "must be one of %s", strings.Join(names, ", "))
	}
	switch {
	case !to.After(from):
		errs.Add("to", "must not be before the start of the range")
	case dataset == Clicks && to.Sub(from) > (MaxClickDays+1)*24*time.Hour:
		errs.Add("from", "the clicks export covers at most %d days at a time", MaxClickDays)
	}
	return errs.Err()
}

// Write writes dataset for the brand's [from, to) as CSV to w. Errors from
// Check come before anything is written.
func (s *Service) Write(ctx context.Context, b *brand.Brand, dataset string, from, to time.Time, w io.Writer) error {
	if err := Check(dataset, from, to); err != nil {
		return err
	}
	// Times are stored in UTC; SQLite compares them as text.
	from, to = from.UTC(), to.UTC()
	x := &writer{csv: csv.NewWriter(w), b: b, loc: location(b), db: s.db.WithContext(ctx), now: s.now()}
	var err error
	switch dataset {
	case Creators:
		err = x.creators(from, to)
	case Links:
		err = x.links(from, to)
	case Clicks:
		err = x.clicks(from, to)
	case Orders:
		err = x.orders(from, to)
	case Commissions:
		err = x.commissions(from, to)
	case Payouts:
		err = x.payouts(from, to)
	}
	if err != nil {
		return err
	}
	x.csv.Flush()
	return x.csv.Error()
}

// writer is one export being written.
type writer struct {
	csv *csv.Writer
	b   *brand.Brand
	loc *time.Location
	db  *gorm.DB
	now time.Time
}

// safe makes a text cell safe for spreadsheets.
func safe(s string) string { return csvfile.SafeCell(s) }

func (x *writer) amount(minor int64, currency string) string {
	return money.Amount{Minor: minor, Currency: currency}.Decimal()
}

func (x *writer) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(x.loc).Format(time.RFC3339)
}

func (x *writer) timep(t *time.Time) string {
	if t == nil {
		return ""
	}
	return x.time(*t)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// stream runs query and writes header, then one record per row.
func stream[T any](x *writer, header []string, record func(*T) []string, query string, args ...any) error {
	if err := x.csv.Write(header); err != nil {
		return err
	}
	rows, err := x.db.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r T
		if err := x.db.ScanRows(rows, &r); err != nil {
			return err
		}
		if err := x.csv.Write(record(&r)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (x *writer) creators(from, to time.Time) error {
	type row struct {
		ID, Name, Email, Status, Source, Country, Niche, PayoutEmail string
		TotalAudience                                                int64
		CreatedAt                                                    time.Time
		Orders, Revenue, Refunded, Commission                        int64
	}
	cur := x.b.Currency
	return stream(x, []string{"creator_id", "name", "email", "status", "source", "country", "niche", "payout_email", "total_audience",
		"created_at", "orders", "revenue", "refunded", "commission", "currency"},
		func(r *row) []string {
			return []string{safe(r.ID), safe(r.Name), safe(r.Email), safe(r.Status), safe(r.Source), safe(r.Country), safe(r.Niche),
				safe(r.PayoutEmail), itoa(r.TotalAudience), x.time(r.CreatedAt), itoa(r.Orders), x.amount(r.Revenue, cur),
				x.amount(r.Refunded, cur), x.amount(r.Commission, cur), cur}
		},
		`SELECT c.id, c.name, c.email, c.status, c.source, c.country, c.niche, c.payout_email, c.total_audience, c.created_at,
			COALESCE(o.n, 0) AS orders, COALESCE(o.revenue, 0) AS revenue, COALESCE(o.refunded, 0) AS refunded,
			COALESCE(e.amount, 0) AS commission
		FROM creators c
		LEFT JOIN (SELECT creator_id, COUNT(*) AS n, SUM(net) AS revenue, SUM(refunded) AS refunded FROM orders
			WHERE brand_id = ? AND currency = ? AND placed_at >= ? AND placed_at < ? AND creator_id IS NOT NULL GROUP BY creator_id) o
			ON o.creator_id = c.id
		LEFT JOIN (SELECT creator_id, SUM(amount) AS amount FROM commission_entries
			WHERE brand_id = ? AND currency = ? AND created_at >= ? AND created_at < ? GROUP BY creator_id) e
			ON e.creator_id = c.id
		WHERE c.brand_id = ? ORDER BY c.created_at, c.id`,
		x.b.ID, cur, from, to, x.b.ID, cur, from, to, x.b.ID)
}

func (x *writer) links(from, to time.Time) error {
	type row struct {
		ID, Slug, CreatorID, CreatorName, Destination, Label, Status string
		CreatedAt                                                    time.Time
		Clicks, UniqueClicks                                         int64
	}
	return stream(x, []string{"link_id", "slug", "creator_id", "creator_name", "destination", "label", "status", "created_at",
		"human_clicks", "unique_human_clicks"},
		func(r *row) []string {
			return []string{safe(r.ID), safe(r.Slug), safe(r.CreatorID), safe(r.CreatorName), safe(r.Destination), safe(r.Label),
				safe(r.Status), x.time(r.CreatedAt), itoa(r.Clicks), itoa(r.UniqueClicks)}
		},
		`SELECT l.id, l.slug, l.creator_id, COALESCE(c.name, '') AS creator_name, l.destination, l.label, l.status, l.created_at,
			COALESCE(k.clicks, 0) AS clicks, COALESCE(k.unique_clicks, 0) AS unique_clicks
		FROM links l
		LEFT JOIN creators c ON c.id = l.creator_id AND c.brand_id = l.brand_id
		LEFT JOIN (SELECT link_id, COUNT(*) AS clicks, SUM(CASE WHEN is_unique THEN 1 ELSE 0 END) AS unique_clicks FROM clicks
			WHERE brand_id = ? AND clicked_at >= ? AND clicked_at < ? AND is_bot = ? GROUP BY link_id) k ON k.link_id = l.id
		WHERE l.brand_id = ? ORDER BY l.created_at, l.id`,
		x.b.ID, from, to, false, x.b.ID)
}

// clicks writes one row per link per local day: one grouped query a day,
// so days follow the brand's clock changes on either database.
func (x *writer) clicks(from, to time.Time) error {
	if err := x.csv.Write([]string{"date", "link_id", "slug", "creator_id", "clicks", "human_clicks", "unique_human_clicks", "bot_clicks"}); err != nil {
		return err
	}
	f := from.In(x.loc)
	day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, x.loc)
	for ; day.Before(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, x.loc) {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, x.loc)
		lo, hi := maxTime(day, from).UTC(), minTime(next, to).UTC()
		var rs []struct {
			LinkID, Slug, CreatorID string
			Clicks, Human, Uniq     int64
		}
		if err := x.db.Raw(`SELECT k.link_id, COALESCE(l.slug, '') AS slug, k.creator_id, COUNT(*) AS clicks,
				SUM(CASE WHEN k.is_bot THEN 0 ELSE 1 END) AS human,
				SUM(CASE WHEN k.is_unique AND NOT k.is_bot THEN 1 ELSE 0 END) AS uniq
			FROM clicks k LEFT JOIN links l ON l.id = k.link_id
			WHERE k.brand_id = ? AND k.clicked_at >= ? AND k.clicked_at < ?
			GROUP BY k.link_id, l.slug, k.creator_id ORDER BY k.link_id`, x.b.ID, lo, hi).Scan(&rs).Error; err != nil {
			return err
		}
		date := day.Format("2006-01-02")
		for _, r := range rs {
			if err := x.csv.Write([]string{date, safe(r.LinkID), safe(r.Slug), safe(r.CreatorID), itoa(r.Clicks), itoa(r.Human),
				itoa(r.Uniq), itoa(r.Clicks - r.Human)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *writer) orders(from, to time.Time) error {
	type row struct {
		ID, ExternalID, Source                         string
		PlacedAt                                       time.Time
		Currency                                       string
		Subtotal, Discount, Net, Shipping, Tax, Refund int64
		Status, CreatorID, CreatorName, Method         string
		DiscountCodes, ClickID, ReferringSite          string
	}
	return stream(x, []string{"order_id", "external_id", "source", "placed_at", "currency", "subtotal", "discount", "net", "shipping",
		"tax", "refunded", "status", "creator_id", "creator_name", "attribution_method", "codes", "click_id", "referring_site"},
		func(r *row) []string {
			var codes []string
			_ = json.Unmarshal([]byte(r.DiscountCodes), &codes)
			c := r.Currency
			return []string{safe(r.ID), safe(r.ExternalID), safe(r.Source), x.time(r.PlacedAt), safe(c), x.amount(r.Subtotal, c),
				x.amount(r.Discount, c), x.amount(r.Net, c), x.amount(r.Shipping, c), x.amount(r.Tax, c), x.amount(r.Refund, c),
				safe(r.Status), safe(r.CreatorID), safe(r.CreatorName), safe(r.Method), safe(strings.Join(codes, " ")),
				safe(r.ClickID), safe(r.ReferringSite)}
		},
		`SELECT o.id, o.external_id, o.source, o.placed_at, o.currency, o.subtotal, o.discount, o.net, o.shipping, o.tax,
			o.refunded AS refund, o.status, COALESCE(o.creator_id, '') AS creator_id, COALESCE(c.name, '') AS creator_name,
			o.attribution_method AS method, o.discount_codes, o.click_id, o.referring_site
		FROM orders o LEFT JOIN creators c ON c.id = o.creator_id AND c.brand_id = o.brand_id
		WHERE o.brand_id = ? AND o.placed_at >= ? AND o.placed_at < ? ORDER BY o.placed_at, o.id`,
		x.b.ID, from, to)
}

func (x *writer) commissions(from, to time.Time) error {
	type row struct {
		ID                             string
		CreatedAt                      time.Time
		CreatorID, CreatorName         string
		OrderID, OrderRef, Month, Kind string
		Amount                         int64
		Currency                       string
		PayableAt                      time.Time
		Explanation, Reason, Actor     string
		BatchID, ItemStatus, HoldID    string
	}
	return stream(x, []string{"entry_id", "created_at", "creator_id", "creator_name", "order_id", "order_external_id", "month", "kind",
		"amount", "currency", "payable_at", "status", "payout_batch_id", "hold_id", "explanation", "reason", "actor"},
		func(r *row) []string {
			status := "payable"
			switch {
			case r.ItemStatus == "sent" || r.ItemStatus == "paid":
				status = "paid"
			case r.BatchID != "":
				status = "in_payout"
			case r.HoldID != "":
				status = "held"
			case r.PayableAt.After(x.now):
				status = "pending"
			}
			return []string{safe(r.ID), x.time(r.CreatedAt), safe(r.CreatorID), safe(r.CreatorName), safe(r.OrderID), safe(r.OrderRef),
				safe(r.Month), safe(r.Kind), x.amount(r.Amount, r.Currency), safe(r.Currency), x.time(r.PayableAt), status,
				safe(r.BatchID), safe(r.HoldID), safe(r.Explanation), safe(r.Reason), safe(r.Actor)}
		},
		`SELECT e.id, e.created_at, e.creator_id, COALESCE(c.name, '') AS creator_name, COALESCE(e.order_id, '') AS order_id,
			COALESCE(o.external_id, '') AS order_ref, e.month, e.kind, e.amount, e.currency, e.payable_at, e.explanation, e.reason, e.actor,
			COALESCE(pe.batch_id, '') AS batch_id, COALESCE(pi.status, '') AS item_status, COALESCE(h.hold_id, '') AS hold_id
		FROM commission_entries e
		LEFT JOIN creators c ON c.id = e.creator_id AND c.brand_id = e.brand_id
		LEFT JOIN orders o ON o.id = e.order_id
		LEFT JOIN payout_entries pe ON pe.entry_id = e.id
		LEFT JOIN payout_items pi ON pi.batch_id = pe.batch_id AND pi.creator_id = pe.creator_id
		LEFT JOIN commission_holds h ON h.entry_id = e.id AND h.released_at IS NULL
		WHERE e.brand_id = ? AND e.created_at >= ? AND e.created_at < ? ORDER BY e.created_at, e.id`,
		x.b.ID, from, to)
}

// payouts writes the items of the batches created in the range. The
// destination (payout email or Stripe account) is left out: the batch's
// own payment export has it, for owners and admins.
func (x *writer) payouts(from, to time.Time) error {
	type row struct {
		BatchID, BatchStatus           string
		BatchCreatedAt, Cutoff         time.Time
		ItemID, CreatorID, CreatorName string
		Amount                         int64
		Currency, Method, Status       string
		EntryCount                     int64
		TransferID, Reference, Failure string
		PaidAt                         *time.Time
	}
	return stream(x, []string{"batch_id", "batch_status", "batch_created_at", "cutoff", "item_id", "creator_id", "creator_name",
		"amount", "currency", "entries", "method", "status", "transfer_id", "reference", "failure", "paid_at"},
		func(r *row) []string {
			return []string{safe(r.BatchID), safe(r.BatchStatus), x.time(r.BatchCreatedAt), x.time(r.Cutoff), safe(r.ItemID),
				safe(r.CreatorID), safe(r.CreatorName), x.amount(r.Amount, r.Currency), safe(r.Currency), itoa(r.EntryCount),
				safe(r.Method), safe(r.Status), safe(r.TransferID), safe(r.Reference), safe(r.Failure), x.timep(r.PaidAt)}
		},
		`SELECT b.id AS batch_id, b.status AS batch_status, b.created_at AS batch_created_at, b.cutoff, i.id AS item_id, i.creator_id,
			COALESCE(c.name, '') AS creator_name, i.amount, i.currency, i.entry_count, i.method, i.status, i.transfer_id, i.reference,
			i.failure, i.paid_at
		FROM payout_batches b JOIN payout_items i ON i.batch_id = b.id
		LEFT JOIN creators c ON c.id = i.creator_id AND c.brand_id = b.brand_id
		WHERE b.brand_id = ? AND b.created_at >= ? AND b.created_at < ? ORDER BY b.created_at, b.id, creator_name, i.id`,
		x.b.ID, from, to)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// location is the brand's time zone (UTC when unknown).
func location(b *brand.Brand) *time.Location {
	if b.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Filename is the download's name: "clout-orders-2026-03-01-to-2026-03-31.csv"
// (first and last local dates of the range).
func Filename(b *brand.Brand, dataset string, from, to time.Time) string {
	loc := location(b)
	return fmt.Sprintf("clout-%s-%s-to-%s.csv", dataset, from.In(loc).Format("2006-01-02"), to.Add(-time.Nanosecond).In(loc).Format("2006-01-02"))
}
