package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Customer merge from Slack (README, "customer merge"): everything of the
// duplicate moves to the primary and the duplicate is deleted; a merge a
// crash cut off is told at the next start with Finish, which does only
// what is missing.

// mergeSeed is a duplicate of a seeded customer holding two tickets.
type mergeSeed struct {
	primary, dup int64
	tickets      []int64
}

// seedDuplicate adds to Syncro a duplicate of Acme Corp. with two tickets.
func seedDuplicate(t *testing.T, srv *syncrotest.Server) mergeSeed {
	t.Helper()
	var s mergeSeed
	for _, c := range srv.Customers() {
		if c.BusinessName == "Acme Corp." {
			s.primary = c.ID
		}
	}
	if s.primary == 0 {
		t.Fatal("seed has no Acme Corp.")
	}
	s.dup = srv.AddCustomer(syncrotest.Customer{BusinessName: "Acme Corp (old)", FirstName: "Wile", LastName: "Coyote"}).ID
	for _, subject := range []string{"Old VPN issue", "Old printer"} {
		s.tickets = append(s.tickets, srv.AddTicket(syncrotest.Ticket{Subject: subject, CustomerID: s.dup}).ID)
	}
	return s
}

// mergeAndDelete asks for the merge's preview and clicks "Merge and
// delete duplicate" in it.
func (b *e2eBot) mergeAndDelete(ctx context.Context, t *testing.T, s mergeSeed) {
	t.Helper()
	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "customer merge "+itoa64(s.primary)+" "+itoa64(s.dup))
	preview := b.waitReply(ctx, t, seen, "Merge and delete duplicate")
	del := button(t, preview.Blocks, customers.ActionCustomerMergeConfirm)
	del.Value = customers.MergeButtonValue(s.primary, s.dup) + ":delete"
	b.click(ctx, t, preview, del)
}

// wantMergedOnce checks what Syncro holds after the merge: the tickets on
// the primary, one merge note, the duplicate deleted by one DELETE.
func wantMergedOnce(t *testing.T, srv *syncrotest.Server, s mergeSeed) {
	t.Helper()
	for _, id := range s.tickets {
		if tk, _ := srv.Ticket(id); tk.CustomerID != s.primary {
			t.Errorf("ticket #%d is on customer %d, want the primary %d", tk.Number, tk.CustomerID, s.primary)
		}
	}
	if _, ok := srv.Customer(s.dup); ok {
		t.Errorf("the duplicate %d still exists", s.dup)
	}
	primary, _ := srv.Customer(s.primary)
	if n := strings.Count(primary.Notes, "Merged customer Acme Corp (old)"); n != 1 {
		t.Errorf("the primary's notes hold the merge note %d times, want once: %q", n, primary.Notes)
	}
	if n := srv.Count("DELETE", "/customers/"); n != 1 {
		t.Errorf("%d customer DELETEs, want 1", n)
	}
}

func TestE2E_CustomerMergeFromSlackMovesTheTicketsAndDeletesTheDuplicate(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	s := seedDuplicate(t, b.srv)
	b.mergeAndDelete(ctx, t, s)
	b.waitReply(ctx, t, 1, "2 tickets and 0 contacts moved", "The duplicate was deleted.")
	wantMergedOnce(t, b.srv, s)
}

// TestE2E_CustomerMergeCutOffByACrashFinishesFromTheRestartMessage: the
// bot dies while moving the duplicate's tickets (one PUT is held at
// Syncro). After the restart Dana is told the merge is not finished, with
// the merge's Finish (and no ticket flow's); Finish moves what is left,
// notes the merge once and deletes the duplicate once; a further restart
// tells nothing.
func TestE2E_CustomerMergeCutOffByACrashFinishesFromTheRestartMessage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	s := seedDuplicate(t, b.srv)
	b.srv.Fail("PUT", "/tickets/"+itoa64(s.tickets[1]), 1, syncrotest.FaultHang)
	b.mergeAndDelete(ctx, t, s)
	seen := len(b.f.Ephemerals(e2eUser))
	b2 := b.afterCrash(ctx, t)

	told := b2.waitReply(ctx, t, seen, customers.ActionCustomerMergeFinish)
	for _, want := range []string{"I was restarted, and your merge is not finished.", "moving the tickets", "was NOT deleted"} {
		if !strings.Contains(told.Text, want) {
			t.Errorf("the restart's message lacks %q: %q", want, told.Text)
		}
	}
	b2.waitLog(ctx, t, `"msg":"start messages sent"`)
	for _, e := range b2.postedWith(seen, tickets.ActionFinish) {
		t.Errorf("the merge was told as a ticket flow: %q", e.Text)
	}
	b2.click(ctx, t, told, button(t, told.Blocks, customers.ActionCustomerMergeFinish))
	b2.waitReply(ctx, t, seen+1, "The duplicate was deleted.")
	wantMergedOnce(t, b2.srv, s)

	b2.restartTellsNothing(ctx, t, customers.ActionCustomerMergeFinish, "a finished merge")
}

