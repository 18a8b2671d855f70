package click

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func TestNonHuman(t *testing.T) {
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
	cases := []struct {
		method, ua, purpose, want string
	}{
		{"GET", chrome, "", ""},
		{"GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 300.0", "", ""},
		{"HEAD", chrome, "", "head"},
		{"GET", "Googlebot/2.1 (+http://www.google.com/bot.html)", "", "bot"},
		{"GET", "curl/8.5.0", "", "bot"},
		{"GET", "", "", "bot"},
		{"GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "", "preview"},
		{"GET", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "", "preview"},
		{"GET", "WhatsApp/2.23.20.0", "", "preview"},
		{"GET", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "", "preview"},
		{"GET", chrome, "prefetch;prerender", "preview"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/abc", nil)
		r.Header.Set("User-Agent", c.ua)
		if c.purpose != "" {
			r.Header.Set("Sec-Purpose", c.purpose)
		}
		if got := NonHuman(r); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.method, c.ua, got, c.want)
		}
	}
	for ua, want := range map[string]string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148":         Mobile,
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36":                Mobile,
		"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)":                                Tablet,
		"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Safari/537.36":    Tablet,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605": Desktop,
		"": Other,
	} {
		if got := DeviceClass(ua); got != want {
			t.Errorf("DeviceClass(%q) = %q, want %q", ua, got, want)
		}
	}
	if ReferrerHost("https://WWW.TikTok.com/@maya/video/1?x=1") != "www.tiktok.com" || ReferrerHost("::bad") != "" {
		t.Error("ReferrerHost")
	}
}

func TestVisitorHashRotatesDaily(t *testing.T) {
	h := NewHasher("0123456789abcdef0123456789abcdef")
	day := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	a := h.Visitor(day, "203.0.113.5", "UA")
	if a != h.Visitor(day.Add(13*time.Hour), "203.0.113.5", "UA") {
		t.Fatal("same visitor, same day: different hashes")
	}
	if a == h.Visitor(day.Add(24*time.Hour), "203.0.113.5", "UA") {
		t.Fatal("the hash did not change with the day")
	}
	if a == h.Visitor(day, "203.0.113.6", "UA") || a == h.Visitor(day, "203.0.113.5", "UA2") {
		t.Fatal("different visitors share a hash")
	}
	if len(a) != 32 {
		t.Fatalf("hash %q", a)
	}
}

func TestDedupeWindow(t *testing.T) {
	d := NewDeduper()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		visitor, link string
		at            time.Duration
		want          bool
	}{
		{"v1", "l1", 0, true},
		{"v1", "l1", 10 * time.Minute, false},
		{"v1", "l2", 11 * time.Minute, true},  // another link
		{"v2", "l1", 12 * time.Minute, true},  // another visitor
		{"v1", "l1", 69 * time.Minute, false}, // within an hour of the 10-minute click
		{"v1", "l1", 130 * time.Minute, true},
	}
	for _, s := range steps {
		if got := d.Unique(s.visitor, s.link, t0.Add(s.at)); got != s.want {
			t.Errorf("%s/%s at %v: unique=%v, want %v", s.visitor, s.link, s.at, got, s.want)
		}
	}
}

const (
	humanUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
	botUA   = "Googlebot/2.1 (+http://www.google.com/bot.html)"
	master  = "click-test-secret-0123456789abcdef"
)

// events are n clicks on one link: every tenth from a bot, the others from
// n/2 visitors (two clicks each, so half are unique).
// The deduper stays within its bound however many visitors come.
func TestDedupeIsBounded(t *testing.T) {
	d := NewDeduper()
	d.max = 100
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 950; i++ {
		if !d.Unique(fmt.Sprint("v", i), "l1", t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("visitor %d: a first click not unique", i)
		}
		if len(d.last) > d.max {
			t.Fatalf("%d entries, bound %d", len(d.last), d.max)
		}
	}
	// Below the bound (50 pairs since the last reset), repeats are still recognised.
	if d.Unique("v949", "l1", t0.Add(950*time.Second)) {
		t.Fatal("a repeat click right after the first counted as unique")
	}
}

func events(n int, linkID string) []Event {
	out := make([]Event, n)
	now := store.Now()
	for i := range out {
		out[i] = Event{ID: store.NewID("clk"), ClickedAt: now, BrandID: "br_x", CreatorID: "cr_x", LinkID: linkID,
			Device: Mobile, IP: fmt.Sprintf("198.51.%d.%d", (i/2)/250, (i/2)%250), UserAgent: humanUA}
		if i%10 == 0 {
			out[i].UserAgent = botUA
		}
	}
	return out
}

