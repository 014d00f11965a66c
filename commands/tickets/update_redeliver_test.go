package tickets

import (
	"testing"

	"github.com/syncrobot/syncrobot/commands"
)

// TestUpdate_RedeliveredEnvelopePutsOnce: Slack delivering the same
// `/syncro update` envelope twice changes the ticket once and answers both
// deliveries with the first reply; a new envelope is a new request.
func TestUpdate_RedeliveredEnvelopePutsOnce(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	f.srv.ResetLog()
	req := commands.Request{Actor: marcus, ChannelID: "C0TECHS", Text: `update 32151 --status "In Progress"`, EnvelopeID: "env-upd-1"}
	first := f.c.Slash(t.Context(), req)
	again := f.c.Slash(t.Context(), req)
	if n := f.srv.Count("PUT", "/tickets/"); n != 1 {
		t.Fatalf("PUTs = %d after a redelivery, want 1", n)
	}
	if again.Text != first.Text {
		t.Errorf("redelivery answered %q, want the first reply %q", again.Text, first.Text)
	}
	// A new envelope is a new request (a different status, so a real change).
	f.c.Slash(t.Context(), commands.Request{Actor: marcus, ChannelID: "C0TECHS", Text: `update 32151 --status "Waiting on Customer"`, EnvelopeID: "env-upd-2"})
	if n := f.srv.Count("PUT", "/tickets/"); n != 2 {
		t.Errorf("PUTs = %d after a new envelope, want 2", n)
	}
}