// postedWith is Dana's messages after her first `after` that carry a
// button with actionID.
func (b *e2eBot) postedWith(after int, actionID string) []slackfake.Ephemeral {
	var out []slackfake.Ephemeral
	for _, e := range b.f.Ephemerals(e2eUser)[after:] {
		if strings.Contains(string(e.Blocks), `"action_id":"`+actionID+`"`) {
			out = append(out, e)
		}
	}
	return out
}

// restartTellsNothing restarts b and fails unless the start posts Dana
// nothing with an actionID button: finished work (what) is not told
// again.
func (b *e2eBot) restartTellsNothing(ctx context.Context, t *testing.T, actionID, what string) {
	t.Helper()
	posted := len(b.f.Ephemerals(e2eUser))
	b2 := b.restart(ctx, t)
	b2.waitLog(ctx, t, `"msg":"start messages sent"`)
	for _, e := range b2.postedWith(posted, actionID) {
		t.Errorf("%s is posted again after a restart: %q", what, e.Text)
	}
}

// TestE2E_CustomerMergeFinishMovesATicketThatReachedTheDuplicateWhileStopped:
// the merge stops at the note on the primary (Syncro answers 500);
// meanwhile a customer's email opens a ticket on the duplicate. Finish
// moves that ticket to the primary too, says so, and only then deletes the
// duplicate (Syncro's DELETE is hard: the ticket would go with it).
func TestE2E_CustomerMergeFinishMovesATicketThatReachedTheDuplicateWhileStopped(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, s, stopped := stoppedMerge(ctx, t, "PUT", func(s mergeSeed) string { return "/customers/" + itoa64(s.primary) })
	late := b.srv.AddTicket(syncrotest.Ticket{Subject: "Emailed in meanwhile", CustomerID: s.dup})

	b.click(ctx, t, stopped, button(t, stopped.Blocks, customers.ActionCustomerMergeFinish))
	b.waitReply(ctx, t, 2, "The duplicate was deleted.", "#"+itoa64(late.Number))
	s.tickets = append(s.tickets, late.ID)
	wantMergedOnce(t, b.srv, s)
}

// TestE2E_CustomerMergeTheOtherWayRoundWaitsForTheStoppedOne: merging the
// old record into Acme stops while moving tickets; Dana then merges Acme
// into the old record. The bot refuses, offering the stopped merge's
// Finish, so Acme (that merge's primary) is not deleted from under it.
func TestE2E_CustomerMergeTheOtherWayRoundWaitsForTheStoppedOne(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, s, _ := stoppedMerge(ctx, t, "PUT", func(mergeSeed) string { return "/tickets/*" })

	b.mergeAndDelete(ctx, t, mergeSeed{primary: s.dup, dup: s.primary})
	refused := b.waitReply(ctx, t, 3, "is not finished", customers.ActionCustomerMergeFinish)
	if _, ok := b.srv.Customer(s.primary); !ok {
		t.Fatalf("Acme was deleted by the merge the other way round: %q", refused.Text)
	}
	b.click(ctx, t, refused, button(t, refused.Blocks, customers.ActionCustomerMergeFinish))
	b.waitReply(ctx, t, 4, "The duplicate was deleted.")
	wantMergedOnce(t, b.srv, s)
}

