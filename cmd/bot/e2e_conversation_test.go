package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// From conversation to ticket, through run: "Create Syncro ticket" on a
// client's message in a shared channel and on a message in an internal
// one, what Syncro then holds, what each channel's thread shows, and the
// messages a form must cope with.

// Rhonda Birch is a contact of Acme Corp. (seed) writing from Acme's own
// workspace in the channel Acme shares with the MSP.
const (
	clientUser    = "U0RHONDA"
	clientTeam    = "T0ACMECO"
	sharedChannel = "C0ACME"
)

// withClientChannel adds Rhonda and the shared channel to b's Slack.
func withClientChannel(b *e2eBot) {
	b.f.AddUser(slackfake.User{ID: clientUser, TeamID: clientTeam, Name: "rhonda", RealName: "Rhonda Birch", Email: "rhonda@acmecorp.example"})
	b.f.AddChannel(slackfake.Channel{ID: sharedChannel, Name: "acme-shared", IsExtShared: true})
}

// acknowledgedClientChannel adds Rhonda and the shared channel, links
// it to Acme Corp. with --acknowledge, and returns Acme.
func (b *e2eBot) acknowledgedClientChannel(ctx context.Context, t *testing.T) syncrotest.Customer {
	t.Helper()
	withClientChannel(b)
	acme := customerNamed(t, b.srv, "Acme Corp.")
	if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: sharedChannel, Text: "link " + itoa64(acme.ID) + " --acknowledge"}); err != nil {
		t.Fatal(err)
	}
	b.waitReply(ctx, t, 0, "Linked")
	return acme
}

// post shows pm in Slack and returns the message.
func (b *e2eBot) post(ctx context.Context, t *testing.T, pm slackfake.PersonMessage) slackfake.Message {
	t.Helper()
	m, _, err := b.f.Post(ctx, pm)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	return m
}

// createFromMessage picks "Create Syncro ticket" on m as Dana and returns
// the form it opens.
func (b *e2eBot) createFromMessage(ctx context.Context, t *testing.T, m slackfake.Message) slackfake.View {
	t.Helper()
	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, m)
	return b.waitView(ctx, t, tickets.CallbackCreateFromMessage)
}

// shortcut picks the message shortcut callbackID on m as Dana.
func (b *e2eBot) shortcut(ctx context.Context, t *testing.T, callbackID string, m slackfake.Message) {
	t.Helper()
	if _, err := b.f.Shortcut(ctx, slackfake.Shortcut{UserID: e2eUser, CallbackID: callbackID, ChannelID: m.Channel, MessageTS: m.TS}); err != nil {
		t.Fatalf("shortcut %s: %v", callbackID, err)
	}
}

// waitViewSaying waits until Dana has an open view holding want.
func (b *e2eBot) waitViewSaying(ctx context.Context, t *testing.T, want string) slackfake.View {
	t.Helper()
	return b.waitViewSayingTo(ctx, t, e2eUser, want)
}

// formAsFilled is what Slack submits for the form v untouched, the
// customer it preselected included; customerID, when not 0, picks that
// customer instead.
func formAsFilled(t *testing.T, v slackfake.View, customerID int64) slackfake.Values {
	t.Helper()
	inputs := modalInputs(t, v.JSON)
	vals := textValues(t, v.JSON)
	if o := inputs[commands.BlockCustomer].Element.InitialOption; o != nil {
		vals[commands.BlockCustomer] = map[string]slackfake.Input{commands.BlockCustomer: slackfake.ExternalSelectInput(o.Text.Text, o.Value)}
	}
	if customerID != 0 {
		vals[commands.BlockCustomer] = map[string]slackfake.Input{commands.BlockCustomer: slackfake.ExternalSelectInput("picked", itoa64(customerID))}
	}
	return vals
}

// newTicketFor waits for a ticket of customerID whose subject is subject
// and returns it, failing unless there is exactly one.
func (b *e2eBot) newTicketFor(ctx context.Context, t *testing.T, customerID int64, subject string) syncrotest.Ticket {
	t.Helper()
	var found []syncrotest.Ticket
	err := poll(ctx, func() bool {
		found = found[:0]
		for _, tk := range b.srv.Tickets() {
			if tk.CustomerID == customerID && tk.Subject == subject {
				found = append(found, tk)
			}
		}
		return len(found) > 0
	})
	if err != nil || len(found) != 1 {
		t.Fatalf("Syncro holds %d tickets %q of customer %d, want 1", len(found), subject, customerID)
	}
	return found[0]
}

// botMessagesIn is what the bot posted in channel for everyone to see.
func (b *e2eBot) botMessagesIn(channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range b.f.Messages(channel) {
		if m.Source != slackfake.SourcePerson {
			out = append(out, m)
		}
	}
	return out
}

