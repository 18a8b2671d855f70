package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/demo"
	"github.com/cloutapp/clout/internal/money"
	"github.com/cloutapp/clout/internal/store"
)

// demoServices takes the demo's services from the wired app.
func demoServices(db *store.DB, a *app.App) demo.Services {
	return demo.Services{DB: db, Brands: a.Brands, Creators: a.Creators, Links: a.Links, Codes: a.Codes, Orders: a.Orders,
		Catalog: a.Catalog, Plans: a.Plans, Ledger: a.Ledger, Payouts: a.Payouts, Rebuild: a.Reports.Rebuild}
}

func seedDemo(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("clout seed demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", demo.DefaultEmail, "the demo brand owner's email")
	password := fs.String("password", "", "the owner's password, at least 10 characters (default: generated and printed)")
	creators := fs.Int("creators", demo.DefaultCreators, fmt.Sprintf("creators (%d to %d)", demo.MinCreators, demo.MaxCreators))
	days := fs.Int("days", demo.DefaultDays, fmt.Sprintf("days of history, today included (%d to %d)", demo.MinDays, demo.MaxDays))
	seed := fs.Uint64("seed", demo.DefaultSeed, "random seed: the same seed gives the same demo")
	reset := fs.Bool("reset", false, "delete this email's earlier demo brand and account first")
	if err := fs.Parse(args); err != nil {
		return exitUsage, nil // flag already printed the problem
	}
	if fs.NArg() > 0 {
		return exitUsage, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	generated := *password == ""
	if generated {
		*password = store.RandomString(16)
	}
	if err := cfg.EnsureSecret(log); err != nil {
		return 1, err
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return 1, err
	}
	defer db.Close()
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return 1, err
	}
	res, err := demo.Seed(ctx, demoServices(db, a), demo.Options{Email: *email, Password: *password, Creators: *creators,
		Days: *days, Seed: *seed, Reset: *reset, Log: log})
	switch {
	case errors.Is(err, demo.ErrExists):
		return 1, fmt.Errorf("%s already has an account, so its demo brand is probably there already: log in with it at %s/login, "+
			"or run again with -reset to delete that demo brand and start over, or pick another -email", *email, cfg.BaseURL)
	case errors.Is(err, demo.ErrNotDemo):
		return 1, err
	case brand.ErrIsValidation(err):
		return exitUsage, fmt.Errorf("invalid input: %w", err)
	case err != nil:
		return 1, err
	}
	amount := func(v int64) string { return money.Amount{Minor: v, Currency: res.Currency}.String() }
	w := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	w("")
	w("The demo brand %q is ready (seed %d, %d creators, %d days of history; took %s).", res.BrandName, *seed, res.Creators, *days,
		res.Took.Round(100_000_000))
	w("")
	w("  Start the server (go run ./cmd/clout), then log in at %s/login", cfg.BaseURL)
	w("    email     %s", res.OwnerEmail)
	pwNote := ""
	if generated {
		pwNote = "   (generated; choose one with -password)"
	}
	w("    password  %s%s", *password, pwNote)
	w("")
	w("  Creator portal: %s/portal/login", cfg.BaseURL)
	if res.CreatorPassword != "" {
		w("    %s (%s), with the same password,", res.CreatorEmail, res.CreatorName)
		w("    or any creator by magic link: ask for one there and open it from %s/admin/outbox", cfg.BaseURL)
	} else {
		w("    ask for a magic link as %s (%s) and open it from %s/admin/outbox", res.CreatorEmail, res.CreatorName, cfg.BaseURL)
	}
	w("")
	w("  Creators    %d (%d paused), %d links, %d discount codes, %d products", res.Creators, res.Paused, res.Links, res.Codes, res.Products)
	w("  Clicks      %d (%d human, %d unique)", res.Clicks, res.HumanClicks, res.UniqueClicks)
	w("  Orders      %d: %d by code, %d by click, %d unattributed; %d refunds, %d cancellations",
		res.Orders, res.ByCode, res.ByClick, res.Unattributed, res.Refunds, res.Cancellations)
	w("  Revenue     %s attributed to creators", amount(res.Revenue))
	w("  Commission  %s in %d ledger entries", amount(res.Commission), res.Entries)
	if res.PayoutBatchID != "" {
		w("  Payout      completed: %s to %d creators (%s/payouts/%s)", amount(res.PayoutTotal), res.PayoutItems, cfg.BaseURL, res.PayoutBatchID)
	}
	return 0, nil
}
