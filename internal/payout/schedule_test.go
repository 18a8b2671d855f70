package payout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/payout"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
)

func TestNextScheduledCutoff(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database")
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s := payout.NewService(nil, nil, nil, stripeFactory(""), "", nil)
	for _, c := range []struct {
		schedule, now, want string
	}{
		{brand.ScheduleWeekly, "2026-11-18 10:00", "2026-11-23 00:00"}, // Wednesday → Monday
		{brand.ScheduleWeekly, "2026-11-23 00:00", "2026-11-30 00:00"}, // exactly Monday midnight → the next one
		{brand.ScheduleWeekly, "2026-11-22 23:59", "2026-11-23 00:00"},
		{brand.ScheduleTwiceMonthly, "2026-11-01 00:00", "2026-11-16 00:00"},
		{brand.ScheduleTwiceMonthly, "2026-11-15 12:00", "2026-11-16 00:00"},
		{brand.ScheduleTwiceMonthly, "2026-11-16 08:00", "2026-12-01 00:00"},
		{brand.ScheduleTwiceMonthly, "2026-12-31 23:00", "2027-01-01 00:00"},
		{brand.ScheduleMonthly, "2026-01-31 10:00", "2026-02-01 00:00"},
		{brand.ScheduleMonthly, "2026-02-01 00:00", "2026-03-01 00:00"},
		{brand.ScheduleMonthly, "2026-03-07 10:00", "2026-04-01 00:00"}, // across the DST change
	} {
		b := &brand.Brand{PayoutSchedule: c.schedule, TimeZone: "America/New_York"}
		got := s.NextScheduled(b, at(c.now))
		if got == nil || !got.Equal(at(c.want)) {
			t.Errorf("%s after %s: %v, want %s", c.schedule, c.now, got, c.want)
		}
	}
	if got := s.NextScheduled(&brand.Brand{PayoutSchedule: brand.ScheduleNone}, time.Now()); got != nil {
		t.Errorf("no schedule: %v", got)
	}
}

// TestScheduleDraftsOneBatchPerCutoff: a due schedule drafts a batch for
// approval at its cut-off, once, however often the scheduler runs; a cut-off
// with nothing to pay makes no batch but is not retried.
func TestScheduleDraftsOneBatchPerCutoff(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, "")
		ctx := context.Background()
		b := e.newBrand(t, false)
		weekly := brand.ScheduleWeekly
		if _, err := e.brands.UpdateSettings(ctx, alice, b.ID, brand.SettingsPatch{PayoutSchedule: &weekly}); err != nil {
			t.Fatal(err)
		}
		b, _ = e.brands.Get(ctx, b.ID)
		ana := e.newCreator(t, b, "Ana", "ana@paypal.test")
		e.earn(t, b, ana, 2500)
		// Not due yet.
		if made, err := e.payouts.RunSchedules(ctx); err != nil || len(made) != 0 {
			t.Fatalf("before the cut-off: %v, %v", made, err)
		}
		due := e.payouts.NextScheduled(b, store.Now())
		// The cut-off has passed (entries up to it are paid; the one earned
		// after it waits).
		e.payouts.SetClock(func() time.Time { return due.Add(time.Hour) })
		made, err := e.payouts.RunSchedules(ctx)
		if err != nil || len(made) != 1 {
			t.Fatalf("at the cut-off: %v, %v", made, err)
		}
		batch := made[0]
		if batch.Status != payout.BatchDraft || !batch.Scheduled || !batch.Cutoff.Equal(*due) || batch.Total != 2500 || batch.CreatedBy != "schedule:payout" {
			t.Fatalf("scheduled batch %+v", batch)
		}
		// Anyone may approve a scheduled draft, also with two-person approval.
		two := true
		if _, err := e.brands.UpdateSettings(ctx, alice, b.ID, brand.SettingsPatch{TwoPersonApproval: &two}); err != nil {
			t.Fatal(err)
		}
		b, _ = e.brands.Get(ctx, b.ID)
		if _, err := e.payouts.Approve(ctx, alice, b, batch.ID); err != nil {
			t.Fatal(err)
		}
		if made, err := e.payouts.RunSchedules(ctx); err != nil || len(made) != 0 {
			t.Fatalf("the same cut-off twice: %v, %v", made, err)
		}
		// The next cut-off with nothing new to pay makes no batch, and is done.
		e.payouts.SetClock(func() time.Time { return due.AddDate(0, 0, 7).Add(time.Hour) })
		if made, err := e.payouts.RunSchedules(ctx); err != nil || len(made) != 0 {
			t.Fatalf("nothing to pay: %v, %v", made, err)
		}
		var through time.Time
		if err := db.Raw("SELECT payout_scheduled_through FROM brands WHERE id = ?", b.ID).Row().Scan(&through); err != nil {
			t.Fatal(err)
		}
		if !through.Equal(due.AddDate(0, 0, 7)) {
			t.Fatalf("scheduled through %v, want %v", through, due.AddDate(0, 0, 7))
		}
		if _, err := e.payouts.Get(ctx, b.ID, "pb_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	})
}
