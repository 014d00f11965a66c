package tickets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// blocksAsSlackReads is blocks as JSON, with < and > as Slack reads them
// (encoding/json would write \u003c).
func blocksAsSlackReads(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(blocks); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// closeForm opens the close form of ticket n and fills in a resolution,
// ticking options (none ticked when options is empty).
func (f *storeFixture) closeForm(t *testing.T, n int64, viewID string, options ...string) commands.Submission {
	t.Helper()
	v := f.OpenModal(t, fmt.Sprintf("close %d", n))
	return form(v, viewID, typed(commands.BlockResolution, "Fixed "+viewID), ticked(commands.BlockCloseOptions, options...))
}

// watcherVerdict is what the closed-ticket watcher is told when it sees
// ticket id closed: whether it is first to announce it, and whether the
// bot is closing it itself. Asking claims the ticket when first.
func (f *storeFixture) watcherVerdict(t *testing.T, id int64) (first, closing bool) {
	t.Helper()
	first, closing, err := f.st.MarkSeenClosed(id, syncrotest.SeedNow)
	if err != nil {
		t.Fatal(err)
	}
	return first, closing
}

// wantAnnounced checks the watcher would find ticket id announced: neither
// first to announce it nor told the bot is closing it.
func (f *storeFixture) wantAnnounced(t *testing.T, id int64, when string) {
	t.Helper()
	if first, closing := f.watcherVerdict(t, id); first || closing {
		t.Errorf("watcher %s: first %v, closing %v; want it announced", when, first, closing)
	}
}

// closeWithStatusFailing closes tk with a notice while Syncro refuses its
// status write, and returns the flow id on the reply's Finish.
func (f *storeFixture) closeWithStatusFailing(t *testing.T, tk syncrotest.Ticket, viewID string) string {
	t.Helper()
	f.Srv.Fail("PUT", fmt.Sprintf("/tickets/%d", tk.ID), 100, syncrotest.FaultServerError) // past the client's retries
	r := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, viewID, commands.CloseOptionNotify))
	id := finishButton(r)
	if id == "" || len(r.Notices) != 0 {
		t.Fatalf("reply %q with notices %+v; want Finish and no notice", r.Text, r.Notices)
	}
	return id
}

// unfinishedClose is a close whose status write Syncro refused, with
// Syncro answering again: its fixture, ticket and the flow id to Finish.
func unfinishedClose(t *testing.T, viewID string) (*storeFixture, syncrotest.Ticket, string) {
	t.Helper()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	id := f.closeWithStatusFailing(t, tk, viewID)
	f.Srv.ClearFaults()
	return f, tk, id
}

// wantOneNotice checks r carries exactly one notice, about ticket id,
// crediting Dana with a mention, and returns its text and blocks.
func wantOneNotice(t *testing.T, r commands.Reply, id int64) string {
	t.Helper()
	if len(r.Notices) != 1 {
		t.Fatalf("notices = %+v, want one; reply %q", r.Notices, r.Text)
	}
	n := r.Notices[0]
	got := n.Text + "\n" + blocksAsSlackReads(t, n.Blocks)
	if n.TicketID != id || !strings.Contains(got, "<@"+commandstest.Dana.SlackUserID+">") {
		t.Errorf("notice about %d, want %d, crediting Dana with a mention:\n%s", n.TicketID, id, got)
	}
	return got
}

// askingTransport asks, when the status write of ticket id is on its way
// to Syncro, what the watcher would be told, and keeps the answer.
type askingTransport struct {
	f         *storeFixture
	t         *testing.T
	id        int64
	asked     bool
	closing   bool
	firstSeen bool
}

func (a *askingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, fmt.Sprintf("/tickets/%d", a.id)) && !a.asked {
		a.asked = true
		a.firstSeen, a.closing = a.f.watcherVerdict(a.t, a.id)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// While the close's status write is on its way to Syncro, the watcher
// already finds the ticket marked: it leaves the notice to the close.
func TestAnnounce_CloseMarksTheTicketBeforeItsStatusWrite(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	asking := &askingTransport{f: f, t: t, id: tk.ID}
	f.onClient(t, asking)
	r := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, "V-mark", commands.CloseOptionNotify))
	if !asking.asked || asking.firstSeen || !asking.closing {
		t.Errorf("watcher during the status write (asked %v): first %v, closing %v; want the ticket left to the close", asking.asked, asking.firstSeen, asking.closing)
	}
	wantOneNotice(t, r, tk.ID)
	f.wantAnnounced(t, tk.ID, "after the close")
}

// A bill sets the ticket Invoiced, a closed status: it is announced as
// invoiced from Slack, crediting who billed it, and the watcher does not
// announce it again.
func TestAnnounce_BillIsAnnouncedOnceCreditingWhoBilled(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketNAS)
	r := f.C.Submit(t.Context(), f.billForm(t, tk.Number, "V-bill", "60"))
	got := wantOneNotice(t, r, tk.ID)
	for _, want := range []string{fmt.Sprintf("Ticket #%d invoiced by Dana Whitfield", tk.Number), "*Invoice:* #", "60 min logged as"} {
		if !strings.Contains(got, want) {
			t.Errorf("notice lacks %q:\n%s", want, got)
		}
	}
	f.wantAnnounced(t, tk.ID, "after the bill")
}

