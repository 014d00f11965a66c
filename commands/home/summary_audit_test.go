package home_test

import (
	"slices"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestSummary_ChangeWhoseOutcomeWasUnknownCountsOneSyncroRefusedDoesNot:
// Dana's changes through the bot on three of Marcus's tickets, as the
// audit trail holds them: one confirmed, one whose answer was lost
// (Syncro may hold it: she worked on the ticket either way) and one
// Syncro refused. Missing time? asks about the first two only.
func TestSummary_ChangeWhoseOutcomeWasUnknownCountsOneSyncroRefusedDoesNot(t *testing.T) {
	t.Parallel()
	hf, f, _ := summaryRig(t)
	cust := f.Ticket(t, syncrotest.SeedTicketOwnCloud).CustomerID
	a := commandstest.Dana
	a.TimeZone = "UTC"
	var tickets []syncrotest.Ticket
	for _, outcome := range []store.Outcome{store.OutcomeOK, store.OutcomeUnknown, store.OutcomeFailed} {
		tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Changed, " + string(outcome), CustomerID: cust, UserID: syncrotest.UserMarcus, Status: "In Progress"})
		tickets = append(tickets, tk)
		if err := f.Store.Audit(store.AuditEntry{At: syncrotest.SeedNow.Add(-time.Minute), SlackUser: a.SlackUserID, Ticket: tk.Number, Action: store.ActionStatus, Outcome: outcome}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := hf.Summary(t.Context(), a, syncrotest.SeedNow.UTC().Truncate(24*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, true, false} {
		got := slices.ContainsFunc(s.Missing, func(m syncro.Ticket) bool { return m.ID == tickets[i].ID })
		if got != want {
			t.Errorf("%q asked Missing time?: %v, want %v (errors %q)", tickets[i].Subject, got, want, s.Errs)
		}
	}
}
