package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Work a crash cut off: the bot dies (kill -9, OOM, power) in the middle
// of a recorded flow, nobody got its reply, and the bot starts again on
// what the crash left in DATA_DIR. The README promises nothing is lost or
// done twice: the owner is told what is left, with Finish, and the forms
// offer that Finish instead of opening fresh.

// crashCopy is what a kill -9 leaves of DATA_DIR while the bot waits on
// Syncro: bbolt fsyncs every commit, so a copy of the database taken while
// no transaction runs is exactly the file a crash leaves behind.
func crashCopy(t *testing.T, dataDir string) string {
	t.Helper()
	dst := t.TempDir()
	b, err := os.ReadFile(filepath.Join(dataDir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dst, store.FileName), string(b), 0o600)
	return dst
}

// afterCrash starts the bot again on the same Slack and Syncro, on what a
// kill -9 of b leaves in DATA_DIR while b is stuck on a held Syncro
// request (the hang is let go at cleanup, which b, dead, never sees).
func (b *e2eBot) afterCrash(ctx context.Context, t *testing.T) *e2eBot {
	t.Helper()
	b.waitHeld(ctx, t)
	fx := &e2eFakes{f: b.f, srv: b.srv, env: maps.Clone(b.env)}
	fx.env["DATA_DIR"] = crashCopy(t, b.env["DATA_DIR"])
	return fx.start(ctx, t)
}

// closeCutOffByACrash closes the printer ticket from Slack with
// resolution and kills the bot once the resolution is in Syncro and the
// status PUT is held there; it returns the bot started again and the
// ticket.
func closeCutOffByACrash(ctx context.Context, t *testing.T, resolution string) (*e2eBot, syncrotest.Ticket) {
	t.Helper()
	b, tk := closeHeldAtStatus(ctx, t, resolution)
	return b.afterCrash(ctx, t), tk
}

// closeHeldAtStatus closes the printer ticket from Slack with resolution
// and returns once the resolution is in Syncro and the status PUT is held
// there: the bot, about to be killed, and the ticket.
func closeHeldAtStatus(ctx context.Context, t *testing.T, resolution string) (*e2eBot, syncrotest.Ticket) {
	t.Helper()
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	view := b.openCloseForm(ctx, t, tk.Number)
	b.srv.Fail("PUT", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultHang)
	b.submitView(ctx, t, closeSubmission(t, view, resolution))
	if err := poll(ctx, func() bool { return commentsWithBody(b.srv, tk.ID, resolution) == 1 }); err != nil {
		t.Fatalf("the resolution never reached Syncro: %v; requests %+v; stderr:\n%s", err, b.srv.Requests(), b.stderr.String())
	}
	return b, tk
}

// viewBlocks is the blocks of view v, as a message's blocks read.
func viewBlocks(t *testing.T, v slackfake.View) json.RawMessage {
	t.Helper()
	var view struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(v.JSON, &view); err != nil {
		t.Fatalf("decode view %s: %v", v.ID, err)
	}
	return view.Blocks
}

