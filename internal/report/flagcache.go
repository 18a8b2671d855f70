package report

import (
	"context"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/brand"
)

// FlagsFresh is how long a brand's flags are reused. They judge weeks of
// activity against the whole brand, which costs a pass over every
// creator's days (about 0.1–0.2 s for 2,000 creators over 12 weeks); a
// minute-old verdict is as good for deciding who to move up a tier.
const FlagsFresh = time.Minute

type flagKey struct{ brandID, first, last string }

type flagEntry struct {
	at    time.Time
	flags map[string][]Flag
}

// flagCache keeps each brand's flags for a range for FlagsFresh.
type flagCache struct {
	mu sync.Mutex
	m  map[flagKey]flagEntry
}

// cachedFlags is flags for every creator of the brand over r, reused for
// FlagsFresh.
func (s *Service) cachedFlags(ctx context.Context, b *brand.Brand, r Range) (map[string][]Flag, error) {
	k := flagKey{b.ID, r.FirstDay(), r.LastDay()}
	now := s.now()
	s.flagCache.mu.Lock()
	e, ok := s.flagCache.m[k]
	s.flagCache.mu.Unlock()
	if ok && now.Sub(e.at) < FlagsFresh {
		return e.flags, nil
	}
	f, err := s.flags(ctx, b, r, "")
	if err != nil {
		return nil, err
	}
	s.flagCache.mu.Lock()
	defer s.flagCache.mu.Unlock()
	if s.flagCache.m == nil || len(s.flagCache.m) > 1000 {
		s.flagCache.m = map[flagKey]flagEntry{}
	}
	s.flagCache.m[k] = flagEntry{at: now, flags: f}
	return f, nil
}

// dropFlags forgets a brand's cached flags (its settings changed, or a
// rebuild replaced its rollups).
func (s *Service) dropFlags(brandID string) {
	s.flagCache.mu.Lock()
	defer s.flagCache.mu.Unlock()
	for k := range s.flagCache.m {
		if k.brandID == brandID {
			delete(s.flagCache.m, k)
		}
	}
}
