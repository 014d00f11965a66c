package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/store/pgtest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 17 broken a third time, through run: records of ticket threads
// written by the bot's previous version during a rolling upgrade, and
// what a form says of a conversation Slack could not describe.

// upgradedReplica starts replica A of this version (-debug) on a
// PostgreSQL schema of the test's own, whose URL it returns beside it.
func upgradedReplica(t *testing.T) (context.Context, *e2eBot, string) {
	t.Helper()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.env["DATABASE_URL"] = pgtest.URL(t)
	return ctx, fx.start(ctx, t, "-debug"), fx.env["DATABASE_URL"]
}

// oldReplicaRecordsThread writes, in the database at url, what the bot
// from before threads_by_parent (store migration 0009) writes when ticket
// tk is made from a reply in the thread whose parent is at parentTS: the
// record under the parent's ts only, indexed in threads_by_message by
// it, and nothing in threads_by_parent. During a rolling upgrade the
// replica not yet upgraded keeps writing so on the migrated schema.
func oldReplicaRecordsThread(ctx context.Context, t *testing.T, url string, tk syncrotest.Ticket, channel, parentTS string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	body, err := json.Marshal(map[string]any{
		"ticket_id": tk.ID, "number": itoa64(tk.Number), "channel": channel, "ts": parentTS,
		"created_by": e2eUser, "created_at": time.Now().UTC(),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO ticket_threads (ticket_id, body) VALUES ($1, $2)
			ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body`, tk.ID, string(body)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO threads_by_message (channel, ts, ticket_id) VALUES ($1, $2, $3)
			ON CONFLICT (channel, ts) DO UPDATE SET ticket_id = excluded.ticket_id`, channel, parentTS, tk.ID)
		return err
	})
	if err != nil {
		t.Fatalf("write the thread as the old replica does: %v", err)
	}
}

// addFormOn picks "Add to ticket" on m as Dana and returns the open form
// it opens.
func (b *e2eBot) addFormOn(ctx context.Context, t *testing.T, m slackfake.Message) slackfake.View {
	t.Helper()
	before := len(b.f.Views())
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, m)
	return b.waitNewView(ctx, t, before, tickets.CallbackAddToTicket)
}

// addFacing posts text in #ops as Dana and adds it to Syncro's first
// ticket while Syncro answers the next n requests method path with
// fault; it returns the ticket, the message and what Dana was told.
func (b *e2eBot) addFacing(ctx context.Context, t *testing.T, text, method, path string, n int, fault syncrotest.Fault) (syncrotest.Ticket, slackfake.Message, string) {
	t.Helper()
	tk := b.srv.Tickets()[0]
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text})
	b.srv.Fail(method, path, n, fault)
	b.addMessageTo(ctx, t, msg, tk)
	return tk, msg, b.lastReply()
}

// createAgain picks "Create Syncro ticket" on msg again and submits the
// form as filled for customerID, waiting until the work is done; it
// returns what Dana was told and the tickets Syncro holds with subject.
func (b *e2eBot) createAgain(ctx context.Context, t *testing.T, msg slackfake.Message, customerID int64, subject string) (string, []syncrotest.Ticket) {
	t.Helper()
	v := b.createFromMessage(ctx, t, msg)
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, customerID)})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	var held []syncrotest.Ticket
	for _, tk := range b.srv.Tickets() {
		if tk.Subject == subject {
			held = append(held, tk)
		}
	}
	return b.lastReply(), held
}

