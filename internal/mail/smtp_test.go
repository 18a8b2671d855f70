package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// A real SMTP server in the test process, recording what it accepts.

type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

const (
	acceptAll = iota
	rejectRcpt
	rejectData
)

type testServer struct {
	Addr      string
	user      string // AUTH PLAIN required when set
	password  string
	mode      atomic.Int32
	rcptTries atomic.Int32

	mu   sync.Mutex
	msgs []received
}

type serverOptions struct {
	user, password string
	tls            *tls.Config // offered through STARTTLS
	implicitTLS    *tls.Config // the listener speaks TLS from the start
}

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	ts := &testServer{user: o.user, password: o.password}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &testSession{srv: ts, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = o.tls
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.implicitTLS != nil {
		ln = tls.NewListener(ln, o.implicitTLS)
	}
	ts.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ts
}

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

type testSession struct {
	srv  *testServer
	conn *gosmtp.Conn
	user string
	cur  received
}

func (s *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.password {
			return gosmtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.srv.user != "" && s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	s.cur = received{From: from, User: s.user}
	return nil
}

func (s *testSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.srv.rcptTries.Add(1)
	if s.srv.mode.Load() == rejectRcpt {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.mode.Load() == rejectData {
		return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: "Message rejected"}
	}
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.cur.Data = b
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.cur = received{} }
func (s *testSession) Logout() error { return nil }

// A settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const testFrom = "Clout Test <no-reply@clout.test>"

func newSender(t *testing.T, db *store.DB, smtpURL string, clock *fakeClock, logs io.Writer) *Sender {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	s, err := NewSender(db, smtpURL, testFrom, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	if clock != nil {
		s.now = clock.Now
	}
	s.dialTimeout, s.ioTimeout = 5*time.Second, 10*time.Second
	return s
}

func enqueue(t *testing.T, db *store.DB, to, subject, body string) Message {
	t.Helper()
	box := NewOutbox(db, slog.New(slog.DiscardHandler), false)
	if err := box.Enqueue(context.Background(), nil, "", to, subject, body); err != nil {
		t.Fatal(err)
	}
	m, err := box.Latest(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}

type deliveryState struct {
	Attempts      int
	LastError     string
	NextAttemptAt *time.Time
	SentAt        *time.Time
}

func stateOf(t *testing.T, db *store.DB, id string) deliveryState {
	t.Helper()
	var st deliveryState
	if err := db.Raw("SELECT attempts, last_error, next_attempt_at, sent_at FROM outbox WHERE id = ?", id).Scan(&st).Error; err != nil {
		t.Fatal(err)
	}
	return st
}

func sendPending(t *testing.T, s *Sender) int {
	t.Helper()
	n, err := s.SendPending(context.Background())
	if err != nil {
		t.Fatalf("SendPending: %v", err)
	}
	return n
}

// parse reads a received message, decoding its subject and body.
func parse(t *testing.T, r received) (h mail.Header, subject, body string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("reading message: %v\n%s", err, r.Data)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return msg.Header, subject, strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestSenderDeliversWithHeaders(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, serverOptions{})
		clock := &fakeClock{t: time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)}
		s := newSender(t, db, "smtp://"+srv.Addr, clock, nil)

		long := strings.Repeat("0123456789", 12) + "=end"
		want := []struct{ to, subject, body string }{
			{"ana@example.com", "Welcome to Acme", "Hi Ana,\n\nSign in at https://acme.test/login?a=1&b=2\n"},
			{"zoe@example.com", "Zoë, your application was approved — félicitations! " + strings.Repeat("ü", 40),
				"Grüße,\n" + long + "\n.\nA line that starts with a dot above.\n"},
			{"bo@example.com", "No trailing newline", "just text"},
		}
		var ids []string
		for _, w := range want {
			ids = append(ids, enqueue(t, db, w.to, w.subject, w.body).ID)
			time.Sleep(2 * time.Millisecond) // distinct created_at, so the order is known
		}
		if n := sendPending(t, s); n != len(want) {
			t.Fatalf("sent %d, want %d", n, len(want))
		}
		got := srv.received()
		if len(got) != len(want) {
			t.Fatalf("server received %d messages, want %d", len(got), len(want))
		}
		for i, w := range want {
			r := got[i]
			if r.From != "no-reply@clout.test" || len(r.To) != 1 || r.To[0] != w.to {
				t.Errorf("%d: envelope from %q to %v", i, r.From, r.To)
			}
			h, subject, body := parse(t, r)
			if subject != w.subject || body != w.body+map[bool]string{true: "", false: "\n"}[strings.HasSuffix(w.body, "\n")] {
				t.Errorf("%d: subject %q body %q", i, subject, body)
			}
			from, err := mail.ParseAddress(h.Get("From"))
			if err != nil || from.Name != "Clout Test" || from.Address != "no-reply@clout.test" {
				t.Errorf("%d: From %q (%v)", i, h.Get("From"), err)
			}
			if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != w.to {
				t.Errorf("%d: To %q (%v)", i, h.Get("To"), err)
			}
			if d, err := h.Date(); err != nil || !d.Equal(clock.Now()) {
				t.Errorf("%d: Date %q (%v)", i, h.Get("Date"), err)
			}
			if h.Get("Message-ID") != "<"+ids[i]+"@clout.test>" {
				t.Errorf("%d: Message-ID %q", i, h.Get("Message-ID"))
			}
			if h.Get("MIME-Version") != "1.0" || h.Get("Content-Type") != "text/plain; charset=utf-8" ||
				h.Get("Content-Transfer-Encoding") != "quoted-printable" {
				t.Errorf("%d: MIME headers %v", i, h)
			}
			for _, line := range strings.Split(string(r.Data), "\r\n") {
				if len(line) > 998 {
					t.Errorf("%d: line of %d characters", i, len(line))
				}
			}
			st := stateOf(t, db, ids[i])
			if st.SentAt == nil || !st.SentAt.Equal(clock.Now()) || st.Attempts != 0 || st.LastError != "" || st.NextAttemptAt != nil {
				t.Errorf("%d: state after delivery %+v", i, st)
			}
		}
		// Non-ASCII subjects are RFC 2047 encoded, so the raw headers stay ASCII.
		if raw := string(got[1].Data[:bytes.Index(got[1].Data, []byte("\r\n\r\n"))]); strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
			t.Errorf("raw headers are not ASCII:\n%s", raw)
		}
		if n := sendPending(t, s); n != 0 || len(srv.received()) != len(want) {
			t.Fatalf("second pass sent %d", n)
		}
	})
}

