// Package click records short-link clicks: it classifies each request (bot,
// HEAD, link preview), hashes the visitor without keeping the IP, marks the
// first human click per visitor and link per hour as unique, and writes the
// events in batches off the redirect's path.
package click

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/secret"
	"github.com/x-way/crawlerdetect"
)

// previewAgents are link-preview fetchers (chat apps and social networks
// unfurling a pasted link), matched case-insensitively in the user agent.
var previewAgents = []string{"facebookexternalhit", "facebookcatalog", "slackbot", "twitterbot", "whatsapp", "telegrambot",
	"discordbot", "linkedinbot", "skypeuripreview", "pinterestbot", "redditbot", "embedly", "iframely", "vkshare",
	"line/", "viber", "snapchat", "applebot", "bitlybot", "preview"}

// NonHuman reports why a request is not a person following a link: "head",
// "preview", "bot", or "" for a human.
func NonHuman(r *http.Request) string {
	return nonHuman(r.Method == http.MethodHead, Purpose(r), r.UserAgent())
}

// Purpose is what the browser says about a speculative request (prefetch,
// prerender, preview), from Sec-Purpose, Purpose or X-Moz.
func Purpose(r *http.Request) string {
	return r.Header.Get("Sec-Purpose") + r.Header.Get("Purpose") + r.Header.Get("X-Moz")
}

func nonHuman(head bool, purpose, ua string) string {
	if head {
		return "head"
	}
	// Browsers prefetching or prerendering a page they may show.
	if strings.Contains(purpose, "prefetch") || strings.Contains(purpose, "preview") {
		return "preview"
	}
	if ua == "" {
		return "bot"
	}
	low := strings.ToLower(ua)
	for _, p := range previewAgents {
		if strings.Contains(low, p) {
			return "preview"
		}
	}
	if crawlerdetect.IsCrawler(ua) {
		return "bot"
	}
	return ""
}

// uaCache remembers what a user agent says, per user agent: whether it is
// a bot (the crawler detector runs large regular expressions, ~100 µs) and
// its device class. A few user agents make most traffic. It is used by the
// writer's single goroutine only.
type uaCache struct {
	m   map[string]uaInfo
	max int
}

type uaInfo struct{ why, device string }

func newUACache(max int) *uaCache { return &uaCache{m: make(map[string]uaInfo, 1024), max: max} }

// info is nonHuman and DeviceClass of a request with this user agent.
func (b *uaCache) info(head bool, purpose, ua string) uaInfo {
	if len(ua) > 512 {
		return uaInfo{nonHuman(head, purpose, ua), DeviceClass(ua)}
	}
	in, ok := b.m[ua]
	if !ok {
		in = uaInfo{nonHuman(false, "", ua), DeviceClass(ua)}
		if len(b.m) >= b.max {
			clear(b.m) // simple bound: start over rather than grow without limit
		}
		b.m[ua] = in
	}
	if head || purpose != "" {
		in.why = nonHuman(head, purpose, ua)
	}
	return in
}

// refCache remembers ReferrerHost per Referer header; the writer's only.
type refCache struct {
	m   map[string]string
	max int
}

func newRefCache(max int) *refCache { return &refCache{m: make(map[string]string, 256), max: max} }

func (c *refCache) host(ref string) string {
	if ref == "" || len(ref) > 256 {
		return ReferrerHost(ref)
	}
	h, ok := c.m[ref]
	if !ok {
		h = ReferrerHost(ref)
		if len(c.m) >= c.max {
			clear(c.m)
		}
		c.m[ref] = h
	}
	return h
}

// Device classes.
const (
	Mobile  = "mobile"
	Tablet  = "tablet"
	Desktop = "desktop"
	Other   = "other"
)

// DeviceClass guesses the device from the user agent.
func DeviceClass(ua string) string {
	low := strings.ToLower(ua)
	switch {
	case low == "":
		return Other
	case strings.Contains(low, "ipad") || strings.Contains(low, "tablet") || (strings.Contains(low, "android") && !strings.Contains(low, "mobile")):
		return Tablet
	case strings.Contains(low, "mobi") || strings.Contains(low, "iphone") || strings.Contains(low, "android"):
		return Mobile
	case strings.Contains(low, "windows") || strings.Contains(low, "macintosh") || strings.Contains(low, "x11") || strings.Contains(low, "cros"):
		return Desktop
	}
	return Other
}

// ReferrerHost is the host of the Referer header, lower-cased, or "".
func ReferrerHost(ref string) string {
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if len(h) > 253 {
		return ""
	}
	return h
}

// Hasher hashes visitors with a key that changes every UTC day, so a hash
// cannot be followed across days and the IP cannot be recovered from it.
type Hasher struct {
	master string
	mu     sync.Mutex
	day    int // yyyymmdd of the key
	mac    hash.Hash
	sum    [sha256.Size]byte
}

// NewHasher keys visitor hashes from the master secret.
func NewHasher(master string) *Hasher { return &Hasher{master: master} }

// Visitor returns the day's hash of ip and user agent.
func (h *Hasher) Visitor(at time.Time, ip, ua string) string {
	y, m, d := at.UTC().Date()
	day := y*10000 + int(m)*100 + d
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mac == nil || h.day != day {
		key := secret.Derive(h.master, "visitor-hash/"+at.UTC().Format("2006-01-02"))
		h.day, h.mac = day, hmac.New(sha256.New, key)
	}
	h.mac.Reset()
	io.WriteString(h.mac, ip)
	h.mac.Write([]byte{0})
	io.WriteString(h.mac, ua)
	return hex.EncodeToString(h.mac.Sum(h.sum[:0])[:16])
}

// UniqueWindow is how long a visitor's repeat clicks on a link are not unique.
const UniqueWindow = time.Hour

// MaxVisitorLinks bounds the deduper's memory (about 100 bytes an entry).
const MaxVisitorLinks = 1_000_000

// Deduper remembers when each visitor last clicked each link, in memory.
type Deduper struct {
	mu    sync.Mutex
	last  map[visitorLink]int64 // unix nanoseconds of the last click
	sweep time.Time
	max   int
}

// visitorLink keys the deduper with the click's own strings: no new string
// per click.
type visitorLink struct{ visitor, link string }

// NewDeduper returns an empty deduper holding at most MaxVisitorLinks pairs.
func NewDeduper() *Deduper { return &Deduper{last: map[visitorLink]int64{}, max: MaxVisitorLinks} }

// Unique records a human click and reports whether it is the visitor's first
// on that link within the window.
func (d *Deduper) Unique(visitor, linkID string, at time.Time) bool {
	k := visitorLink{visitor, linkID}
	now := at.UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	if at.Sub(d.sweep) > UniqueWindow || len(d.last) >= d.max {
		for key, t := range d.last {
			if now-t >= int64(UniqueWindow) {
				delete(d.last, key)
			}
		}
		d.sweep = at
		if len(d.last) >= d.max {
			// More distinct visitors within the hour than the bound: forget
			// them all rather than grow without limit. A repeat click may then
			// count as unique once; no click is lost.
			clear(d.last)
		}
	}
	prev, seen := d.last[k]
	d.last[k] = now
	return !seen || now-prev >= int64(UniqueWindow)
}
