package web

import (
	"context"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/brand"
)

// WebhookBrandTTL is how long a webhook handler reuses a brand and its
// decrypted secrets. A settings change on this instance drops the entry at
// once; on another instance it is seen within the TTL (a delivery signed
// with a just-rotated secret may get a 401 meanwhile, and the store retries).
const WebhookBrandTTL = 2 * time.Second

// webhookBrands caches brands for webhook deliveries, which arrive in bursts
// for the same brand.
type webhookBrands struct {
	mu      sync.Mutex
	entries map[string]webhookBrandEntry
}

type webhookBrandEntry struct {
	brand   *brand.Brand
	secrets *brand.Secrets
	until   time.Time
}

// get returns the brand and its secrets, loading them when not cached.
func (w *webhookBrands) get(ctx context.Context, brands *brand.Service, id string) (*brand.Brand, *brand.Secrets, error) {
	now := time.Now()
	w.mu.Lock()
	e, ok := w.entries[id]
	w.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.brand, e.secrets, nil
	}
	b, err := brands.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	sec, err := brands.SecretsOf(b)
	if err != nil {
		return nil, nil, err
	}
	w.mu.Lock()
	if w.entries == nil || len(w.entries) > 10_000 {
		w.entries = map[string]webhookBrandEntry{}
	}
	w.entries[id] = webhookBrandEntry{brand: b, secrets: sec, until: now.Add(WebhookBrandTTL)}
	w.mu.Unlock()
	return b, sec, nil
}

// forget drops a brand, after its settings changed.
func (w *webhookBrands) forget(id string) {
	w.mu.Lock()
	delete(w.entries, id)
	w.mu.Unlock()
}

// BrandChanged drops what the app caches about a brand whose settings
// changed (brand.Options.OnSettingsChanged).
func (a *App) BrandChanged(_ context.Context, brandID string) { a.hookBrands.forget(brandID) }
