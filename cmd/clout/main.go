// Command clout runs the Clout web server and its administrative commands.
//
//	clout [serve]          run the web server (applies migrations first)
//	clout migrate          apply database migrations
//	clout brand create     create a brand with its owner and an API key
//	clout seed demo        load a demo brand with 90 days of history
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/cloutapp/clout/internal/app"
	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/config"
	"github.com/cloutapp/clout/internal/mail"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/web"
)

const usage = `Clout: influencer affiliate programs, open and self-hosted.

Usage:
  clout [serve]                 run the web server (applies migrations first)
  clout migrate                 apply database migrations and exit
  clout brand create --name NAME --owner-email EMAIL --password PASSWORD [--currency USD]
                                [--owner-name NAME] [--time-zone UTC]
                                create a brand, its owner and an API key; prints
                                {"brand_id": "...", "api_key": "..."}
  clout seed demo [--email owner@glowlab.example] [--password PASSWORD] [--creators 30]
                  [--days 90] [--seed 1] [--reset]
                                load a demo brand (creators, links, codes, clicks, orders,
                                commissions, a payout) and print how to log in

Configuration comes from the environment; see README.md (CLOUT_ADDR, CLOUT_BASE_URL,
CLOUT_SECRET, DATABASE_URL, CLOUT_DATA_DIR, CLOUT_TRUSTED_PROXIES, ...).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// exitUsage is the exit code for bad command-line input.
const exitUsage = 2

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve", "migrate":
		if len(args) > 0 {
			fmt.Fprintf(stderr, "clout %s: unexpected argument %q\n", cmd, args[0])
			return exitUsage
		}
	case "brand":
		if len(args) == 0 || args[0] != "create" {
			fmt.Fprint(stderr, "clout brand: the only subcommand is \"create\"\n\n"+usage)
			return exitUsage
		}
		args = args[1:]
	case "seed":
		if len(args) == 0 || args[0] != "demo" {
			fmt.Fprint(stderr, "clout seed: the only subcommand is \"demo\"\n\n"+usage)
			return exitUsage
		}
		args = args[1:]
	default:
		fmt.Fprintf(stderr, "clout: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}

	cfg, err := config.Load(lookup)
	if err != nil {
		fmt.Fprintln(stderr, "clout:", err)
		return 1
	}
	log := newLogger(cfg, stderr)
	var runErr error
	switch cmd {
	case "serve":
		runErr = serve(ctx, cfg, log)
	case "migrate":
		runErr = migrate(ctx, cfg, log)
	case "brand":
		code, err := brandCreate(ctx, cfg, log, args, stdout, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "clout brand create:", err)
		}
		return code
	case "seed":
		code, err := seedDemo(ctx, cfg, log, args, stdout, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "clout seed demo:", err)
		}
		return code
	}
	if runErr != nil {
		log.Error("clout stopped", "err", runErr)
		fmt.Fprintln(stderr, "clout:", runErr)
		return 1
	}
	return 0
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(), Logger: log})
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("applied migrations", "versions", applied)
	}
	return db, nil
}

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	current, _, err := db.Versions(ctx)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "version", current, "database", string(db.Dialect))
	return nil
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	if err := cfg.EnsureSecret(log); err != nil {
		return err
	}
	log.Info("starting clout", "config", cfg)
	app.TuneRuntime()
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("CLOUT_ADDR: cannot listen on %s: %w", cfg.Addr, err)
	}
	// Queued mail goes out over SMTP when it is configured; shutdown makes a
	// last delivery attempt before exit.
	// Clicks answered before shutdown are written before exit.
	// The commission ledger follows order changes in the background; at
	// shutdown it makes a last pass.
	go a.Ledger.Run(ctx)
	// Payouts: scheduled batches are drafted, and batches a crash or restart
	// interrupted are resumed (their stored idempotency keys pay nobody twice).
	go a.Payouts.Run(ctx)
	// The rollups follow clicks, orders and entries; drained after both.
	go func() {
		// Brands from before the rollups get theirs built from history,
		// then the rollups follow every change.
		if _, err := a.Reports.Backfill(ctx); err != nil && ctx.Err() == nil {
			log.Error("report: backfilling rollups", "err", err)
		}
		a.Reports.Run(ctx)
	}()
	drainers := []web.Drainer{a.Clicks, a.Ledger, a.Reports, a.Web.PayoutRuns()}
	if db.Dialect == store.Postgres {
		// Link changes made by other instances reach this one's cache.
		go a.Resolver.Listen(ctx, cfg.DatabaseURL, nil)
	}
	if cfg.SMTPURL != "" {
		sender, err := mail.NewSender(db, cfg.SMTPURL, cfg.MailFrom, log)
		if err != nil {
			return err
		}
		go sender.Run(ctx)
		drainers = append(drainers, sender)
		log.Info("mail: delivering the outbox over SMTP", "smtp", config.MaskURL(cfg.SMTPURL), "from", cfg.MailFrom)
	}
	log.Info("clout is ready", "url", cfg.BaseURL)
	return web.Serve(ctx, ln, a.Web.Handler(), cfg.ShutdownTimeout, log, drainers...)
}

func brandCreate(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("clout brand create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "brand name (required)")
	email := fs.String("owner-email", "", "owner's email (required)")
	password := fs.String("password", "", "owner's password, at least 10 characters (required)")
	currency := fs.String("currency", "USD", "ISO 4217 currency code")
	ownerName := fs.String("owner-name", "", "owner's name")
	tz := fs.String("time-zone", "UTC", "IANA time zone")
	if err := fs.Parse(args); err != nil {
		return exitUsage, nil // flag already printed the problem
	}
	if fs.NArg() > 0 {
		return exitUsage, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var missing []string
	for flagName, v := range map[string]string{"--name": *name, "--owner-email": *email, "--password": *password} {
		if v == "" {
			missing = append(missing, flagName)
		}
	}
	if len(missing) > 0 {
		return exitUsage, fmt.Errorf("missing %v", missing)
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
	created, err := a.Brands.CreateBrand(ctx, brand.NewBrand{Name: *name, OwnerName: *ownerName, OwnerEmail: *email,
		Password: *password, Currency: *currency, TimeZone: *tz, WithAPIKey: true}, brand.Actor{Type: "cli", Label: "clout brand create"})
	if err != nil {
		if brand.ErrIsValidation(err) {
			return 1, fmt.Errorf("invalid input: %w", err)
		}
		return 1, err
	}
	// Exactly one JSON object on stdout; logs go to stderr.
	out := struct {
		BrandID string `json:"brand_id"`
		APIKey  string `json:"api_key"`
	}{created.Brand.ID, created.APIKey}
	if err := json.NewEncoder(stdout).Encode(out); err != nil {
		return 1, fmt.Errorf("writing output: %w", err)
	}
	return 0, nil
}