// stoppedMerge starts the bot and a merge and delete of a seeded
// duplicate that stops because Syncro answers 500 to every method request
// on path; it returns the stopped merge's reply, the faults cleared.
func stoppedMerge(ctx context.Context, t *testing.T, method string, path func(mergeSeed) string) (*e2eBot, mergeSeed, slackfake.Ephemeral) {
	t.Helper()
	b := startE2EBot(ctx, t, nil)
	s := seedDuplicate(t, b.srv)
	b.srv.Fail(method, path(s), 20, syncrotest.FaultServerError)
	b.mergeAndDelete(ctx, t, s)
	stopped := b.waitReply(ctx, t, 1, "Press Finish", "was NOT deleted")
	b.srv.ClearFaults()
	return b, s, stopped
}

// TestE2E_CustomerMergeThatCanNeverFinishIsAbandoned: the merge stops
// while moving the tickets; then the primary is deleted in Syncro, so
// every move is refused (422) and Finish can never finish it. Abandon
// records it as given up and says what Syncro holds: nothing done, both
// tickets still on the duplicate, which was not deleted. The old
// message's Finish then sends Syncro nothing, and a restart tells nobody
// of the merge.
func TestE2E_CustomerMergeThatCanNeverFinishIsAbandoned(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, s, _ := stoppedMerge(ctx, t, "PUT", func(mergeSeed) string { return "/tickets/*" })
	deleteCustomerInSyncro(t, b.srv, s.primary)

	stuck := b.waitReply(ctx, t, 1, "Press Finish")
	b.click(ctx, t, stuck, button(t, stuck.Blocks, customers.ActionCustomerMergeFinish))
	refused := b.waitReply(ctx, t, 2, "was NOT moved", customers.ActionCustomerMergeAbandon)

	b.click(ctx, t, refused, button(t, refused.Blocks, customers.ActionCustomerMergeAbandon))
	abandoned := b.waitReply(ctx, t, 3, "Abandoned the merge")
	for _, want := range []string{"None of its steps finished.", "Not done: moving the tickets, repointing the contacts, the note on the primary, deleting the duplicate.",
		"The duplicate (ID " + itoa64(s.dup) + ") was NOT deleted, and still holds ticket #",
		"ticket #" + itoa64(ticketNumber(t, b.srv, s.tickets[0])), "ticket #" + itoa64(ticketNumber(t, b.srv, s.tickets[1]))} {
		if !strings.Contains(abandoned.Text, want) {
			t.Errorf("the abandon's reply lacks %q: %q", want, abandoned.Text)
		}
	}
	for _, id := range s.tickets {
		if tk, _ := b.srv.Ticket(id); tk.CustomerID != s.dup {
			t.Errorf("ticket #%d is on customer %d, want still the duplicate %d", tk.Number, tk.CustomerID, s.dup)
		}
	}
	if _, ok := b.srv.Customer(s.dup); !ok {
		t.Error("the duplicate was deleted")
	}

	puts := b.srv.Count("PUT", "/")
	b.click(ctx, t, stuck, button(t, stuck.Blocks, customers.ActionCustomerMergeFinish))
	b.waitReply(ctx, t, 4, "was abandoned on", "nothing was changed")
	if n := b.srv.Count("PUT", "/"); n != puts {
		t.Errorf("Finish of the abandoned merge sent Syncro %d PUTs", n-puts)
	}
	b.restartTellsNothing(ctx, t, customers.ActionCustomerMergeFinish, "an abandoned merge")
}

// deleteCustomerInSyncro deletes customer id as someone in Syncro's web
// app does.
func deleteCustomerInSyncro(t *testing.T, srv *syncrotest.Server, id int64) {
	t.Helper()
	if _, err := webApp(t, srv).Customers.Delete(t.Context(), id); err != nil {
		t.Fatalf("delete customer %d in Syncro: %v", id, err)
	}
}

// deleteTicketInSyncro deletes ticket id as someone in Syncro's web app
// does.
func deleteTicketInSyncro(t *testing.T, srv *syncrotest.Server, id int64) {
	t.Helper()
	if _, err := webApp(t, srv).Tickets.Delete(t.Context(), id); err != nil {
		t.Fatalf("delete ticket %d in Syncro: %v", id, err)
	}
}

// ticketNumber is the number of the ticket with Syncro id id.
func ticketNumber(t *testing.T, srv *syncrotest.Server, id int64) int64 {
	t.Helper()
	tk, ok := srv.Ticket(id)
	if !ok {
		t.Fatalf("Syncro has no ticket %d", id)
	}
	return tk.Number
}
