package report

import (
	"reflect"
	"testing"
)

func TestWeekArithmetic(t *testing.T) {
	for day, want := range map[string]string{
		"2026-11-16": "2026-11-16", // Monday
		"2026-11-21": "2026-11-16", // Saturday
		"2026-11-22": "2026-11-16", // Sunday
		"2026-11-23": "2026-11-23",
		"2026-03-01": "2026-02-23", // across a month
		"2027-01-02": "2026-12-28", // across a year
	} {
		if got := weekOf(day); got != want {
			t.Errorf("weekOf(%s) = %s, want %s", day, got, want)
		}
	}
	// A week is sealable once its Sunday is SealGraceDays behind today.
	for today, want := range map[string]string{
		"2026-11-24": "2026-11-22", // Tuesday: last week
		"2026-11-23": "2026-11-15", // Monday: the week before
		"2026-11-22": "2026-11-15",
		"2026-11-17": "2026-11-15",
		"2026-11-16": "2026-11-08",
	} {
		if got := sealableThrough(today); got != want {
			t.Errorf("sealableThrough(%s) = %s, want %s", today, got, want)
		}
	}
}

func TestSplitRange(t *testing.T) {
	for _, c := range []struct {
		name, first, end, sealed string
		want                     span
	}{
		{"nothing sealed", "2026-10-22", "2026-11-21", "", span{days: [][2]string{{"2026-10-22", "2026-11-21"}}}},
		{"head and tail days around sealed weeks", "2026-10-22", "2026-11-21", "2026-11-15",
			span{weekFrom: "2026-10-26", weekTo: "2026-11-16", days: [][2]string{{"2026-10-22", "2026-10-26"}, {"2026-11-16", "2026-11-21"}}}},
		{"the seal ends the weeks", "2026-10-22", "2026-11-21", "2026-11-01",
			span{weekFrom: "2026-10-26", weekTo: "2026-11-02", days: [][2]string{{"2026-10-22", "2026-10-26"}, {"2026-11-02", "2026-11-21"}}}},
		{"whole weeks only", "2026-10-26", "2026-11-09", "2026-11-15", span{weekFrom: "2026-10-26", weekTo: "2026-11-09"}},
		{"a range inside a week", "2026-11-03", "2026-11-06", "2026-11-15", span{days: [][2]string{{"2026-11-03", "2026-11-06"}}}},
		{"a week not whole in the range", "2026-11-03", "2026-11-12", "2026-11-15", span{days: [][2]string{{"2026-11-03", "2026-11-12"}}}},
		{"sealed before the range", "2026-11-02", "2026-11-16", "2026-10-25", span{days: [][2]string{{"2026-11-02", "2026-11-16"}}}},
		{"empty", "2026-11-02", "2026-11-02", "2026-11-15", span{}},
	} {
		if got := splitRange(c.first, c.end, c.sealed); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: splitRange(%s, %s, %s) = %+v, want %+v", c.name, c.first, c.end, c.sealed, got, c.want)
		}
	}
}
