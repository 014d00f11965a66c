package main

import (
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_RetypedCommandIsAskedBeforeLoggingAgain: Dana logs 20 min with
// /syncro comment, but Slack showed her an error instead of the reply, so
// she types the command again (a new envelope, not a redelivery). The bot
// asks before logging it again, and Syncro holds the 20 min once; "Log it
// again", double-clicked, makes it twice, exactly. "Don't" leaves it once.
func TestE2E_RetypedCommandIsAskedBeforeLoggingAgain(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{tickets.ActionLogAgain, tickets.ActionDontLogAgain} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			b := startE2EBot(ctx, t, nil)
			tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
			const notes = "Reseated the tray sensor."
			cmd := "comment " + itoa64(tk.Number) + " --time 20m " + notes
			timers0, _ := loggedMinutes(b.srv, tk.ID)
			holds := func(comments, minutes int) {
				t.Helper()
				timers, _ := loggedMinutes(b.srv, tk.ID)
				if got := commentsWithBody(b.srv, tk.ID, notes); got != comments || timers-timers0 != minutes {
					t.Errorf("Syncro holds %d comments and %d new min, want %d and %d", got, timers-timers0, comments, minutes)
				}
			}

			b.slash(ctx, t, cmd)
			b.waitReply(ctx, t, 0, "20 min logged")
			b.slash(ctx, t, cmd) // typed again: Dana never saw that reply
			q := b.waitReply(ctx, t, 1, "You logged this", "on #"+itoa64(tk.Number)+" — log it again?")
			holds(1, 20)

			b.doubleClick(ctx, t, q, button(t, q.Blocks, answer))
			if answer == tickets.ActionLogAgain {
				b.waitReply(ctx, t, 2, "20 min logged")
				b.waitReply(ctx, t, 3) // the second click's answer
				holds(2, 40)
				return
			}
			b.waitReply(ctx, t, 2, "didn't log it again")
			b.waitReply(ctx, t, 3)
			holds(1, 20)
		})
	}
}