func TestSenderRetriesWithBackoff(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, serverOptions{})
		clock := &fakeClock{t: store.Now()}
		s := newSender(t, db, "smtp://"+srv.Addr, clock, nil)
		m := enqueue(t, db, "ana@example.com", "Hello", "Body\n")

		srv.mode.Store(rejectRcpt)
		if n := sendPending(t, s); n != 0 {
			t.Fatalf("sent %d to a server that rejects", n)
		}
		st := stateOf(t, db, m.ID)
		if st.SentAt != nil || st.Attempts != 1 || !strings.Contains(st.LastError, "550") ||
			st.NextAttemptAt == nil || !st.NextAttemptAt.Equal(clock.Now().Add(time.Minute)) {
			t.Fatalf("after a 550: %+v", st)
		}

		// Not due yet: nothing is tried.
		clock.Advance(30 * time.Second)
		tries := srv.rcptTries.Load()
		if n := sendPending(t, s); n != 0 || srv.rcptTries.Load() != tries {
			t.Fatalf("retried before next_attempt_at (sent %d)", n)
		}

		// Due; rejected at DATA this time: the wait doubles.
		clock.Advance(31 * time.Second)
		srv.mode.Store(rejectData)
		if n := sendPending(t, s); n != 0 {
			t.Fatalf("sent %d", n)
		}
		st = stateOf(t, db, m.ID)
		if st.SentAt != nil || st.Attempts != 2 || !strings.Contains(st.LastError, "554") ||
			st.NextAttemptAt == nil || !st.NextAttemptAt.Equal(clock.Now().Add(2*time.Minute)) {
			t.Fatalf("after a 554: %+v", st)
		}
		if len(srv.received()) != 0 {
			t.Fatal("the server kept a rejected message")
		}

		// The server accepts again and the time has come.
		srv.mode.Store(acceptAll)
		clock.Advance(2 * time.Minute)
		if n := sendPending(t, s); n != 1 {
			t.Fatalf("sent %d, want 1", n)
		}
		st = stateOf(t, db, m.ID)
		if st.SentAt == nil || st.Attempts != 2 || st.LastError != "" {
			t.Fatalf("after delivery: %+v", st)
		}
		if got := srv.received(); len(got) != 1 || got[0].To[0] != "ana@example.com" {
			t.Fatalf("received %+v", got)
		}
	})
}

