package report

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"github.com/cloutapp/clout/internal/store"
)

// Service keeps the rollups and answers the reporting queries.
//
// How the rollups stay current:
//   - clicks: the click writer counts each batch's clicks in a tally from
//     ClickRollup as it classifies them and runs the upserts the tally
//     returns in the batch's transaction (click.Writer.SetRollup);
//   - orders: every order change queues the order in report_queue (in the
//     order's transaction, internal/order), and so does every ledger entry
//     (commission.Ledger.OnEntries, installed by NewService);
//   - Refresh (every RefreshEvery under Run) recomputes the queued orders'
//     facts and the order columns of the creator-days they were and are in.
type Service struct {
	db     *store.DB
	brands *brand.Service
	ledger *commission.Ledger
	log    *slog.Logger
	now    func() time.Time

	locMu sync.Mutex
	locs  map[string]*time.Location

	// work serializes Refresh and Rebuild.
	work sync.Mutex

	flagCache flagCache

	// sealMu guards sealedAt: when Refresh last looked for weeks to seal.
	sealMu   sync.Mutex
	sealedAt time.Time

	mu      sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	stopped bool
}

// NewService wires the reporting service and installs its hook on the
// ledger (which may be nil in tests that write no entries). The click
// writer's hook is installed by the caller: writer.SetRollup(s.ClickRollup).
func NewService(db *store.DB, brands *brand.Service, ledger *commission.Ledger, log *slog.Logger) *Service {
	s := &Service{db: db, brands: brands, ledger: ledger, log: log, now: store.Now, locs: map[string]*time.Location{},
		stop: make(chan struct{})}
	if ledger != nil {
		ledger.OnEntries(s.entriesWritten)
	}
	return s
}

// RefreshEvery is how often Run refreshes the rollups from queued orders.
const RefreshEvery = 3 * time.Second

// Run refreshes the rollups until Drain or ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.mu.Lock()
	if s.done != nil || s.stopped {
		s.mu.Unlock()
		return
	}
	done := make(chan struct{})
	s.done = done
	s.mu.Unlock()
	defer close(done)
	t := time.NewTicker(RefreshEvery)
	defer t.Stop()
	for {
		if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("report: refreshing rollups", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// Drain stops the refresher after a last refresh.
func (s *Service) Drain(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stop)
	}
	done := s.done
	s.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err := s.Refresh(ctx)
	return err
}
