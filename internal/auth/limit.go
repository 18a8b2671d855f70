package auth

import (
	"sync"
	"time"
)

// Limiter counts attempts per key in a fixed window: at most Max attempts per
// Window. It is in memory, so each app instance counts on its own.
type Limiter struct {
	Max    int
	Window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	start time.Time
	n     int
}

// NewLimiter allows max attempts per window for each key.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, now: time.Now, buckets: map[string]*bucket{}}
}

// Allow records an attempt for key. When the key is over its limit it returns
// false and how long until the window resets.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.sweep) > l.Window {
		for k, b := range l.buckets {
			if now.Sub(b.start) >= l.Window {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil || now.Sub(b.start) >= l.Window {
		b = &bucket{start: now}
		l.buckets[key] = b
	}
	if b.n >= l.Max {
		return false, b.start.Add(l.Window).Sub(now)
	}
	b.n++
	return true, 0
}

// Reset forgets a key (after a successful login for that account).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.buckets, key)
	l.mu.Unlock()
}
