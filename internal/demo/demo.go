// Package demo loads a realistic demo brand, so that a newcomer sees a
// living app on the first run (`clout seed demo`), and tests and benchmarks
// get a brand with history: a skincare shop with creators across platforms,
// their links and codes, months of clicks with a weekly rhythm, orders
// attributed by code and by click (and some not), refunds and
// cancellations, commission under a tiered plan with a margin cap, and one
// completed payout.
//
// Everything goes through the real services (brand, creator, link, coupon,
// order, commission, payout) except the clicks, which are inserted in bulk
// into the clicks table as the click writer would have written them; the
// same seed gives the same creators, traffic, orders and amounts.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	_ "time/tzdata" // the demo brand's time zone on machines without zoneinfo

	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/coupon"
	"github.com/cloutapp/clout/internal/creator"
	"github.com/cloutapp/clout/internal/link"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/order"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/validate"
	"gorm.io/gorm"
)

// Defaults of Options.
const (
	DefaultEmail     = "owner@glowlab.example"
	DefaultBrandName = "Glow Lab"
	DefaultCreators  = 30
	DefaultDays      = 90
	DefaultSeed      = 1
	TimeZone         = "America/New_York"
	Currency         = "USD"
	// HoldDays: a commission is payable two weeks after its order, so the
	// last two weeks' are pending.
	HoldDays = 14
	// PayoutMinimum is $25 (minor units).
	PayoutMinimum = 2500
)

// Limits of Options.
const (
	MinCreators = 3
	MaxCreators = 500
	MinDays     = 28
	MaxDays     = 365
)

// AuditAction marks a brand as seeded by this package in its audit log;
// Reset deletes only brands that carry it.
const AuditAction = "demo.seeded"

// ErrExists: the owner email already has an account.
var ErrExists = errors.New("an account with this email already exists")

// Options shape the demo. The zero value of each field is its default.
type Options struct {
	Email     string // the owner's email (DefaultEmail)
	Password  string // the owner's password: required, 10 characters or more
	BrandName string
	Creators  int
	Days      int // days of history, today included
	Seed      uint64
	// ClicksPerDay is the human clicks of an average day across creators;
	// 0 is 15 per creator.
	ClicksPerDay int
	// Now ends the history (store.Now when zero).
	Now time.Time
	// Reset deletes an earlier demo brand of Email, and the account, first.
	// A brand that was not seeded by this package is never deleted.
	Reset bool
	Log   *slog.Logger
}

// Services are what the demo is built through: an app's (internal/app),
// as cmd/clout and the tests wire them.
type Services struct {
	DB       *store.DB
	Brands   *brand.Service
	Creators *creator.Service
	Links    *link.Service
	Codes    *coupon.Service
	Orders   *order.Service
	Catalog  *commission.CatalogService
	Plans    *commission.Plans
	Ledger   *commission.Ledger
	Payouts  *payout.Service
	// Rebuild, when set, recomputes the brand's reporting rollups from raw
	// data once everything is stored (the clicks bypass the click writer).
	Rebuild func(ctx context.Context, brandID string) error
}

// Result is what Seed made.
type Result struct {
	BrandID, BrandName, BrandSlug string
	OwnerEmail                    string
	// CreatorEmail can log in to the creator portal with CreatorPassword
	// (the owner's password), or by a magic link from the outbox.
	CreatorEmail, CreatorPassword string
	CreatorName                   string

	Creators, Paused, Links, Codes, Products int
	Clicks, HumanClicks, UniqueClicks        int64
	Orders, ByCode, ByClick, Unattributed    int64
	Refunds, Cancellations                   int64
	Currency                                 string
	Revenue                                  int64 // net of the attributed orders
	Commission                               int64 // every ledger entry's amount
	Entries                                  int64
	PayoutBatchID                            string
	PayoutItems                              int
	PayoutTotal                              int64
	Took                                     time.Duration
}

