package brand_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cloutapp/clout/internal/brand"
	"github.com/cloutapp/clout/internal/nullable"
	"github.com/cloutapp/clout/internal/store"
	"github.com/cloutapp/clout/internal/testutil"
	"github.com/cloutapp/clout/internal/validate"
)

func TestDefaultMarginSetting(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		c := create(t, s, "Acme", "owner@acme.test")
		cli := brand.Actor{Type: "cli"}
		if c.Brand.DefaultMarginBps != nil {
			t.Fatalf("a new brand has a default margin: %d", *c.Brand.DefaultMarginBps)
		}
		b, err := s.UpdateSettings(ctx, cli, c.Brand.ID, brand.SettingsPatch{DefaultMarginBps: nullable.Of(4000)})
		if err != nil || b.DefaultMarginBps == nil || *b.DefaultMarginBps != 4000 {
			t.Fatalf("set: %+v %v", b, err)
		}
		// Absent keeps it; a JSON null clears it.
		var keep, clear brand.SettingsPatch
		if err := json.Unmarshal([]byte(`{"hold_days": 3}`), &keep); err != nil {
			t.Fatal(err)
		}
		if b, err = s.UpdateSettings(ctx, cli, c.Brand.ID, keep); err != nil || b.DefaultMarginBps == nil || *b.DefaultMarginBps != 4000 {
			t.Fatalf("absent: %+v %v", b.DefaultMarginBps, err)
		}
		if err := json.Unmarshal([]byte(`{"default_margin_bps": null}`), &clear); err != nil {
			t.Fatal(err)
		}
		if _, err = s.UpdateSettings(ctx, cli, c.Brand.ID, clear); err != nil {
			t.Fatal(err)
		}
		if b, err = s.Get(ctx, c.Brand.ID); err != nil || b.DefaultMarginBps != nil {
			t.Fatalf("null did not clear: %v %v", b.DefaultMarginBps, err)
		}
		for _, bad := range []int{-1, 10001} {
			_, err := s.UpdateSettings(ctx, cli, c.Brand.ID, brand.SettingsPatch{DefaultMarginBps: nullable.Of(bad)})
			var ve validate.Errors
			if !errors.As(err, &ve) || ve.Map()["default_margin_bps"] == "" {
				t.Errorf("%d: %v", bad, err)
			}
		}
		if b, err = s.UpdateSettings(ctx, cli, c.Brand.ID, brand.SettingsPatch{DefaultMarginBps: nullable.Of(0)}); err != nil || b.DefaultMarginBps == nil || *b.DefaultMarginBps != 0 {
			t.Fatalf("zero is a margin, not none: %+v %v", b.DefaultMarginBps, err)
		}
	})
}