// waitFormAfter waits for a modal of Dana's other than the views in seen,
// once it no longer says "Loading…".
func (b *e2eBot) waitFormAfter(ctx context.Context, t *testing.T, seen ...string) slackfake.View {
	t.Helper()
	var view slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		for _, v := range b.f.Views() {
			if v.UserID == e2eUser && !v.Closed && v.CallbackID != bot.LoadingCallbackID && !strings.Contains(strings.Join(seen, " "), v.ID) {
				view = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no modal for Dana: %v; views %+v; stderr:\n%s", err, b.f.Views(), b.stderr.String())
	}
	return view
}

// TestE2E_CloseCutOffByACrashIsNotLeftHalfDone: the bot dies while closing
// a ticket, after the resolution comment landed and while the status
// change is at Syncro. Dana never got a reply, so there is no Finish button
// to press. After the restart the half-done close must not be silently
// forgotten (README: "Nothing lost … a step cut off mid-write is settled
// by reading Syncro back … also after a restart"): the bot finishes it, or
// tells Dana what is missing with a Finish button.
//
// Reproduce: go test -race -run TestE2E_CloseCutOffByACrashIsNotLeftHalfDone ./cmd/bot
func TestE2E_CloseCutOffByACrashIsNotLeftHalfDone(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	replies := 0 // the first bot said nothing
	b2, tk := closeCutOffByACrash(ctx, t, "Updated the printer driver on every PC.")
	// The restart settles it at once; the wait is the test's whole budget,
	// so a loaded machine is not taken for a bot that forgot.
	err := poll(ctx, func() bool {
		if ticketByNumber(t, b2.srv, tk.Number).Status == "Resolved" {
			return true
		}
		for _, e := range b2.f.Ephemerals(e2eUser)[replies:] {
			if strings.Contains(string(e.Blocks), `"flow_finish"`) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Errorf("after the restart #%d holds the resolution but is still %q, and Dana was told nothing (%d new messages); the close is silently half-done\nstderr of the restarted bot:\n%s",
			tk.Number, ticketByNumber(t, b2.srv, tk.Number).Status, len(b2.f.Ephemerals(e2eUser))-replies, b2.stderr.String())
	}
}

// TestE2E_CloseCutOffByACrashFinishesFromTheRestartMessage: the close the
// crash cut off is finished from the message the restart posts: one
// resolution comment, status Resolved; a further restart posts nothing.
func TestE2E_CloseCutOffByACrashFinishesFromTheRestartMessage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const resolution = "Reinstalled the print spooler."
	b2, tk := closeCutOffByACrash(ctx, t, resolution)

	told := b2.waitReply(ctx, t, 0, tickets.ActionFinish)
	if !strings.Contains(told.Text, "resolution was added to #"+itoa64(tk.Number)) || !strings.Contains(told.Text, "I was restarted") {
		t.Errorf("the restart's message = %q", told.Text)
	}
	b2.clickFinish(ctx, t, told)
	b2.waitReply(ctx, t, 1, "Closed #"+itoa64(tk.Number))
	if got := ticketByNumber(t, b2.srv, tk.Number).Status; got != "Resolved" {
		t.Errorf("status = %q, want Resolved", got)
	}
	if got := commentsWithBody(b2.srv, tk.ID, resolution); got != 1 {
		t.Errorf("Syncro holds %d resolution comments, want 1", got)
	}

	b2.restartTellsNothing(ctx, t, tickets.ActionFinish, "a finished close")
}

// billCutOffByACrash bills the printer ticket's 60 minutes with notes
// from Slack while Syncro holds the charge, where the bot dies
// (afterCrash starts it again). It returns the bot, the ticket, the bill
// form and the minutes the ticket's timers held before.
func billCutOffByACrash(ctx context.Context, t *testing.T, notes string) (b *e2eBot, tk syncrotest.Ticket, form slackfake.View, minutesBefore int) {
	t.Helper()
	b = startE2EBot(ctx, t, nil)
	tk = ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	minutesBefore, _ = loggedMinutes(b.srv, tk.ID)
	b.slash(ctx, t, "bill "+itoa64(tk.Number))
	form = b.waitView(ctx, t, commands.CallbackBill)
	b.srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultHang)
	b.submitView(ctx, t, billSubmission(t, form, "60", notes))
	return b, tk, form, minutesBefore
}

// wantBilledOnce checks Syncro holds billCutOffByACrash's bill of tk
// once: 60 new minutes, its notes once, one invoice.
func wantBilledOnce(t *testing.T, srv *syncrotest.Server, tk syncrotest.Ticket, minutesBefore int, notes string) {
	t.Helper()
	minutes, _ := loggedMinutes(srv, tk.ID)
	if minutes-minutesBefore != 60 || commentsWithBody(srv, tk.ID, notes) != 1 || invoicesOf(srv, tk.ID) != 1 {
		t.Errorf("Syncro holds %d new minutes, %d bill comments, %d invoices; want 60, 1, 1", minutes-minutesBefore, commentsWithBody(srv, tk.ID, notes), invoicesOf(srv, tk.ID))
	}
}

// TestE2E_BillCutOffByACrashOffersFinishNotAFreshForm: the bot dies while
// billing, after the 60 minutes landed and while the charge is at Syncro.
// Dana never got a reply. When she opens the bill form again (as anyone
// would who never heard back) it offers Finish for the cut-off bill
// instead of a fresh form with 60 minutes prefilled, which would bill them
// twice; and the restart told her, with Finish too. Finish, pressed in the
// form, does only what is missing; the restart's message then finds
// nothing left.
func TestE2E_BillCutOffByACrashOffersFinishNotAFreshForm(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Replaced the toner and cleaned the rollers."
	b, tk, form, minutesBefore := billCutOffByACrash(ctx, t, notes)
	srv := b.srv
	b2 := b.afterCrash(ctx, t) // the minutes are in Syncro, the charge is held

	b2.slash(ctx, t, "bill "+itoa64(tk.Number))
	again := b2.waitFormAfter(ctx, t, form.ID)
	if again.CallbackID == commands.CallbackBill {
		t.Fatalf("after the restart the bill form opened fresh (60 min prefilled): submitting it bills the minutes twice\n%s", again.JSON)
	}
	told := b2.waitReply(ctx, t, 0, tickets.ActionFinish)
	if !strings.Contains(told.Text, "#"+itoa64(tk.Number)) || !strings.Contains(told.Text, "60 min logged") {
		t.Errorf("the restart's message does not say what the bill did: %q", told.Text)
	}
	seen := len(b2.f.Ephemerals(e2eUser))
	if _, err := b2.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ViewID: again.ID,
		Actions: []slackfake.Action{button(t, viewBlocks(t, again), tickets.ActionFinish)}}); err != nil {
		t.Fatalf("click Finish in the form: %v", err)
	}
	if err := poll(ctx, func() bool {
		return invoicesOf(srv, tk.ID) == 1 && ticketByNumber(t, srv, tk.Number).Status == "Invoiced"
	}); err != nil {
		t.Fatalf("Finish did not invoice #%d: %v; stderr:\n%s", tk.Number, err, b2.stderr.String())
	}
	if err := b2.f.WaitUntil(ctx, func() bool {
		for _, v := range b2.f.Views() {
			if v.ID == again.ID && strings.Contains(string(v.JSON), "Invoiced #") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Errorf("the form does not show what Finish did: %v; views %+v", err, b2.f.Views())
	}

	// The restart's message, clicked afterwards, writes nothing more.
	b2.clickFinish(ctx, t, told)
	b2.waitReply(ctx, t, seen, "Invoiced #")
	wantBilledOnce(t, srv, tk, minutesBefore, notes)
}

// TestE2E_BillCutOffByACrashIsToldAgainWhenSlackRefusedTheRestartMessage:
// the bot dies while billing (the 60 minutes landed, the charge is held
// at Syncro); the next start's message to Dana is refused by Slack, in
// the channel and as a DM. The work is not forgotten: the start after
// that tells her, with Finish, and Finish bills the minutes once.
func TestE2E_BillCutOffByACrashIsToldAgainWhenSlackRefusedTheRestartMessage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notes = "Reseated the fuser and ran a test page."
	b, tk, _, minutesBefore := billCutOffByACrash(ctx, t, notes)

	// Slack refuses the restart's message where Dana billed from, and
	// then its DM: rate limited for longer than the bot waits.
	b.f.InjectFault("chat.postEphemeral", slackfake.Fault{Error: slackfake.ErrCodeChannelNotFound})
	b.f.InjectFault("chat.postMessage", slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Minute})
	b2 := b.afterCrash(ctx, t)
	b2.waitLog(ctx, t, `"msg":"start messages sent"`)
	if told := b2.postedWith(0, tickets.ActionFinish); len(told) != 0 {
		t.Fatalf("Slack was to refuse the restart's message, yet Dana holds %q", told[0].Text)
	}
	if !refusalLogged(b2.stderr.String()) || strings.Contains(b2.stderr.String(), syncrotest.DefaultAPIKey) {
		t.Errorf("the refused message is not logged with its flow's id (or the log holds the API key):\n%s", b2.stderr.String())
	}
	seen := len(b2.f.Ephemerals(e2eUser))

	// A deploy restarts the bot on the same DATA_DIR; Syncro still holds
	// the request of the bot the crash killed, which must not go on.
	b3 := b2.restartKeepingHangs(ctx, t)
	b3.waitLog(ctx, t, `"msg":"start messages sent"`)
	again := b3.postedWith(seen, tickets.ActionFinish)
	if len(again) != 1 {
		t.Fatalf("the start after the refused message told Dana %d times, want once: the bill the crash cut off is forgotten; stderr:\n%s", len(again), b3.stderr.String())
	}
	told := again[0]
	if !strings.Contains(told.Text, "I was restarted") || !strings.Contains(told.Text, "60 min logged on #"+itoa64(tk.Number)) {
		t.Errorf("the restart's message = %q", told.Text)
	}
	b3.clickFinish(ctx, t, told)
	b3.waitReply(ctx, t, seen+1, "Invoiced #"+itoa64(tk.Number))
	wantBilledOnce(t, b3.srv, tk, minutesBefore, notes)
}

