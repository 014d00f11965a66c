package tickets

import (
	"testing"

	"github.com/syncrobot/syncrobot/syncro"
)

// TestNotHeld_SyncrosOtherFormsOfAValueSentCountAsHeld: a read-back after
// an update whose answer was lost holds the change when Syncro shows the
// value sent in another form it is known to use: a priority as its word
// ("Normal" for "2 Normal", docs/syncro-api.md §4.5: the priority strings
// in use are UNCONFIRMED) or a status in another case. A different value,
// or one absent from the read-back, is still not held.
func TestNotHeld_SyncrosOtherFormsOfAValueSentCountAsHeld(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		held syncro.Ticket
		req  syncro.TicketRequest
		want bool
	}{
		{"priority as the word", syncro.Ticket{Priority: "Normal"}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, true},
		{"priority word in another case", syncro.Ticket{Priority: "normal"}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, true},
		{"priority as sent", syncro.Ticket{Priority: "2 Normal"}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, true},
		{"another priority", syncro.Ticket{Priority: "High"}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, false},
		{"another priority with its number", syncro.Ticket{Priority: "1 High"}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, false},
		{"same word, another number", syncro.Ticket{Priority: "1 Normal"}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, false},
		{"no priority shown", syncro.Ticket{}, syncro.TicketRequest{Priority: syncro.Ptr("2 Normal")}, false},
		{"status in another case", syncro.Ticket{Status: "in progress"}, syncro.TicketRequest{Status: syncro.Ptr("In Progress")}, true},
		{"no status shown", syncro.Ticket{}, syncro.TicketRequest{Status: syncro.Ptr("In Progress")}, false},
		{"no tech shown", syncro.Ticket{}, syncro.TicketRequest{UserID: syncro.Ptr(int64(7))}, false},
		{"no due date shown", syncro.Ticket{}, syncro.TicketRequest{DueDate: syncro.Ptr("2026-12-10")}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			shown := notHeld(&tc.held, &tc.req)
			if got := len(shown) == 0; got != tc.want {
				t.Errorf("held = %v (shown %q), want %v", got, shown, tc.want)
			}
		})
	}
}
