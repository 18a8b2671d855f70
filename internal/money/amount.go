package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Amount is a sum of money in minor units (cents for USD, yen for JPY, fils
// for KWD) of one currency.
type Amount struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// ErrInvalidAmount is returned by Parse for text that is not an exact decimal
// amount in the currency.
var ErrInvalidAmount = errors.New("invalid amount")

// Parse reads a decimal string such as "19.99", "-3", "1000.5" exactly into
// minor units of the currency. It refuses more fractional digits than the
// currency has (unless they are zeros), exponents, thousands separators and
// values that overflow int64. It never goes through a float.
func Parse(s string, currency string) (Amount, error) {
	cur, err := LookupCurrency(currency)
	if err != nil {
		return Amount{}, err
	}
	minor, err := ParseMinor(s, cur.Exponent)
	if err != nil {
		return Amount{}, err
	}
	return Amount{Minor: minor, Currency: cur.Code}, nil
}

// ParseMinor reads a decimal string into an integer count of 10^-exp units.
func ParseMinor(s string, exp int) (int64, error) {
	orig := s
	fail := func(why string) (int64, error) {
		return 0, fmt.Errorf("%w %q: %s", ErrInvalidAmount, orig, why)
	}
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return fail("no digits")
	}
	if hasDot && frac == "" {
		return fail("nothing after the decimal point")
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return fail("only digits and one decimal point are allowed")
		}
	}
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > exp {
		return fail(fmt.Sprintf("more than %d decimal places", exp))
	}
	frac += strings.Repeat("0", exp)
	digits := strings.TrimLeft(intPart+frac[:exp], "0")
	if digits == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || (!neg && v > math.MaxInt64) || (neg && v > uint64(math.MaxInt64)+1) {
		return fail("out of range")
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// FormatMinor writes minor units as a plain decimal string with exp digits
// after the point: FormatMinor(1999, 2) == "19.99".
func FormatMinor(minor int64, exp int) string {
	neg := minor < 0
	var u uint64
	if neg {
		u = uint64(-(minor + 1)) + 1
	} else {
		u = uint64(minor)
	}
	s := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String formats the amount as "19.99 USD".
func (a Amount) String() string {
	cur, err := LookupCurrency(a.Currency)
	if err != nil {
		return fmt.Sprintf("%d (minor units) %s", a.Minor, a.Currency)
	}
	return FormatMinor(a.Minor, cur.Exponent) + " " + cur.Code
}

// Decimal formats the amount as "19.99" in its currency's exponent.
func (a Amount) Decimal() string {
	cur, err := LookupCurrency(a.Currency)
	if err != nil {
		return strconv.FormatInt(a.Minor, 10)
	}
	return FormatMinor(a.Minor, cur.Exponent)
}