// Unticking "Post to the notify channel" means nobody announces the close:
// not the bot, and not the watcher a moment later.
func TestAnnounce_CloseWithoutNoticeIsAnnouncedByNobody(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	r := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, "V-quiet"))
	if len(r.Notices) != 0 || !strings.Contains(r.Text, "Closed #") {
		t.Fatalf("reply %q with notices %+v; want closed, no notice", r.Text, r.Notices)
	}
	f.wantAnnounced(t, tk.ID, "after a quiet close")
}

// A close whose status write failed ends with the ticket released: the
// watcher announces a close made meanwhile elsewhere.
func TestAnnounce_StatusWriteThatFailedReleasesTheTicket(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	f.closeWithStatusFailing(t, tk, "V-fail")
	if first, closing := f.watcherVerdict(t, tk.ID); !first || closing {
		t.Errorf("watcher after the failed close: first %v, closing %v; want it first", first, closing)
	}
}

// A Finish that completes the status step announces the close then, once;
// Finish again announces nothing.
func TestAnnounce_FinishThatClosesAnnouncesOnce(t *testing.T) {
	t.Parallel()
	f, tk, id := unfinishedClose(t, "V-later")
	wantOneNotice(t, f.finish(t, id, "1.1"), tk.ID)
	if again := f.finish(t, id, "1.2"); len(again.Notices) != 0 {
		t.Errorf("a second Finish posted %+v", again.Notices)
	}
	f.wantAnnounced(t, tk.ID, "after Finish")
}

// A ticket the watcher announced first gets no second notice from a close.
func TestAnnounce_TicketAnnouncedBeforeGetsNoSecondNotice(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	if first, _ := f.watcherVerdict(t, tk.ID); !first {
		t.Fatal("the watcher was not first")
	}
	r := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, "V-second", commands.CloseOptionNotify))
	if len(r.Notices) != 0 || !strings.Contains(r.Text, "Closed #") {
		t.Errorf("reply %q with notices %+v; want closed, no second notice", r.Text, r.Notices)
	}
}

// A crash after the close's status write, before the bot recorded it:
// the next start keeps the unfinished flow's closing mark, so the
// watcher's first poll leaves the ticket to the flow, and the Finish
// announces it once, as done from Slack by who closed it. README: "a
// ticket closed ... from Slack is announced there once, as done from
// Slack: who did it".
func TestClose_CrashAfterTheStatusWriteStillCreditsWhoClosed(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	s := f.closeForm(t, tk.Number, "V-crash", commands.CloseOptionNotify)
	f.crashAndRestart(t, stepStatus, func() commands.Reply { return f.C.Submit(t.Context(), s) })
	if first, _ := f.watcherVerdict(t, tk.ID); first {
		t.Errorf("the watcher's first poll after the restart announces #%d as closed in Syncro", tk.Number)
	}
	rs := f.finishPending(t, tk.ID)
	if len(rs) != 1 {
		t.Fatalf("finished %d flows, want 1", len(rs))
	}
	wantOneNotice(t, rs[0], tk.ID)
}

// Marcus finishes Dana's close (its form offered him her Finish): the
// notice credits Dana, whose resolution and close it was, and says Marcus
// finished it.
func TestClose_FinishByAnotherTechCreditsWhoClosed(t *testing.T) {
	t.Parallel()
	f, tk, id := unfinishedClose(t, "V-other")
	marcus := commands.Actor{SlackUserID: "U0MARCUS", SlackTeamID: commandstest.Dana.SlackTeamID, Name: "Marcus Reyes", CanBill: true}
	r := f.C.Action(t.Context(), commands.Action{Actor: marcus, ChannelID: "C0TECHS", ActionID: ActionFinish, Value: id, MessageTS: "ts-m"})
	got := wantOneNotice(t, r, tk.ID)
	for _, want := range []string{"*Closed by:* <@" + commandstest.Dana.SlackUserID + "> · finished by <@U0MARCUS>", "closed by " + commandstest.Dana.Name + " (finished by Marcus Reyes)"} {
		if !strings.Contains(got, want) {
			t.Errorf("notice lacks %q:\n%s", want, got)
		}
	}
}

// The usual MSP day: a ticket closed from Slack (announced), billed from
// Slack at the end of the week: announcements are kept per ticket and
// event, so the bill is announced too, once, and the watcher announces
// neither again. README: "a ticket closed or billed from Slack is
// announced there once".
func TestBill_AfterACloseFromSlackIsAnnounced(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketNAS)
	closed := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, "V-close", commands.CloseOptionNotify))
	wantOneNotice(t, closed, tk.ID)
	billed := f.C.Submit(t.Context(), f.billForm(t, tk.Number, "V-bill", "30"))
	if !strings.Contains(billed.Text, "Invoiced #") {
		t.Fatalf("bill: %q", billed.Text)
	}
	wantOneNotice(t, billed, tk.ID)
	f.wantAnnounced(t, tk.ID, "after the bill")
}
