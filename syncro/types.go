package syncro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Meta is a list envelope's paging block; every field is optional in
// Syncro's answers, so zero means "not sent".
type Meta struct {
	TotalPages   int `json:"total_pages"`
	Page         int `json:"page"`
	TotalEntries int `json:"total_entries"`
	PerPage      int `json:"per_page"`
}

// isNull reports a JSON null (or nothing at all).
func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// ---- Money ----

// moneyScale is Money's fixed-point scale: 4 decimal places, enough for
// Syncro's cents, tax rates and quantities such as "1.25" hours.
const moneyScale = 10000

// Money is a decimal amount or quantity stored as an integer count of
// 1/10000 units, so totals never pick up float rounding. It decodes from
// JSON strings ("12.50"), numbers (12.5, 1.25e1) and null (zero), reading
// the literal text rather than going through float64.
type Money struct{ units int64 }

// MoneyFromCents returns c cents.
func MoneyFromCents(c int64) Money { return Money{c * (moneyScale / 100)} }

// MoneyFromUnits returns u ten-thousandths.
func MoneyFromUnits(u int64) Money { return Money{u} }

// MoneyFromInt returns n whole units (dollars, hours, pieces).
func MoneyFromInt(n int64) Money { return Money{n * moneyScale} }

// ParseMoney parses a decimal such as "12.50", "-3", ".5" or "1.5e2".
// Digits past the fourth decimal place are rounded half away from zero.
func ParseMoney(s string) (Money, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Money{}, nil
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 30 || e < -30 {
			return Money{}, fmt.Errorf("syncro: parse money %q: bad exponent", orig)
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return Money{}, fmt.Errorf("syncro: parse money %q: no digits", orig)
	}
	digits := intPart + frac
	for _, r := range digits {
		if r < '0' || r > '9' {
			return Money{}, fmt.Errorf("syncro: parse money %q: not a decimal", orig)
		}
	}
	// The value is digits * 10^(exp - len(frac)); we want it * 10^4.
	shift := exp - len(frac) + 4
	digits = strings.TrimLeft(digits, "0")
	var units int64
	roundUp := false
	if shift >= 0 {
		if len(digits)+shift > 19 {
			if digits == "" {
				return Money{}, nil
			}
			return Money{}, fmt.Errorf("syncro: parse money %q: out of range", orig)
		}
		digits += strings.Repeat("0", shift)
	} else {
		cut := len(digits) + shift // digits kept
		if cut <= 0 {
			roundUp = cut == 0 && digits != "" && digits[0] >= '5'
			digits = ""
		} else {
			roundUp = digits[cut] >= '5'
			digits = digits[:cut]
		}
		if len(digits) > 18 {
			return Money{}, fmt.Errorf("syncro: parse money %q: out of range", orig)
		}
	}
	if digits != "" {
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return Money{}, fmt.Errorf("syncro: parse money %q: %w", orig, err)
		}
		units = v
	}
	if roundUp {
		units++
	}
	if neg {
		units = -units
	}
	return Money{units}, nil
}

// Units returns the amount in ten-thousandths.
func (m Money) Units() int64 { return m.units }

// Cents returns the amount in cents, rounded half away from zero.
func (m Money) Cents() int64 { return divRound(m.units, moneyScale/100) }

// IsZero reports whether m is zero.
func (m Money) IsZero() bool { return m.units == 0 }

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{m.units + o.units} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{m.units - o.units} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{-m.units} }

// MulInt returns m * n.
func (m Money) MulInt(n int64) Money { return Money{m.units * n} }

// Mul returns m * o rounded to 4 places, e.g. a price times a quantity of
// hours. It panics on overflow (beyond about 9e14 in the product) rather
// than return a wrong total.
func (m Money) Mul(o Money) Money {
	a, b := m.units, o.units
	if a == 0 || b == 0 {
		return Money{}
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		panic("syncro: Money.Mul overflow")
	}
	return Money{divRound(p, moneyScale)}
}

// Cmp compares m and o: -1, 0 or +1.
func (m Money) Cmp(o Money) int {
	switch {
	case m.units < o.units:
		return -1
	case m.units > o.units:
		return 1
	}
	return 0
}

