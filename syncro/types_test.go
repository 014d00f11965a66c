package syncro

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		units int64
		str   string
		bad   bool
	}{
		{"12.50", 125000, "12.50", false},
		{"12.5", 125000, "12.50", false},
		{"0.0", 0, "0.00", false},
		{"", 0, "0.00", false},
		{"-3", -30000, "-3.00", false},
		{"-0.05", -500, "-0.05", false},
		{".5", 5000, "0.50", false},
		{"1.2345", 12345, "1.2345", false},
		{"1.23456", 12346, "1.2346", false}, // rounded half away from zero
		{"-1.23455", -12346, "-1.2346", false},
		{"0.00004", 0, "0.00", false},
		{"0.00005", 1, "0.0001", false},
		{"1.5e2", 1500000, "150.00", false},
		{"1E-2", 100, "0.01", false},
		{"0.1", 1000, "0.10", false}, // float64 would not be exact
		{"123456789012345", 1234567890123450000, "123456789012345.00", false},
		{"12,50", 0, "", true},
		{"$5", 0, "", true},
		{"abc", 0, "", true},
		{".", 0, "", true},
		{"9999999999999999999", 0, "", true},
	}
	for _, tt := range tests {
		m, err := ParseMoney(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParseMoney(%q) err = %v", tt.in, err)
			continue
		}
		if tt.bad {
			continue
		}
		if m.Units() != tt.units || m.String() != tt.str {
			t.Errorf("ParseMoney(%q) = %d %q, want %d %q", tt.in, m.Units(), m, tt.units, tt.str)
		}
	}
}

func TestMoneyJSONAndArithmetic(t *testing.T) {
	t.Parallel()
	var v struct {
		A, B, C, D Money
	}
	if err := json.Unmarshal([]byte(`{"A":"0.10","B":0.2,"C":null,"D":"1.0"}`), &v); err != nil {
		t.Fatal(err)
	}
	if got := v.A.Add(v.B).String(); got != "0.30" { // 0.1+0.2 in float64 is 0.30000000000000004
		t.Errorf("0.1+0.2 = %s", got)
	}
	if !v.C.IsZero() || v.D != MoneyFromInt(1) {
		t.Errorf("null/1.0: %v %v", v.C, v.D)
	}
	price, _ := ParseMoney("120")
	qty, _ := ParseMoney("1.25")
	if got := price.Mul(qty); got.String() != "150.00" || got.Cents() != 15000 {
		t.Errorf("120*1.25 = %s", got)
	}
	third, _ := ParseMoney("0.3333")
	if got := third.Mul(MoneyFromInt(3)); got.String() != "0.9999" {
		t.Errorf("0.3333*3 = %s", got)
	}
	if MoneyFromCents(1999).Sub(MoneyFromCents(2000)).String() != "-0.01" || MoneyFromCents(5).Neg().Cmp(Money{}) != -1 {
		t.Error("sub/neg/cmp")
	}
	if MoneyFromCents(250).MulInt(4).String() != "10.00" || MoneyFromUnits(5).Cents() != 0 || MoneyFromUnits(50).Cents() != 1 {
		t.Error("mulint/cents")
	}
	out, _ := json.Marshal(struct{ P Money }{MoneyFromCents(1250)})
	if string(out) != `{"P":12.50}` {
		t.Errorf("marshal = %s", out)
	}
	if err := json.Unmarshal([]byte(`{"A":true}`), &v); err == nil {
		t.Error("bool accepted as money")
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12.50", "-0.05", "1.5e2", ".5", "0.00005"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		// What parses must round-trip through its own text.
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q -> %s -> %v, %v", s, m, back, err)
		}
	})
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	var v struct{ A, B, C, D, E Timestamp }
	err := json.Unmarshal([]byte(`{"A":"2025-02-28T15:01:43.926-08:00","B":"2019-11-04T08:59:31.034Z","C":null,"D":"","E":"2025-10-10"}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := v.A.Zone(); off != -8*3600 || v.A.Nanosecond() != 926000000 {
		t.Errorf("A = %v", v.A)
	}
	if !v.B.Equal(time.Date(2019, 11, 4, 8, 59, 31, 34000000, time.UTC)) || !v.C.IsZero() || !v.D.IsZero() {
		t.Errorf("B C D = %v %v %v", v.B, v.C, v.D)
	}
	if v.E.Format(time.DateOnly) != "2025-10-10" {
		t.Errorf("E = %v", v.E)
	}
	out, _ := json.Marshal(v.A)
	if string(out) != `"2025-02-28T15:01:43.926-08:00"` {
		t.Errorf("marshal = %s", out)
	}
	if err := json.Unmarshal([]byte(`"yesterday"`), &v.A); err == nil {
		t.Error("garbage accepted")
	}
}

func TestNumberUserRefFlexBool(t *testing.T) {
	t.Parallel()
	var v struct {
		A, B, C Number
		U       []UserRef
		F       []FlexBool
	}
	err := json.Unmarshal([]byte(`{"A":5028,"B":"1682","C":null,
		"U":[[140791,"Daniel Hedges"],{"id":7,"name":"Tim"},[5560138523,null]],
		"F":[true,"true","1",0,null,"false"]}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.A != "5028" || v.B != "1682" || v.C != "" {
		t.Errorf("numbers %q %q %q", v.A, v.B, v.C)
	}
	if n, ok := v.A.Int64(); !ok || n != 5028 {
		t.Error("Int64")
	}
	if v.U[0] != (UserRef{140791, "Daniel Hedges"}) || v.U[1] != (UserRef{7, "Tim"}) || v.U[2].ID != 5560138523 {
		t.Errorf("users %+v", v.U)
	}
	want := []FlexBool{true, true, true, false, false, false}
	for i := range want {
		if v.F[i] != want[i] {
			t.Errorf("F[%d] = %v", i, v.F[i])
		}
	}
	if err := json.Unmarshal([]byte(`[1]`), &v.U[0]); err == nil {
		t.Error("short pair accepted")
	}
}