func count(t *testing.T, db *store.DB, linkID string) int64 {
	var n int64
	if err := db.Model(&Event{}).Where("link_id = ?", linkID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Every recorded click is written, in batches, on both databases, and Drain
// writes the rest before returning.
func TestWriterWritesEverythingAndDrains(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		w := NewWriter(db, slog.New(slog.DiscardHandler), master, 20_000)
		evs := events(12_345, "lnk_a")
		for _, e := range evs {
			if !w.Record(e) {
				t.Fatal("dropped with room in the queue")
			}
		}
		// Some are written by the flush loop while we wait; Drain writes the rest.
		if err := w.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "lnk_a"); n != int64(len(evs)) || w.Written() != int64(len(evs)) || w.Dropped() != 0 {
			t.Fatalf("written %d (counter %d), dropped %d; want %d", n, w.Written(), w.Dropped(), len(evs))
		}
		// The writer classified them: bots by user agent, uniques by visitor,
		// and hashed the visitors without keeping the IPs.
		var bots, unique, hashes int64
		db.Model(&Event{}).Where("link_id = ? AND is_bot", "lnk_a").Count(&bots)
		db.Model(&Event{}).Where("link_id = ? AND is_unique", "lnk_a").Count(&unique)
		db.Model(&Event{}).Where("link_id = ?", "lnk_a").Distinct("visitor_hash").Count(&hashes)
		var wantUnique int64
		seen := map[string]bool{}
		for i, e := range evs {
			if i%10 != 0 && !seen[e.IP] {
				seen[e.IP] = true
				wantUnique++
			}
		}
		if bots != int64(len(evs)/10+1) || unique != wantUnique || hashes < wantUnique {
			t.Fatalf("%d bots, %d unique, %d visitor hashes; want %d, %d, >= %d", bots, unique, hashes, len(evs)/10+1, wantUnique, wantUnique)
		}
		var leaked int64
		db.Model(&Event{}).Where("visitor_hash LIKE ?", "198.51.%").Count(&leaked)
		if leaked != 0 {
			t.Fatal("an IP was stored")
		}
		// After Drain nothing more is taken, and that is counted.
		if w.Record(events(1, "lnk_a")[0]) || w.Dropped() != 1 {
			t.Fatal("a closed writer took a click")
		}
	})
}

// A full queue drops the click, counts it, and never blocks the caller.
func TestWriterFullQueueDropsAndCounts(t *testing.T) {
	db := testutil.SQLite(t)
	w := newWriter(db, slog.New(slog.DiscardHandler), master, 10)
	// The flush loop is not running: the queue fills up.
	evs := events(15, "lnk_b")
	accepted := 0
	for _, e := range evs {
		if w.Record(e) {
			accepted++
		}
	}
	if accepted != 10 || w.Dropped() != 5 {
		t.Fatalf("accepted %d, dropped %d; want 10 and 5", accepted, w.Dropped())
	}
	go w.run()
	if err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "lnk_b"); n != 10 {
		t.Fatalf("%d written, want the 10 accepted", n)
	}
}

// Clicks recorded by many redirects at once, in bursts with quiet spells
// between them (the writer waiting on an empty queue, then stepping through
// open batches), are each written once: none lost, none twice, although the
// queue's slices are reused.
func TestWriterKeepsEveryClickOfConcurrentRedirects(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		w := NewWriter(db, slog.New(slog.DiscardHandler), master, 0)
		const bursts, redirects, each = 3, 8, 500
		for range bursts {
			var wg sync.WaitGroup
			for g := range redirects {
				evs := events(each, "lnk_c")
				wg.Go(func() {
					for i, e := range evs {
						if !w.Record(e) {
							t.Error("dropped with room in the queue")
							return
						}
						if i%50 == 49 {
							time.Sleep(time.Duration(1+g%3) * time.Millisecond) // a steady flow
						}
					}
				})
			}
			wg.Wait()
			time.Sleep(FlushEvery + 2*Step) // the batch closes and the writer waits
		}
		if err := w.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var rows, ids int64
		db.Model(&Event{}).Where("link_id = ?", "lnk_c").Count(&rows)
		db.Model(&Event{}).Where("link_id = ?", "lnk_c").Distinct("id").Count(&ids)
		if rows != bursts*redirects*each || ids != rows || w.Written() != rows {
			t.Fatalf("%d rows, %d distinct ids, %d counted written; want %d of each", rows, ids, w.Written(), bursts*redirects*each)
		}
	})
}

