package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 17 broken again with fresh eyes, through run: the writes of
// create-from-message and Add to ticket when Syncro refuses before
// writing anything, and what the person is told when they try again.

// TestE2E_Break17_CreateFromMessage_SyncroFailsBeforeWriting_TryAgainMakesTheTicket:
// Syncro answers the ticket's POST with a 500 and writes nothing; Dana is
// told no ticket was made, and that the fault was on Syncro's side, not
// the bot's. Picking "Create Syncro ticket" on the message
// again and submitting makes the ticket: the first, failed attempt is no
// ticket the message "already became".
func TestE2E_Break17_CreateFromMessage_SyncroFailsBeforeWriting_TryAgainMakesTheTicket(t *testing.T) {
	t.Parallel()
	text := "Cascade's label printer prints blanks"
	ctx, b, dental, msg := dentalMessageInOps(t, text)

	b.createFacingFault(ctx, t, msg, dental.ID, syncrotest.FaultServerError)
	first := b.lastReply()
	for _, tk := range b.srv.Tickets() {
		if tk.Subject == text {
			t.Fatalf("Syncro holds #%d after a 500 that wrote nothing", tk.Number)
		}
	}
	if !strings.Contains(first, "Syncro had a problem on its side (it answered 500)") || strings.Contains(first, "our side") {
		t.Errorf("after Syncro's 500 Dana was told %q, want Syncro's side named, not ours", first)
	}

	second, held := b.createAgain(ctx, t, msg, dental.ID, text)
	if len(held) != 1 {
		t.Fatalf("Syncro holds %d tickets from the message after trying again, want 1; replies %q then %q", len(held), first, second)
	}
	if !strings.Contains(second, "#"+itoa64(held[0].Number)) || strings.Contains(second, "already") {
		t.Errorf("Syncro holds #%d, made by the second try, but Dana was told %q", held[0].Number, second)
	}
}

// dentalMessageInOps starts a bot (-debug) and posts text as Dana in
// #ops: a message about Cascade Dental Group, whom it returns.
func dentalMessageInOps(t *testing.T, text string) (context.Context, *e2eBot, syncrotest.Customer, slackfake.Message) {
	t.Helper()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	return ctx, b, dental, b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text})
}

// createFromMessageDone makes msg a ticket of customerID from the form
// as filled, waits until the submission's work is done and returns the
// ticket Syncro holds with subject.
func (b *e2eBot) createFromMessageDone(ctx context.Context, t *testing.T, msg slackfake.Message, customerID int64, subject string) syncrotest.Ticket {
	t.Helper()
	v := b.createFromMessage(ctx, t, msg)
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, customerID)})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	return b.newTicketFor(ctx, t, customerID, subject)
}

// createFacingFault makes msg a ticket of customerID from the form as
// filled, Syncro answering the ticket's POST with fault, and waits until
// the submission's work is done.
func (b *e2eBot) createFacingFault(ctx context.Context, t *testing.T, msg slackfake.Message, customerID int64, fault syncrotest.Fault) {
	t.Helper()
	v := b.createFromMessage(ctx, t, msg)
	b.srv.Fail("POST", "/tickets", 1, fault)
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, customerID)})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
}

// TestE2E_Break17_AddToTicket_SyncroFailsBeforeWriting_NeverSaysAddedAlready:
// Syncro answers the comment's POST with a 500 and writes nothing. Added
// again, the message is added once, and Dana is not told it was added
// already.
func TestE2E_Break17_AddToTicket_SyncroFailsBeforeWriting_NeverSaysAddedAlready(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	tk := b.srv.Tickets()[0]
	text := "Toner for 3F arrives Thursday"
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text})
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultServerError)
	b.addMessageTo(ctx, t, msg, tk)
	first := b.lastReply()
	if n := len(commentsWith(b.srv, tk.ID, text)); n != 0 {
		t.Fatalf("Syncro holds %d comments after a 500 that wrote nothing; reply %q", n, first)
	}

	b.addMessageTo(ctx, t, msg, tk)
	second := b.lastReply()
	if n := len(commentsWith(b.srv, tk.ID, text)); n != 1 || strings.Contains(second, "already") {
		t.Errorf("added again, Syncro holds %d comments from the message (want 1) and Dana was told %q (first reply %q)", n, second, first)
	}
}

