package config

import (
	"reflect"
	"strings"
	"testing"
)

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