// String renders at least two decimals and at most four: "12.50",
// "-0.05", "1.2345".
func (m Money) String() string {
	u := m.units
	sign := ""
	if u < 0 {
		sign = "-"
	}
	abs := uint64(u)
	if u < 0 {
		abs = uint64(-u)
	}
	whole, frac := abs/moneyScale, abs%moneyScale
	f := fmt.Sprintf("%04d", frac)
	f = strings.TrimRight(f, "0")
	for len(f) < 2 {
		f += "0"
	}
	return sign + strconv.FormatUint(whole, 10) + "." + f
}

// MarshalJSON writes a JSON number literal with no float conversion.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON accepts a JSON string, number or null.
func (m *Money) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*m = Money{}
		return nil
	}
	s := string(bytes.TrimSpace(b))
	if s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("syncro: decode money: %w", err)
		}
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func divRound(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// ---- Timestamp ----

// Timestamp is a Syncro date-time. It keeps the account's UTC offset
// ("2025-02-28T15:01:43.926-08:00"), decodes null and "" as zero, and reads
// date-only values ("2025-10-10") as midnight UTC.
type Timestamp struct{ time.Time }

// UnmarshalJSON parses RFC 3339 (with or without fractions) or a date.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*t = Timestamp{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("syncro: decode timestamp %s: %w", b, err)
	}
	v, err := ParseTimestamp(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalJSON writes RFC 3339 with the stored offset, or null when zero.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.Format(time.RFC3339Nano) + `"`), nil
}

// ParseTimestamp parses the timestamp forms Syncro sends.
func ParseTimestamp(s string) (Timestamp, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Timestamp{}, nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Timestamp{v}, nil
	}
	if v, err := time.Parse(time.DateOnly, s); err == nil {
		return Timestamp{v}, nil
	}
	// Rails sometimes omits the colon in the offset.
	if v, err := time.Parse("2006-01-02T15:04:05.999999999Z0700", s); err == nil {
		return Timestamp{v}, nil
	}
	return Timestamp{}, fmt.Errorf("syncro: parse timestamp %q: not RFC 3339 or a date", s)
}

// ---- Number ----

// Number is a ticket or invoice number: what technicians type. Syncro sends
// ticket numbers as JSON ints and invoice numbers as strings, and takes
// strings in request bodies and filters; Number accepts either and writes a
// string.
type Number string

// UnmarshalJSON accepts a JSON string, integer or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		*n = ""
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("syncro: decode number: %w", err)
		}
		*n = Number(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("syncro: decode number %s: %w", b, err)
	}
	*n = Number(num.String())
	return nil
}

// String returns the number as typed.
func (n Number) String() string { return string(n) }

// Int64 returns the number as an integer when it is one.
func (n Number) Int64() (int64, bool) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

// ---- FlexBool ----

// FlexBool is a boolean Syncro may send as true/false, "true"/"false",
// "1"/"0" or null (false).
type FlexBool bool

// UnmarshalJSON accepts booleans, their string forms, 0/1 and null.
func (f *FlexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1", "t", "yes":
		*f = true
	case "false", "0", "f", "no", "", "null":
		*f = false
	default:
		return fmt.Errorf("syncro: decode bool %s: %w", b, errors.ErrUnsupported)
	}
	return nil
}

// ---- UserRef ----

// UserRef is a technician as /users lists them: [id, "Full Name"] pairs.
// It also decodes {"id":..,"name":..} objects (/tickets/settings users).
type UserRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// UnmarshalJSON accepts a [id, name] pair or an object.
func (u *UserRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		return nil
	}
	if b[0] == '[' {
		var pair []json.RawMessage
		if err := json.Unmarshal(b, &pair); err != nil {
			return fmt.Errorf("syncro: decode user pair: %w", err)
		}
		if len(pair) < 2 {
			return fmt.Errorf("syncro: decode user pair %s: want [id, name]", b)
		}
		if err := json.Unmarshal(pair[0], &u.ID); err != nil {
			return fmt.Errorf("syncro: decode user pair id: %w", err)
		}
		if !isNull(pair[1]) {
			if err := json.Unmarshal(pair[1], &u.Name); err != nil {
				return fmt.Errorf("syncro: decode user pair name: %w", err)
			}
		}
		return nil
	}
	type plain UserRef
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("syncro: decode user: %w", err)
	}
	*u = UserRef(p)
	return nil
}