// heldSlack stands between the bot and Slack's Web API: once armed, it
// holds the answer to the next conversations.info, as Slack gave it,
// until released: an answer on its way while the channel changes.
type heldSlack struct {
	url     string
	armed   atomic.Bool
	held    chan struct{}
	release chan struct{}
}

// newHeldSlack starts a heldSlack in front of b's Slack Web API at api.
func newHeldSlack(t *testing.T, api string) *heldSlack {
	t.Helper()
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	h := &heldSlack{held: make(chan struct{}), release: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	rp.ModifyResponse = func(resp *http.Response) error {
		if strings.HasSuffix(resp.Request.URL.Path, "/conversations.info") && h.armed.CompareAndSwap(true, false) {
			close(h.held)
			<-h.release
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
	})
	h.url = srv.URL + target.Path
	return h
}

// TestE2E_Break17_ThreadPost_ChannelSharedWhileSlackDescribesIt: a ticket
// is made from Dana's message in #ops while nothing is known of #ops
// (Slack said a workspace left it). The bot asks Slack about #ops before
// posting the summary in the thread; Slack answers "internal", and
// before that answer arrives Slack says #ops was shared with Acme. The
// thread gets no summary: the bot trusts channel_shared over an answer
// given before it.
func TestE2E_Break17_ThreadPost_ChannelSharedWhileSlackDescribesIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	slack := newHeldSlack(t, fx.env["SLACK_API_URL"])
	fx.env["SLACK_API_URL"] = slack.url
	b := fx.start(ctx, t, "-debug")
	dental := customerNamed(t, b.srv, "Cascade Dental Group")

	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Cascade's NAS beeps every minute"})
	v := b.createFromMessage(ctx, t, msg)
	b.srv.Fail("POST", "/tickets", 1, syncrotest.FaultHang)
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	b.waitHeld(ctx, t)
	if _, err := b.f.UnshareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	slack.armed.Store(true)
	b.srv.ReleaseHangs()
	select {
	case <-slack.held:
	case <-ctx.Done():
		t.Fatalf("the bot never asked Slack about #ops; stderr:\n%s", b.stderr.String())
	}
	if _, err := b.f.ShareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	close(slack.release)
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	b.newTicketFor(ctx, t, dental.ID, "Cascade's NAS beeps every minute")
	if th := b.f.Thread(e2eChannel, msg.TS); len(th) != 0 {
		t.Errorf("#ops, shared with Acme, shows in the thread %+v; want nothing", th)
	}
}

// TestE2E_Break17_Unfurl_OddFormsOfALink: a ticket's link with a
// trailing slash, a query, a fragment, or https where the account is
// http gets its preview, under the URL as posted; the same link twice in
// one message gets one; the same ticket by two forms of its link gets
// one; four links get none.
func TestE2E_Break17_Unfurl_OddFormsOfALink(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	open := b.srv.Tickets()
	link := func(i int) string { return b.ticketLink(open[i].ID) }
	for _, tt := range []struct {
		name, text string
		want       []string
	}{
		{"trailing slash", "see " + link(0) + "/", []string{link(0) + "/"}},
		{"query", "see " + link(1) + "?tab=comments", []string{link(1) + "?tab=comments"}},
		{"fragment", "see " + link(2) + "#comment-12", []string{link(2) + "#comment-12"}},
		{"https", "see " + strings.Replace(link(3), "http://", "https://", 1), []string{strings.Replace(link(3), "http://", "https://", 1)}},
		{"the same link twice", link(4) + " again " + link(4), []string{link(4)}},
		{"one ticket by two forms", link(5) + " or " + link(5) + "/", []string{link(5)}},
		{"four links", strings.Join([]string{link(6), link(7), link(8), link(9)}, " "), nil},
	} {
		got := b.postLinks(ctx, t, e2eChannel, e2eUser, tt.text)
		var urls []string
		for _, u := range got {
			urls = append(urls, u.URL)
		}
		if strings.Join(urls, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: previews of %q, want %q", tt.name, urls, tt.want)
		}
	}
}

