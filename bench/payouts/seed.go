package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/auth"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// payoutMinimum is the brand's payout minimum, in minor units (10.00 USD).
const payoutMinimum = 1000

var actor = brand.Actor{Type: "cli", Label: "payouts bench"}

// world is the app and the brand the batches are built for.
type world struct {
	app    *app.App
	brand  *brand.Brand
	stripe *httptest.Server // answers the brand's Stripe key check
}

// How a seeded creator earns.
const (
	earnerRegular  = iota // mostly sales, some reversals: well above the minimum
	earnerSmall           // small sales: mostly below the minimum
	earnerClawback        // reversals outweigh sales: a negative balance
)

// seeded counts what the seed wrote, for the report.
type seeded struct {
	creators, paused, stripe, stripeOff, emailOnly, noMethod int
	small, clawback                                          int
	entries, payable                                         int
	kinds                                                    map[string]int
	rows                                                     int
}

// setup builds the app as cmd/clout does (app.New), with Stripe calls sent
// to a local stand-in that accepts any key, and through its services a USD
// brand (30-day hold) with a payout minimum of 10.00 and a Stripe secret
// key, so that creators with a Stripe account ready for transfers are paid
// through Stripe and the others by hand (their payout email).
func setup(ctx context.Context, db *store.DB) (*world, error) {
	auth.BcryptCost = bcrypt.MinCost
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object": "balance", "livemode": false, "available": [], "pending": []}`)
	}))
	vars := map[string]string{"CLOUT_SECRET": "bench-secret-0123456789abcdef0123456789", "CLOUT_DATA_DIR": os.TempDir(),
		"CLOUT_STRIPE_API_BASE": fake.URL, "CLOUT_BASE_URL": "https://go.clout.test"}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		fake.Close()
		return nil, err
	}
	w := &world{stripe: fake}
	if w.app, err = app.New(ctx, cfg, db, slog.New(slog.DiscardHandler)); err != nil {
		fake.Close()
		return nil, err
	}
	created, err := w.app.Brands.CreateBrand(ctx, brand.NewBrand{Name: "Bench Co", OwnerEmail: "owner@example.com",
		Password: "correct horse battery", Currency: "USD"}, actor)
	if err != nil {
		fake.Close()
		return nil, err
	}
	minimum, key := int64(payoutMinimum), "sk_test_payoutsbench"
	if w.brand, err = w.app.Brands.UpdateSettings(ctx, actor, created.Brand.ID,
		brand.SettingsPatch{PayoutMinimum: &minimum, StripeSecretKey: &key}); err != nil {
		fake.Close()
		return nil, fmt.Errorf("brand settings: %w", err)
	}
	if w.brand, err = w.app.Brands.Get(ctx, created.Brand.ID); err != nil {
		fake.Close()
		return nil, err
	}
	if w.brand.Currency != "USD" || w.brand.PayoutMinimum != payoutMinimum || w.brand.StripeSecretKey == "" || w.brand.HoldDays != 30 {
		fake.Close()
		return nil, fmt.Errorf("the brand is %s, minimum %d, hold %d days, Stripe key set %v; want USD, %d, 30, true",
			w.brand.Currency, w.brand.PayoutMinimum, w.brand.HoldDays, w.brand.StripeSecretKey != "", payoutMinimum)
	}
	return w, nil
}

// source is rows to load into one table, made one at a time in order.
type source struct {
	name string
	cols []string
	n    int
	row  func(i int) []any
}