func (o *Options) defaults() error {
	if o.Email == "" {
		o.Email = DefaultEmail
	}
	if o.BrandName == "" {
		o.BrandName = DefaultBrandName
	}
	if o.Creators == 0 {
		o.Creators = DefaultCreators
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.ClicksPerDay == 0 {
		o.ClicksPerDay = 15 * o.Creators
	}
	if o.Now.IsZero() {
		o.Now = store.Now()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var errs validate.Errors
	if o.Creators < MinCreators || o.Creators > MaxCreators {
		errs.Add("creators", "between %d and %d", MinCreators, MaxCreators)
	}
	if o.Days < MinDays || o.Days > MaxDays {
		errs.Add("days", "between %d and %d", MinDays, MaxDays)
	}
	if o.ClicksPerDay < 0 || o.ClicksPerDay > 1_000_000 {
		errs.Add("clicks_per_day", "between 0 and 1000000")
	}
	return errs.Err()
}

// Seed creates the demo brand and its history.
func Seed(ctx context.Context, s Services, o Options) (*Result, error) {
	began := time.Now()
	if err := o.defaults(); err != nil {
		return nil, err
	}
	email, ok := validate.Email(o.Email)
	if !ok {
		return nil, validate.Errors{{Field: "email", Message: "enter a valid email address such as you@example.com"}}
	}
	o.Email = email
	// Before a reset deletes anything.
	if err := auth.CheckPasswordStrength(o.Password, email); err != nil {
		return nil, validate.Errors{{Field: "password", Message: err.Error()}}
	}
	var taken int64
	if err := s.DB.WithContext(ctx).Table("users").Where("email = ?", email).Count(&taken).Error; err != nil {
		return nil, err
	}
	if taken > 0 {
		if !o.Reset {
			return nil, fmt.Errorf("%w: %s (its demo brand was seeded before?)", ErrExists, email)
		}
		if err := reset(ctx, s.DB, email); err != nil {
			return nil, err
		}
	}
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return nil, err
	}
	d := &seeder{s: s, o: o, g: newGen(o.Seed, o.Days, o.Now, loc), res: &Result{OwnerEmail: email, Currency: Currency}}
	if err := d.run(ctx); err != nil {
		return nil, err
	}
	d.res.Took = time.Since(began)
	return d.res, nil
}

type seeder struct {
	s     Services
	o     Options
	g     *gen
	res   *Result
	b     *brand.Brand
	owner brand.Actor
	ps    []*persona
}

func (d *seeder) step(what string, since time.Time) {
	d.o.Log.Info("seed demo: "+what, "took", time.Since(since).Round(time.Millisecond))
}

func (d *seeder) run(ctx context.Context) error {
	t := time.Now()
	if err := d.brand(ctx); err != nil {
		return fmt.Errorf("demo: brand: %w", err)
	}
	if err := d.catalogAndPlan(ctx); err != nil {
		return fmt.Errorf("demo: catalog and plan: %w", err)
	}
	d.step("brand, settings, catalog and plan", t)
	t = time.Now()
	d.ps = d.g.personas(d.o.Creators)
	if err := d.creators(ctx); err != nil {
		return fmt.Errorf("demo: creators: %w", err)
	}
	d.step("creators, links and codes", t)
	t = time.Now()
	clicks, orders := d.g.events(d.ps, float64(d.o.ClicksPerDay))
	if err := d.insertClicks(ctx, clicks); err != nil {
		return fmt.Errorf("demo: clicks: %w", err)
	}
	d.step(fmt.Sprintf("%d clicks", len(clicks)), t)

	// History up to the payout, the payout, then the rest.
	payoutAt := d.o.Now.Add(-time.Duration(d.o.Days/3) * 24 * time.Hour)
	evs := timeline(orders)
	split := 0
	for split < len(evs) && evs[split].at.Before(payoutAt) {
		split++
	}
	t = time.Now()
	if err := d.apply(ctx, evs[:split], payoutAt); err != nil {
		return err
	}
	d.step(fmt.Sprintf("%d order events before the payout, ledger", split), t)
	t = time.Now()
	for {
		paid, err := d.payout(ctx, payoutAt)
		if err != nil {
			return fmt.Errorf("demo: payout: %w", err)
		}
		// A short history with few creators may have no creator above the
		// payout minimum yet on that day: pay a day later, after that
		// day's orders, while the batch can still complete before now.
		next := payoutAt.Add(24 * time.Hour)
		if paid || next.After(d.o.Now.Add(-2*24*time.Hour)) {
			break
		}
		from := split
		for split < len(evs) && evs[split].at.Before(next) {
			split++
		}
		if err := d.apply(ctx, evs[from:split], next); err != nil {
			return err
		}
		payoutAt = next
	}
	d.step("payout", t)
	t = time.Now()
	if err := d.apply(ctx, evs[split:], d.o.Now); err != nil {
		return err
	}
	d.step(fmt.Sprintf("%d order events after the payout, ledger", len(evs)-split), t)
	t = time.Now()
	if err := d.finish(ctx); err != nil {
		return err
	}
	if d.s.Rebuild != nil {
		if err := d.s.Rebuild(ctx, d.b.ID); err != nil {
			return fmt.Errorf("demo: rebuilding the reports: %w", err)
		}
	}
	if err := d.count(ctx); err != nil {
		return fmt.Errorf("demo: counting: %w", err)
	}
	d.step("statuses, portal login, reports and counts", t)
	return nil
}

func ptr[T any](v T) *T { return &v }

func (d *seeder) brand(ctx context.Context) error {
	cli := brand.Actor{Type: "cli", Label: "clout seed demo"}
	created, err := d.s.Brands.CreateBrand(ctx, brand.NewBrand{Name: d.o.BrandName, OwnerName: "Alex Rivera (demo owner)",
		OwnerEmail: d.o.Email, Password: d.o.Password, Currency: Currency, TimeZone: TimeZone}, cli)
	if err != nil {
		return err
	}
	d.owner = brand.UserActor(created.Owner, "")
	intro := "Glow Lab makes clean, science-backed skincare. Share your routine, earn 10% to 20% on every sale you drive, and get free product every season."
	if _, err := d.s.Brands.UpdateSettings(ctx, d.owner, created.Brand.ID, brand.SettingsPatch{
		AllowedDomains: &[]string{ShopDomain}, AttributionWindowDays: ptr(30), HoldDays: ptr(HoldDays),
		PayoutMinimum: ptr(int64(PayoutMinimum)), ProgramIntro: &intro, UTMCampaign: ptr("creators"),
		DefaultMarginBps: nullable.Of(6000)}); err != nil {
		return err
	}
	if err := d.s.DB.WithTx(ctx, func(tx *gorm.DB) error {
		return d.s.Brands.Audit(tx, created.Brand.ID, cli, AuditAction, map[string]any{"seed": d.o.Seed, "creators": d.o.Creators, "days": d.o.Days})
	}); err != nil {
		return err
	}
	if d.b, err = d.s.Brands.Get(ctx, created.Brand.ID); err != nil {
		return err
	}
	d.res.BrandID, d.res.BrandName, d.res.BrandSlug = d.b.ID, d.b.Name, d.b.Slug
	return nil
}

// Plan is the demo's commission plan: 10% of a creator's month up to
// $1,000, 15% to $3,000, 20% above (marginal); never more than 40% of a
// line's gross margin; sets at 8%; a $50 bonus at $5,000 in a month.
var Plan = commission.Plan{
	TierBasis: commission.BasisRevenue, TierMode: commission.ModeMarginal,
	Tiers:        []commission.Tier{{From: 0, RateBps: 1000}, {From: 100_000, RateBps: 1500}, {From: 300_000, RateBps: 2000}},
	Overrides:    []commission.Override{{Category: "Sets", RateBps: 800}},
	MarginCapBps: 4000,
	Milestones:   []commission.Milestone{{Threshold: 500_000, Bonus: 5000}},
}

func (d *seeder) catalogAndPlan(ctx context.Context) error {
	items := make([]commission.ProductInput, len(products))
	for i, p := range products {
		items[i] = commission.ProductInput{SKU: p.SKU, ProductPatch: commission.ProductPatch{Title: ptr(p.Title),
			ProductID: ptr(strings.ToLower(strings.TrimPrefix(p.Path, "/products/"))), Category: ptr(p.Category)}}
		if p.Cost != nil {
			items[i].UnitCost = nullable.Of(*p.Cost)
		}
	}
	if _, err := d.s.Catalog.PutMany(ctx, d.b.ID, items); err != nil {
		return err
	}
	d.res.Products = len(items)
	plan, err := d.s.Plans.Create(ctx, d.owner, d.b.ID, "Creator tiers 10/15/20", Plan)
	if err != nil {
		return err
	}
	return d.s.Plans.SetDefault(ctx, d.owner, d.b.ID, plan.ID)
}

func (d *seeder) creators(ctx context.Context) error {
	for _, p := range d.ps {
		tags := []string{string(p.Platform), p.Niche}
		if p.Rank < 3 {
			tags = append(tags, "top-creator")
		}
		c, _, err := d.s.Creators.New(ctx, d.owner, d.b.ID, creator.Profile{Name: ptr(p.Name), Email: ptr(p.Email),
			Handles: p.Handles, Niche: ptr(p.Niche), Country: ptr(p.Country), Tags: &tags, PayoutEmail: ptr(p.PayoutEmail)}, creator.Active)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Email, err)
		}
		p.ID = c.ID
		for _, ls := range p.Links {
			l, err := d.s.Links.Create(ctx, d.b.ID, c.ID, link.Input{Destination: "https://" + ShopDomain + ls.Path,
				Label: ls.Label, Platform: string(ls.Platform), UTMSource: ptr(string(ls.Platform))})
			if err != nil {
				return fmt.Errorf("%s link: %w", p.Email, err)
			}
			p.linkID = append(p.linkID, l.ID)
		}
		in := coupon.Input{Code: fmt.Sprintf("%s%d", strings.ToUpper(p.First), p.CodeBps/100), DiscountType: coupon.Percent, DiscountValue: p.CodeBps}
		code, err := d.s.Codes.Create(ctx, d.b.ID, c.ID, in)
		if errors.Is(err, coupon.ErrCodeTaken) {
			in.Code = "" // a generated one
			code, err = d.s.Codes.Create(ctx, d.b.ID, c.ID, in)
		}
		if err != nil {
			return fmt.Errorf("%s code: %w", p.Email, err)
		}
		p.Code = code.Code
	}
	return nil
}