// evilSubject is Syncro text that would ping, link or format if it
// reached Slack unescaped; shown, it reads as typed.
const evilSubject = "<!channel> &lt;b&gt; <https://evil.example|Click here> *now*"

// wantEscaped fails when shown (mrkdwn Slack will render) lets
// evilSubject act: a live <!channel>, a link or an entity decoded.
func wantEscaped(t *testing.T, where, shown string) {
	t.Helper()
	for _, live := range []string{"<!channel>", "<https://evil.example", "&lt;b&gt;"} {
		if strings.Contains(strings.ReplaceAll(shown, "&amp;lt;b&amp;gt;", ""), live) {
			t.Errorf("%s holds %q live: %s", where, live, shown)
		}
	}
	if !strings.Contains(shown, "&amp;lt;b&amp;gt;") {
		t.Errorf("%s does not show &lt;b&gt; as typed: %s", where, shown)
	}
}

// TestE2E_Break17_SyncroTextEscapedInPreviewAndThread: a ticket whose
// subject holds <!channel>, an entity and a mrkdwn link is previewed,
// and made from a message in #ops with that subject: the preview and the
// thread's summary ping no one, link nowhere and show the text as typed.
func TestE2E_Break17_SyncroTextEscapedInPreviewAndThread(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	pingers := pingersTicket(t, b.srv)
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: evilSubject, CustomerID: pingers.CustomerID, Status: "New", UserID: syncrotest.UserMarcus})
	got := b.postLinks(ctx, t, e2eChannel, e2eUser, "look: "+b.ticketLink(tk.ID))
	if len(got) != 1 {
		t.Fatalf("previews = %+v, want one", got)
	}
	wantEscaped(t, "the preview", previewText(t, got[0].Attachment))
	if strings.Contains(string(got[0].Attachment), "<!channel>") {
		t.Errorf("the preview's attachment holds a live <!channel>: %s", got[0].Attachment)
	}

	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Pingers again"})
	v := b.createFromMessage(ctx, t, msg)
	vals := formAsFilled(t, v, pingers.CustomerID)
	vals[commands.BlockSubject] = map[string]slackfake.Input{commands.BlockSubject: slackfake.TextInput(evilSubject)}
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: vals})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	th := b.f.Thread(e2eChannel, msg.TS)
	if len(th) != 1 {
		t.Fatalf("thread = %+v, want the summary", th)
	}
	wantEscaped(t, "the thread's summary", th[0].Text)
	wantEscaped(t, "Dana's reply", b.lastReply())
}

// aheadClock is the real clock moved on by ahead: Slack's fake reads it
// to expire trigger_ids, so a test spends Slack's 3 seconds at once.
type aheadClock struct{ ahead atomic.Int64 }

func (c *aheadClock) Now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }

