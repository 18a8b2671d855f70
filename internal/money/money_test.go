package money

import (
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"
)

func TestLookupCurrencyExponents(t *testing.T) {
	for code, want := range map[string]int{"JPY": 0, "usd": 2, "KWD": 3, "EUR": 2, "BHD": 3, "CLP": 0} {
		c, err := LookupCurrency(code)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if c.Exponent != want {
			t.Errorf("%s exponent = %d, want %d", code, c.Exponent, want)
		}
	}
	for _, code := range []string{"", "XYZ", "US", "dollars", "BTC"} {
		if _, err := LookupCurrency(code); !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("%q: err = %v, want ErrUnknownCurrency", code, err)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		in, cur string
		want    int64
	}{
		{"19.99", "USD", 1999},
		{"19.9", "USD", 1990},
		{"19", "USD", 1900},
		{"0.01", "USD", 1},
		{".5", "USD", 50},
		{"-3.10", "USD", -310},
		{"+7", "USD", 700},
		{"1000", "JPY", 1000},
		{"1000.00", "JPY", 1000},
		{"1.234", "KWD", 1234},
		{"0.1", "KWD", 100},
		{"19.990", "USD", 1999},
		{"92233720368547758.07", "USD", math.MaxInt64},
		{"-92233720368547758.08", "USD", math.MinInt64},
		{" 5.00 ", "EUR", 500},
	}
	for _, c := range cases {
		got, err := Parse(c.in, c.cur)
		if err != nil {
			t.Errorf("Parse(%q, %s): %v", c.in, c.cur, err)
			continue
		}
		if got.Minor != c.want {
			t.Errorf("Parse(%q, %s) = %d, want %d", c.in, c.cur, got.Minor, c.want)
		}
	}
	bad := []struct{ in, cur string }{
		{"19.999", "USD"}, {"1.5", "JPY"}, {"1.2345", "KWD"}, {"", "USD"}, {".", "USD"}, {"1.", "USD"},
		{"1,000.00", "USD"}, {"1e3", "USD"}, {"abc", "USD"}, {"--1", "USD"}, {"92233720368547758.08", "USD"},
		{"NaN", "USD"}, {"1.2.3", "USD"},
	}
	for _, c := range bad {
		if _, err := Parse(c.in, c.cur); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Parse(%q, %s): err = %v, want ErrInvalidAmount", c.in, c.cur, err)
		}
	}
	if _, err := Parse("1.00", "XXY"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("unknown currency: err = %v", err)
	}
}

func TestFormatMinor(t *testing.T) {
	cases := []struct {
		minor int64
		exp   int
		want  string
	}{
		{1999, 2, "19.99"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {0, 2, "0.00"}, {1000, 0, "1000"},
		{1234, 3, "1.234"}, {math.MinInt64, 2, "-92233720368547758.08"},
	}
	for _, c := range cases {
		if got := FormatMinor(c.minor, c.exp); got != c.want {
			t.Errorf("FormatMinor(%d, %d) = %q, want %q", c.minor, c.exp, got, c.want)
		}
	}
	if got := (Amount{Minor: 1999, Currency: "USD"}).String(); got != "19.99 USD" {
		t.Errorf("String = %q", got)
	}
}

// Formatting then parsing gives back the same minor units, for every int64
// and every exponent in use.
func TestFormatParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		minor := rapid.Int64().Draw(t, "minor")
		exp := rapid.SampledFrom([]int{0, 2, 3}).Draw(t, "exp")
		got, err := ParseMinor(FormatMinor(minor, exp), exp)
		if err != nil {
			t.Fatalf("parse %q: %v", FormatMinor(minor, exp), err)
		}
		if got != minor {
			t.Fatalf("round trip %d -> %q -> %d", minor, FormatMinor(minor, exp), got)
		}
	})
}
