package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Fresh eyes on the read-back of an edit whose answer was lost: each test
// is a way to make a reply claim what Syncro does not hold.

// printerTicketFacing starts the bot with the seed's printer ticket's
// next PUT answered with fault; it returns the ticket and its path.
func printerTicketFacing(ctx context.Context, t *testing.T, fault syncrotest.Fault) (*e2eBot, syncrotest.Ticket, string) {
	t.Helper()
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	path := "/tickets/" + itoa64(tk.ID)
	b.srv.Fail("PUT", path, 1, fault)
	return b, tk, path
}

// updateHeldAtTheReadBack has Dana set the printer ticket In Progress,
// Syncro applying it and cutting its answer off, and returns once the
// bot's read-back is held at Syncro (ReleaseHangs lets it go on).
func updateHeldAtTheReadBack(ctx context.Context, t *testing.T) (*e2eBot, syncrotest.Ticket, string) {
	t.Helper()
	b, tk, path := printerTicketFacing(ctx, t, syncrotest.FaultCommitThenGarbage)
	b.srv.Fail("GET", path, 1, syncrotest.FaultHang)
	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "In Progress"`)
	b.waitHeld(ctx, t)
	return b, tk, path
}

// TestE2E_BreakUpdate_WebAppChangeBeforeTheReadBackIsNotToldUpdated: Syncro
// applies Dana's status change but its answer is cut off, and before the
// bot reads the ticket back someone sets another status in the web app.
// Syncro holds the web app's status, so Dana is told the change can't be
// confirmed and what Syncro shows, never "Updated"; the PUT is sent once
// and the audit says the outcome is unknown.
func TestE2E_BreakUpdate_WebAppChangeBeforeTheReadBackIsNotToldUpdated(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, tk, path := updateHeldAtTheReadBack(ctx, t)
	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != "In Progress" {
		t.Fatalf("Syncro holds #%d as %q before the read-back; the fault should have applied In Progress", tk.Number, got)
	}
	if err := b.srv.SetTicketStatus(tk.ID, "Waiting on Customer"); err != nil {
		t.Fatal(err)
	}
	b.srv.ReleaseHangs()
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	b.wantUpdateUnconfirmed(ctx, t, tk.Number, path, rep, "Waiting on Customer")
}

// wantUpdateUnconfirmed checks an update of ticket number (at path) that
// Syncro does not show: PUT once, rep (the reply to it) says it can't be
// confirmed and shows status, Syncro's, and the audit says its outcome
// is unknown.
func (b *e2eBot) wantUpdateUnconfirmed(ctx context.Context, t *testing.T, number int64, path, rep, status string) {
	t.Helper()
	if n := b.srv.Count("PUT", path); n != 1 {
		t.Errorf("%d PUTs of #%d, want 1", n, number)
	}
	if strings.Contains(rep, "Updated #") || !strings.Contains(rep, "can't confirm") || !strings.Contains(rep, "Status: "+status) {
		t.Errorf("Syncro doesn't show the change; the reply should say it can't confirm it and show the status Syncro holds (%s):\n%s", status, rep)
	}
	b.slash(ctx, t, "audit "+itoa64(number))
	audit := replyText(b.waitReply(ctx, t, 1, "Changes I made to #"+itoa64(number)).Message)
	if !strings.Contains(audit, "outcome unknown") {
		t.Errorf("the audit should show the update's outcome as unknown:\n%s", audit)
	}
}

// TestE2E_BreakUpdate_FormSubmittedTwiceWithALostAnswerPutsOnce: Dana
// double-clicks Save on the update form and Syncro's answer to the PUT is
// cut off. The change is PUT once, read back, and told "Updated" once;
// the second click is told it was submitted twice (repeating that reply,
// or saying it is being saved), never a failure.
func TestE2E_BreakUpdate_FormSubmittedTwiceWithALostAnswerPutsOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, tk, path := printerTicketFacing(ctx, t, syncrotest.FaultCommitThenGarbage)
	b.slash(ctx, t, "update "+itoa64(tk.Number))
	view := b.waitView(ctx, t, commands.CallbackUpdate)
	inputs := modalInputs(t, view.JSON)
	vals := formState(inputs)
	status := inputs[commands.BlockStatus]
	vals[commands.BlockStatus] = map[string]slackfake.Input{status.Element.ActionID: slackfake.StaticSelectInput("Waiting on Customer", "Waiting on Customer")}
	b.doubleSubmit(ctx, t, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackUpdate,
		PrivateMetadata: view.PrivateMetadata, Values: vals,
	})
	told := func() (updated, twice int) {
		for _, e := range b.f.Ephemerals(e2eUser) {
			s := replyText(e.Message)
			switch {
			case strings.Contains(s, "submitted twice") || strings.Contains(s, "already being saved"):
				twice++
			case strings.Contains(s, "Updated #"+itoa64(tk.Number)):
				updated++
			}
		}
		return updated, twice
	}
	if err := b.f.WaitUntil(ctx, func() bool { u, tw := told(); return u+tw >= 2 }); err != nil {
		t.Fatalf("Dana was not answered for both clicks: %v; stderr:\n%s", err, b.stderr.String())
	}
	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != "Waiting on Customer" {
		t.Fatalf("Syncro holds #%d as %q, want Waiting on Customer", tk.Number, got)
	}
	if n := b.srv.Count("PUT", path); n != 1 {
		t.Errorf("%d PUTs of #%d for a double click, want 1", n, tk.Number)
	}
	for _, e := range b.f.Ephemerals(e2eUser) {
		if s := replyText(e.Message); strings.Contains(s, "couldn't") || strings.Contains(s, "can't confirm") {
			t.Errorf("a reply claims a failure of a change Syncro holds:\n%s", s)
		}
	}
	if u, tw := told(); u != 1 || tw != 1 {
		t.Errorf("%d replies say Updated and %d say it was submitted twice, want 1 and 1", u, tw)
	}
}

// TestE2E_BreakUpdate_CloseWhoseStatusPutIsAnsweredWithAPageSaysItIsNotSet:
// Dana closes a ticket and Syncro answers the status PUT 200 with a
// sign-in page, not applying it. The read-back shows the old status, so
// the reply says the status change is not confirmed and offers Finish,
// never "Closed"; the status PUT is not sent again on its own.
func TestE2E_BreakUpdate_CloseWhoseStatusPutIsAnsweredWithAPageSaysItIsNotSet(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, tk, path := printerTicketFacing(ctx, t, syncrotest.FaultHTML)
	b.closeFromSlack(ctx, t, tk.Number, "Replaced the fuser.")
	text := replyText(b.waitReply(ctx, t, 0).Message)

	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != tk.Status {
		t.Fatalf("Syncro holds #%d as %q; the fault should have left it %q", tk.Number, got, tk.Status)
	}
	if n := b.srv.Count("PUT", path); n != 1 {
		t.Errorf("%d status PUTs of #%d, want 1", n, tk.Number)
	}
	if strings.Contains(text, "Closed #") || !strings.Contains(text, "didn't confirm the status change") || !strings.Contains(text, "Finish") {
		t.Errorf("Syncro holds %s; the reply should say the status change is not confirmed and offer Finish:\n%s", tk.Status, text)
	}
}

// TestE2E_BreakUpdate_ContactDeleteWhoseAnswerIsNotJSONTellsWhatSyncroHolds:
// Dana confirms a contact's deletion and Syncro answers the DELETE 200
// with something that is not JSON. A DELETE's body was never looked at,
// so a sign-in page (nothing deleted) was told "Deleted contact N." while
// Syncro held the contact. Now the contact is read back: still there,
// told it was not deleted; gone (the answer cut off after the delete),
// told deleted. The DELETE is sent once either way.
func TestE2E_BreakUpdate_ContactDeleteWhoseAnswerIsNotJSONTellsWhatSyncroHolds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault   syncrotest.Fault
		deleted bool
		want    string
	}{
		{syncrotest.FaultHTML, false, "still in Syncro, so it was not deleted"},
		{syncrotest.FaultCommitThenGarbage, true, "Deleted contact"},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			b := startE2EBot(ctx, t, nil)
			ct := b.srv.Contacts(ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud).CustomerID)[0]
			path := "/contacts/" + itoa64(ct.ID)
			b.srv.Fail("DELETE", path, 1, tc.fault)
			b.slash(ctx, t, "contact delete "+itoa64(ct.ID))
			confirm := b.waitReply(ctx, t, 0, "Delete contact")
			b.click(ctx, t, confirm, button(t, confirm.Blocks, customers.ActionContactDeleteConfirm))
			rep := replyText(b.waitReply(ctx, t, 1).Message)

			if _, held := b.srv.Contact(ct.ID); held == tc.deleted {
				t.Fatalf("contact %d in Syncro: %v; the fault should have deleted it: %v", ct.ID, held, tc.deleted)
			}
			if n := b.srv.Count("DELETE", path); n != 1 {
				t.Errorf("%d DELETEs of contact %d, want 1", n, ct.ID)
			}
			if !strings.Contains(rep, tc.want) || (!tc.deleted && strings.Contains(rep, "Deleted contact")) {
				t.Errorf("deleted in Syncro: %v; the reply should say %q:\n%s", tc.deleted, tc.want, rep)
			}
		})
	}
}

// TestE2E_BreakUpdate_UpdateAppliedButAnswered500IsToldWhatSyncroHolds:
// Syncro applies Dana's `/syncro update` and answers every try with its
// 500 page (the client retries a PUT on a 5xx). Syncro holds the change,
// so she must not be told it failed or that nothing was saved: a tech
// told so redoes the change, and the summary leaves it out. The ticket is
// read back, as the close's status step does: she is told it is updated
// and the audit shows it done.
func TestE2E_BreakUpdate_UpdateAppliedButAnswered500IsToldWhatSyncroHolds(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, tk, path := printerTicketFacing(ctx, t, syncrotest.FaultCommitThenFail)
	b.srv.Fail("PUT", path, 10, syncrotest.FaultCommitThenFail) // and every retry
	b.slash(ctx, t, "update "+itoa64(tk.Number)+` --status "In Progress"`)
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	if got := ticketByNumber(t, b.srv, tk.Number).Status; got != "In Progress" {
		t.Fatalf("Syncro holds #%d as %q; the fault should have applied In Progress", tk.Number, got)
	}
	b.wantUpdateDone(ctx, t, tk.Number, rep, "In Progress")
}

// wantUpdateDone checks an update of ticket number that Syncro holds: rep
// (the reply to it) says it was made, naming each of values, claims no
// failure, and the audit shows it done.
func (b *e2eBot) wantUpdateDone(ctx context.Context, t *testing.T, number int64, rep string, values ...string) {
	t.Helper()
	told := strings.Contains(rep, "Updated #"+itoa64(number))
	for _, v := range values {
		told = told && strings.Contains(rep, v)
	}
	if !told || strings.Contains(rep, "couldn't") || strings.Contains(rep, "can't") || strings.Contains(rep, "Nothing was") {
		t.Errorf("Syncro holds the change; the reply should say it was made:\n%s", rep)
	}
	b.slash(ctx, t, "audit "+itoa64(number))
	audit := replyText(b.waitReply(ctx, t, 1, "Changes I made to #"+itoa64(number)).Message)
	if !strings.Contains(audit, "✓") || strings.Contains(audit, "failed") {
		t.Errorf("the audit should show the update as done:\n%s", audit)
	}
}

// TestE2E_BreakUpdate_CustomerEditAppliedButAnswered500IsToldWhatSyncroHolds:
// Syncro applies Dana's customer or contact edit and answers every try
// with its 500 page. Syncro holds the edit, so she is told it is updated,
// never "Nothing was saved".
func TestE2E_BreakUpdate_CustomerEditAppliedButAnswered500IsToldWhatSyncroHolds(t *testing.T) {
	t.Parallel()
	for _, contact := range []bool{false, true} {
		t.Run(map[bool]string{false: "customer", true: "contact"}[contact], func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			b := startE2EBot(ctx, t, nil)
			path, cmd, callback, field, value, held := b.editTarget(t, contact)
			b.srv.Fail("PUT", path, 10, syncrotest.FaultCommitThenFail)
			b.submitForm(ctx, t, cmd, callback, map[string]string{field: value})
			rep := replyText(b.waitReply(ctx, t, 0).Message)

			if got := held(); got != value {
				t.Fatalf("Syncro holds %q; the fault should have applied %q", got, value)
			}
			if !strings.Contains(rep, "Updated "+strings.Fields(cmd)[0]) || strings.Contains(rep, "Nothing was saved") || strings.Contains(rep, "couldn't") {
				t.Errorf("Syncro holds the edit; the reply should say it was made:\n%s", rep)
			}
		})
	}
}

// TestE2E_BreakUpdate_TicketDeletedBeforeTheReadBackIsSaidSo: Syncro
// applies Dana's update but its answer is cut off, and the ticket is
// deleted in the web app before the bot reads it back. Syncro answers
// the read-back 404: she is told the ticket is no longer in Syncro, not
// that it "couldn't be checked" nor to look at it there; the PUT is sent
// once.
func TestE2E_BreakUpdate_TicketDeletedBeforeTheReadBackIsSaidSo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, tk, path := updateHeldAtTheReadBack(ctx, t)
	deleteTicketInSyncro(t, b.srv, tk.ID)
	b.srv.ReleaseHangs()
	rep := replyText(b.waitReply(ctx, t, 0).Message)

	if n := b.srv.Count("PUT", path); n != 1 {
		t.Errorf("%d PUTs of #%d, want 1", n, tk.Number)
	}
	if strings.Contains(rep, "Updated #") || strings.Contains(rep, "couldn't check") || !strings.Contains(rep, "no longer in Syncro") {
		t.Errorf("#%d is deleted in Syncro; the reply should say so, claiming nothing else:\n%s", tk.Number, rep)
	}
}