// insertClicks writes the clicks as the click writer stores them: in one
// transaction, with a prepared multi-row INSERT.
func (d *seeder) insertClicks(ctx context.Context, cs []clickRec) error {
	const rows = 100
	cols := []string{"id", "clicked_at", "brand_id", "creator_id", "link_id", "visitor_hash", "referrer_host", "device",
		"country", "is_bot", "is_unique"}
	pg := d.s.DB.Dialect == store.Postgres
	stmtFor := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO clicks (" + strings.Join(cols, ", ") + ") VALUES ")
		k := 0
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range cols {
				if j > 0 {
					b.WriteString(", ")
				}
				k++
				if pg {
					fmt.Fprintf(&b, "$%d", k)
				} else {
					b.WriteByte('?')
				}
			}
			b.WriteByte(')')
		}
		return b.String()
	}
	tx, err := d.s.DB.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	full, err := tx.PrepareContext(ctx, stmtFor(rows))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, rows*len(cols))
	for len(cs) > 0 {
		n := min(rows, len(cs))
		args = args[:0]
		for i := range cs[:n] {
			c := &cs[i]
			p := d.ps[c.Creator]
			args = append(args, c.ID, c.At.UTC().Truncate(time.Microsecond), d.b.ID, p.ID, p.linkID[c.Link], c.Visitor, c.Referrer,
				c.Device, c.Country, c.Bot, c.Unique)
		}
		if n == rows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmtFor(n), args...)
		}
		if err != nil {
			return err
		}
		cs = cs[n:]
	}
	return tx.Commit()
}