// TestE2E_Break17_CreateFromMessage_SlowCustomerLookupOutlivesTheTrigger:
// Syncro holds the look-up of the author's customer until the shortcut's
// trigger_id has expired. The form still opens, filled, in the view the
// trigger opened in time.
func TestE2E_Break17_CreateFromMessage_SlowCustomerLookupOutlivesTheTrigger(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clk := &aheadClock{}
	fx := newFakesWith(t, []slackfake.Option{slackfake.WithClock(clk)})
	b := fx.start(ctx, t)
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Bayline's own printer jams"})
	b.srv.Fail("GET", "/customers", 1, syncrotest.FaultHang)
	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
	b.waitHeld(ctx, t)
	clk.ahead.Store(int64(time.Minute))
	b.srv.ReleaseHangs()
	v := b.waitView(ctx, t, tickets.CallbackCreateFromMessage)
	if got := modalInputs(t, v.JSON)[commands.BlockSubject].Element.InitialValue; got != "Bayline's own printer jams" {
		t.Errorf("the form's subject = %q, want the message's line", got)
	}
	if es := b.f.Ephemerals(e2eUser); len(es) != 0 {
		t.Errorf("Dana was told %q; want only the form", replyText(es[len(es)-1].Message))
	}
}

// TestE2E_Break17_RedeliveredEnvelopes_OneFormOneTicketOneComment: Slack
// delivers again the shortcut that opened the create form, the form's
// submission, and the Add to ticket submission. Dana has one form and no
// error, Syncro holds one ticket and one comment.
func TestE2E_Break17_RedeliveredEnvelopes_OneFormOneTicketOneComment(t *testing.T) {
	t.Parallel()
	text := "Cascade's phones ring once and drop"
	ctx, b, dental, msg := dentalMessageInOps(t, text)

	sc, err := b.f.Shortcut(ctx, slackfake.Shortcut{UserID: e2eUser, CallbackID: tickets.ShortcutCreateFromMessage, ChannelID: msg.Channel, MessageTS: msg.TS})
	if err != nil {
		t.Fatal(err)
	}
	v := b.waitView(ctx, t, tickets.CallbackCreateFromMessage)
	if _, err := b.f.Redeliver(ctx, sc.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	b.waitWorkDone(ctx, t, sc.EnvelopeID)
	if es := b.f.Ephemerals(e2eUser); len(es) != 0 {
		t.Errorf("the shortcut delivered again told Dana %q", replyText(es[len(es)-1].Message))
	}
	if open := b.f.OpenViews(e2eUser); len(open) != 1 {
		t.Errorf("Dana has %d open views, want the one form", len(open))
	}

	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	if _, err := b.f.Redeliver(ctx, ack.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	tk := b.newTicketFor(ctx, t, dental.ID, text)
	if th := b.f.Thread(e2eChannel, msg.TS); len(th) != 1 {
		t.Errorf("the thread holds %d lines, want the one summary", len(th))
	}

	note := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Carrier says the SIP trunk flaps", ThreadTS: msg.TS})
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, note)
	f := b.waitViewSaying(ctx, t, "Ticket #"+itoa64(tk.Number)+" was made from this thread")
	vals := textValues(t, f.JSON)
	if o := modalInputs(t, f.JSON)[tickets.BlockTicket].Element.InitialOption; o != nil {
		vals[tickets.BlockTicket] = map[string]slackfake.Input{tickets.BlockTicket: slackfake.ExternalSelectInput(o.Text.Text, o.Value)}
	}
	va := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: f.ID, Values: vals})
	b.waitWorkDone(ctx, t, va.EnvelopeID)
	if _, err := b.f.Redeliver(ctx, va.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	b.waitWorkDone(ctx, t, va.EnvelopeID)
	if n := len(commentsWith(b.srv, tk.ID, "Carrier says the SIP trunk flaps")); n != 1 {
		t.Errorf("Syncro holds %d comments from the note, want 1", n)
	}
}

