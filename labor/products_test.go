package labor

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Products
		wantErr string
	}{
		{"remote=1190473,onsite=26118", Products{"remote": 1190473, "onsite": 26118}, ""},
		{" remote = 1 ,, onsite=2 ,", Products{"remote": 1, "onsite": 2}, ""},
		{"remote=1,after_hours2=9223372036854775807", Products{"remote": 1, "after_hours2": 9223372036854775807}, ""},
		{"remote", nil, `"remote" is not kind=product_id`},
		{"remote=", nil, `product id "" of "remote" is not a positive integer`},
		{"=5,remote=1", nil, `kind "" is not a lower-case word`},
		{"remote=1,on-site=5", nil, `kind "on-site" is not a lower-case word`},
		{"remote=1,2fa=5", nil, `kind "2fa" is not a lower-case word`},
		{"re mote=1", nil, `kind "re mote" is not a lower-case word`},
		{"Remote=1", nil, `kind "Remote" is not a lower-case word`},
		{"remote=0", nil, `product id "0" of "remote" is not a positive integer`},
		{"remote=-1", nil, `product id "-1" of "remote" is not a positive integer`},
		{"remote=abc", nil, `product id "abc" of "remote" is not a positive integer`},
		{"remote=1.5", nil, "not a positive integer"},
		{"remote=99999999999999999999", nil, "not a positive integer"},
		{"remote=1,remote=1", nil, `kind "remote" appears twice (want`},
		{"remote=1,remote=2", nil, `kind "remote" appears twice`},
		{"remote=1,onsite=1", nil, `product id 1 is given for both "remote" and "onsite"`},
		{"onsite=26118", nil, `the default kind "remote" is missing`},
		{"Remote=x,onsite", nil, `kind "Remote" is not a lower-case word; product id "x" of "Remote" is not a positive integer; "onsite" is not kind=product_id`},
		{"", nil, "no kind=product_id entries"},
		{",,", nil, "no kind=product_id entries"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "e.g. remote=1190473,onsite=26118") {
				t.Errorf("Parse(%q) error = %v, want an example of the syntax", tt.in, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestProducts_DecodeKeepsTheOldMapOnError(t *testing.T) {
	t.Parallel()
	p := Products{"remote": 7}
	if err := p.Decode("onsite=26118"); err == nil {
		t.Fatal("Decode(onsite=26118) accepted a map without remote")
	}
	if !reflect.DeepEqual(p, Products{"remote": 7}) {
		t.Errorf("a failed Decode changed the map to %v", p)
	}
	if err := p.Decode("remote=1, onsite=2"); err != nil || !reflect.DeepEqual(p, Products{"remote": 1, "onsite": 2}) {
		t.Errorf("Decode = %v, %v", p, err)
	}
}

func TestDefault_HasTheMSPProducts(t *testing.T) {
	t.Parallel()
	m := Default()
	want := Products{"remote": 1190473, "onsite": 26118, "emergency": 26184, "project": 9269129,
		"internal": 9269124, "travel": 26117, "website": 68055}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Default() = %v, want %v", m, want)
	}
	m["remote"] = 1
	if Default()["remote"] != 1190473 {
		t.Error("changing a returned map changed the defaults")
	}
	round, err := Parse(Default().String())
	if err != nil || !reflect.DeepEqual(round, Default()) {
		t.Errorf("default map does not round-trip: %v, %v", round, err)
	}
}

func TestProducts_Lookup(t *testing.T) {
	t.Parallel()
	m := Default()
	for in, want := range map[string]int64{"": 1190473, "OnSite": 26118, " travel ": 26117} {
		if got, ok := m.Lookup(in); !ok || got != want {
			t.Errorf("Lookup(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := m.Lookup("onsit"); ok {
		t.Error("Lookup(onsit) found a product")
	}
}

func TestProducts_KindIsReverseLookup(t *testing.T) {
	t.Parallel()
	m := Default()
	if k, ok := m.Kind(26184); !ok || k != "emergency" {
		t.Errorf("Kind(26184) = %q, %v", k, ok)
	}
	if _, ok := m.Kind(1); ok {
		t.Error("Kind(1) found a kind")
	}
}

func TestProducts_KindsAndStringAreSorted(t *testing.T) {
	t.Parallel()
	m := Products{"remote": 1190473, "onsite": 26118}
	if got := m.Kinds(); !slices.Equal(got, []string{"onsite", "remote"}) {
		t.Errorf("Kinds = %v", got)
	}
	if got := m.String(); got != "onsite=26118,remote=1190473" {
		t.Errorf("String = %q", got)
	}
}

// FuzzParse_RoundTrip: whatever Parse accepts obeys the rules Products
// promises, and String spells it so that Parse reads back the same map.
func FuzzParse_RoundTrip(f *testing.F) {
	f.Add(DefaultSpec)
	f.Add(" remote = 1 ,, x=2,")
	f.Add("remote=1,a=1")
	f.Add("a=1,a=2")
	f.Add("=,=")
	f.Fuzz(func(t *testing.T, in string) {
		first, err := Parse(in)
		if err != nil {
			return
		}
		if _, ok := first[DefaultKind]; !ok {
			t.Fatalf("Parse(%q) = %v, without %q", in, first, DefaultKind)
		}
		ids := slices.Collect(maps.Values(first))
		slices.Sort(ids)
		if len(slices.Compact(ids)) != len(first) || ids[0] <= 0 {
			t.Fatalf("Parse(%q) = %v: ids not positive and unique", in, first)
		}
		second, err := Parse(first.String())
		if err != nil {
			t.Fatalf("Parse(%q) ok but Parse(String()=%q): %v", in, first.String(), err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("round trip of %q: %v != %v", in, first, second)
		}
	})
}
