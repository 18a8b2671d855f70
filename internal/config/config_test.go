package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(env map[string]string) (*Config, error) {
	return Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

func TestDefaults(t *testing.T) {
	c, err := load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.DataDir != "./data" || !c.UsesSQLite() || c.SecureCookies() ||
		c.SMTPURL != "" || c.MailFrom != "Clout <no-reply@localhost>" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"CLOUT_ADDR":             {"CLOUT_ADDR": "8080"},
		"CLOUT_BASE_URL":         {"CLOUT_BASE_URL": "ftp://example.com"},
		"DATABASE_URL":           {"DATABASE_URL": "mysql://root@localhost/clout"},
		"CLOUT_TRUSTED_PROXIES":  {"CLOUT_TRUSTED_PROXIES": "10.0.0.0/8,banana"},
		"CLOUT_SECRET":           {"CLOUT_SECRET": "short"},
		"CLOUT_ENV":              {"CLOUT_ENV": "staging"},
		"CLOUT_SHUTDOWN_TIMEOUT": {"CLOUT_SHUTDOWN_TIMEOUT": "soon"},
		"CLOUT_LOG_LEVEL":        {"CLOUT_LOG_LEVEL": "loud"},
		"CLOUT_STRIPE_API_BASE":  {"CLOUT_STRIPE_API_BASE": "localhost:12111"},
	}
	for name, env := range cases {
		_, err := load(env)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want one naming %s", name, err, name)
		}
	}
	if _, err := load(map[string]string{"CLOUT_ENV": "production"}); err == nil || !strings.Contains(err.Error(), "CLOUT_SECRET") {
		t.Errorf("production without secret: %v", err)
	}
}

func TestParsesGoodValues(t *testing.T) {
	c, err := load(map[string]string{"CLOUT_BASE_URL": "https://go.example.com/", "CLOUT_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7",
		"DATABASE_URL": "postgres://u:hunter2@db/clout", "CLOUT_STRIPE_API_BASE": "http://localhost:12111"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://go.example.com" || !c.SecureCookies() || len(c.Proxies()) != 2 || c.UsesSQLite() {
		t.Fatalf("parsed: %+v", c)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "config", c)
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatalf("password logged: %s", buf.String())
	}
}

func TestEnsureSecretGeneratesOnceAndKeepsIt(t *testing.T) {
	dir := t.TempDir()
	c, _ := load(map[string]string{"CLOUT_DATA_DIR": dir})
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	if err := c.EnsureSecret(log); err != nil {
		t.Fatal(err)
	}
	if len(c.Secret) < MinSecretLen || !strings.Contains(buf.String(), "generated") {
		t.Fatalf("secret %q, log %s", c.Secret, buf.String())
	}
	st, err := os.Stat(filepath.Join(dir, "secret"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	c2, _ := load(map[string]string{"CLOUT_DATA_DIR": dir})
	if err := c2.EnsureSecret(log); err != nil || c2.Secret != c.Secret {
		t.Fatalf("second start: %q vs %q (%v)", c2.Secret, c.Secret, err)
	}
	if strings.Contains(buf.String(), c.Secret) {
		t.Fatal("the secret itself was logged")
	}
}

// Processes starting at once (serve and brand create) agree on one secret.
func TestEnsureSecretConcurrentStarts(t *testing.T) {
	dir := t.TempDir()
	secrets := make([]string, 8)
	errs := make([]error, 8)
	done := make(chan int)
	for i := range secrets {
		go func() {
			c, _ := load(map[string]string{"CLOUT_DATA_DIR": dir})
			errs[i] = c.EnsureSecret(slog.New(slog.DiscardHandler))
			secrets[i] = c.Secret
			done <- i
		}()
	}
	for range secrets {
		<-done
	}
	for i := range secrets {
		if errs[i] != nil || secrets[i] != secrets[0] || len(secrets[i]) < MinSecretLen {
			t.Fatalf("start %d: %q %v; first: %q", i, secrets[i], errs[i], secrets[0])
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("data dir holds %d files, want only the secret", len(entries))
	}
}

func TestSMTPSettings(t *testing.T) {
	good := []string{
		"smtp://mail.example.com:587",
		"smtps://mail.example.com:465",
		"smtp://apikey:s3cr%2Ft@mail.example.com:2525",
		"smtps://user%40example.com:pw@[::1]:465/",
	}
	for _, u := range good {
		if _, err := load(map[string]string{"CLOUT_SMTP_URL": u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	bad := map[string]string{
		"http://mail.example.com:587":             "scheme",
		"smtp://mail.example.com":                 "port",
		"smtp://:587":                             "host",
		"smtp://mail.example.com:0":               "port",
		"smtp://mail.example.com:99999":           "port",
		"smtp://mail.example.com:587/inbox":       "path",
		"smtp://mail.example.com:587?tls=off":     "query",
		"smtp://justauser@mail.example.com:587":   "user:password",
		"smtp:mail.example.com:587":               "host",
		"smtp://us er:hunter2@mail example.com:5": "valid URL",
	}
	for u, want := range bad {
		_, err := load(map[string]string{"CLOUT_SMTP_URL": u})
		if err == nil || !strings.HasPrefix(err.Error(), "config: CLOUT_SMTP_URL: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want CLOUT_SMTP_URL and %q", u, err, want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the password is in the error: %v", u, err)
		}
	}

	for _, from := range []string{"no-reply@example.com", "Acme Creators <creators@acme.test>", "\"Zoë's shop\" <z@example.com>"} {
		c, err := load(map[string]string{"CLOUT_MAIL_FROM": from})
		if err != nil || c.MailFrom != from {
			t.Errorf("%s: %v", from, err)
		}
	}
	for _, from := range []string{"not an address", "Clout <no-reply@localhost>\r\nBcc: x@example.com", "a@b, c@d"} {
		_, err := load(map[string]string{"CLOUT_MAIL_FROM": from})
		if err == nil || !strings.HasPrefix(err.Error(), "config: CLOUT_MAIL_FROM: ") {
			t.Errorf("%q: err = %v, want one naming CLOUT_MAIL_FROM", from, err)
		}
	}

	c, err := load(map[string]string{"CLOUT_SMTP_URL": "smtps://apikey:hunter2@smtp.example.com:465", "CLOUT_MAIL_FROM": "Acme <hi@acme.test>"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "config", c)
	if strings.Contains(buf.String(), "hunter2") || !strings.Contains(buf.String(), "smtp.example.com:465") || !strings.Contains(buf.String(), "hi@acme.test") {
		t.Fatalf("logged: %s", buf.String())
	}
}
