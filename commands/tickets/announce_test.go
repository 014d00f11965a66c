package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

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

// wantOneNotice checks r carries exactly one notice, about ticket id,
// crediting Dana with a mention, and returns its text and blocks.
func wantOneNotice(t *testing.T, r commands.Reply, id int64) string {
	t.Helper()
	if len(r.Notices) != 1 {
		t.Fatalf("notices = %+v, want one; reply %q", r.Notices, r.Text)
	}
	n := r.Notices[0]
	var blocks strings.Builder
	enc := json.NewEncoder(&blocks)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n.Blocks); err != nil {
		t.Fatal(err)
	}
	got := n.Text + "\n" + blocks.String()
	if n.TicketID != id || !strings.Contains(got, "<@"+commandstest.Dana.SlackUserID+">") {
		t.Errorf("notice about %d, want %d, crediting Dana with a mention:\n%s", n.TicketID, id, got)
	}
	return got
}

// pollUntil checks cond every 10 ms until it holds, for at most 30 s: it
// waits on Syncro holding a request, which nothing announces.
func pollUntil(t *testing.T, cond func() bool) error {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// While the close's status write is on its way to Syncro, the watcher
// already finds the ticket marked: it leaves the notice to the close.
func TestAnnounce_CloseMarksTheTicketBeforeItsStatusWrite(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	s := f.closeForm(t, tk.Number, "V-mark", commands.CloseOptionNotify)
	f.Srv.Fail("PUT", fmt.Sprintf("/tickets/%d", tk.ID), 1, syncrotest.FaultHang)
	done := make(chan commands.Reply, 1)
	go func() { done <- f.C.Submit(t.Context(), s) }()
	if err := pollUntil(t, func() bool { return f.Srv.Held() > 0 }); err != nil {
		t.Fatalf("the status write never reached Syncro: %v", err)
	}
	if first, closing := f.watcherVerdict(t, tk.ID); first || !closing {
		t.Errorf("watcher during the status write: first %v, closing %v; want the ticket left to the close", first, closing)
	}
	f.Srv.ReleaseHangs()
	r := <-done
	wantOneNotice(t, r, tk.ID)
	if first, closing := f.watcherVerdict(t, tk.ID); first || closing {
		t.Errorf("watcher after the close: first %v, closing %v; want announced", first, closing)
	}
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
	if first, closing := f.watcherVerdict(t, tk.ID); first || closing {
		t.Errorf("watcher after the bill: first %v, closing %v; want announced", first, closing)
	}
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
	if first, closing := f.watcherVerdict(t, tk.ID); first || closing {
		t.Errorf("watcher after a quiet close: first %v, closing %v; want nothing to announce", first, closing)
	}
}

// A close whose status write failed ends with the ticket released: the
// watcher announces a close made meanwhile elsewhere.
func TestAnnounce_StatusWriteThatFailedReleasesTheTicket(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	f.Srv.Fail("PUT", fmt.Sprintf("/tickets/%d", tk.ID), 100, syncrotest.FaultServerError) // past the client's retries
	r := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, "V-fail", commands.CloseOptionNotify))
	if finishButton(r) == "" || len(r.Notices) != 0 {
		t.Fatalf("reply %q with notices %+v; want Finish and no notice", r.Text, r.Notices)
	}
	if first, closing := f.watcherVerdict(t, tk.ID); !first || closing {
		t.Errorf("watcher after the failed close: first %v, closing %v; want it first", first, closing)
	}
}

// A Finish that completes the status step announces the close then, once;
// Finish again announces nothing.
func TestAnnounce_FinishThatClosesAnnouncesOnce(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketPrinter)
	f.Srv.Fail("PUT", fmt.Sprintf("/tickets/%d", tk.ID), 100, syncrotest.FaultServerError) // past the client's retries
	r := f.C.Submit(t.Context(), f.closeForm(t, tk.Number, "V-later", commands.CloseOptionNotify))
	id := finishButton(r)
	if id == "" || len(r.Notices) != 0 {
		t.Fatalf("reply %q with notices %+v; want Finish and no notice", r.Text, r.Notices)
	}
	f.Srv.ClearFaults()
	wantOneNotice(t, f.finish(t, id, "1.1"), tk.ID)
	if again := f.finish(t, id, "1.2"); len(again.Notices) != 0 {
		t.Errorf("a second Finish posted %+v", again.Notices)
	}
	if first, closing := f.watcherVerdict(t, tk.ID); first || closing {
		t.Errorf("watcher after Finish: first %v, closing %v; want announced", first, closing)
	}
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