// TestE2E_Break17_LinkedCustomerMergedAway_HereSaysSo: #ops is linked to
// "Acme Corp (old)", which is then merged into Acme Corp. and deleted,
// its two open tickets moved. /syncro here does not say the deleted
// customer "has no open tickets in Syncro": Syncro has no such customer,
// and the tickets are Acme's now.
func TestE2E_Break17_LinkedCustomerMergedAway_HereSaysSo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	s := seedDuplicate(t, b.srv)
	n := b.replies()
	b.slash(ctx, t, "link "+itoa64(s.dup))
	b.waitReply(ctx, t, n, "Linked")
	b.mergeAndDelete(ctx, t, s)
	b.waitReply(ctx, t, n, "The duplicate was deleted")
	wantMergedOnce(t, b.srv, s)

	n = b.replies()
	b.slash(ctx, t, "here")
	got := replyText(b.waitReply(ctx, t, n).Message)
	if strings.Contains(got, "has no open tickets") || !strings.Contains(got, "no longer has") {
		t.Errorf("/syncro here in a channel linked to a customer merged away says %q", got)
	}
	n = b.replies()
	b.slash(ctx, t, "customers")
	if got := replyText(b.waitReply(ctx, t, n).Message); strings.Contains(got, "went wrong") || strings.Contains(got, "Acme Corp (old) ·") {
		t.Errorf("/syncro customers there says %q", got)
	}
}

// TestE2E_Break17_SyncroAnswersEmptyAfterWriting_OneWriteAndTheTruth:
// Syncro creates the ticket (then adds the comment) and answers 200 with
// "{}", a success without the record. Syncro holds one ticket and one
// comment; Dana is told the ticket's number, the thread names it, and
// the same message again makes and adds nothing.
func TestE2E_Break17_SyncroAnswersEmptyAfterWriting_OneWriteAndTheTruth(t *testing.T) {
	t.Parallel()
	text := "Cascade's scanner emails arrive blank"
	ctx, b, dental, msg := dentalMessageInOps(t, text)
	b.createFacingFault(ctx, t, msg, dental.ID, syncrotest.FaultCommitThenEmpty)
	tk := b.newTicketFor(ctx, t, dental.ID, text)
	if got := b.lastReply(); !strings.Contains(got, "#"+itoa64(tk.Number)) {
		t.Errorf("Syncro holds #%d but Dana was told %q", tk.Number, got)
	}
	if th := b.f.Thread(e2eChannel, msg.TS); len(th) != 1 || !strings.Contains(th[0].Text, "#"+itoa64(tk.Number)) {
		t.Errorf("the thread shows %+v, want the summary of #%d", th, tk.Number)
	}
	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
	b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(tk.Number))

	note := "Happens only on the 2nd floor scanner"
	reply := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: note, ThreadTS: msg.TS})
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultCommitThenEmpty)
	b.addMessageTo(ctx, t, reply, tk)
	first := b.lastReply()
	b.addMessageTo(ctx, t, reply, tk)
	if n := len(commentsWith(b.srv, tk.ID, note)); n != 1 {
		t.Errorf("Syncro holds %d comments from the note, want 1; replies %q then %q", n, first, b.lastReply())
	}
	for _, lie := range []string{"not added", "wasn't added", "couldn't add", "failed"} {
		if strings.Contains(strings.ToLower(first), lie) {
			t.Errorf("Syncro holds the comment but Dana was told %q", first)
		}
	}
}

// rhondaWrites starts a bot (-debug) whose Slack has the channel Acme
// shares, where Rhonda of Acme posts text.
func rhondaWrites(t *testing.T, text string) (context.Context, *e2eBot, slackfake.Message) {
	t.Helper()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	withClientChannel(b)
	return ctx, b, b.post(ctx, t, slackfake.PersonMessage{Channel: sharedChannel, User: clientUser, Text: text})
}