// event is one thing that happens to an order.
type event struct {
	at   time.Time
	kind int // 0 placed, 1 refunded, 2 cancelled
	o    *orderRec
}

func timeline(orders []*orderRec) []event {
	var evs []event
	for _, o := range orders {
		evs = append(evs, event{at: o.At, kind: 0, o: o})
		if o.Refund != nil {
			evs = append(evs, event{at: o.Refund.At, kind: 1, o: o})
		}
		if o.CancelAt != nil {
			evs = append(evs, event{at: *o.CancelAt, kind: 2, o: o})
		}
	}
	sortEvents(evs)
	return evs
}

// apply sends order events through the order service in time order, then
// brings the ledger up to date and dates its new entries as if it had kept
// up with the orders (until horizon).
func (d *seeder) apply(ctx context.Context, evs []event, horizon time.Time) error {
	passStart := store.Now()
	for _, ev := range evs {
		if err := d.applyOne(ctx, ev); err != nil {
			return fmt.Errorf("demo: order %s: %w", ev.o.Ext, err)
		}
	}
	if _, err := d.s.Ledger.Process(ctx); err != nil {
		return fmt.Errorf("demo: ledger: %w", err)
	}
	if err := d.backdate(ctx, evs, passStart, horizon); err != nil {
		return fmt.Errorf("demo: dating the ledger: %w", err)
	}
	return nil
}