// TestE2E_ClientMessageInSharedChannel_TicketWithContactAndOnlyTheNeutralLine:
// Rhonda writes in the channel Acme shares, linked with --acknowledge;
// Dana makes it a ticket. Syncro holds it for Acme Corp. with Rhonda as
// contact, the message, its author, link and file named in the first
// comment; the thread shows only "Ticket #N opened — we're on it", and
// the summary reaches Dana alone.
func TestE2E_ClientMessageInSharedChannel_TicketWithContactAndOnlyTheNeutralLine(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	acme := b.acknowledgedClientChannel(ctx, t)

	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: sharedChannel, User: clientUser,
		Text:  "Printer on 3F is down again\nIt shows <error 50.4> & won't print. See https://acme.example/photo",
		Files: []slackfake.File{{ID: "F1", Name: "printer.jpg", Mimetype: "image/jpeg"}}})
	v := b.createFromMessage(ctx, t, msg)
	in := modalInputs(t, v.JSON)
	if got := in[commands.BlockSubject].Element.InitialValue; got != "Printer on 3F is down again" {
		t.Errorf("subject = %q, want the first line", got)
	}
	if got := in[commands.BlockIssue].Element.InitialValue; !strings.Contains(got, "<error 50.4> & won't print. See https://acme.example/photo") {
		t.Errorf("initial issue = %q, want the message as typed", got)
	}
	if got := in[commands.BlockContact].Element.InitialValue; got != "Rhonda Birch" {
		t.Errorf("contact = %q, want Rhonda Birch (her email)", got)
	}
	if !strings.Contains(string(v.JSON), "contact from the author") || !strings.Contains(string(v.JSON), "printer.jpg") {
		t.Errorf("the form does not say how it found the contact or name the file: %s", v.JSON)
	}
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, 0)})

	tk := b.newTicketFor(ctx, t, acme.ID, "Printer on 3F is down again")
	rhonda := ""
	for _, ct := range b.srv.Contacts(acme.ID) {
		if ct.ID == tk.ContactID {
			rhonda = ct.Name
		}
	}
	if rhonda != "Rhonda Birch" {
		t.Errorf("ticket's contact = %d (%q), want Rhonda Birch", tk.ContactID, rhonda)
	}
	body := ""
	for _, c := range b.srv.Comments(tk.ID) {
		body += c.Body
	}
	for _, want := range []string{"won't print", "rhonda <rhonda@acmecorp.example> (another workspace)", "/archives/" + sharedChannel + "/p", "printer.jpg"} {
		if !strings.Contains(body, want) {
			t.Errorf("first comment lacks %q: %q", want, body)
		}
	}
	b.waitReply(ctx, t, 1, "Created #"+itoa64(tk.Number))
	err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Thread(sharedChannel, msg.TS)) > 0 })
	if err != nil {
		t.Fatalf("no line in the thread: %v; stderr:\n%s", err, b.stderr.String())
	}
	posted := b.botMessagesIn(sharedChannel)
	if len(posted) != 1 || posted[0].ThreadTS != msg.TS || posted[0].Text != "Ticket #"+itoa64(tk.Number)+" opened — we're on it." {
		t.Errorf("the shared channel shows %+v, want only the neutral line in the thread", posted)
	}
}

// TestE2E_SharedChannelWithoutLink_CustomerByEmailAndNothingPosted: in a
// shared channel nobody linked, Rhonda's email finds Acme Corp. and her
// contact; the ticket is made, and once the submission's work is over
// (everything it posts is sent) nothing at all is in the channel.
func TestE2E_SharedChannelWithoutLink_CustomerByEmailAndNothingPosted(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	withClientChannel(b)
	acme := customerNamed(t, b.srv, "Acme Corp.")

	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: sharedChannel, User: clientUser, Text: "VPN keeps dropping"})
	v := b.createFromMessage(ctx, t, msg)
	if !strings.Contains(string(v.JSON), "a contact of Acme Corp.") {
		t.Errorf("the form does not say the email found Acme's contact: %s", v.JSON)
	}
	va := b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, 0)})
	b.waitWorkDone(ctx, t, va.EnvelopeID)
	tk := b.newTicketFor(ctx, t, acme.ID, "VPN keeps dropping")
	b.waitReply(ctx, t, 0, "Created #"+itoa64(tk.Number))
	if posted := b.botMessagesIn(sharedChannel); len(posted) != 0 {
		t.Errorf("the unlinked shared channel shows %+v, want nothing", posted)
	}
}