// TestE2E_Break17_CreateFromMessage_SyncroFailsReading: Syncro answers
// the look-ups of Rhonda's customer with 500s, and of the contacts with
// an HTML page. The form still opens, saying Syncro couldn't be asked; Dana picks Acme and types
// Rhonda as contact, and when the contacts can't be read at Create the
// ticket is made without one, and Dana is told so.
func TestE2E_Break17_CreateFromMessage_SyncroFailsReading(t *testing.T) {
	t.Parallel()
	ctx, b, msg := rhondaWrites(t, "Wi-Fi in the lobby is down")
	acme := customerNamed(t, b.srv, "Acme Corp.")
	b.srv.Fail("GET", "/customers", 20, syncrotest.FaultServerError)
	v := b.createFromMessage(ctx, t, msg)
	b.srv.ClearFaults()
	if !strings.Contains(string(v.JSON), "Syncro couldn't be asked") {
		t.Errorf("the form does not say Syncro couldn't be asked: %s", v.JSON)
	}
	vals := formAsFilled(t, v, acme.ID)
	vals[commands.BlockContact] = map[string]slackfake.Input{commands.BlockContact: slackfake.TextInput("Rhonda Birch")}
	b.srv.Fail("GET", "/contacts", 20, syncrotest.FaultHTML)
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: vals})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	tk := b.newTicketFor(ctx, t, acme.ID, "Wi-Fi in the lobby is down")
	got := b.lastReply()
	if tk.ContactID != 0 || !strings.Contains(got, "#"+itoa64(tk.Number)) || !strings.Contains(got, "couldn't look up the contact") {
		t.Errorf("Syncro holds #%d with contact %d; Dana was told %q", tk.Number, tk.ContactID, got)
	}
	if posted := b.botMessagesIn(sharedChannel); len(posted) != 0 {
		t.Errorf("the unlinked shared channel shows %+v", posted)
	}
}

// TestE2E_Break17_CreateFromMessage_CustomerNameEndingInADot: the form
// found Rhonda as a contact of "Acme Corp." and says so in one sentence
// with one full stop, not "Acme Corp..".
func TestE2E_Break17_CreateFromMessage_CustomerNameEndingInADot(t *testing.T) {
	t.Parallel()
	ctx, b, msg := rhondaWrites(t, "Door badge reader beeps red")
	v := b.createFromMessage(ctx, t, msg)
	if strings.Contains(string(v.JSON), "Acme Corp..") || !strings.Contains(string(v.JSON), "a contact of Acme Corp.") {
		t.Errorf("the form names Acme so: %s", v.JSON)
	}
}

// TestE2E_Break17_DMWithAnOutsider_TicketAndNothingPostedThere: Rhonda of
// Acme writes to Dana in a DM, and in a group DM; Dana makes each message
// a ticket and adds Rhonda's follow-up to it. Syncro holds the tickets
// (Acme's, found by Rhonda's email) and the comment; the DMs show nothing
// from the bot, and Dana is told.
func TestE2E_Break17_DMWithAnOutsider_TicketAndNothingPostedThere(t *testing.T) {
	t.Parallel()
	ctx, b, _ := rhondaWrites(t, "hello")
	acme := customerNamed(t, b.srv, "Acme Corp.")
	b.f.AddChannel(slackfake.Channel{ID: "D0RHONDA", IsIM: true, IsPrivate: true, User: clientUser})
	b.f.AddChannel(slackfake.Channel{ID: "G0GROUP", IsMpIM: true, IsPrivate: true})
	place := map[string]string{
		"D0RHONDA": "This is a conversation with someone outside your workspace: nothing about the ticket is posted in it.",
		"G0GROUP":  "This group DM may include someone outside your workspace: nothing about the ticket is posted in it.",
	}
	for _, dm := range []string{"D0RHONDA", "G0GROUP"} {
		text := "Can you reset my MFA? (" + dm + ")"
		msg := b.post(ctx, t, slackfake.PersonMessage{Channel: dm, User: clientUser, Text: text})
		v := b.createFromMessage(ctx, t, msg)
		if form := string(v.JSON); !strings.Contains(form, place[dm]) || strings.Contains(form, "shared with another workspace") {
			t.Errorf("%s: the form does not say %q", dm, place[dm])
		}
		ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, 0)})
		b.waitWorkDone(ctx, t, ack.EnvelopeID)
		tk := b.newTicketFor(ctx, t, acme.ID, text)
		if got := b.lastReply(); !strings.Contains(got, "Created #"+itoa64(tk.Number)) {
			t.Errorf("%s: Syncro holds #%d, Dana was told %q", dm, tk.Number, got)
		}

		follow := "Still locked out (" + dm + ")"
		reply := b.post(ctx, t, slackfake.PersonMessage{Channel: dm, User: clientUser, Text: follow, ThreadTS: msg.TS})
		b.addMessageTo(ctx, t, reply, tk)
		if n := len(commentsWith(b.srv, tk.ID, follow)); n != 1 {
			t.Errorf("%s: Syncro holds %d comments from the follow-up, want 1; reply %q", dm, n, b.lastReply())
		}
		if posted := b.botMessagesIn(dm); len(posted) != 0 {
			t.Errorf("%s shows the bot's %+v, want nothing", dm, posted)
		}
	}
}

