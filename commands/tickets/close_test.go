package tickets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestClose_ResolvesCommentsNotifiesAndWritesSessionLog(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	f.matchedDana(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	v := f.OpenModal(t, "close 32150")
	s := form(v, "V-close", typed(commands.BlockResolution, "Re-linked the OwnCloud account; files sync again."),
		typed(commands.BlockMinutes, "30m"), picked(commands.BlockLabor, "remote", "remote"),
		ticked(commands.BlockCloseOptions, commands.CloseOptionNotify, commands.CloseOptionSessionLog))
	r, reqs := f.Submit(t, s)
	commandstest.Golden(t, "close_reply.golden", writeReplyJSON(t, r))
	// the ticket's invoices, the comments before, comment, the timers
	// before, timer_entry in Dana's name, PUT status (the labor's name was
	// read at start).
	if len(reqs) != 6 || commandstest.CountReqs(reqs, "POST", "/timer_entry") != 1 {
		t.Errorf("%d Syncro calls, want 6:%s", len(reqs), commandstest.ReqLines(reqs))
	}
	got := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	if got.Status != "Resolved" {
		t.Errorf("status = %q", got.Status)
	}
	cs := f.Srv.Comments(own.ID)
	last := cs[len(cs)-1]
	if last.Subject != resolutionSubject || last.Body != "Re-linked the OwnCloud account; files sync again." || !last.DoNotEmail || last.Hidden {
		t.Errorf("comment = %+v", last)
	}
	if len(r.Notices) != 1 || !strings.Contains(r.Notices[0].Text, "#32150 closed by Dana Whitfield") {
		t.Errorf("notices = %+v", r.Notices)
	}
	const rel = "clients/acme-corp/session-logs/2026-11-20-ticket-32150.md"
	if !strings.Contains(r.Text, "Session log: `"+rel+"`.") {
		t.Errorf("reply = %q", r.Text)
	}
	data, err := os.ReadFile(filepath.Join(f.Logs, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Own cloud thing again", "Re-linked the OwnCloud account", "Labor - Remote Business"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("session log lacks %q", want)
		}
	}
}

func TestClose_WithoutOptionsOnlyCommentsAndSetsStatus(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	v := f.OpenModal(t, "close 32151")
	r, reqs := f.Submit(t, form(v, "V1", typed(commands.BlockResolution, "Printer driver reinstalled."), ticked(commands.BlockCloseOptions)))
	// the ticket's invoices, the comments before, comment, PUT status.
	if len(reqs) != 4 || len(r.Notices) != 0 || strings.Contains(r.Text, "Session log") {
		t.Errorf("reply %+v:%s", r, commandstest.ReqLines(reqs))
	}
	if r.Text != "Closed #32151 (Resolved)." {
		t.Errorf("reply = %q", r.Text)
	}
}

func TestClose_StatusFailureSaysWhatWasDone(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	v := f.OpenModal(t, "close 32151")
	f.Srv.Fail("PUT", "/tickets/*", 5, syncrotest.FaultServerError)
	r, _ := f.Submit(t, form(v, "V1", typed(commands.BlockResolution, "Done."), typed(commands.BlockMinutes, "15"), picked(commands.BlockLabor, "remote", "remote")))
	want := "The resolution was added to #32151 and 15 min logged as Labor - Remote Business. But Syncro didn't confirm the status change to Resolved (Syncro answered 500)."
	if !strings.HasPrefix(r.Text, want) {
		t.Errorf("reply = %q", r.Text)
	}
}

func TestClosedStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		list []string
		want string
		ok   bool
	}{
		{[]string{"New", "Closed", "Resolved"}, "Resolved", true},
		{[]string{"New", "closed"}, "closed", true},
		{nil, "Resolved", true},
		{[]string{"New", "Done"}, "", false},
	} {
		got, ok := closedStatus(tc.list)
		if got != tc.want || ok != tc.ok {
			t.Errorf("closedStatus(%q) = %q, %v", tc.list, got, ok)
		}
	}
}

func TestLog_WritesSessionLogAnyTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	r, reqs := f.Slash(t, "log 32145")
	const rel = "clients/acme-corporation/session-logs/"
	if !strings.HasPrefix(r.Text, "#32145: Session log: `"+rel) {
		t.Fatalf("reply = %q:%s", r.Text, commandstest.ReqLines(reqs))
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.Text, "#32145: Session log: `"), "`.")
	data, err := os.ReadFile(filepath.Join(f.Logs, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Replace failing NAS drive", "Labor - Onsite Business", "Tom Becker"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("session log lacks %q:\n%s", want, data)
		}
	}
}

