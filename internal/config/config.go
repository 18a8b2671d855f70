// Package config reads Clout's typed configuration from the environment.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the whole of Clout's configuration. Every field comes from one
// environment variable, named in its tag; README.md has the table.
type Config struct {
	Addr            string        `env:"CLOUT_ADDR" envDefault:":8080"`
	BaseURL         string        `env:"CLOUT_BASE_URL" envDefault:"http://localhost:8080"`
	Secret          string        `env:"CLOUT_SECRET"`
	DatabaseURL     string        `env:"DATABASE_URL"`
	DataDir         string        `env:"CLOUT_DATA_DIR" envDefault:"./data"`
	TrustedProxies  []string      `env:"CLOUT_TRUSTED_PROXIES" envSeparator:","`
	StripeAPIBase   string        `env:"CLOUT_STRIPE_API_BASE"`
	Env             string        `env:"CLOUT_ENV" envDefault:"development"`
	LogLevel        string        `env:"CLOUT_LOG_LEVEL" envDefault:"info"`
	LogFormat       string        `env:"CLOUT_LOG_FORMAT" envDefault:"text"`
	ShutdownTimeout time.Duration `env:"CLOUT_SHUTDOWN_TIMEOUT" envDefault:"30s"`
	// SMTPURL turns on delivery of the outbox: smtp://[user:password@]host:port
	// (STARTTLS when the server offers it) or smtps://… (TLS from the start).
	SMTPURL  string `env:"CLOUT_SMTP_URL"`
	MailFrom string `env:"CLOUT_MAIL_FROM" envDefault:"Clout <no-reply@localhost>"`

	// SecretGenerated is true when Secret was not given and was read from or
	// written to the data directory (development only).
	SecretGenerated bool `env:"-"`
	// proxies is TrustedProxies parsed.
	proxies []netip.Prefix
}

// MinSecretLen is the shortest CLOUT_SECRET accepted.
const MinSecretLen = 32

