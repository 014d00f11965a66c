package home_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestSummary_PastTheCommentChecksTheRestAreSaidNotChecked: Dana
// commented today on 17 tickets assigned to her and logged no time. The
// summary reads the comments of 15; the other 2 are not in Missing time?,
// and the message says it did not check them rather than reading as
// complete.
func TestSummary_PastTheCommentChecksTheRestAreSaidNotChecked(t *testing.T) {
	t.Parallel()
	hf, f, _ := summaryRig(t)
	cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
	for i := range 17 {
		tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Commented " + strconv.Itoa(i), CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress"})
		if _, err := f.Srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Worked on it.", UserID: syncrotest.UserDana}); err != nil {
			t.Fatal(err)
		}
	}
	s := danaInUTCToday(t, hf)
	asked := 0
	for _, tk := range s.Missing {
		if strings.HasPrefix(tk.Subject, "Commented ") {
			asked++
		}
	}
	shown := string(messageJSON(t, home.RenderSummary(s)))
	if asked != 15 || !strings.Contains(shown, "I did not check 2 more of that day's tickets for your time") {
		t.Errorf("17 commented tickets with no time: %d asked (want 15, the bound), and the summary must say 2 were not checked; errors %q:\n%s", asked, s.Errs, shown)
	}
}

// TestSummary_ACommentsReadSyncroFailsStillAsksTheRest: Syncro fails the
// comments read of Dana's newest ticket. Her resolved ticket and the
// ticket she changed through the bot need no comments read: they are
// still asked about, and the failure is said once.
func TestSummary_ACommentsReadSyncroFailsStillAsksTheRest(t *testing.T) {
	t.Parallel()
	hf, f, _ := summaryRig(t)
	resolved := commentsUnreadableBesideResolved(t, f)
	changed := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Marcus's, changed by Dana", CustomerID: resolved.CustomerID, UserID: syncrotest.UserMarcus, Status: "In Progress", CreatedAt: syncrotest.SeedNow.Add(-20 * time.Minute)})
	if err := f.Store.Audit(store.AuditEntry{At: changed.CreatedAt, SlackUser: commandstest.Dana.SlackUserID, Ticket: changed.Number, Action: store.ActionStatus, Outcome: store.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	s := danaInUTCToday(t, hf)
	for _, tk := range []syncrotest.Ticket{resolved, changed} {
		if !slices.ContainsFunc(s.Missing, func(m syncro.Ticket) bool { return m.ID == tk.ID }) {
			t.Errorf("%q is not asked Missing time? (asked %d, errors %q)", tk.Subject, len(s.Missing), s.Errs)
		}
	}
	said := 0
	for _, e := range s.Errs {
		said += strings.Count(e, "missing time")
	}
	if said != 1 {
		t.Errorf("the failed check is said %d times, want once: %q", said, s.Errs)
	}
}

// auditUnreadable is a store whose audit trail cannot be read.
type auditUnreadable struct{ commands.Store }

func (auditUnreadable) AuditByUser(string, time.Time, time.Time) ([]store.AuditEntry, error) {
	return nil, errors.New("audit trail unreadable")
}

// TestSummary_AuditAndSyncroBothFailingIsSaidOnce: the audit trail can't
// be read and Syncro fails a comments read. Both are the same check for
// missing time, so the summary says it once, and still asks about the
// resolved ticket, which needs neither.
func TestSummary_AuditAndSyncroBothFailingIsSaidOnce(t *testing.T) {
	t.Parallel()
	hf := home.New()
	f := commandstest.NewFixtureOn(t, func(s commands.Store) commands.Store { return auditUnreadable{s} }, []commands.Feature{tickets.Register, hf.Register})
	resolved := commentsUnreadableBesideResolved(t, f)
	s := danaInUTCToday(t, hf)
	said := 0
	for _, e := range s.Errs {
		said += strings.Count(e, "missing time")
	}
	if said != 1 || !slices.ContainsFunc(s.Missing, func(m syncro.Ticket) bool { return m.ID == resolved.ID }) {
		t.Errorf("the failed check is said %d times (want once) and the resolved ticket asked: %v; errors %q", said, slices.ContainsFunc(s.Missing, func(m syncro.Ticket) bool { return m.ID == resolved.ID }), s.Errs)
	}
}

// commentsUnreadableBesideResolved adds two of Dana's tickets of today
// with none of her time: the newest, whose comments Syncro fails to give
// (a 500, every time), and an older one she resolved, which is returned.
func commentsUnreadableBesideResolved(t *testing.T, f *commandstest.Fixture) syncrotest.Ticket {
	t.Helper()
	cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
	at := func(ago time.Duration) time.Time { return syncrotest.SeedNow.Add(-ago) }
	failing := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Comments unreadable", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress", CreatedAt: at(time.Minute)})
	f.Srv.Fail("GET", "/tickets/"+strconv.FormatInt(failing.ID, 10)+"/comments", 100, syncrotest.FaultServerError)
	return f.Srv.AddTicket(syncrotest.Ticket{Subject: "Resolved, no time", CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: at(10 * time.Minute), CreatedAt: at(10 * time.Minute)})
}