func TestSenderGivesUp(t *testing.T) {
	db := testutil.SQLite(t)
	srv := startServer(t, serverOptions{})
	srv.mode.Store(rejectRcpt)
	clock := &fakeClock{t: store.Now()}
	var logs syncBuffer
	s := newSender(t, db, "smtp://"+srv.Addr, clock, &logs)
	m := enqueue(t, db, "ana@example.com", "Hello", "Body")
	for i := 1; i <= maxAttempts; i++ {
		sendPending(t, s)
		st := stateOf(t, db, m.ID)
		if st.Attempts != i {
			t.Fatalf("attempt %d: %+v", i, st)
		}
		clock.Advance(time.Hour)
	}
	st := stateOf(t, db, m.ID)
	if st.SentAt != nil || st.NextAttemptAt != nil || !strings.Contains(st.LastError, "550") {
		t.Fatalf("after giving up: %+v", st)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"mail: giving up") {
		t.Fatalf("no warning logged:\n%s", logs.String())
	}
	srv.mode.Store(acceptAll)
	tries := srv.rcptTries.Load()
	clock.Advance(24 * time.Hour)
	if n := sendPending(t, s); n != 0 || srv.rcptTries.Load() != tries {
		t.Fatal("tried again after giving up")
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if backoff(1000) != time.Hour {
		t.Error("no cap")
	}
}

// Several senders (instances) on one database send each message once.
func TestSenderConcurrentDeliversOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, serverOptions{})
		const total = 40
		for i := range total {
			enqueue(t, db, fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("Message %d", i), "Body\n")
		}
		const senders = 4
		counts := make([]int, senders)
		errs := make([]error, senders)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range senders {
			s := newSender(t, db, "smtp://"+srv.Addr, nil, nil)
			s.batch = 3
			wg.Go(func() {
				<-start
				counts[i], errs[i] = s.SendPending(context.Background())
			})
		}
		close(start)
		wg.Wait()
		sum := 0
		for i := range senders {
			if errs[i] != nil {
				t.Fatalf("sender %d: %v", i, errs[i])
			}
			sum += counts[i]
		}
		seen := map[string]int{}
		for _, r := range srv.received() {
			h, _, _ := parse(t, r)
			seen[h.Get("Message-ID")]++
		}
		if sum != total || len(seen) != total {
			t.Fatalf("senders report %d (%v), server has %d distinct of %d received", sum, counts, len(seen), len(srv.received()))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s delivered %d times", id, n)
			}
		}
		var unsent int64
		db.Table("outbox").Where("sent_at IS NULL").Count(&unsent)
		if unsent != 0 {
			t.Fatalf("%d left unsent", unsent)
		}
	})
}