// Load reads the environment (through lookup, os.LookupEnv when nil) and
// validates it. Errors name the variable at fault.
func Load(lookup func(string) (string, bool)) (*Config, error) {
	environ := map[string]string{}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	for _, name := range Variables() {
		if v, ok := lookup(name); ok {
			environ[name] = v
		}
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return nil, cleanEnvError(err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Variables lists every environment variable Clout reads.
func Variables() []string {
	return []string{"CLOUT_ADDR", "CLOUT_BASE_URL", "CLOUT_SECRET", "DATABASE_URL", "CLOUT_DATA_DIR",
		"CLOUT_TRUSTED_PROXIES", "CLOUT_STRIPE_API_BASE", "CLOUT_ENV", "CLOUT_LOG_LEVEL", "CLOUT_LOG_FORMAT",
		"CLOUT_SHUTDOWN_TIMEOUT", "CLOUT_SMTP_URL", "CLOUT_MAIL_FROM"}
}

func cleanEnvError(err error) error {
	var agg env.AggregateError
	if errors.As(err, &agg) && len(agg.Errors) > 0 {
		msgs := make([]string, 0, len(agg.Errors))
		for _, e := range agg.Errors {
			var pe env.ParseError
			if errors.As(e, &pe) {
				msgs = append(msgs, fmt.Sprintf("%s: cannot parse %s value: %v", envName(pe.Name), pe.Type, pe.Err))
				continue
			}
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("config: %s", strings.Join(msgs, "; "))
	}
	return fmt.Errorf("config: %w", err)
}

// envName maps a Config field name to its environment variable.
func envName(field string) string {
	if f, ok := reflect.TypeOf(Config{}).FieldByName(field); ok {
		if tag := f.Tag.Get("env"); tag != "" && tag != "-" {
			return tag
		}
	}
	return field
}

func (c *Config) validate() error {
	bad := func(name, format string, args ...any) error {
		return fmt.Errorf("config: %s: %s", name, fmt.Sprintf(format, args...))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return bad("CLOUT_ADDR", "want host:port such as :8080, got %q", c.Addr)
	}
	if err := checkHTTPURL(c.BaseURL); err != nil {
		return bad("CLOUT_BASE_URL", "%v", err)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.StripeAPIBase != "" {
		if err := checkHTTPURL(c.StripeAPIBase); err != nil {
			return bad("CLOUT_STRIPE_API_BASE", "%v", err)
		}
		c.StripeAPIBase = strings.TrimRight(c.StripeAPIBase, "/")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return bad("DATABASE_URL", "want a postgres:// URL (leave it unset for the embedded SQLite database)")
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return bad("CLOUT_DATA_DIR", "must not be empty")
	}
	switch c.Env {
	case "development", "production":
	default:
		return bad("CLOUT_ENV", "want development or production, got %q", c.Env)
	}
	if c.Secret != "" && len(c.Secret) < MinSecretLen {
		return bad("CLOUT_SECRET", "must be at least %d characters (try: openssl rand -hex 32)", MinSecretLen)
	}
	if c.Secret == "" && c.Env == "production" {
		return bad("CLOUT_SECRET", "is required when CLOUT_ENV=production (try: openssl rand -hex 32)")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return bad("CLOUT_LOG_LEVEL", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return bad("CLOUT_LOG_FORMAT", "want text or json, got %q", c.LogFormat)
	}
	if c.ShutdownTimeout <= 0 {
		return bad("CLOUT_SHUTDOWN_TIMEOUT", "must be a positive duration such as 30s")
	}
	if c.SMTPURL != "" {
		if err := checkSMTPURL(c.SMTPURL); err != nil {
			return bad("CLOUT_SMTP_URL", "%v", err)
		}
	}
	if strings.ContainsAny(c.MailFrom, "\r\n") {
		return bad("CLOUT_MAIL_FROM", "must be one line")
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return bad("CLOUT_MAIL_FROM", "want an address such as \"Clout <no-reply@example.com>\", got %q", c.MailFrom)
	}
	c.proxies = nil
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			return bad("CLOUT_TRUSTED_PROXIES", "%q is not an IP address or CIDR range", p)
		}
		c.proxies = append(c.proxies, prefix)
	}
	return nil
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL, got %q", raw)
	}
	return nil
}

// checkSMTPURL accepts smtp://[user:password@]host:port and smtps://…; its
// errors never repeat the URL, which may hold a password.
func checkSMTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL; want smtp://user:password@host:587 or smtps://user:password@host:465 (percent-encode special characters in the user and password)")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return fmt.Errorf("want scheme smtp (STARTTLS when offered) or smtps (implicit TLS), got %q", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return errors.New("missing host; want smtp://host:port")
	}
	port := u.Port()
	if port == "" {
		return errors.New("missing port; want smtp://host:587 or smtps://host:465")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want no path, query or fragment after host:port")
	}
	if u.User != nil {
		if _, has := u.User.Password(); !has || u.User.Username() == "" {
			return errors.New("credentials must be given as user:password")
		}
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Proxies returns the trusted proxy ranges.
func (c *Config) Proxies() []netip.Prefix { return c.proxies }

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// UsesSQLite reports whether the embedded SQLite database is selected.
func (c *Config) UsesSQLite() bool { return c.DatabaseURL == "" }

// SQLitePath is the SQLite database file inside the data directory.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "clout.db") }

// EnsureSecret fills Secret from the data directory in development, creating
// a random one on first use. It reports what it did through log.
func (c *Config) EnsureSecret(log *slog.Logger) error {
	if c.Secret != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret")
	if b, err := os.ReadFile(path); err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < MinSecretLen {
			return fmt.Errorf("config: CLOUT_SECRET: the generated secret in %s is damaged; delete it or set CLOUT_SECRET", path)
		}
		c.Secret, c.SecretGenerated = s, true
		log.Info("CLOUT_SECRET is not set; using the development secret kept in the data directory", "path", path)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("config: CLOUT_SECRET: reading %s: %w", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: CLOUT_DATA_DIR: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return err
	}
	s := hex.EncodeToString(buf)
	// Written whole to a temporary file, then linked into place: a process
	// starting at the same moment sees either no file or the complete one, and
	// when two race, the link fails for one of them, which reads the winner's.
	f, err := os.CreateTemp(c.DataDir, ".secret-*")
	if err != nil {
		return fmt.Errorf("config: CLOUT_SECRET: writing into %s: %w", c.DataDir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, werr := f.WriteString(s + "\n")
	if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("config: CLOUT_SECRET: writing %s: %w", tmp, err)
	}
	if err := os.Link(tmp, path); errors.Is(err, os.ErrExist) {
		return c.EnsureSecret(log)
	} else if err != nil {
		return fmt.Errorf("config: CLOUT_SECRET: writing %s: %w", path, err)
	}
	c.Secret, c.SecretGenerated = s, true
	log.Warn("CLOUT_SECRET is not set; generated a development secret and saved it in the data directory (set CLOUT_SECRET in production)", "path", path)
	return nil
}

// LogValue masks secrets when the config is logged.
func (c *Config) LogValue() slog.Value {
	db := "sqlite:" + c.SQLitePath()
	if c.DatabaseURL != "" {
		db = MaskURL(c.DatabaseURL)
	}
	secret := "unset"
	if c.Secret != "" {
		secret = "****"
	}
	smtp := "unset (mail stays in the outbox)"
	if c.SMTPURL != "" {
		smtp = MaskURL(c.SMTPURL)
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("base_url", c.BaseURL), slog.String("database", db),
		slog.String("data_dir", c.DataDir), slog.String("secret", secret), slog.String("env", c.Env),
		slog.Any("trusted_proxies", c.TrustedProxies), slog.String("stripe_api_base", c.StripeAPIBase),
		slog.String("smtp", smtp), slog.String("mail_from", c.MailFrom),
	)
}

// MaskURL hides the password in a URL.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	return u.String()
}