// seed writes the creators (with their accounts) and the ledger entries
// straight into the tables: COPY on PostgreSQL, 100-row INSERTs in one
// transaction per table on SQLite. The data is deterministic (fixed seeds).
//
// Creators: 3% paused, the rest active; 20% have a Stripe account ready for
// transfers and a payout email, 5% such an account and no email, 3% an
// account Stripe does not let receive transfers yet and an email, 3% no
// payout method at all, the rest (69%) a payout email only. 10% earn little
// (below the minimum, mostly), 5% have more reversed than earned.
//
// Entries: each goes to a creator drawn at random (about 10 per creator,
// Poisson-spread), created at a random moment of the last 150 days and
// payable 30 days later (the brand's hold), so about a fifth are still
// held at the cut-off. None is payable within an hour of now, so every
// batch of the run sees the same entries.
func seed(ctx context.Context, db *store.DB, w *world, o options, now time.Time) (*seeded, error) {
	r := rand.New(rand.NewPCG(uint64(o.creators), uint64(o.entries)))
	st := &seeded{creators: o.creators, entries: o.entries, kinds: map[string]int{}}
	ids, earners := make([]string, o.creators), make([]int, o.creators)
	type cr struct {
		id, account, name, email, status, payoutEmail string
		stripe                                        any // acct id or NULL
		enabled                                       bool
		at                                            time.Time
	}
	var cur cr
	makeCreator := func(i int) {
		at := now.Add(-time.Duration(200*24*time.Hour) - time.Duration(r.Int64N(int64(365*24*time.Hour)))).Truncate(time.Microsecond)
		cur = cr{id: store.NewID("cr"), account: store.NewID("cra"), name: fmt.Sprintf("Creator %d", i),
			email: fmt.Sprintf("creator%d@example.com", i), status: "active", at: at}
		if r.IntN(100) < 3 {
			cur.status = "paused"
			st.paused++
		}
		switch m := r.IntN(100); {
		case m < 20:
			cur.stripe, cur.enabled, cur.payoutEmail = fmt.Sprintf("acct_bench%07d", i), true, fmt.Sprintf("pay%d@example.com", i)
			st.stripe++
		case m < 25:
			cur.stripe, cur.enabled = fmt.Sprintf("acct_bench%07d", i), true
			st.stripe++
		case m < 28:
			cur.stripe, cur.payoutEmail = fmt.Sprintf("acct_bench%07d", i), fmt.Sprintf("pay%d@example.com", i)
			st.stripeOff++
		case m < 31:
			st.noMethod++
		default:
			cur.payoutEmail = fmt.Sprintf("pay%d@example.com", i)
			st.emailOnly++
		}
		switch e := r.IntN(100); {
		case e < 10:
			earners[i] = earnerSmall
			st.small++
		case e < 15:
			earners[i] = earnerClawback
			st.clawback++
		}
		ids[i] = cur.id
	}
	// Each account row makes its creator, whose row is kept for the
	// creators table, written next.
	rows := make([][]any, 0, o.creators)
	accounts := source{name: "creator_accounts", cols: strings.Fields("id email created_at updated_at"), n: o.creators,
		row: func(i int) []any {
			makeCreator(i)
			rows = append(rows, []any{cur.id, w.brand.ID, cur.account, cur.name, cur.email, cur.status, "invite", cur.payoutEmail,
				cur.stripe, cur.enabled, 1, cur.at, cur.at, cur.at})
			return []any{cur.account, cur.email, cur.at, cur.at}
		}}
	creators := source{name: "creators", cols: strings.Fields(`id brand_id account_id name email status source payout_email
		stripe_account_id stripe_payouts_enabled terms_version terms_accepted_at created_at updated_at`), n: o.creators,
		row: func(i int) []any { r := rows[i]; rows[i] = nil; return r }}

	hold := time.Duration(w.brand.HoldDays) * 24 * time.Hour
	entries := source{name: "commission_entries", cols: strings.Fields(`id brand_id creator_id order_id month component kind
		amount currency explanation payable_at created_at`), n: o.entries,
		row: func(i int) []any {
			c := r.IntN(o.creators)
			created := now.Add(-time.Duration(r.Int64N(int64(150 * 24 * time.Hour)))).Truncate(time.Microsecond)
			if d := created.Add(hold).Sub(now); d > -time.Hour && d < time.Hour {
				created = created.Add(-2 * time.Hour) // payable an hour or more before now
			}
			payable := created.Add(hold)
			if !payable.After(now) {
				st.payable++
			}
			kind, amount := draw(r, earners[c])
			st.kinds[kind]++
			id := store.NewTimeID("ce")
			order, component := any(nil), id
			if kind != "adjustment" {
				o := fmt.Sprintf("ord_bench%08d", i/2)
				order, component = o, kind+":"+o
			}
			return []any{id, w.brand.ID, ids[c], order, created.Format("2006-01"), component, kind, amount,
				w.brand.Currency, "", payable, created}
		}}
	for _, t := range []source{accounts, creators, entries} {
		var err error
		if db.Dialect == store.Postgres {
			err = copyRows(ctx, db, t)
		} else {
			err = insertRows(ctx, db, t)
		}
		if err != nil {
			return st, fmt.Errorf("%s: %w", t.name, err)
		}
		st.rows += t.n
	}
	return st, nil
}

// between is a uniform amount in [lo, hi).
func between(r *rand.Rand, lo, hi int64) int64 { return lo + r.Int64N(hi-lo) }

// draw is an entry's kind and signed amount (minor units) for an earner.
func draw(r *rand.Rand, earner int) (string, int64) {
	k := r.IntN(100)
	switch earner {
	case earnerSmall:
		if k < 85 {
			return "sale", between(r, 10, 120)
		}
		return "reversal", -between(r, 10, 100)
	case earnerClawback:
		if k < 35 {
			return "sale", between(r, 100, 1500)
		}
		return "reversal", -between(r, 300, 3000)
	}
	sign := int64(1)
	if r.IntN(2) == 0 {
		sign = -1
	}
	switch {
	case k < 72:
		return "sale", between(r, 300, 6000)
	case k < 84:
		return "reversal", -between(r, 100, 3000)
	case k < 90:
		return "bonus", between(r, 500, 3000)
	case k < 96:
		return "true_up", sign * between(r, 10, 500)
	}
	return "adjustment", sign * between(r, 100, 2000)
}

// copyRows streams a table with COPY on one of the pool's connections
// (whose search_path is the benchmark's schema).
func copyRows(ctx context.Context, db *store.DB, t source) error {
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL driver connection is a %T, not pgx's", dc)
		}
		i := 0
		n, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == t.n {
				return nil, nil
			}
			i++
			return t.row(i - 1), nil
		}))
		if err == nil && n != int64(t.n) {
			err = fmt.Errorf("COPY wrote %d of %d rows", n, t.n)
		}
		return err
	})
}

// insertRows loads a table with multi-row INSERTs of 100 rows in one
// transaction (longer INSERTs are slower on SQLite, whose driver binds
// parameters in O(n²)).
func insertRows(ctx context.Context, db *store.DB, t source) error {
	const per = 100
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	return db.WithTx(ctx, func(tx *gorm.DB) error {
		for start := 0; start < t.n; start += per {
			n := min(per, t.n-start)
			args := make([]any, 0, n*len(t.cols))
			for i := start; i < start+n; i++ {
				args = append(args, t.row(i)...)
			}
			q := "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
			if err := tx.Exec(q, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
