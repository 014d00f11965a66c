package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// /syncro comment as Syncro then holds it (README, "Using it in Slack"
// and "Time is never silently lost").

// commentWithBody is ticketID's one comment whose body holds body.
func commentWithBody(t *testing.T, srv *syncrotest.Server, ticketID int64, body string) syncrotest.Comment {
	t.Helper()
	var found []syncrotest.Comment
	for _, c := range srv.Comments(ticketID) {
		if strings.Contains(c.Body, body) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Syncro holds %d comments with %q, want 1", len(found), body)
	}
	return found[0]
}

// TestE2E_CommentFlagsAreWhatSyncroHolds: --hidden makes a hidden note,
// never emailed; --no-email a public comment not emailed; a plain one is
// public and emailed; --labor onsite logs the time on the onsite product.
func TestE2E_CommentFlagsAreWhatSyncroHolds(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	n := itoa64(tk.Number)

	for i, c := range []struct {
		flags, body       string
		hidden, doNotMail bool
	}{
		{"--hidden", "Admin password is in the vault", true, true},
		{"--no-email", "Called Ann, she will reboot tonight", false, true},
		{"", "Printer is back online", false, false},
	} {
		b.slash(ctx, t, strings.TrimSpace("comment "+n+" "+c.flags)+" "+c.body)
		b.waitReply(ctx, t, i, "#"+n)
		got := commentWithBody(t, b.srv, tk.ID, c.body)
		if got.Hidden != c.hidden || got.DoNotEmail != c.doNotMail {
			t.Errorf("comment %q: Syncro holds hidden %v, do-not-email %v; want %v, %v", c.flags, got.Hidden, got.DoNotEmail, c.hidden, c.doNotMail)
		}
	}

	b.slash(ctx, t, "comment "+n+" --time 30m --labor onsite Rewired the print server")
	b.waitReply(ctx, t, 3, "30")
	var onsite int
	for _, tm := range b.srv.Timers(tk.ID) {
		if tm.ProductID == syncrotest.ProductLaborOnsite {
			onsite += tm.Minutes()
		}
	}
	if onsite != 30 {
		t.Errorf("Syncro holds %d onsite minutes on #%s, want 30", onsite, n)
	}
}

// TestE2E_AccountIgnoringTimeOnCommentsGetsTimerEntries: the account
// drops the time fields of a comment. That costs nothing: a tech's time is
// a timer entry in their Syncro name (README, "Whose time it is"), so no
// comment carries minutes, the first entry and those after a restart
// alike, and Syncro holds each entry's minutes once, in Dana's name.
func TestE2E_AccountIgnoringTimeOnCommentsGetsTimerEntries(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	n := itoa64(tk.Number)
	before, _ := loggedMinutes(b.srv, tk.ID)
	timersBefore := len(b.srv.Timers(tk.ID))

	for i, e := range []struct{ min, note string }{{"20", "Checked the spooler"}, {"15", "Replaced the drum"}, {"10", "Cleaned the rollers"}} {
		if i == 2 {
			b = b.restart(ctx, t)
		}
		b.slash(ctx, t, "comment "+n+" --time "+e.min+"m "+e.note)
		b.waitReply(ctx, t, i, e.min+" min logged")
		if c := commentWithBody(t, b.srv, tk.ID, e.note); c.MinutesSpent != 0 {
			t.Errorf("the comment %q carried %d minutes", e.note, c.MinutesSpent)
		}
	}
	timers, _ := loggedMinutes(b.srv, tk.ID)
	if got := timers - before; got != 45 {
		t.Errorf("Syncro holds %d new minutes in timer entries, want 45", got)
	}
	for _, tm := range b.srv.Timers(tk.ID)[timersBefore:] {
		if tm.UserID != syncrotest.UserDana {
			t.Errorf("%d min are user %d's, want Dana's (%d)", tm.Minutes(), tm.UserID, syncrotest.UserDana)
		}
	}
}
