package tickets

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestTicketLinkID reads the ticket id of links to ticket pages and
// nothing else.
func TestTicketLinkID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		link string
		id   int64
		ok   bool
	}{
		{"https://acme.syncromsp.com/tickets/108430087", 108430087, true},
		{"https://acme.syncromsp.com/tickets/108430087/", 108430087, true},
		{"https://acme.syncromsp.com/tickets/108430087?tab=comments#c1", 108430087, true},
		{"https://acme.syncromsp.com/tickets/", 0, false},
		{"https://acme.syncromsp.com/tickets/0", 0, false},
		{"https://acme.syncromsp.com/tickets/-4", 0, false},
		{"https://acme.syncromsp.com/tickets/12/edit", 0, false},
		{"https://acme.syncromsp.com/customers/12", 0, false},
		{"https://acme.syncromsp.com/tickets/99999999999999999999", 0, false},
		{"https://acme.syncromsp.com/api/v1/tickets/12", 0, false},
		{"%zz", 0, false},
	} {
		id, ok := ticketLinkID(tt.link)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ticketLinkID(%q) = %d, %v; want %d, %v", tt.link, id, ok, tt.id, tt.ok)
		}
	}
}

// FuzzTicketLinkID: whatever a person posts, reading it never panics, and
// an id read from it is the id of the page syncro.TicketURL links to.
func FuzzTicketLinkID(f *testing.F) {
	for _, s := range []string{"https://acme.syncromsp.com/tickets/1", "https://a.syncromsp.com/tickets/2/?x=1", "http://x/tickets/%31", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		id, ok := ticketLinkID(link)
		if !ok {
			return
		}
		if id <= 0 {
			t.Fatalf("ticketLinkID(%q) = %d, ok", link, id)
		}
		if back, ok := ticketLinkID(syncro.TicketURL("https://acme.syncromsp.com", id)); !ok || back != id {
			t.Fatalf("id %d read from %q does not round-trip: %d, %v", id, link, back, ok)
		}
	})
}

// pingersLinkShared is the id of #32160 (customer "<!channel> Pingers")
// and its link pasted by Dana in #ops.
func pingersLinkShared(t *testing.T, f *readFixture) (int64, commands.LinkShared) {
	t.Helper()
	tk, ok := f.srv.TicketByNumber(32160)
	if !ok {
		t.Fatal("seed has no #32160")
	}
	link := readWebURL + "/tickets/" + strconv.FormatInt(tk.ID, 10)
	return tk.ID, commands.LinkShared{ChannelID: "C0OPS", MessageTS: "1700000000.000100", UserID: "U0DANA", URLs: []string{link}}
}

// TestUnfurl_MatchesGoldenInOneRead: the preview of #32160 (customer
// "<!channel> Pingers") is its one-line summary and the card's buttons,
// escaped, from one Syncro read; the link pasted again in the channel
// gets nothing and costs no read.
func TestUnfurl_MatchesGoldenInOneRead(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	_, ls := pingersLinkShared(t, f)
	link := ls.URLs[0]
	f.srv.ResetLog()
	got := f.c.Unfurl(t.Context(), ls).ByURL
	if reqs := f.srv.Requests(); len(reqs) != 1 || reqs[0].Method != http.MethodGet {
		t.Errorf("Syncro calls = %s, want one read", requestLines(reqs))
	}
	m, ok := got[link]
	if len(got) != 1 || !ok {
		t.Fatalf("previews = %v, want one of %s", got, link)
	}
	r := commands.Reply{Text: m.Text, Blocks: m.Blocks}
	checkReplyLimits(t, r)
	checkNoMentions(t, r)
	commandstest.Golden(t, "unfurl_32160.golden", replyJSON(t, r))

	f.srv.ResetLog()
	if again := f.c.Unfurl(t.Context(), ls).ByURL; len(again) != 0 || len(f.srv.Requests()) != 0 {
		t.Errorf("pasted again: %d previews, %d Syncro calls; want none", len(again), len(f.srv.Requests()))
	}
}

// TestUnfurl_APreviewNoOneSawDoesNotSpendTheWindow: a link whose ticket
// Syncro cannot read, and a preview chat.unfurl did not attach (Unsent),
// leave the link free to be previewed when pasted again, while a
// preview shown still holds it back.
func TestUnfurl_APreviewNoOneSawDoesNotSpendTheWindow(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	id, ls := pingersLinkShared(t, f)

	f.srv.Fail(http.MethodGet, "/tickets/"+strconv.FormatInt(id, 10), 10, syncrotest.FaultHTML)
	if got := f.c.Unfurl(t.Context(), ls).ByURL; len(got) != 0 {
		t.Fatalf("a preview while Syncro answers HTML: %v", got)
	}
	f.srv.ClearFaults()
	p := f.c.Unfurl(t.Context(), ls)
	if len(p.ByURL) != 1 {
		t.Fatalf("once Syncro answers, %d previews, want 1", len(p.ByURL))
	}
	p.Unsent(t.Context())
	if again := f.c.Unfurl(t.Context(), ls).ByURL; len(again) != 1 {
		t.Errorf("after chat.unfurl failed, pasted again: %d previews, want 1", len(again))
	}
	f.srv.ResetLog()
	if shown := f.c.Unfurl(t.Context(), ls).ByURL; len(shown) != 0 || len(f.srv.Requests()) != 0 {
		t.Errorf("after a preview shown, pasted again: %d previews, %d Syncro calls; want none", len(shown), len(f.srv.Requests()))
	}
}