// TestE2E_Break17_TicketThread_ChannelSharedLater: a ticket made from a
// message in #ops, whose thread got its summary; #ops is then shared with
// Acme. A status change through the bot adds nothing to the thread; once
// Acme leaves #ops, the next change reaches it again.
func TestE2E_Break17_TicketThread_ChannelSharedLater(t *testing.T) {
	t.Parallel()
	text := "Cascade's wifi drops at noon"
	ctx, b, dental, msg := dentalMessageInOps(t, text)
	tk := b.createFromMessageDone(ctx, t, msg, dental.ID, text)
	b.waitThread(ctx, t, e2eChannel, msg.TS, 1)

	if _, err := b.f.ShareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	update := b.slash(ctx, t, "update "+itoa64(tk.Number)+" --status Scheduled")
	b.waitWorkDone(ctx, t, update.EnvelopeID)
	if now, _ := b.srv.Ticket(tk.ID); now.Status != "Scheduled" {
		t.Fatalf("Syncro holds %q, want Scheduled", now.Status)
	}
	if th := b.f.Thread(e2eChannel, msg.TS); len(th) != 1 {
		t.Errorf("shared #ops's thread holds %d lines, want only the summary from before: %+v", len(th), th)
	}

	if _, err := b.f.UnshareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	update = b.slash(ctx, t, "update "+itoa64(tk.Number)+" --status \"In Progress\"")
	b.waitWorkDone(ctx, t, update.EnvelopeID)
	if th := b.f.Thread(e2eChannel, msg.TS); len(th) != 2 || !strings.Contains(th[1].Text, "In Progress") {
		t.Errorf("#ops, internal again, has the thread %+v; want the change to In Progress", th)
	}
}

// TestE2E_Break17_AddToTicket_SyncroCannotReadTheTicket: Syncro answers
// every read of the ticket with 500s, then with an HTML page. The comment
// needs no read of it: Syncro holds it once, Dana is told it was added,
// and adding it again says so without a second one.
func TestE2E_Break17_AddToTicket_SyncroCannotReadTheTicket(t *testing.T) {
	t.Parallel()
	for _, fault := range []syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultHTML} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			text := "Invoice PDF shows the old logo " + fault.String()
			ctx, b, _, msg := dentalMessageInOps(t, text)
			tk := b.srv.Tickets()[0]
			b.srv.Fail("GET", "/tickets/"+itoa64(tk.ID), 50, fault)
			b.addMessageTo(ctx, t, msg, tk)
			first := b.lastReply()
			if n := len(commentsWith(b.srv, tk.ID, text)); n != 1 || !strings.Contains(first, "Comment added to #"+itoa64(tk.Number)) {
				t.Errorf("Syncro holds %d comments (want 1); Dana was told %q", n, first)
			}
			b.addMessageTo(ctx, t, msg, tk)
			if n := len(commentsWith(b.srv, tk.ID, text)); n != 1 || !strings.Contains(b.lastReply(), "added to #"+itoa64(tk.Number)+" already") {
				t.Errorf("added again: Syncro holds %d comments (want 1); Dana was told %q", n, b.lastReply())
			}
		})
	}
}