func (d *seeder) applyOne(ctx context.Context, ev event) error {
	o := ev.o
	switch ev.kind {
	case 1:
		req := order.RefundRequest{ExternalID: "rf-" + o.Ext, At: o.Refund.At, Reason: "Customer returned the item"}
		if !o.Refund.Full {
			l := o.Lines[0]
			lines, _, _, _ := o.amounts()
			net := lines[0].Unit*int64(l.Qty) - lines[0].Discount
			req.Lines = []order.RefundLine{{SKU: products[l.Product].SKU, Quantity: 1, Amount: net / int64(l.Qty)}}
			req.Reason = "One item returned: " + products[l.Product].Title
		}
		raw, _ := json.Marshal(map[string]any{"external_id": req.ExternalID, "lines": req.Lines, "reason": req.Reason})
		req.Raw = raw
		_, err := d.s.Orders.Refund(ctx, d.b.ID, order.API, o.Ext, req)
		return err
	case 2:
		_, err := d.s.Orders.Apply(ctx, d.b.ID, order.Event{Source: order.API, Topic: "cancel", OrderRef: o.Ext,
			Raw:    []byte(`{"reason":"Cancelled by the customer before shipping"}`),
			Cancel: &order.CancelInput{At: *o.CancelAt, Reason: "Cancelled by the customer before shipping"}})
		return err
	}
	lines, _, shipping, tax := o.amounts()
	in := &order.OrderInput{ExternalID: o.Ext, PlacedAt: o.At, Currency: Currency, CustomerEmail: o.Email, Codes: o.Codes,
		ClickID: o.ClickID, ReferringSite: o.Referring, Shipping: shipping, Tax: tax}
	type rawLine struct {
		SKU       string `json:"sku"`
		Title     string `json:"title"`
		Quantity  int    `json:"quantity"`
		UnitPrice int64  `json:"unit_price"`
		Discount  int64  `json:"discount"`
	}
	var raws []rawLine
	for i, l := range o.Lines {
		p := products[l.Product]
		in.Lines = append(in.Lines, order.LineInput{ExternalID: fmt.Sprintf("%s-%d", o.Ext, i+1), SKU: p.SKU, Title: p.Title,
			Quantity: int64(l.Qty), UnitPrice: lines[i].Unit, Discount: lines[i].Discount})
		raws = append(raws, rawLine{p.SKU, p.Title, l.Qty, lines[i].Unit, lines[i].Discount})
	}
	raw, _ := json.Marshal(map[string]any{"external_id": o.Ext, "placed_at": o.At, "currency": Currency,
		"customer_email": o.Email, "discount_codes": o.Codes, "click_id": o.ClickID, "shipping": shipping, "tax": tax, "lines": raws})
	res, err := d.s.Orders.Apply(ctx, d.b.ID, order.Event{Source: order.API, Topic: "api", Raw: raw, Order: in})
	if err != nil {
		return err
	}
	o.ID = res.Order.ID
	return nil
}