func TestSenderAuthPlain(t *testing.T) {
	db := testutil.SQLite(t)
	srv := startServer(t, serverOptions{user: "apikey", password: "s3cr3t/pa ss"})
	clock := &fakeClock{t: store.Now()}

	// A wrong password: recorded, and the password is in neither the error nor the log.
	var logs syncBuffer
	bad := newSender(t, db, "smtp://apikey:hunter2hunter2@"+srv.Addr, clock, &logs)
	m := enqueue(t, db, "ana@example.com", "Hi", "Body")
	if _, err := bad.SendPending(context.Background()); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad password: err = %v", err)
	}
	st := stateOf(t, db, m.ID)
	if st.SentAt != nil || st.Attempts != 1 || !strings.Contains(st.LastError, "535") || strings.Contains(st.LastError, "hunter2") {
		t.Fatalf("after failed auth: %+v", st)
	}
	if strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "535") {
		t.Fatalf("log:\n%s", logs.String())
	}

	clock.Advance(time.Minute)
	good := newSender(t, db, "smtp://apikey:s3cr3t%2Fpa%20ss@"+srv.Addr, clock, nil)
	if n := sendPending(t, good); n != 1 {
		t.Fatalf("sent %d with credentials", n)
	}
	if got := srv.received(); len(got) != 1 || got[0].User != "apikey" {
		t.Fatalf("received %+v", got)
	}
}

func TestSenderTLS(t *testing.T) {
	serverTLS, clientTLS := testCertificates(t)
	for _, tc := range []struct {
		name   string
		opts   serverOptions
		scheme string
	}{
		{"starttls", serverOptions{tls: serverTLS, user: "u", password: "p"}, "smtp"},
		{"smtps", serverOptions{implicitTLS: serverTLS, user: "u", password: "p"}, "smtps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := testutil.SQLite(t)
			srv := startServer(t, tc.opts)
			s := newSender(t, db, tc.scheme+"://u:p@"+srv.Addr, nil, nil)
			s.tlsConfig = clientTLS
			enqueue(t, db, "ana@example.com", "Over TLS", "Body")
			if n := sendPending(t, s); n != 1 {
				t.Fatalf("sent %d", n)
			}
			if got := srv.received(); len(got) != 1 || !got[0].TLS || got[0].User != "u" {
				t.Fatalf("received %+v", got)
			}

			// Without the private root the certificate is refused.
			s2 := newSender(t, db, tc.scheme+"://u:p@"+srv.Addr, nil, nil)
			m := enqueue(t, db, "bo@example.com", "Untrusted", "Body")
			if _, err := s2.SendPending(context.Background()); err == nil {
				t.Fatal("an untrusted certificate was accepted")
			}
			if st := stateOf(t, db, m.ID); st.SentAt != nil || st.Attempts != 1 || !strings.Contains(st.LastError, "certificate") {
				t.Fatalf("untrusted: %+v", st)
			}
		})
	}
}

func TestSenderRefusesHeaderInjection(t *testing.T) {
	db := testutil.SQLite(t)
	srv := startServer(t, serverOptions{})
	s := newSender(t, db, "smtp://"+srv.Addr, nil, nil)
	bad := []Message{
		enqueue(t, db, "ana@example.com", "Hello\r\nBcc: evil@example.com", "Body"),
		enqueue(t, db, "bo@example.com\r\nBcc: evil@example.com", "Hello", "Body"),
		enqueue(t, db, "cy@example.com", "Hello\nX-Evil: 1", "Body"),
		enqueue(t, db, "not an address", "Hello", "Body"),
	}
	if n := sendPending(t, s); n != 0 || len(srv.received()) != 0 {
		t.Fatalf("sent %d", n)
	}
	for _, m := range bad {
		if st := stateOf(t, db, m.ID); st.SentAt != nil || st.Attempts != maxAttempts || !strings.Contains(st.LastError, "refused") {
			t.Errorf("%q / %q: %+v", m.ToAddr, m.Subject, st)
		}
	}
}