// refusalLogged reports whether log holds a line saying an unfinished
// flow's message was refused, naming the flow.
func refusalLogged(log string) bool {
	for line := range strings.Lines(log) {
		if strings.Contains(line, `"msg":"unfinished flow not told`) && strings.Contains(line, `"flow":"`) {
			return true
		}
	}
	return false
}

// restartKeepingHangs is restart while Syncro holds the requests of a bot
// a crash killed: those stay held, so the dead bot never goes on.
func (b *e2eBot) restartKeepingHangs(ctx context.Context, t *testing.T) *e2eBot {
	t.Helper()
	b.shutDown = true
	b.stop()
	select {
	case <-b.finished:
		if b.code != exitOK {
			t.Fatalf("run exited %d; stderr:\n%s", b.code, b.stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("run did not stop: %v", ctx.Err())
	}
	return b.start(ctx, t)
}

// TestE2E_CommentCutOffByACrashIsNotTakenForTheSameWordsTypedInTheWebApp:
// the bot dies while Syncro holds Dana's comment, before it is written;
// twenty minutes later (on Syncro's clock) Marcus types the very same
// words in the web app; the bot starts again and Dana presses the Finish
// it tells her (README: "the same words or minutes typed in Syncro's web
// app while the bot was down are new work, and the tech's own are still
// written"). Syncro holds both comments, Marcus's and hers.
func TestE2E_CommentCutOffByACrashIsNotTakenForTheSameWordsTypedInTheWebApp(t *testing.T) {
	t.Parallel()
	commentCutOffThenTheSameWordsInTheWebApp(t, nil)
}
