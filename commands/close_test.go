package commands

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestClose_ResolvesCommentsNotifiesAndWritesSessionLog(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	own := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	v := f.openModal(t, "close 32150")
	s := form(v, "V-close", typed(BlockResolution, "Re-linked the OwnCloud account; files sync again."),
		typed(BlockMinutes, "30m"), picked(BlockLabor, "remote", "remote"),
		ticked(BlockCloseOptions, CloseOptionNotify, CloseOptionSessionLog))
	r, reqs := f.submit(t, s)
	golden(t, "close_reply.golden", writeReplyJSON(t, r))
	// comment, read-back, PUT status.
	if len(reqs) != 3 {
		t.Errorf("%d Syncro calls, want 3:%s", len(reqs), reqLines(reqs))
	}
	got := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	if got.Status != "Resolved" {
		t.Errorf("status = %q", got.Status)
	}
	cs := f.srv.Comments(own.ID)
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
	data, err := os.ReadFile(filepath.Join(f.logs, filepath.FromSlash(rel)))
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
	v := f.openModal(t, "close 32151")
	r, reqs := f.submit(t, form(v, "V1", typed(BlockResolution, "Printer driver reinstalled."), ticked(BlockCloseOptions)))
	if len(reqs) != 2 || len(r.Notices) != 0 || strings.Contains(r.Text, "Session log") {
		t.Errorf("reply %+v:%s", r, reqLines(reqs))
	}
	if r.Text != "Closed #32151 (Resolved)." {
		t.Errorf("reply = %q", r.Text)
	}
}

func TestClose_StatusFailureSaysWhatWasDone(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	v := f.openModal(t, "close 32151")
	f.srv.Fail("PUT", "/tickets/*", 5, syncrotest.FaultServerError)
	r, _ := f.submit(t, form(v, "V1", typed(BlockResolution, "Done."), typed(BlockMinutes, "15"), picked(BlockLabor, "remote", "remote")))
	want := "The resolution was added to #32151 and 15 min logged as Labor - Remote Business. But the status was NOT changed to Resolved: Syncro answered 500."
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
	r, reqs := f.slash(t, "log 32145")
	const rel = "clients/acme-corporation/session-logs/"
	if !strings.HasPrefix(r.Text, "#32145: Session log: `"+rel) {
		t.Fatalf("reply = %q:%s", r.Text, reqLines(reqs))
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.Text, "#32145: Session log: `"), "`.")
	data, err := os.ReadFile(filepath.Join(f.logs, filepath.FromSlash(path)))
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
// in the fallback text (which Slack shows in notifications) alike.
func TestClose_NoticeOfAMentionSubjectPingsNobody(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	acme := f.ticket(t, syncrotest.SeedTicketOwnCloud)
	tk := f.srv.AddTicket(syncrotest.Ticket{Subject: "<!channel> & <@U0BOSS> server room flooded", CustomerID: acme.CustomerID, Status: "In Progress"})
	v := f.openModal(t, fmt.Sprintf("close %d", tk.Number))
	r, _ := f.submit(t, form(v, "V-close", typed(BlockResolution, "Pumped it out <!here>."), ticked(BlockCloseOptions, CloseOptionNotify)))
	if len(r.Notices) != 1 {
		t.Fatalf("notices = %+v, want one", r.Notices)
	}
	n := r.Notices[0]
	var blocks strings.Builder
	enc := json.NewEncoder(&blocks)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n.Blocks); err != nil {
		t.Fatal(err)
	}
	for what, s := range map[string]string{"text": n.Text, "blocks": blocks.String()} {
		if strings.Contains(s, "<!") || strings.Contains(s, "<@") {
			t.Errorf("notice %s would ping: %s", what, s)
		}
		if !strings.Contains(s, "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;") {
			t.Errorf("notice %s lost the escaped subject: %s", what, s)
		}
	}
}