func TestSenderUnreachableServer(t *testing.T) {
	db := testutil.SQLite(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newSender(t, db, "smtp://"+addr, nil, nil)
	a := enqueue(t, db, "ana@example.com", "A", "Body")
	time.Sleep(2 * time.Millisecond)
	b := enqueue(t, db, "bo@example.com", "B", "Body")
	if _, err := s.SendPending(context.Background()); err == nil || !strings.Contains(err.Error(), "connecting") {
		t.Fatalf("err = %v", err)
	}
	// The pass stops at the first failed connection; the next message waits its turn.
	if st := stateOf(t, db, a.ID); st.Attempts != 1 || !strings.Contains(st.LastError, "connecting") {
		t.Fatalf("first: %+v", st)
	}
	if st := stateOf(t, db, b.ID); st.Attempts != 0 || st.NextAttemptAt != nil {
		t.Fatalf("second: %+v", st)
	}
	// Shutdown is not failed by an unreachable server: the mail stays queued.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

func TestSenderRunNotifyDrain(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, serverOptions{})
		s := newSender(t, db, "smtp://"+srv.Addr, nil, nil)
		s.interval = time.Hour // only Notify wakes the loop
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		runDone := make(chan struct{})
		go func() { s.Run(ctx); close(runDone) }()

		waitFor := func(n int) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for len(srv.received()) < n {
				if time.Now().After(deadline) {
					t.Fatalf("received %d, want %d", len(srv.received()), n)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		enqueue(t, db, "ana@example.com", "First", "Body")
		s.Notify()
		waitFor(1)
		enqueue(t, db, "bo@example.com", "Second", "Body")
		s.Notify()
		waitFor(2)

		// Queued while the loop sleeps: Drain stops the loop and sends it.
		time.Sleep(50 * time.Millisecond)
		enqueue(t, db, "cy@example.com", "Third", "Body")
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer dcancel()
		if err := s.Drain(dctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-runDone:
		case <-time.After(5 * time.Second):
			t.Fatal("Run still running after Drain")
		}
		if got := srv.received(); len(got) != 3 || got[2].To[0] != "cy@example.com" {
			t.Fatalf("received %+v", got)
		}
		// After Drain, Run returns at once and Drain again is harmless.
		s.Run(ctx)
		if err := s.Drain(dctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSenderDrainAfterCancelledRun(t *testing.T) {
	db := testutil.SQLite(t)
	srv := startServer(t, serverOptions{})
	s := newSender(t, db, "smtp://"+srv.Addr, nil, nil)
	s.interval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { s.Run(ctx); close(runDone) }()
	cancel() // the signal arrives
	<-runDone
	enqueue(t, db, "ana@example.com", "Last", "Body")
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(srv.received()) != 1 {
		t.Fatal("Drain did not send what was pending")
	}
	// An expired context stops Drain.
	enqueue(t, db, "bo@example.com", "Late", "Body")
	expired, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := s.Drain(expired); !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain with an expired context: %v", err)
	}
}

func TestNewSenderRejectsBadSettings(t *testing.T) {
	db := testutil.SQLite(t)
	for _, tc := range []struct{ url, from string }{
		{"http://mail.example.com:25", testFrom},
		{"smtp://mail.example.com", testFrom},
		{"smtp://:25", testFrom},
		{"smtp://mail.example.com:notaport", testFrom},
		{"smtp://mail.example.com:25", "not an address"},
		{"smtp://mail.example.com:25", "a@example.com\r\nBcc: b@example.com"},
	} {
		if _, err := NewSender(db, tc.url, tc.from, nil); err == nil {
			t.Errorf("NewSender(%q, %q) accepted", tc.url, tc.from)
		}
	}
	_, err := NewSender(db, "smtp://u:hunter2@mail example.com:25", testFrom, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unparseable URL: %v", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testCertificates makes a self-signed certificate for 127.0.0.1 and the
// client configuration that trusts it.
func testCertificates(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "clout test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}
