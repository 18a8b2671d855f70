package link

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/store"
	"github.com/jackc/pgx/v5"
)

// NotifyChannel is the PostgreSQL channel on which instances tell each other
// that links changed. The payload is a slug key, or "brand:<id>".
const NotifyChannel = "clout_links"

// Target is everything a redirect needs, read from memory.
type Target struct {
	LinkID, BrandID, CreatorID string
	Slug                       string
	Destination                string
	UTM                        UTM
	ClickParam                 string
	AttributionDays            int
	Allowed                    []string

	// Allowed is the destination checked against the brand's allowed domains
	// as they are now: the cache reloads a brand's links whenever its
	// settings change, so a removed domain stops redirects at once.
	DestinationAllowed bool
	// The redirect URL is built once: before and after the click id.
	urlHead, urlTail string
}

// clickPlaceholder marks where the click id goes in a precomputed URL.
const clickPlaceholder = "CLOUTCLICKIDPLACEHOLDER"

// URL is the redirect location for one click: the destination with the UTM
// parameters and this click's id (see RedirectURL).
func (t *Target) URL(clickID string) string { return t.urlHead + clickID + t.urlTail }

// Resolver maps active slugs to their targets in memory. It is warmed at
// start, updated on every change in this instance, and, on PostgreSQL, by
// notifications from the others.
type Resolver struct {
	db  *store.DB
	log *slog.Logger

	mu sync.RWMutex
	m  map[string]*Target
}

// NewResolver returns an empty resolver; call Warm.
func NewResolver(db *store.DB, log *slog.Logger) *Resolver {
	return &Resolver{db: db, log: log, m: map[string]*Target{}}
}

// Lookup returns the target of an active slug key, or nil.
func (r *Resolver) Lookup(key string) *Target {
	r.mu.RLock()
	t := r.m[key]
	r.mu.RUnlock()
	return t
}

// Len is the number of active links in memory.
func (r *Resolver) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.m)
}

type row struct {
	LinkID, BrandID, CreatorID, Slug, SlugKey, Destination, Label string
	UTMSource, UTMMedium, UTMCampaign, UTMContent                 *string
	AllowedDomains, BrandCampaign, ClickParam                     string
	AttributionWindowDays                                         int
}

func (r *Resolver) load(ctx context.Context, where string, args ...any) ([]row, error) {
	var rows []row
	err := r.db.WithContext(ctx).Table("links l").Select(`l.id AS link_id, l.brand_id, l.creator_id, l.slug, l.slug_key,
		l.destination, l.label, l.utm_source, l.utm_medium, l.utm_campaign, l.utm_content,
		b.allowed_domains, b.utm_campaign AS brand_campaign, b.click_param, b.attribution_window_days`).
		Joins("JOIN brands b ON b.id = l.brand_id").Where("l.status = ?", Active).Where(where, args...).Scan(&rows).Error
	return rows, err
}

func or(v *string, def string) string {
	if v != nil {
		return *v
	}
	return def
}

func toTarget(rw row) *Target {
	var allowed []string
	_ = json.Unmarshal([]byte(rw.AllowedDomains), &allowed)
	content := rw.Label
	if content == "" {
		content = rw.Slug
	}
	t := &Target{LinkID: rw.LinkID, BrandID: rw.BrandID, CreatorID: rw.CreatorID, Slug: rw.Slug,
		Destination: rw.Destination, ClickParam: rw.ClickParam, AttributionDays: rw.AttributionWindowDays, Allowed: allowed,
		UTM: UTM{Source: or(rw.UTMSource, "clout"), Medium: or(rw.UTMMedium, "affiliate"),
			Campaign: or(rw.UTMCampaign, rw.BrandCampaign), Content: or(rw.UTMContent, content)}}
	_, err := CheckDestination(rw.Destination, allowed)
	t.DestinationAllowed = err == nil
	if full, err := RedirectURL(rw.Destination, t.UTM, rw.ClickParam, clickPlaceholder); err == nil {
		if head, tail, ok := strings.Cut(full, clickPlaceholder); ok {
			t.urlHead, t.urlTail = head, tail
		} else {
			t.DestinationAllowed = false
		}
	} else {
		t.DestinationAllowed = false
	}
	return t
}

// Warm loads every active link.
func (r *Resolver) Warm(ctx context.Context) error {
	rows, err := r.load(ctx, "1 = 1")
	if err != nil {
		return err
	}
	m := make(map[string]*Target, len(rows))
	for _, rw := range rows {
		m[rw.SlugKey] = toTarget(rw)
	}
	r.mu.Lock()
	r.m = m
	r.mu.Unlock()
	return nil
}

// reload refreshes one slug key, or every link of a brand ("brand:<id>").
func (r *Resolver) reload(ctx context.Context, what string) error {
	if brandID, ok := strings.CutPrefix(what, "brand:"); ok {
		rows, err := r.load(ctx, "l.brand_id = ?", brandID)
		if err != nil {
			return err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for k, t := range r.m {
			if t.BrandID == brandID {
				delete(r.m, k)
			}
		}
		for _, rw := range rows {
			r.m[rw.SlugKey] = toTarget(rw)
		}
		return nil
	}
	rows, err := r.load(ctx, "l.slug_key = ?", what)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, what)
	for _, rw := range rows {
		r.m[rw.SlugKey] = toTarget(rw)
	}
	return nil
}

// Changed refreshes a slug key here and tells the other instances.
func (r *Resolver) Changed(ctx context.Context, key string) { r.changed(ctx, key) }

// BrandChanged refreshes every link of a brand (its allowed domains, UTM
// campaign or click parameter changed) here and in the other instances.
func (r *Resolver) BrandChanged(ctx context.Context, brandID string) {
	r.changed(ctx, "brand:"+brandID)
}

func (r *Resolver) changed(ctx context.Context, what string) {
	if err := r.reload(ctx, what); err != nil {
		r.log.ErrorContext(ctx, "link cache: reloading", "what", what, "err", err)
	}
	if r.db.Dialect == store.Postgres {
		if err := r.db.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", NotifyChannel, what).Error; err != nil {
			r.log.ErrorContext(ctx, "link cache: notifying other instances", "err", err)
		}
	}
}

// Listen follows other instances' changes on PostgreSQL until ctx ends. After
// a lost connection it reconnects and warms the whole cache again, since
// notifications sent meanwhile are lost.
func (r *Resolver) Listen(ctx context.Context, dsn string, ready chan<- struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, dsn, ready)
		ready = nil
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("link cache: listen connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}

func (r *Resolver) listenOnce(ctx context.Context, dsn string, ready chan<- struct{}) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	if err := r.Warm(ctx); err != nil {
		return err
	}
	if ready != nil {
		close(ready)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		if err := r.reload(ctx, n.Payload); err != nil {
			r.log.Error("link cache: reloading after a notification", "what", n.Payload, "err", err)
		}
	}
}
