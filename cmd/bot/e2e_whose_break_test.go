package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Breaks of "Whose time it is" (README): paths by which a tech's minute
// could land in the API key owner's or another tech's Syncro user.

// TestE2E_UnmatchedTechCannotPickTheKeyOwner: the one-time question must
// not let Kim pick the API key's owner, or her minutes are the key
// owner's, which the rule exists to prevent. Her pick is refused and
// nothing of hers reaches Syncro in that name.
func TestE2E_UnmatchedTechCannotPickTheKeyOwner(t *testing.T) {
	t.Parallel()
	ctx, b, tk, skip := startWhose(t)
	n := itoa64(tk.Number)

	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 20m Swapped the toner")
	q := b.waitReplyTo(ctx, t, e2eKim, 0, "matches no Syncro user", tickets.ActionTechPick)
	if strings.Contains(string(q.Blocks), "Bayline Automation") {
		t.Error("the one-time question offers the API key's owner")
	}
	b.clickAs(ctx, t, e2eKim, q, slackfake.Action{Type: "static_select", ActionID: tickets.ActionTechPick, BlockID: "tech_question",
		SelectedOption: &slackfake.SelectOption{Text: "Bayline Automation", Value: itoa64(e2eKeyUser)}})
	b.waitReplyTo(ctx, t, e2eKim, 1, "nothing was changed")

	b.slashAs(ctx, t, e2eKim, "comment "+n+" --time 20m Swapped the toner")
	b.waitReplyTo(ctx, t, e2eKim, 2, "matches no Syncro user")
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		t.Errorf("%q (%d min) reached Syncro as user %d", tm.Notes, tm.Minutes(), tm.UserID)
	}
}

// TestE2E_SecondSlackUserWithATechsEmailIsAskedNotCredited: two Slack
// users carry Tom's email. The first is matched to Tom; the second must
// not silently become Tom too (a pick of a Syncro user another Slack user
// holds is refused; the email match keeps the same rule): they are asked,
// and nothing of theirs reaches Syncro in Tom's name.
func TestE2E_SecondSlackUserWithATechsEmailIsAskedNotCredited(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := whoseFakes(t)
	const tom2 = "U0TOMTWOX"
	fx.f.AddUser(slackfake.User{ID: tom2, Name: "tom2", RealName: "Tom Two", Email: "tom@baylineit.com"})
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	skip := len(b.srv.Timers(tk.ID))
	n := itoa64(tk.Number)

	b.slashAs(ctx, t, "U0TOMBECK", "comment "+n+" --time 15m Tom's own work")
	b.waitReplyTo(ctx, t, "U0TOMBECK", 0, "15 min logged")
	b.slashAs(ctx, t, tom2, "comment "+n+" --time 25m Someone else's work")
	b.waitReplyTo(ctx, t, tom2, 0, tickets.ActionTechPick)
	for _, tm := range newTimers(b.srv, tk.ID, skip) {
		if tm.Notes == "Someone else's work" || tm.Minutes() == 25 {
			t.Errorf("the second Slack user's %d min reached Syncro as user %d", tm.Minutes(), tm.UserID)
		}
	}
}