// A click reads back as it was written, every column, on both databases
// (PostgreSQL's is the writer's own binary COPY encoding).
func TestWriterStoresEveryColumn(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		w := NewWriter(db, slog.New(slog.DiscardHandler), master, 0)
		at := time.Date(2026, 3, 14, 15, 9, 26, 535_897_000, time.UTC)
		want := []Event{
			{ID: "clk_round1", ClickedAt: at, BrandID: "br_r", CreatorID: "cr_r", LinkID: "lnk_round", VisitorHash: "v-fixed",
				ReferrerHost: "bücher.example", Device: Tablet, Country: "DE", UserAgent: humanUA, IsUnique: true},
			{ID: "clk_round2", ClickedAt: at.Add(-90 * 24 * time.Hour), BrandID: "br_r", CreatorID: "cr_r", LinkID: "lnk_round",
				VisitorHash: "v-other", Device: Other, Head: true},
		}
		for _, e := range want {
			w.Record(e)
		}
		if err := w.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got []Event
		if err := db.Where("link_id = ?", "lnk_round").Order("id").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		want[1].IsBot = true // a HEAD request
		if len(got) != len(want) {
			t.Fatalf("read %d clicks, want %d", len(got), len(want))
		}
		for i := range want {
			g, e := got[i], want[i]
			if !g.ClickedAt.Equal(e.ClickedAt) {
				t.Errorf("click %s: clicked_at %v, want %v", e.ID, g.ClickedAt, e.ClickedAt)
			}
			g.ClickedAt, e.ClickedAt = time.Time{}, time.Time{}
			e.Head, e.UserAgent = false, ""
			if g != e {
				t.Errorf("read %+v\nwant %+v", g, e)
			}
		}
	})
}

// countTally is a Tally adding its batch's clicks to one row of
// tally_test: the rollup's part of a batch, counted once or not at all.
type countTally struct{ n int64 }

func (c *countTally) Add(context.Context, *Event) error { c.n++; return nil }
func (c *countTally) Stmts() []Stmt {
	return []Stmt{{SQL: "UPDATE tally_test SET n = n + ?", Args: []any{c.n}}}
}

// The database connection of a batch being streamed dies (its backend is
// terminated, as a PostgreSQL restart or failover would): the batch is
// written again, and every click and the batch's counts are stored once.
func TestWriterSurvivesItsConnectionDyingMidBatch(t *testing.T) {
	db := testutil.Postgres(t)
	if err := db.Exec("CREATE TABLE tally_test (n bigint NOT NULL); INSERT INTO tally_test VALUES (0)").Error; err != nil {
		t.Fatal(err)
	}
	w := newWriter(db, slog.New(slog.DiscardHandler), master, 0)
	w.SetRollup(func() Tally { return &countTally{} })
	var killed sync.WaitGroup
	kills := 0
	w.streaming = func(pid uint32) {
		if kills++; kills > 2 {
			return
		}
		// Mid-window: after some steps have streamed, before the commit.
		killed.Go(func() {
			time.Sleep(FlushEvery / 3)
			var ok bool
			if err := db.Raw("SELECT pg_terminate_backend(?)", pid).Scan(&ok).Error; err != nil || !ok {
				t.Errorf("terminating backend %d: %v %v", pid, ok, err)
			}
		})
	}
	go w.run()
	evs := events(3_000, "lnk_k")
	for i, e := range evs {
		if !w.Record(e) {
			t.Fatal("dropped with room in the queue")
		}
		if i%100 == 99 {
			time.Sleep(10 * time.Millisecond) // clicks keep coming over several windows
		}
	}
	killed.Wait()
	if err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rows, ids, tallied int64
	db.Model(&Event{}).Where("link_id = ?", "lnk_k").Count(&rows)
	db.Model(&Event{}).Where("link_id = ?", "lnk_k").Distinct("id").Count(&ids)
	db.Raw("SELECT n FROM tally_test").Scan(&tallied)
	if kills < 2 || rows != int64(len(evs)) || ids != rows || tallied != rows || w.Written() != rows {
		t.Fatalf("after %d batches streamed (2 connections killed): %d rows, %d distinct ids, %d tallied, %d counted written; want %d of each",
			kills, rows, ids, tallied, w.Written(), len(evs))
	}
}