// backdate gives the entries the ledger just wrote the time it would have
// written them had it run alongside the orders: a sale, bonus or true-up a
// minute after its order, a reversal a minute after the refund or
// cancellation that caused it (never after horizon). The amounts are the
// ledger's own; only created_at moves, before anyone reads the entries.
func (d *seeder) backdate(ctx context.Context, evs []event, since, horizon time.Time) error {
	placed := map[string]time.Time{}
	adjusted := map[string]time.Time{}
	for _, ev := range evs {
		if ev.o.ID == "" {
			continue
		}
		if ev.kind == 0 {
			placed[ev.o.ID] = ev.at
		} else if ev.at.After(adjusted[ev.o.ID]) {
			adjusted[ev.o.ID] = ev.at
		}
	}
	var es []struct {
		ID      string
		OrderID *string
		Kind    string
	}
	if err := d.s.DB.WithContext(ctx).Table("commission_entries").Select("id, order_id, kind").
		Where("brand_id = ? AND created_at >= ?", d.b.ID, since).Scan(&es).Error; err != nil {
		return err
	}
	// The orders of entries whose order had no event in this pass (an
	// earlier order repriced): their placed time.
	var missing []string
	for _, e := range es {
		if e.OrderID != nil {
			if _, ok := placed[*e.OrderID]; !ok {
				missing = append(missing, *e.OrderID)
			}
		}
	}
	if len(missing) > 0 {
		var rows []struct {
			ID       string
			PlacedAt time.Time
		}
		if err := d.s.DB.WithContext(ctx).Table("orders").Select("id, placed_at").Where("id IN ?", missing).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			placed[r.ID] = r.PlacedAt
		}
	}
	last := horizon.Add(-time.Second)
	return d.s.DB.WithTx(ctx, func(tx *gorm.DB) error {
		for _, e := range es {
			if e.OrderID == nil {
				continue
			}
			at, ok := placed[*e.OrderID]
			if adj, has := adjusted[*e.OrderID]; has && (e.Kind == commission.KindReversal || !ok) {
				at, ok = adj, true
			}
			if !ok {
				continue
			}
			at = at.Add(time.Minute)
			if at.After(last) {
				at = last
			}
			if err := tx.Table("commission_entries").Where("id = ?", e.ID).Update("created_at", at.UTC().Truncate(time.Microsecond)).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// payout pays, as of at, what was payable then: the owner creates the
// batch, approves and executes it the next day, and marks every item paid
// by PayPal with a reference. It reports false, paying nothing, when no
// creator was payable.
func (d *seeder) payout(ctx context.Context, at time.Time) (bool, error) {
	pay := d.s.Payouts
	defer pay.SetClock(store.Now)
	pay.SetClock(func() time.Time { return at })
	batch, err := pay.Create(ctx, d.owner, d.b, nil)
	if errors.Is(err, payout.ErrNothingToPay) {
		d.o.Log.Info("seed demo: nothing payable yet for the payout", "at", at, "err", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	pay.SetClock(func() time.Time { return at.Add(20 * time.Hour) })
	if _, err := pay.Approve(ctx, d.owner, d.b, batch.ID); err != nil {
		return false, err
	}
	if _, err := pay.Start(ctx, d.owner, d.b, batch.ID); err != nil {
		return false, err
	}
	items, err := pay.Items(ctx, d.b.ID, batch.ID)
	if err != nil {
		return false, err
	}
	for i, it := range items {
		pay.SetClock(func() time.Time { return at.Add(26*time.Hour + time.Duration(i)*time.Minute) })
		ref := fmt.Sprintf("PAYPAL-%s", strings.ToUpper(d.g.hash("payout", i)[:12]))
		if _, err := pay.MarkPaid(ctx, d.owner, d.b.ID, batch.ID, it.ID, ref); err != nil {
			return false, err
		}
	}
	d.res.PayoutBatchID, d.res.PayoutItems, d.res.PayoutTotal = batch.ID, batch.ItemCount, batch.Total
	return true, nil
}

// finish pauses the creators who stopped posting, and gives the top
// creator a portal password (the owner's).
func (d *seeder) finish(ctx context.Context) error {
	for _, p := range d.ps {
		if p.Role == rolePaused {
			if _, err := d.s.Creators.SetStatus(ctx, d.owner, d.b.ID, p.ID, creator.Paused,
				"No posts for two weeks and a missing #ad disclosure; paused until we talk."); err != nil {
				return fmt.Errorf("demo: pausing %s: %w", p.Email, err)
			}
		}
	}
	for _, p := range d.ps {
		if p.Role != roleStar {
			continue
		}
		d.res.CreatorEmail, d.res.CreatorName = p.Email, p.Name
		c, err := d.s.Creators.Get(ctx, d.b.ID, p.ID)
		if err != nil {
			return err
		}
		_, sess, err := d.s.Creators.StartSession(ctx, c)
		if err != nil {
			return err
		}
		if err := d.s.Creators.SetPassword(ctx, &creator.Portal{Session: sess, Creator: c}, d.o.Password); err != nil {
			// A password this creator may not use (it holds their email):
			// the magic link still works.
			d.o.Log.Warn("seed demo: the creator keeps magic-link login only", "err", err)
		} else {
			d.res.CreatorPassword = d.o.Password
		}
		// The session only proved who set the password; close it.
		if err := d.s.Creators.Logout(ctx, sess.ID); err != nil {
			return err
		}
	}
	return nil
}

func (d *seeder) count(ctx context.Context) error {
	db := d.s.DB.WithContext(ctx)
	id := d.b.ID
	var n int64
	if err := db.Table("creators").Where("brand_id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	d.res.Creators = int(n)
	if err := db.Table("creators").Where("brand_id = ? AND status = ?", id, creator.Paused).Count(&n).Error; err != nil {
		return err
	}
	d.res.Paused = int(n)
	if err := db.Table("links").Where("brand_id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	d.res.Links = int(n)
	if err := db.Table("codes").Where("brand_id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	d.res.Codes = int(n)
	var c struct{ Total, Human, Uniq int64 }
	if err := db.Table("clicks").Select("COUNT(*) AS total, COALESCE(SUM(CASE WHEN is_bot THEN 0 ELSE 1 END), 0) AS human, "+
		"COALESCE(SUM(CASE WHEN is_unique THEN 1 ELSE 0 END), 0) AS uniq").Where("brand_id = ?", id).Scan(&c).Error; err != nil {
		return err
	}
	d.res.Clicks, d.res.HumanClicks, d.res.UniqueClicks = c.Total, c.Human, c.Uniq
	var os struct {
		Orders, ByCode, ByClick, None, Revenue int64
	}
	if err := db.Table("orders").Select(`COUNT(*) AS orders,
		COALESCE(SUM(CASE WHEN attribution_method = 'code' THEN 1 ELSE 0 END), 0) AS by_code,
		COALESCE(SUM(CASE WHEN attribution_method = 'click' THEN 1 ELSE 0 END), 0) AS by_click,
		COALESCE(SUM(CASE WHEN creator_id IS NULL THEN 1 ELSE 0 END), 0) AS none,
		COALESCE(SUM(CASE WHEN creator_id IS NOT NULL AND status <> 'cancelled' THEN net ELSE 0 END), 0) AS revenue`).
		Where("brand_id = ?", id).Scan(&os).Error; err != nil {
		return err
	}
	d.res.Orders, d.res.ByCode, d.res.ByClick, d.res.Unattributed, d.res.Revenue = os.Orders, os.ByCode, os.ByClick, os.None, os.Revenue
	var adj struct{ Refunds, Cancels int64 }
	if err := db.Table("order_adjustments").Select("COALESCE(SUM(CASE WHEN kind = 'refund' THEN 1 ELSE 0 END), 0) AS refunds, "+
		"COALESCE(SUM(CASE WHEN kind = 'cancel' THEN 1 ELSE 0 END), 0) AS cancels").Where("brand_id = ?", id).Scan(&adj).Error; err != nil {
		return err
	}
	d.res.Refunds, d.res.Cancellations = adj.Refunds, adj.Cancels
	var ce struct{ N, Total int64 }
	if err := db.Table("commission_entries").Select("COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total").
		Where("brand_id = ?", id).Scan(&ce).Error; err != nil {
		return err
	}
	d.res.Entries, d.res.Commission = ce.N, ce.Total
	return nil
}
