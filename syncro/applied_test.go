package syncro

import (
	"errors"
	"fmt"
	"net"
	"testing"
)

// TestMayHaveApplied_UnlessSyncroRefusedOrNothingWasSent: a write whose
// outcome is unknown, that Syncro answered with a 5xx, or whose answer
// never came may have been applied and is read back; one Syncro refused
// (4xx) or that never left applied nothing.
func TestMayHaveApplied_UnlessSyncroRefusedOrNothingWasSent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"outcome unknown", fmt.Errorf("syncro: PUT /tickets/5: %w: cut off", ErrOutcomeUnknown), true},
		{"500", &Error{StatusCode: 500}, true},
		{"502 wrapped", fmt.Errorf("update ticket: %w", &Error{StatusCode: 502}), true},
		{"POST 500", &Error{StatusCode: 500, OutcomeUnknown: true}, true},
		{"422", &Error{StatusCode: 422}, false},
		{"404", &Error{StatusCode: 404}, false},
		{"429", &Error{StatusCode: 429}, false},
		{"connection reset", fmt.Errorf("syncro: PUT /tickets/5: %w", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), true},
		{"no connection", fmt.Errorf("syncro: PUT /tickets/5: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), false},
		{"no such host", fmt.Errorf("syncro: PUT /tickets/5: %w", &net.DNSError{Name: "x.syncromsp.com"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MayHaveApplied(tc.err); got != tc.want {
				t.Errorf("MayHaveApplied(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
