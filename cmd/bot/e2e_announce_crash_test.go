package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_CloseCutOffByACrashIsAnnouncedAsDoneFromSlack: the bot dies
// while closing a ticket from Slack, after Syncro took the status change
// and before the bot heard back. The restarted bot's watcher sees the
// close but leaves it to the unfinished close (README, "Closed-ticket
// notices": a crash right after the status change keeps the mark for the
// Finish the restart offers); Finish from the restart's message announces
// it once, crediting Dana, and the watcher adds nothing.
func TestE2E_CloseCutOffByACrashIsAnnouncedAsDoneFromSlack(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const resolution = "Swapped the fuser unit."
	view := b.openCloseForm(ctx, t, tk.Number)
	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultHang)
	b.submitView(ctx, t, closeSubmission(t, view, resolution, commands.CloseOptionNotify))
	b2 := b.afterCrash(ctx, t)
	// The held PUT reached Syncro: the ticket is Resolved there.
	if err := b2.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}

	told := b2.waitReply(ctx, t, 0, tickets.ActionFinish)
	b2.waitPolls(ctx, t, 2)
	if got := b2.noticesAbout(t, tk.Number); len(got) != 0 {
		t.Fatalf("before Finish the watcher announced #%d: %q", tk.Number, got)
	}
	b2.clickFinish(ctx, t, told)
	b2.waitReply(ctx, t, 1, "Closed #"+itoa64(tk.Number))
	b2.waitNotice(ctx, t, tk.Number)
	b2.waitPolls(ctx, t, 2)
	got := b2.noticesAbout(t, tk.Number)
	if len(got) != 1 {
		t.Fatalf("#%d: %d notices, want 1: %q", tk.Number, len(got), got)
	}
	if want := fmt.Sprintf("*Closed by:* <@%s>", e2eUser); !strings.Contains(got[0], want) || strings.Contains(got[0], "Closed in Syncro") {
		t.Errorf("#%d: notice does not credit Dana as closed from Slack:\n%s", tk.Number, got[0])
	}
}
