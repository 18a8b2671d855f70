package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/store"
)

const (
	// maxAttempts failed deliveries and a message is given up: it stays in
	// the outbox, unsent, with its last error.
	maxAttempts = 10
	// leaseFor is how long a claimed message is kept from other senders; it
	// must outlast dialTimeout plus ioTimeout.
	leaseFor     = 5 * time.Minute
	firstBackoff = time.Minute
	maxBackoff   = time.Hour
	maxErrorLen  = 1000
)

// Sender delivers the outbox over SMTP: unsent messages, oldest first, each
// claimed with a short lease so that several instances sharing a database
// never send one twice. A failed delivery is retried with exponential
// backoff (1 min, 2, 4 … up to 1 h), at most maxAttempts times.
type Sender struct {
	db             *store.DB
	log            *slog.Logger
	addr           string // host:port
	host           string
	implicitTLS    bool // smtps
	user, password string
	from           *mail.Address
	domain         string // of from, for Message-IDs

	now         func() time.Time
	tlsConfig   *tls.Config // base TLS settings; ServerName is set per dial
	dialTimeout time.Duration
	ioTimeout   time.Duration // per message, on the connection
	interval    time.Duration
	batch       int

	wake     chan struct{}
	stop     chan struct{}
	mu       sync.Mutex
	stopped  bool
	loopDone chan struct{} // closed when the running loop returns; nil when none runs
}

// NewSender returns a sender delivering db's outbox through the server at
// smtpURL (smtp://[user:password@]host:port, STARTTLS when offered, or
// smtps://… for TLS from the start), from the address from.
func NewSender(db *store.DB, smtpURL, from string, log *slog.Logger) (*Sender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		// url's errors repeat the URL, and with it the password.
		return nil, errors.New("mail: the SMTP URL does not parse")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("mail: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" || port == "" {
		return nil, errors.New("mail: the SMTP URL needs a host and a port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %q", port)
	}
	if strings.ContainsAny(from, "\r\n") {
		return nil, errors.New("mail: the From address must be one line")
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: From address %q: %w", from, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sender{
		db: db, log: log, addr: net.JoinHostPort(host, port), host: host, implicitTLS: u.Scheme == "smtps",
		from: addr, domain: addr.Address[strings.LastIndexByte(addr.Address, '@')+1:],
		now: store.Now, dialTimeout: 10 * time.Second, ioTimeout: 60 * time.Second, interval: 2 * time.Second, batch: 10,
		wake: make(chan struct{}, 1), stop: make(chan struct{}),
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// Notify wakes the delivery loop early, for example after a commit that
// queued mail.
func (s *Sender) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers pending mail every couple of seconds (and when notified) until
// ctx is done or Drain is called. A delivery under way when ctx ends is
// finished, not cut off.
func (s *Sender) Run(ctx context.Context) {
	s.mu.Lock()
	if s.stopped || s.loopDone != nil {
		s.mu.Unlock()
		return
	}
	done := make(chan struct{})
	s.loopDone = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.loopDone = nil
		s.mu.Unlock()
		close(done)
	}()
	quit := func() bool {
		select {
		case <-ctx.Done():
			return true
		case <-s.stop:
			return true
		default:
			return false
		}
	}
	work := context.WithoutCancel(ctx)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		if _, err := s.pass(work, quit); err != nil && !isDeliveryError(err) {
			s.log.WarnContext(ctx, "mail: delivering the outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-tick.C:
		case <-s.wake:
		}
	}
}

// Drain stops the loop, waits for it, then makes one last attempt to send
// what is pending. It returns when that is done or ctx expires; messages it
// cannot deliver stay queued for the next start.
func (s *Sender) Drain(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stop)
	}
	done := s.loopDone
	s.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("mail: draining the outbox: %w", ctx.Err())
		}
	}
	sent, err := s.SendPending(ctx)
	if sent > 0 {
		s.log.Info("mail: sent pending mail before exit", "sent", sent)
	}
	if err != nil && !isDeliveryError(err) {
		return fmt.Errorf("mail: draining the outbox: %w", err)
	}
	return nil
}

// SendPending makes one pass over the outbox, delivering what is due, and
// reports how many messages it sent. Failed deliveries are recorded on their
// messages; the error is about the pass (the database, an unreachable server,
// ctx).
func (s *Sender) SendPending(ctx context.Context) (sent int, err error) {
	return s.pass(ctx, func() bool { return ctx.Err() != nil })
}

// pending is an outbox row due for delivery.
type pending struct {
	ID       string
	ToAddr   string
	Subject  string
	Body     string
	Attempts int
}