// TestE2E_Break17_Unfurl_ChannelSharedWhileTheTicketIsRead: Dana pastes a
// ticket link in #ops; while the bot reads the ticket from Syncro, Slack
// says #ops was shared with Acme. No preview is attached: the channel is
// shared from the moment Slack says so.
func TestE2E_Break17_Unfurl_ChannelSharedWhileTheTicketIsRead(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := pingersTicket(t, b.srv)
	b.srv.Fail("GET", "/tickets/"+itoa64(tk.ID), 1, syncrotest.FaultHang)
	m, ls, err := b.f.Post(ctx, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "who has " + b.ticketLink(tk.ID)})
	if err != nil || ls == nil {
		t.Fatalf("post: %v, link_shared %v", err, ls)
	}
	b.waitHeld(ctx, t)
	if _, err := b.f.ShareChannel(ctx, e2eChannel, clientTeam); err != nil {
		t.Fatal(err)
	}
	b.srv.ReleaseHangs()
	b.waitLog(ctx, t, `"msg":"link_shared answered","component":"bot","envelope_id":"`+ls.Ack.EnvelopeID+`"`)
	for _, u := range b.f.Unfurls() {
		if u.Channel == e2eChannel && u.TS == m.TS {
			t.Errorf("a preview reached #ops after Slack said it was shared: %s", u.Attachment)
		}
	}
}

// TestE2E_Break17_CreateFromMessage_TicketDeletedInSyncro: a message made
// ticket #N, which is then deleted in Syncro. "Create Syncro ticket" on
// the message does not say it is ticket #N (Syncro has no #N): it opens
// the form, and submitted, Syncro holds the message's new ticket.
func TestE2E_Break17_CreateFromMessage_TicketDeletedInSyncro(t *testing.T) {
	t.Parallel()
	text := "Cascade's UPS alarms at night"
	ctx, b, dental, msg := dentalMessageInOps(t, text)
	old := b.createFromMessageDone(ctx, t, msg, dental.ID, text)
	deleteTicketInSyncro(t, b.srv, old.ID)

	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
	v := b.waitViewSaying(ctx, t, "which Syncro no longer has")
	if v.CallbackID != tickets.CallbackCreateFromMessage {
		t.Fatalf("the shortcut showed %s: %s", v.CallbackID, v.JSON)
	}
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	tk := b.newTicketFor(ctx, t, dental.ID, text)
	if got := b.lastReply(); !strings.Contains(got, "Created #"+itoa64(tk.Number)) {
		t.Errorf("Syncro holds #%d; Dana was told %q", tk.Number, got)
	}
	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
	b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(tk.Number))
}

// TestE2E_Break17_PrivateChannel_InternalGetsSummaryAndPreview: a private
// channel of the workspace alone is internal: a ticket made from a
// message there gets its summary in the thread, and a ticket link its
// preview.
func TestE2E_Break17_PrivateChannel_InternalGetsSummaryAndPreview(t *testing.T) {
	t.Parallel()
	ctx, b, dental, _ := dentalMessageInOps(t, "hello")
	b.f.AddChannel(slackfake.Channel{ID: "C0PRIV", Name: "techs-only", IsPrivate: true})
	text := "Cascade's admin password expires Friday"
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: "C0PRIV", User: e2eUser, Text: text})
	tk := b.createFromMessageDone(ctx, t, msg, dental.ID, text)
	if th := b.f.Thread("C0PRIV", msg.TS); len(th) != 1 || !strings.Contains(th[0].Text, "Ticket #"+itoa64(tk.Number)+" created from this message") {
		t.Errorf("the private channel's thread = %+v, want the summary", th)
	}
	if got := b.postLinks(ctx, t, "C0PRIV", e2eUser, "see "+b.ticketLink(tk.ID)); len(got) != 1 {
		t.Errorf("the private channel got %d previews, want 1", len(got))
	}
}
