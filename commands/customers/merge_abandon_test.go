package customers

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
)

// abandon presses an Abandon button with value id on message ts.
func abandon(t *testing.T, c *commands.Commands, id, ts string) commands.Reply {
	t.Helper()
	return c.Action(t.Context(), commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeAbandon, Value: id, MessageTS: ts})
}

// TestMergeAbandon_SaysWhatAStepThatStoppedPartWayMoved: the merge moves
// the newer ticket, then Syncro refuses the older one; Abandon says the
// newer one is on the primary and the older one still on the duplicate,
// as Syncro holds them. A second Abandon, on another message, changes
// nothing and says when it was abandoned.
func TestMergeAbandon_SaysWhatAStepThatStoppedPartWayMoved(t *testing.T) {
	t.Parallel()
	f, mc, id := stoppedMerge(t, "PUT", func(mc mergeCase) string { return "/tickets/" + itoa(mc.tickets[0]) })
	older, _ := f.Srv.Ticket(mc.tickets[0])
	newer, _ := f.Srv.Ticket(mc.tickets[1])
	if newer.CustomerID != mc.p || older.CustomerID != mc.d {
		t.Fatalf("the stopped merge left the newer ticket on %d and the older on %d; want the primary %d and the duplicate %d", newer.CustomerID, older.CustomerID, mc.p, mc.d)
	}

	r := abandon(t, f.C, id, "9.2")
	for _, want := range []string{
		"Abandoned the merge of",
		"Before it stopped, moving the tickets had put ticket #" + itoa(newer.Number) + " on the primary.",
		"was NOT deleted, and still holds ticket #" + itoa(older.Number) + ", contact ",
	} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the abandon's reply lacks %q: %q", want, r.Text)
		}
	}
	mc.wantTruthful(t, f.Srv, r.Text)

	again := abandon(t, f.C, id, "9.3")
	if !strings.Contains(again.Text, "was abandoned on") || !strings.Contains(again.Text, "nothing was changed") {
		t.Errorf("a second Abandon says %q", again.Text)
	}
	if r := finish(t, f.C, id, "9.1"); !strings.Contains(r.Text, "was abandoned on") {
		t.Errorf("Finish after Abandon says %q", r.Text)
	}
	if tk, _ := f.Srv.Ticket(older.ID); tk.CustomerID != mc.d {
		t.Errorf("Finish after Abandon moved ticket #%d", older.Number)
	}
}