// deliveryError marks a pass that stopped because the server could not be
// reached; the failure is already recorded on the message and logged.
type deliveryError struct{ err error }

func (e deliveryError) Error() string { return e.err.Error() }
func (e deliveryError) Unwrap() error { return e.err }

func isDeliveryError(err error) bool {
	var d deliveryError
	return errors.As(err, &d)
}

func (s *Sender) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// pass delivers due messages in batches until none is left or quit says so.
// One SMTP connection serves the whole pass, opened at the first message.
func (s *Sender) pass(ctx context.Context, quit func() bool) (sent int, err error) {
	var conn *smtpConn
	defer func() {
		if conn != nil {
			conn.quit()
		}
	}()
	for !quit() {
		now := s.clock()
		var batch []pending
		err := s.db.WithContext(ctx).Table("outbox").Select("id, to_addr, subject, body, attempts").
			Where("sent_at IS NULL AND attempts < ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", maxAttempts, now).
			Order("created_at, id").Limit(s.batch).Find(&batch).Error
		if err != nil {
			return sent, fmt.Errorf("mail: reading the outbox: %w", err)
		}
		claimed := 0
		for _, m := range batch {
			if quit() {
				return sent, ctx.Err()
			}
			ok, err := s.claim(ctx, m.ID)
			if err != nil {
				return sent, err
			}
			if !ok {
				continue // sent or claimed by another sender meanwhile
			}
			claimed++
			msg, to, err := s.build(m, s.clock())
			if err != nil {
				s.failed(ctx, m, err, true)
				continue
			}
			if conn == nil {
				if conn, err = s.dial(ctx); err != nil {
					s.failed(ctx, m, err, false)
					return sent, deliveryError{fmt.Errorf("mail: %w", err)}
				}
			}
			if err := conn.send(s.from.Address, to, msg, s.ioTimeout); err != nil {
				s.failed(ctx, m, err, false)
				if !conn.reset(err) {
					conn.close()
					conn = nil
				}
				continue
			}
			if err := s.markSent(ctx, m.ID); err != nil {
				return sent, err
			}
			sent++
		}
		if claimed == 0 {
			return sent, nil // nothing left that this sender may take
		}
	}
	return sent, ctx.Err()
}

