package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestLaborProducts_Decode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    LaborProducts
		wantErr string
	}{
		{"remote=1190473,onsite=26118", LaborProducts{{"remote", 1190473}, {"onsite", 26118}}, ""},
		{" remote = 1 ,, onsite=2 ,", LaborProducts{{"remote", 1}, {"onsite", 2}}, ""},
		{"after_hours2=9223372036854775807", LaborProducts{{"after_hours2", 9223372036854775807}}, ""},
		{"remote", nil, `"remote" is not kind=product_id`},
		{"remote=", nil, `product id "" of "remote" is not a positive integer`},
		{"=5", nil, `kind "" is not a lower-case word`},
		{"on-site=5", nil, `kind "on-site" is not a lower-case word`},
		{"2fa=5", nil, `kind "2fa" is not a lower-case word`},
		{"remote=-1", nil, `product id "-1" of "remote" is not a positive integer`},
		{"remote=1.5", nil, "not a positive integer"},
		{"remote=1,remote=1", nil, `kind "remote" appears twice`},
		{"Remote=x,onsite", nil, `kind "Remote" is not a lower-case word; product id "x" of "Remote" is not a positive integer; "onsite" is not kind=product_id`},
		{"", nil, "no kind=product_id entries"},
	}
	for _, tt := range tests {
		var got LaborProducts
		err := got.Decode(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Decode(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decode(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestLaborProducts_LookupKindsString(t *testing.T) {
	t.Parallel()
	l := LaborProducts{{"remote", 1190473}, {"onsite", 26118}}
	if id, ok := l.Lookup("onsite"); !ok || id != 26118 {
		t.Errorf("Lookup(onsite) = %d, %v", id, ok)
	}
	if _, ok := l.Lookup("travel"); ok {
		t.Errorf("Lookup(travel) found a product")
	}
	if got := l.Kinds(); !reflect.DeepEqual(got, []string{"remote", "onsite"}) {
		t.Errorf("Kinds = %v", got)
	}
	if got := l.String(); got != "remote=1190473,onsite=26118" {
		t.Errorf("String = %q", got)
	}
}

// FuzzLaborProducts_RoundTrip: whatever Decode accepts, String spells so
// that Decode reads back the same map.
func FuzzLaborProducts_RoundTrip(f *testing.F) {
	f.Add("remote=1190473,onsite=26118,emergency=26184,project=9269129,internal=9269124,travel=26117,website=68055")
	f.Add(" remote = 1 ,, x=2,")
	f.Add("a=1,a=2")
	f.Add("=,=")
	f.Fuzz(func(t *testing.T, in string) {
		var first LaborProducts
		if err := first.Decode(in); err != nil {
			return
		}
		var second LaborProducts
		if err := second.Decode(first.String()); err != nil {
			t.Fatalf("Decode(%q) ok but Decode(String()=%q): %v", in, first.String(), err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("round trip of %q: %v != %v", in, first, second)
		}
	})
}

// FuzzSlackIDs_RoundTrip: accepted lists re-join to the same list.
func FuzzSlackIDs_RoundTrip(f *testing.F) {
	f.Add("U0123456789, W0123456789,S0123456789")
	f.Add("U0123456789,U0123456789,")
	f.Add("@alice")
	f.Fuzz(func(t *testing.T, in string) {
		var first SlackIDs
		if err := first.Decode(in); err != nil {
			return
		}
		var second SlackIDs
		if err := second.Decode(strings.Join(first, ",")); err != nil || !reflect.DeepEqual(first, second) {
			t.Fatalf("round trip of %q: %v, %v (%v)", in, first, second, err)
		}
	})
}