// TestE2E_InternalChannel_SummaryInThreadOnceAndOneTicketPerMessage: in
// #ops the thread gets the ticket's summary; a double click on Create
// and a second "Create Syncro ticket" on the same message make no second
// ticket and no second line.
func TestE2E_InternalChannel_SummaryInThreadOnceAndOneTicketPerMessage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	dental := customerNamed(t, b.srv, "Cascade Dental Group")

	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Cascade's X-ray PC won't boot"})
	v := b.createFromMessage(ctx, t, msg)
	b.doubleSubmit(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	b.waitReply(ctx, t, 0, "Created #")
	// Both submissions are answered, so the second one's work is over.
	b.waitReply(ctx, t, 0, "twice")
	tk := b.newTicketFor(ctx, t, dental.ID, "Cascade's X-ray PC won't boot")

	b.shortcut(ctx, t, tickets.ShortcutCreateFromMessage, msg)
	b.waitViewSaying(ctx, t, "This message is already ticket #"+itoa64(tk.Number))
	err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Thread(e2eChannel, msg.TS)) > 0 })
	if err != nil {
		t.Fatalf("no summary in the thread: %v", err)
	}
	th := b.f.Thread(e2eChannel, msg.TS)
	if len(th) != 1 || !strings.Contains(th[0].Text, "Ticket #"+itoa64(tk.Number)+" created from this message by <@"+e2eUser+">") ||
		!strings.Contains(th[0].Text, "Cascade Dental Group") {
		t.Errorf("thread = %+v, want one summary naming the ticket and customer", th)
	}
}

// TestE2E_CreateFromMessage_MessagesOfEveryShape: a 40,000-character
// message, an empty one, one with only a file and a bot's each open a
// form with a subject, and the ticket links back to the message.
func TestE2E_CreateFromMessage_MessagesOfEveryShape(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	long := strings.Repeat("The backup job failed again overnight. ", 1026)[:40000]
	for _, tt := range []struct {
		name      string
		pm        slackfake.PersonMessage
		subject   string
		formSays  string
		issueSize int
		comment   string
	}{
		{"40,000 characters", slackfake.PersonMessage{User: e2eUser, Text: long},
			"The backup job failed again overnight. The backup job failed again overnight. The backup job…",
			"the form holds the first 3000", 3000, "(The message has 40000 characters; the rest is in Slack.)"},
		{"empty", slackfake.PersonMessage{User: e2eUser, Text: ""}, "Message from dana", "From a message by dana", 0, "From Slack: dana"},
		{"only a file", slackfake.PersonMessage{User: e2eUser, Files: []slackfake.File{{ID: "F9", Name: "eventlog.evtx"}}},
			"File from dana: eventlog.evtx", "eventlog.evtx", 0, "Attachments (in Slack): eventlog.evtx"},
		{"a bot's", slackfake.PersonMessage{BotID: "B0MONITOR", BotName: "monitor", Text: "ALERT disk C: 97% on DENTAL-SRV"},
			"ALERT disk C: 97% on DENTAL-SRV", "A bot wrote this message", 31, "From Slack: monitor (a bot)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.pm.Channel = e2eChannel
			msg := b.post(ctx, t, tt.pm)
			v := b.createFromMessage(ctx, t, msg)
			in := modalInputs(t, v.JSON)
			if got := in[commands.BlockSubject].Element.InitialValue; got != tt.subject {
				t.Errorf("subject = %q, want %q", got, tt.subject)
			}
			if got := len([]rune(in[commands.BlockIssue].Element.InitialValue)); got != tt.issueSize {
				t.Errorf("initial issue holds %d characters, want %d", got, tt.issueSize)
			}
			if !strings.Contains(string(v.JSON), tt.formSays) {
				t.Errorf("the form does not say %q: %s", tt.formSays, v.JSON)
			}
			b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
			tk := b.newTicketFor(ctx, t, dental.ID, tt.subject)
			body := ""
			for _, c := range b.srv.Comments(tk.ID) {
				body += c.Body
			}
			if !strings.Contains(body, tt.comment) || !strings.Contains(body, "/archives/"+e2eChannel+"/p"+strings.Replace(msg.TS, ".", "", 1)) {
				t.Errorf("first comment lacks %q or the message's link: %q", tt.comment, body)
			}
		})
	}
}

// TestE2E_TicketFromAThreadReplyLivesInTheParentsThread: a ticket made
// from a reply in a thread tells that thread (Slack threads hang on their
// parent's ts, docs/slack-platform.md), and "Add to ticket" on another
// reply in the thread picks the ticket.
func TestE2E_TicketFromAThreadReplyLivesInTheParentsThread(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	typed := func(text string) slackfake.PersonMessage {
		return slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text}
	}
	parent := b.post(ctx, t, typed("Cascade's front desk is offline"))
	pm := typed("Now the X-ray PC won't boot either")
	pm.ThreadTS = parent.TS
	v := b.createFromMessage(ctx, t, b.post(ctx, t, pm))
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	b.waitReply(ctx, t, 0, "Created #")
	tk := b.newTicketFor(ctx, t, dental.ID, "Now the X-ray PC won't boot either")
	summary := "Ticket #" + itoa64(tk.Number) + " created from this message"
	err := b.f.WaitUntil(ctx, func() bool {
		for _, m := range b.f.Thread(e2eChannel, parent.TS) {
			if strings.Contains(m.Text, summary) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the parent's thread never heard of the ticket: %v", err)
	}

	later := typed("Rebooted, works now")
	later.ThreadTS = parent.TS
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, b.post(ctx, t, later))
	b.waitViewSaying(ctx, t, "Ticket #"+itoa64(tk.Number)+" was made from this thread")
}