// claim leases a due message to this sender: the conditional update succeeds
// for one sender only, and the others skip the message until the lease ends.
func (s *Sender) claim(ctx context.Context, id string) (bool, error) {
	now := s.clock()
	res := s.db.WithContext(ctx).Exec("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL AND attempts < ? "+
		"AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", now.Add(leaseFor), id, maxAttempts, now)
	if res.Error != nil {
		return false, fmt.Errorf("mail: claiming %s: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// detached keeps recording outcomes once ctx has ended: a message that went
// out must be marked sent even when shutdown cut the pass short.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

func (s *Sender) markSent(ctx context.Context, id string) error {
	dctx, cancel := detached(ctx)
	defer cancel()
	err := s.db.WithContext(dctx).Exec("UPDATE outbox SET sent_at = ?, next_attempt_at = NULL, last_error = '' WHERE id = ?", s.clock(), id).Error
	if err != nil {
		s.log.ErrorContext(ctx, "mail: a message went out but could not be marked sent; it will be sent again when its lease ends",
			"id", id, "err", err)
		return fmt.Errorf("mail: marking %s sent: %w", id, err)
	}
	s.log.DebugContext(ctx, "mail: sent", "id", id)
	return nil
}

// backoff is the wait after the given number of failed attempts.
func backoff(attempts int) time.Duration {
	d := firstBackoff
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// failed records a failed attempt: a permanent failure (a message that can
// never be sent) uses up every attempt at once.
func (s *Sender) failed(ctx context.Context, m pending, cause error, permanent bool) {
	attempts := m.Attempts + 1
	if permanent {
		attempts = maxAttempts
	}
	now := s.clock()
	var next *time.Time
	if attempts < maxAttempts {
		t := now.Add(backoff(attempts))
		next = &t
	}
	msg := s.scrub(cause)
	dctx, cancel := detached(ctx)
	defer cancel()
	err := s.db.WithContext(dctx).Exec("UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ? AND sent_at IS NULL",
		attempts, msg, next, m.ID).Error
	if err != nil {
		s.log.ErrorContext(ctx, "mail: recording a failed delivery", "id", m.ID, "err", err)
	}
	if next == nil {
		s.log.WarnContext(ctx, "mail: giving up on a message; it stays unsent in the outbox", "id", m.ID, "to", m.ToAddr,
			"attempts", attempts, "err", msg)
		return
	}
	s.log.WarnContext(ctx, "mail: delivery failed; will retry", "id", m.ID, "to", m.ToAddr, "attempt", attempts,
		"retry_at", next.Format(time.RFC3339), "err", msg)
}

// scrub renders an error for last_error and the log, without credentials.
func (s *Sender) scrub(err error) string {
	msg := err.Error()
	if s.password != "" {
		msg = strings.ReplaceAll(msg, s.password, "****")
		msg = strings.ReplaceAll(msg, url.QueryEscape(s.password), "****")
	}
	if len(msg) > maxErrorLen {
		msg = strings.ToValidUTF8(msg[:maxErrorLen], "") + "…"
	}
	return msg
}

// build renders a message as RFC 5322 text: plain UTF-8, quoted-printable.
// It refuses line breaks and other control characters in headers.
func (s *Sender) build(m pending, now time.Time) (msg []byte, rcpt string, err error) {
	for _, r := range m.Subject {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return nil, "", errors.New("refused: the subject holds a line break or control character")
		}
	}
	if strings.ContainsFunc(m.ToAddr, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, "", errors.New("refused: the recipient address holds a line break or control character")
	}
	to, err := mail.ParseAddress(m.ToAddr)
	if err != nil {
		return nil, "", fmt.Errorf("refused: bad recipient address: %w", err)
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from.String())
	header("To", to.String())
	// Long encoded subjects are folded between encoded words.
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", m.Subject), "?= =?", "?=\r\n =?"))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+m.ID+"@"+s.domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Body)); err != nil {
		return nil, "", err
	}
	if err := qp.Close(); err != nil {
		return nil, "", err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), to.Address, nil
}

// smtpConn is one SMTP session, reused for the messages of a pass.
type smtpConn struct {
	raw       net.Conn // deadlines go here
	c         *smtp.Client
	stopAbort func() bool
}

// dial connects, says hello, upgrades to TLS (smtps, or STARTTLS when the
// server offers it) and authenticates with PLAIN when credentials are set.
// net/smtp refuses PLAIN over a connection without TLS except to localhost.
func (s *Sender) dial(ctx context.Context) (*smtpConn, error) {
	tcfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.tlsConfig != nil {
		tcfg = s.tlsConfig.Clone()
	}
	tcfg.ServerName = s.host
	nd := &net.Dialer{Timeout: s.dialTimeout}
	var raw net.Conn
	var err error
	if s.implicitTLS {
		raw, err = (&tls.Dialer{NetDialer: nd, Config: tcfg}).DialContext(ctx, "tcp", s.addr)
	} else {
		raw, err = nd.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", s.addr, err)
	}
	conn := &smtpConn{raw: raw}
	// Shutdown's deadline cuts a session short.
	conn.stopAbort = context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	fail := func(step string, err error) (*smtpConn, error) {
		conn.close()
		return nil, fmt.Errorf("%s %s: %w", step, s.addr, err)
	}
	raw.SetDeadline(time.Now().Add(s.ioTimeout))
	if conn.c, err = smtp.NewClient(raw, s.host); err != nil {
		return fail("greeting from", err)
	}
	if !s.implicitTLS {
		if ok, _ := conn.c.Extension("STARTTLS"); ok {
			if err := conn.c.StartTLS(tcfg); err != nil {
				return fail("STARTTLS with", err)
			}
		}
	}
	if s.user != "" {
		if ok, _ := conn.c.Extension("AUTH"); !ok {
			return fail("authenticating to", errors.New("the server offers no AUTH (over TLS, it may only offer it after STARTTLS)"))
		}
		if err := conn.c.Auth(smtp.PlainAuth("", s.user, s.password, s.host)); err != nil {
			return fail("authenticating to", err)
		}
	}
	return conn, nil
}

// send delivers one message on the session.
func (c *smtpConn) send(from, to string, msg []byte, timeout time.Duration) error {
	c.raw.SetDeadline(time.Now().Add(timeout))
	if err := c.c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return nil
}

// reset readies the session for the next message after err; false means the
// session is unusable (err was not an SMTP reply, or RSET failed).
func (c *smtpConn) reset(err error) bool {
	var reply *textproto.Error
	if !errors.As(err, &reply) {
		return false
	}
	return c.c.Reset() == nil
}

func (c *smtpConn) quit() {
	if c.c != nil {
		c.raw.SetDeadline(time.Now().Add(5 * time.Second))
		if c.c.Quit() == nil {
			c.stopAbort()
			return
		}
	}
	c.close()
}

func (c *smtpConn) close() {
	c.stopAbort()
	if c.c != nil {
		c.c.Close()
	} else {
		c.raw.Close()
	}
}