// A subject is Syncro text: in the notice a close from Slack posts to
// NOTIFY_CHANNEL, "<!channel>" in it must ping nobody, in the blocks and
// in the fallback text (which Slack shows in notifications) alike. The
// only mention is of who closed it.
func TestClose_NoticeOfAMentionSubjectPingsNobody(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	acme := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "<!channel> & <@U0BOSS> server room flooded", CustomerID: acme.CustomerID, Status: "In Progress"})
	v := f.OpenModal(t, fmt.Sprintf("close %d", tk.Number))
	r, _ := f.Submit(t, form(v, "V-close", typed(commands.BlockResolution, "Pumped it out <!here>."), ticked(commands.BlockCloseOptions, commands.CloseOptionNotify)))
	if len(r.Notices) != 1 {
		t.Fatalf("notices = %+v, want one", r.Notices)
	}
	n := r.Notices[0]
	for what, s := range map[string]string{"text": n.Text, "blocks": blocksAsSlackReads(t, n.Blocks)} {
		if strings.Contains(s, "<!") || strings.Contains(strings.ReplaceAll(s, "<@"+commandstest.Dana.SlackUserID+">", ""), "<@") {
			t.Errorf("notice %s would ping: %s", what, s)
		}
		if !strings.Contains(s, "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;") {
			t.Errorf("notice %s lost the escaped subject: %s", what, s)
		}
	}
}

// modalHas reports whether v holds an input block with id block.
func modalHas(v *slack.ModalViewRequest, block string) bool {
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == block {
			return true
		}
	}
	return false
}

// An Invoiced ticket's close form says it stays Invoiced and offers no
// time; closing it adds the resolution, logs nothing and keeps the status.
func TestClose_InvoicedTicketStaysInvoicedAndLogsNoTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketMigration)
	if tk.Status != "Invoiced" {
		t.Fatalf("seed ticket #%d is %s, want Invoiced", tk.Number, tk.Status)
	}
	timers := len(f.Srv.Timers(tk.ID))
	v := f.OpenModal(t, fmt.Sprintf("close %d", tk.Number))
	head := string(commands.EncodeReply(commands.Reply{Blocks: v.Blocks.BlockSet[:1]}))
	for _, want := range []string{"Status now: Invoiced, and it stays so", "already on invoice #", "would not be billed on that invoice"} {
		if !strings.Contains(head, want) {
			t.Errorf("form lacks %q: %s", want, head)
		}
	}
	if modalHas(v, commands.BlockMinutes) || modalHas(v, commands.BlockLabor) {
		t.Error("the form of an invoiced ticket asks for time")
	}
	r, reqs := f.Submit(t, form(v, "V-inv", typed(commands.BlockResolution, "Mailboxes verified."), ticked(commands.BlockCloseOptions)))
	if !strings.HasPrefix(r.Text, fmt.Sprintf("Closed #%d: it stays Invoiced, as it is on invoice #", tk.Number)) {
		t.Errorf("reply = %q", r.Text)
	}
	if got := f.Ticket(t, syncrotest.SeedTicketMigration).Status; got != "Invoiced" {
		t.Errorf("status = %q, want still Invoiced", got)
	}
	if n := commandstest.CountReqs(reqs, "PUT", "/tickets/"); n != 0 {
		t.Errorf("%d PUTs to the ticket, want none", n)
	}
	if n := len(f.Srv.Timers(tk.ID)); n != timers {
		t.Errorf("timers %d → %d, want no time logged", timers, n)
	}
	if n := commentsWithBodyIn(f.Srv.Comments(tk.ID), "Mailboxes verified."); n != 1 {
		t.Errorf("%d resolution comments, want 1", n)
	}
}

// A ticket billed after its close form opened: a close with time saves
// nothing and says why, and one without time keeps it Invoiced.
func TestClose_TicketInvoicedAfterTheFormOpenedIsNotSetBackNorGivenTime(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	tk := f.Ticket(t, syncrotest.SeedTicketNAS)
	withTime := f.OpenModal(t, fmt.Sprintf("close %d", tk.Number))
	without := f.OpenModal(t, fmt.Sprintf("close %d", tk.Number))
	if r, _ := f.Submit(t, billForm(t, f, tk.Number, "V-bill", "60", "Rebuilt the array.")); !strings.HasPrefix(r.Text, "Invoiced #") {
		t.Fatalf("bill: %q", r.Text)
	}
	comments, timers := len(f.Srv.Comments(tk.ID)), len(f.Srv.Timers(tk.ID))

	r, _ := f.Submit(t, form(withTime, "V-time", typed(commands.BlockResolution, "Array healthy."),
		typed(commands.BlockMinutes, "30m"), picked(commands.BlockLabor, "remote", "remote"), ticked(commands.BlockCloseOptions)))
	if !strings.Contains(r.Text, "is already on invoice #") || !strings.Contains(r.Text, "so I saved nothing: the 30 min would not be billed on that invoice") {
		t.Errorf("close with time: reply = %q", r.Text)
	}
	if c, tm := len(f.Srv.Comments(tk.ID)), len(f.Srv.Timers(tk.ID)); c != comments || tm != timers {
		t.Errorf("close with time wrote: comments %d → %d, timers %d → %d", comments, c, timers, tm)
	}

	r, _ = f.Submit(t, form(without, "V-plain", typed(commands.BlockResolution, "Array healthy."), ticked(commands.BlockCloseOptions)))
	if !strings.Contains(r.Text, "it stays Invoiced") {
		t.Errorf("close without time: reply = %q", r.Text)
	}
	if got := f.Ticket(t, syncrotest.SeedTicketNAS).Status; got != "Invoiced" {
		t.Errorf("status = %q, want still Invoiced", got)
	}
}

// commentsWithBodyIn counts the comments whose body is body.
func commentsWithBodyIn(cs []syncrotest.Comment, body string) int {
	n := 0
	for _, c := range cs {
		if c.Body == body {
			n++
		}
	}
	return n
}