// formNotes is the form's notes (its context blocks' text), for a
// failure's message.
func formNotes(form string) []string {
	var v struct {
		Blocks []struct {
			Type     string `json:"type"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(form), &v); err != nil {
		return []string{form}
	}
	var out []string
	for _, b := range v.Blocks {
		if b.Type == "context" {
			for _, e := range b.Elements {
				out = append(out, e.Text)
			}
		}
	}
	return out
}

// TestE2E_Break17_RollingUpgrade_AddToTicketFindsTheOldReplicasThreadTicket:
// two replicas on PostgreSQL, mid rolling upgrade (README, "Rolling
// upgrade"): A runs this version, B the previous one, which records a
// ticket made from a thread reply under the parent's ts and knows nothing
// of threads_by_parent. Dana makes a ticket from a reply on B; "Add to
// ticket" on another reply of that thread, answered by A, has that
// ticket picked. And in a thread whose parent A made a ticket of, a later
// ticket B makes from a reply is the thread's latest, so it is picked.
func TestE2E_Break17_RollingUpgrade_AddToTicketFindsTheOldReplicasThreadTicket(t *testing.T) {
	t.Parallel()
	ctx, a, url := upgradedReplica(t)
	open := a.srv.Tickets()

	parent, _ := a.replyInThread(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")
	oldReplicaRecordsThread(ctx, t, url, open[0], e2eChannel, parent.TS)
	later := a.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Rebooted, works now", ThreadTS: parent.TS})
	want := "Ticket #" + itoa64(open[0].Number) + " was made from this thread"
	if form := string(a.addFormOn(ctx, t, later).JSON); !strings.Contains(form, want) {
		t.Errorf("Add to ticket in the thread B recorded: the form does not say %q (it says %q)", want, formNotes(form))
	}

	// A thread whose parent became a ticket on A; then B makes one from a reply.
	dental := customerNamed(t, a.srv, "Cascade Dental Group")
	top := a.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Cascade's Wi-Fi drops"})
	first := a.createFromMessageDone(ctx, t, top, dental.ID, "Cascade's Wi-Fi drops")
	a.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "The guest network too", ThreadTS: top.TS})
	oldReplicaRecordsThread(ctx, t, url, open[1], e2eChannel, top.TS)
	follow := a.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Replaced the AP", ThreadTS: top.TS})
	want = "Ticket #" + itoa64(open[1].Number) + " was made from this thread"
	if form := string(a.addFormOn(ctx, t, follow).JSON); !strings.Contains(form, want) {
		t.Errorf("Add to ticket after B's ticket from a reply, in a thread whose parent is #%d: the form does not say %q (it says %q)", first.Number, want, formNotes(form))
	}
}

// TestE2E_Break17_ConversationSlackCannotDescribe_SaidSo: in a channel
// Slack cannot describe to the bot (conversations.info fails), which the
// bot treats as shared (README, "Shared conversations"), the create form
// made from a message and the subscribe refusal say that Slack couldn't
// say whether it is shared; neither claims it is shared with another
// workspace, which nobody knows. The ticket is made and nothing is
// posted there. So too in a DM whose other person Slack can't describe.
func TestE2E_Break17_ConversationSlackCannotDescribe_SaidSo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	const unknown = "C0UNKNOWN"
	const want = "Slack couldn't say whether this conversation is shared"
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	text := "Cascade's scanner stopped emailing"
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: unknown, User: e2eUser, Text: text})
	v := b.createFromMessage(ctx, t, msg)
	if notes := strings.Join(formNotes(string(v.JSON)), " "); !strings.Contains(notes, want) || strings.Contains(notes, "shared with another workspace") {
		t.Errorf("the form in a channel Slack could not describe says %q; want %q, and no other workspace named", notes, want)
	}
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	tk := b.newTicketFor(ctx, t, dental.ID, text)
	if got := b.lastReply(); !strings.Contains(got, "Created #"+itoa64(tk.Number)) {
		t.Errorf("Syncro holds #%d, Dana was told %q", tk.Number, got)
	}
	if posted := b.botMessagesIn(unknown); len(posted) != 0 {
		t.Errorf("%s shows the bot's %+v, want nothing", unknown, posted)
	}

	// A DM with someone Slack can't describe (users.info fails) is as
	// unknown: not said to be with someone outside the workspace.
	b.f.AddChannel(slackfake.Channel{ID: "D0GHOST", IsIM: true, IsPrivate: true, User: "U0GHOST"})
	for _, channel := range []string{unknown, "D0GHOST"} {
		n := b.replies()
		if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: channel, Text: "subscribe --events new"}); err != nil {
			t.Fatal(err)
		}
		got := replyText(b.waitReply(ctx, t, n, "ticket notices never go there").Message)
		if !strings.Contains(got, want) || strings.Contains(got, "shared with another workspace") || strings.Contains(got, "someone outside") {
			t.Errorf("%s: subscribe refused with %q; want %q, and no outsider named", channel, got, want)
		}
	}
}

// TestE2E_Break17_CreateFromMessage_SameFirstLineThenSyncroFailsAfterWriting:
// two messages of one customer open with the same line ("Hi team,"), so
// their forms hold the same subject. The first becomes a ticket; the
// second's POST is written by Syncro, which then answers 500 (or a
// cut-off body). Syncro holds two tickets, and Dana is told the second's
// number, not the first's; the first message's ticket keeps its thread.
func TestE2E_Break17_CreateFromMessage_SameFirstLineThenSyncroFailsAfterWriting(t *testing.T) {
	afterWriteFaults(t, func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault) {
		dental := customerNamed(t, b.srv, "Cascade Dental Group")
		first := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Hi team,\nthe printer at the front desk is down"})
		v := b.createFromMessage(ctx, t, first)
		ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
		b.waitWorkDone(ctx, t, ack.EnvelopeID)
		one := b.newTicketFor(ctx, t, dental.ID, "Hi team,")

		second := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Hi team,\nthe X-ray PC won't boot"})
		v = b.createFromMessage(ctx, t, second)
		b.srv.Fail("POST", "/tickets", 1, fault)
		ack = b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
		b.waitWorkDone(ctx, t, ack.EnvelopeID)
		told := b.lastReply()
		var two syncrotest.Ticket
		for _, tk := range b.srv.Tickets() {
			if tk.CustomerID == dental.ID && tk.Subject == "Hi team," && tk.ID != one.ID {
				two = tk
			}
		}
		if two.ID == 0 {
			t.Fatalf("Syncro holds no second ticket; Dana was told %q", told)
		}
		if !strings.Contains(told, "#"+itoa64(two.Number)) || strings.Contains(told, "#"+itoa64(one.Number)) {
			t.Errorf("Syncro made #%d from the second message (#%d from the first), but Dana was told %q", two.Number, one.Number, told)
		}
		b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, first)
		b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(one.Number))
	})
}

// TestE2E_Break17_AddToTicket_SyncroFailsReadingTheComments: Syncro
// answers the reads of the ticket's comments, which Add to ticket makes
// around its write, with 500s (or a sign-in page). What Dana is told
// matches what Syncro holds, and the fault is said to be Syncro's, not
// the bot's; adding the message again leaves exactly one comment, and a
// first add that wrote nothing is not "added already".
func TestE2E_Break17_AddToTicket_SyncroFailsReadingTheComments(t *testing.T) {
	eachFault(t, []syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultHTML}, func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault) {
		text := "Toner for 3F arrives Thursday " + fault.String()
		tk, msg, first := b.addFacing(ctx, t, text, "GET", "/tickets/*/comments", 20, fault)
		held := len(commentsWith(b.srv, tk.ID, text))
		switch {
		case held > 1:
			t.Fatalf("Syncro holds %d comments from the message after one add; reply %q", held, first)
		case held == 1 && strings.Contains(first, "NOT added"):
			t.Errorf("Syncro holds the comment, but Dana was told %q", first)
		case held == 0 && strings.Contains(first, "Comment added"):
			t.Errorf("Syncro holds no comment, but Dana was told %q", first)
		}
		if strings.Contains(first, "our side") {
			t.Errorf("Syncro answered %s, but Dana was told the fault was the bot's: %q", fault, first)
		}
		b.srv.ClearFaults()
		b.addMessageTo(ctx, t, msg, tk)
		second := b.lastReply()
		if n := len(commentsWith(b.srv, tk.ID, text)); n != 1 {
			t.Errorf("after adding again Syncro holds %d comments from the message, want 1; replies %q then %q", n, first, second)
		}
		if held == 0 && strings.Contains(second, "already") {
			t.Errorf("the first add wrote nothing, yet the second was told %q", second)
		}
	})
}

// TestE2E_Break17_ReplyThenParentBecomeTickets_EachNamedAndTheLatestPicked:
// a reply becomes ticket #A, then its thread's parent #B (README: a
// reply's ticket is not its parent's). Create again on each names its
// own; a status change of either reaches the parent's thread once; Add
// to ticket in the thread picks #B, the latest (README, "the latest,
// when several did").
func TestE2E_Break17_ReplyThenParentBecomeTickets_EachNamedAndTheLatestPicked(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	parent, reply, a := b.ticketFromReply(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")
	v := b.createFromMessage(ctx, t, parent)
	pb := b.ticketOf(ctx, t, v, "", "Cascade's front desk is offline")
	th := b.waitThread(ctx, t, e2eChannel, parent.TS, 3) // the reply, #A's summary, #B's
	if !strings.Contains(th[2].Text, "Ticket #"+itoa64(pb.Number)+" created from this message") {
		t.Errorf("parent's thread's third message = %q, want #%d's summary", th[2].Text, pb.Number)
	}

	for _, c := range []struct {
		msg slackfake.Message
		tk  syncrotest.Ticket
	}{{reply, a}, {parent, pb}} {
		b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, c.msg)
		b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(c.tk.Number))
	}

	b.slash(ctx, t, "update "+itoa64(a.Number)+" --status Scheduled")
	b.slash(ctx, t, "update "+itoa64(pb.Number)+" --status Scheduled")
	th = b.waitThread(ctx, t, e2eChannel, parent.TS, 5)
	for _, tk := range []syncrotest.Ticket{a, pb} {
		n := 0
		for _, m := range th {
			if strings.Contains(m.Text, "#"+itoa64(tk.Number)+" status changed by") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("parent's thread tells #%d's status change %d times, want once: %+v", tk.Number, n, th)
		}
	}

	later := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Rebooted, works now", ThreadTS: parent.TS})
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, later)
	b.waitViewSaying(ctx, t, "Ticket #"+itoa64(pb.Number)+" was made from this thread")
}

// TestE2E_Break17_CreateFromMessage_OutcomeUnknownAndUncheckable_TryAgainTellsTheTruth:
// Syncro answers the ticket's POST with a 500, having written nothing
// (or having written the ticket), and the read back that would tell
// fails too. Dana is told Syncro didn't confirm and to look in Syncro
// before trying again. She tries again once Syncro answers: the message
// is exactly one ticket, and she is told its number — the one the second
// try made, or the one Syncro had written — never that the message was
// made into a ticket Syncro does not hold.
func TestE2E_Break17_CreateFromMessage_OutcomeUnknownAndUncheckable_TryAgainTellsTheTruth(t *testing.T) {
	eachFault(t, []syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultCommitThenFail}, func(ctx context.Context, t *testing.T, b *e2eBot, fault syncrotest.Fault) {
		dental := customerNamed(t, b.srv, "Cascade Dental Group")
		text := "Cascade's badge reader rejects every card " + fault.String()
		msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text})
		b.srv.Fail("GET", "/tickets", 20, syncrotest.FaultServerError)
		b.createFacingFault(ctx, t, msg, dental.ID, fault)
		first := b.lastReply()
		b.srv.ClearFaults()
		if !strings.Contains(first, "Syncro didn't confirm") {
			t.Fatalf("after the 500 and the failed read back Dana was told %q, want that Syncro didn't confirm", first)
		}

		second, held := b.createAgain(ctx, t, msg, dental.ID, text)
		if len(held) != 1 {
			t.Fatalf("Syncro holds %d tickets from the message after trying again, want 1; replies %q then %q", len(held), first, second)
		}
		if !strings.Contains(second, "#"+itoa64(held[0].Number)) || strings.Contains(second, "made into a ticket already") {
			t.Errorf("Syncro holds #%d from the message, but trying again Dana was told %q (first %q)", held[0].Number, second, first)
		}
		b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
		b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(held[0].Number))
	})
}

// TestE2E_Break17_AddToTicket_ThreadsLatestTicketDeletedInSyncro: two
// replies of a thread became tickets #A and #B; #B is then deleted in
// Syncro. Add to ticket in the thread still has #B picked (the latest
// made from it, as the README says); submitted as it is, Dana is told
// Syncro no longer has #B, nothing is written, and the message added to
// #A instead makes one comment there.
func TestE2E_Break17_AddToTicket_ThreadsLatestTicketDeletedInSyncro(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	parent, _, first := b.ticketFromReply(ctx, t, "Cascade's front desk is offline", "Now the X-ray PC won't boot either")
	v := b.createFromMessage(ctx, t, b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "And the label printer jams", ThreadTS: parent.TS}))
	second := b.ticketOf(ctx, t, v, "", "And the label printer jams")
	deleteTicketInSyncro(t, b.srv, second.ID)

	text := "Rebooted, works now"
	later := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text, ThreadTS: parent.TS})
	b.addMessageTo(ctx, t, later, second)
	if got := b.lastReply(); !strings.Contains(got, "#"+itoa64(second.Number)) || strings.Contains(got, "Comment added") {
		t.Errorf("Syncro no longer has #%d, but Dana was told %q", second.Number, got)
	}
	b.addMessageTo(ctx, t, later, first)
	if n := len(commentsWith(b.srv, first.ID, text)); n != 1 {
		t.Errorf("Syncro holds %d comments from the message on #%d, want 1; reply %q", n, first.Number, b.lastReply())
	}
}

// TestE2E_Break17_RollingUpgrade_CreateAgainOnTheOldReplicasReplyMakesNoSecondTicket:
// mid rolling upgrade, replica B, on the previous version, made ticket
// #Y from a reply in a thread: its claim on the reply done ("Created
// #Y"), the record under the parent's ts (oldReplicaRecordsThread). On
// A, "Create Syncro ticket" on that reply opens a form (A's message index
// doesn't know the reply); submitted, it makes no second ticket and says
// the message was made into one already.
func TestE2E_Break17_RollingUpgrade_CreateAgainOnTheOldReplicasReplyMakesNoSecondTicket(t *testing.T) {
	t.Parallel()
	ctx, a, url := upgradedReplica(t)
	dental := customerNamed(t, a.srv, "Cascade Dental Group")
	y := a.srv.Tickets()[0]
	replyText := "Now the X-ray PC won't boot either"
	parent, reply := a.replyInThread(ctx, t, "Cascade's front desk is offline", replyText)

	old, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	key := store.Key("dedup", "ticket-from-message:"+e2eChannel+"/"+reply.TS)
	if _, err := old.Claim(ctx, key, ""); err != nil {
		t.Fatal(err)
	}
	if err := old.Complete(key, commands.EncodeReply(commands.Reply{Text: "Created #" + itoa64(y.Number) + " for Cascade Dental Group: " + replyText + "."})); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	oldReplicaRecordsThread(ctx, t, url, y, e2eChannel, parent.TS)

	told, held := a.createAgain(ctx, t, reply, dental.ID, replyText)
	if len(held) != 0 || !strings.Contains(told, "made into a ticket already") {
		t.Errorf("B made #%d from the reply; Create again on A made %d more and told Dana %q", y.Number, len(held), told)
	}
}
