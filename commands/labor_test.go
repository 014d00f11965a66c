package commands

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultLaborMap_HasTheMSPProducts(t *testing.T) {
	t.Parallel()
	m := DefaultLaborMap()
	want := map[string]int64{"remote": 1190473, "onsite": 26118, "emergency": 26184, "project": 9269129,
		"internal": 9269124, "travel": 26117, "website": 68055}
	for k, id := range want {
		if got, err := m.Lookup(k); err != nil || got != id {
			t.Errorf("Lookup(%q) = %d, %v; want %d", k, got, err, id)
		}
	}
	if len(m) != len(want) {
		t.Errorf("%d kinds, want %d", len(m), len(want))
	}
	m["remote"] = 1
	if DefaultLaborMap()["remote"] != 1190473 {
		t.Error("changing a returned map changed the defaults")
	}
}

func TestLaborMap_Lookup(t *testing.T) {
	t.Parallel()
	m := DefaultLaborMap()
	for in, want := range map[string]int64{"": 1190473, "OnSite": 26118, " travel ": 26117} {
		if got, err := m.Lookup(in); err != nil || got != want {
			t.Errorf("Lookup(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	_, err := m.Lookup("onsit")
	var ue *UsageError
	want := "Unknown labor kind `onsit`. Did you mean `onsite`? Valid kinds: emergency, internal, onsite, project, remote, travel, website."
	if !errors.As(err, &ue) || ue.Message != want {
		t.Errorf("Lookup(onsit) = %v\nwant %q", err, want)
	}
	_, err = m.Lookup("<!channel>")
	if !errors.As(err, &ue) || strings.Contains(ue.Message, "<!") || strings.Contains(ue.Message, "Did you mean") {
		t.Errorf("Lookup(<!channel>) = %v; want escaped, no suggestion", err)
	}
}

func TestLaborMap_KindIsReverseLookup(t *testing.T) {
	t.Parallel()
	m := DefaultLaborMap()
	if k, ok := m.Kind(26184); !ok || k != "emergency" {
		t.Errorf("Kind(26184) = %q, %v", k, ok)
	}
	if _, ok := m.Kind(1); ok {
		t.Error("Kind(1) found a kind")
	}
}

func TestParseLaborMap(t *testing.T) {
	t.Parallel()
	m, err := ParseLaborMap(" Remote=1190473, onsite = 26118 ,")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.String(); got != "onsite=26118,remote=1190473" {
		t.Errorf("String() = %q", got)
	}
	round, err := ParseLaborMap(DefaultLaborMap().String())
	if err != nil || round.String() != DefaultLaborMap().String() {
		t.Errorf("default map does not round-trip: %v, %v", round, err)
	}
	for _, bad := range []string{"", "onsite=26118", "remote", "remote=abc", "remote=0", "remote=-1",
		"remote=1,remote=2", "remote=1,onsite=1", "re mote=1", "=5,remote=1"} {
		if _, err := ParseLaborMap(bad); err == nil {
			t.Errorf("ParseLaborMap(%q) accepted", bad)
		}
	}
}
