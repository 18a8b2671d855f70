package payout

import (
	"context"
	"errors"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/commission"
	"gorm.io/gorm"
)

// nextRun is the first scheduled cut-off strictly after t, at midnight in
// the brand's time zone: weekly on Mondays, twice a month on the 1st and the
// 16th, monthly on the 1st. Nil without a schedule.
func nextRun(schedule string, loc *time.Location, t time.Time) *time.Time {
	l := t.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	var next time.Time
	switch schedule {
	case brand.ScheduleWeekly:
		d := (int(time.Monday) - int(day.Weekday()) + 7) % 7
		next = day.AddDate(0, 0, d)
		if !next.After(t) {
			next = next.AddDate(0, 0, 7)
		}
	case brand.ScheduleTwiceMonthly:
		first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		for _, c := range []time.Time{first, first.AddDate(0, 0, 15), first.AddDate(0, 1, 0)} {
			if c.After(t) {
				next = c
				break
			}
		}
	case brand.ScheduleMonthly:
		next = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		if !next.After(t) {
			next = next.AddDate(0, 1, 0)
		}
	default:
		return nil
	}
	next = next.UTC()
	return &next
}

// NextScheduled is the brand's next scheduled cut-off after now, or nil
// without a schedule.
func (s *Service) NextScheduled(b *brand.Brand, now time.Time) *time.Time {
	return nextRun(b.PayoutSchedule, commission.Location(b), now)
}

// ScheduleActor is who drafts scheduled batches.
var ScheduleActor = brand.Actor{Type: "schedule", ID: "payout", Label: "payout schedule"}

// RunSchedules drafts a batch for every brand whose scheduled cut-off has
// come, once per cut-off (several instances may run this: the brand's row
// lock and its "scheduled through" mark make one of them do it). Missed
// cut-offs (the app was down) make one batch at the latest. It returns the
// batches made.
func (s *Service) RunSchedules(ctx context.Context) ([]Batch, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&brand.Brand{}).Where("payout_schedule <> ?", brand.ScheduleNone).
		Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	var made []Batch
	for _, id := range ids {
		batch, err := s.runSchedule(ctx, id)
		if err != nil {
			s.log.ErrorContext(ctx, "payout: scheduled batch", "brand_id", id, "err", err)
			continue
		}
		if batch != nil {
			made = append(made, *batch)
		}
	}
	return made, nil
}

func (s *Service) runSchedule(ctx context.Context, brandID string) (*Batch, error) {
	now := s.now()
	var out *Batch
	err := s.db.WithTx(ctx, func(tx *gorm.DB) error {
		var b brand.Brand
		if err := s.db.ForUpdate(tx).Where("id = ?", brandID).Take(&b).Error; err != nil {
			return err
		}
		from := b.CreatedAt
		if b.PayoutScheduledThrough != nil {
			from = *b.PayoutScheduledThrough
		}
		due := nextRun(b.PayoutSchedule, commission.Location(&b), from)
		if due == nil || due.After(now) {
			return nil
		}
		for {
			n := nextRun(b.PayoutSchedule, commission.Location(&b), *due)
			if n.After(now) {
				break
			}
			due = n
		}
		if err := tx.Model(&brand.Brand{}).Where("id = ?", b.ID).Update("payout_scheduled_through", *due).Error; err != nil {
			return err
		}
		// The batch is made in a savepoint: nothing to pay still marks the
		// cut-off done.
		return tx.Transaction(func(tx *gorm.DB) error {
			batch, err := s.create(tx, ScheduleActor, &b, due, true)
			if errors.Is(err, ErrNothingToPay) {
				s.log.InfoContext(ctx, "payout: scheduled cut-off with nothing to pay", "brand_id", b.ID, "cutoff", due, "why", err)
				return nil
			}
			out = batch
			return err
		})
	})
	return out, err
}

// Resume executes every processing batch that has Stripe items still
// pending and no process working on it: batches a crash or a restart
// interrupted. It returns how many it ran.
func (s *Service) Resume(ctx context.Context) (int, error) {
	var bs []Batch
	now := s.now()
	if err := s.db.WithContext(ctx).Where("status = ? AND (lease_until IS NULL OR lease_until < ?) AND EXISTS "+
		"(SELECT 1 FROM payout_items i WHERE i.batch_id = payout_batches.id AND i.method = ? AND i.status = ?)",
		BatchProcessing, now, MethodStripe, ItemPending).Find(&bs).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, b := range bs {
		err := s.Execute(ctx, b.BrandID, b.ID)
		if errors.Is(err, ErrBusy) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			s.log.ErrorContext(ctx, "payout: resuming a batch", "batch_id", b.ID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// Every is how often Run looks for due schedules and interrupted batches.
const Every = 30 * time.Second

// Run drafts scheduled batches and resumes interrupted ones until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(Every)
	defer t.Stop()
	for {
		if _, err := s.RunSchedules(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "payout: schedules", "err", err)
		}
		if _, err := s.Resume(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "payout: resume", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