// danaInUTCToday is Dana's summary of the seed's day, her zone UTC (the
// seed's clock is 00:30 UTC).
func danaInUTCToday(t *testing.T, hf *home.Feature) home.Summary {
	t.Helper()
	a := commandstest.Dana
	a.TimeZone = "UTC"
	s, err := hf.Summary(t.Context(), a, syncrotest.SeedNow.UTC().Truncate(24*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSummary_PastTheCommentChecksResolvedAndChangedAreAskedNotCounted:
// besides 17 tickets Dana commented on today, she resolved one and
// changed one through the bot, both older, so past the 15 comment
// reads. Those two need no read: they are asked about, and only the 2
// commented tickets left unread are counted as not checked, once each.
// Then Syncro fails the comments read of the 15th: the 2 known without a
// read are still asked, the failure is said once, and nothing is
// counted twice.
func TestSummary_PastTheCommentChecksResolvedAndChangedAreAskedNotCounted(t *testing.T) {
	t.Parallel()
	for _, failFifteenth := range []bool{false, true} {
		t.Run(strconv.FormatBool(failFifteenth), func(t *testing.T) {
			t.Parallel()
			hf, f, _ := summaryRig(t)
			cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
			at := func(ago time.Duration) time.Time { return syncrotest.SeedNow.Add(-ago) }
			var commented []syncrotest.Ticket
			for i := range 17 {
				tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Commented " + strconv.Itoa(i), CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress", CreatedAt: at(time.Duration(i+1) * time.Second)})
				if _, err := f.Srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Body: "Worked on it.", UserID: syncrotest.UserDana}); err != nil {
					t.Fatal(err)
				}
				commented = append(commented, tk)
			}
			if failFifteenth {
				f.Srv.Fail("GET", "/tickets/"+strconv.FormatInt(commented[14].ID, 10)+"/comments", 100, syncrotest.FaultServerError)
			}
			resolved := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Resolved, no time", CustomerID: cust, UserID: syncrotest.UserDana, Status: "Resolved", ResolvedAt: at(10 * time.Minute), CreatedAt: at(10 * time.Minute)})
			changed := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Changed, no time", CustomerID: cust, UserID: syncrotest.UserDana, Status: "In Progress", CreatedAt: at(20 * time.Minute)})
			if err := f.Store.Audit(store.AuditEntry{At: changed.CreatedAt, SlackUser: commandstest.Dana.SlackUserID, Ticket: changed.Number, Action: store.ActionStatus, Outcome: store.OutcomeOK}); err != nil {
				t.Fatal(err)
			}
			s := danaInUTCToday(t, hf)
			for _, tk := range []syncrotest.Ticket{resolved, changed} {
				if n := countFunc(s.Missing, func(m syncro.Ticket) bool { return m.ID == tk.ID }); n != 1 {
					t.Errorf("%q is asked %d times, want once (errors %q)", tk.Subject, n, s.Errs)
				}
			}
			said := 0
			for _, e := range s.Errs {
				said += strings.Count(e, "missing time")
			}
			wantUnchecked, wantSaid := 2, 0
			if failFifteenth {
				// The error says the check is incomplete; the 2 past the
				// bound were never reached.
				wantUnchecked, wantSaid = 0, 1
			}
			if s.Unchecked != wantUnchecked || said != wantSaid {
				t.Errorf("unchecked %d (want %d), the failed check said %d times (want %d): %q", s.Unchecked, wantUnchecked, said, wantSaid, s.Errs)
			}
		})
	}
}

// countFunc is how many of ts f holds for.
func countFunc(ts []syncro.Ticket, f func(syncro.Ticket) bool) int {
	n := 0
	for _, tk := range ts {
		if f(tk) {
			n++
		}
	}
	return n
}
