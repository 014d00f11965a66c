package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// "Add to ticket", through run: a message becomes one comment on the
// ticket of its thread or on the ticket the tech picks, hidden unless
// the tech makes it public, with its author and link.

// addForms waits until Dana has n open "Add to ticket" forms and returns them.
func (b *e2eBot) addForms(ctx context.Context, t *testing.T, n int) []slackfake.View {
	t.Helper()
	var open []slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		open = open[:0]
		for _, v := range b.f.Views() {
			if v.UserID == e2eUser && v.CallbackID == tickets.CallbackAddToTicket && !v.Closed {
				open = append(open, v)
			}
		}
		return len(open) >= n
	})
	if err != nil {
		t.Fatalf("%d open Add to ticket forms, want %d: %v; stderr:\n%s", len(open), n, err, b.stderr.String())
	}
	return open
}

// ticketFromMessage has Dana post text in #ops and make it a ticket of
// Cascade Dental Group, and returns the message and the ticket.
func (b *e2eBot) ticketFromMessage(ctx context.Context, t *testing.T, text string) (slackfake.Message, syncrotest.Ticket) {
	t.Helper()
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: text})
	v := b.createFromMessage(ctx, t, msg)
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, Values: formAsFilled(t, v, dental.ID)})
	tk := b.newTicketFor(ctx, t, dental.ID, text)
	b.waitReply(ctx, t, 0, "Created #"+itoa64(tk.Number))
	return msg, tk
}

// commentsWith is the comments of ticketID whose body holds want.
func commentsWith(srv *syncrotest.Server, ticketID int64, want string) []syncrotest.Comment {
	return slices.DeleteFunc(srv.Comments(ticketID), func(c syncrotest.Comment) bool { return !strings.Contains(c.Body, want) })
}

// TestE2E_AddToTicket_DoubleClickInTicketThread_OneHiddenComment: a
// reply in the thread of a message made into a ticket; Dana picks "Add to
// ticket" on it twice (a double click) and submits both forms, which
// name the thread's ticket. Syncro holds one hidden comment with the
// reply, its author and its link; the second submission says it was
// added already.
func TestE2E_AddToTicket_DoubleClickInTicketThread_OneHiddenComment(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	root, tk := b.ticketFromMessage(ctx, t, "Cascade's scanner is offline")

	reply := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, ThreadTS: root.TS, Text: "Power-cycled it; the driver <needs> an update"})
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, reply)
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, reply)
	forms := b.addForms(ctx, t, 2)
	for _, f := range forms {
		o := modalInputs(t, f.JSON)[tickets.BlockTicket].Element.InitialOption
		if o == nil || o.Text.Text != "#"+itoa64(tk.Number) {
			t.Fatalf("the form picks %+v, want the thread's ticket #%d: %s", o, tk.Number, f.JSON)
		}
		vals := textValues(t, f.JSON)
		vals[tickets.BlockTicket] = map[string]slackfake.Input{tickets.BlockTicket: slackfake.ExternalSelectInput(o.Text.Text, o.Value)}
		b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: f.ID, Values: vals})
	}
	b.waitReply(ctx, t, 1, "added to #"+itoa64(tk.Number)+" already")

	got := commentsWith(b.srv, tk.ID, "the driver <needs> an update")
	if len(got) != 1 {
		t.Fatalf("Syncro holds %d comments with the reply, want 1: %+v", len(got), b.srv.Comments(tk.ID))
	}
	link := "/archives/" + e2eChannel + "/p" + strings.Replace(reply.TS, ".", "", 1)
	if !got[0].Hidden || !got[0].DoNotEmail || !strings.Contains(got[0].Body, "From Slack: dana") || !strings.Contains(got[0].Body, link) {
		t.Errorf("comment = %+v, want hidden, not emailed, naming dana and linking %s", got[0], link)
	}
}

// TestE2E_AddToTicket_PickedByNumber_PublicWhenChosen: a message outside
// any ticket's thread; Dana types the ticket's number in the picker,
// checks Public, and Syncro holds one public comment on that ticket.
func TestE2E_AddToTicket_PickedByNumber_PublicWhenChosen(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := b.srv.Tickets()[0]
	msg := b.post(ctx, t, slackfake.PersonMessage{Channel: e2eChannel, User: e2eUser, Text: "Replacement toner ships Monday"})
	b.shortcut(ctx, t, tickets.ShortcutAddToTicket, msg)
	f := b.addForms(ctx, t, 1)[0]
	if o := modalInputs(t, f.JSON)[tickets.BlockTicket].Element.InitialOption; o != nil {
		t.Errorf("the form picks %+v for a message in no ticket's thread", o)
	}
	sug, err := b.f.BlockSuggestion(ctx, slackfake.BlockSuggestion{UserID: e2eUser, ViewID: f.ID, CallbackID: tickets.CallbackAddToTicket,
		ActionID: tickets.BlockTicket, BlockID: tickets.BlockTicket, Value: "#" + itoa64(tk.Number)})
	if err != nil || len(sug.Options) != 1 || !strings.HasPrefix(sug.Options[0].Text, "#"+itoa64(tk.Number)+" ") {
		t.Fatalf("picker for #%d offers %+v (%v), want that ticket", tk.Number, sug.Options, err)
	}
	vals := textValues(t, f.JSON)
	vals[tickets.BlockTicket] = map[string]slackfake.Input{tickets.BlockTicket: slackfake.ExternalSelectInput(sug.Options[0].Text, sug.Options[0].Value)}
	vals[tickets.BlockVisibility] = map[string]slackfake.Input{tickets.BlockVisibility: {Type: "checkboxes",
		SelectedOptions: []slackfake.SelectOption{{Text: "Public", Value: tickets.OptionPublic}}}}
	b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: f.ID, Values: vals})
	b.waitReply(ctx, t, 0, "#"+itoa64(tk.Number))

	got := commentsWith(b.srv, tk.ID, "Replacement toner ships Monday")
	if len(got) != 1 || got[0].Hidden || got[0].DoNotEmail {
		t.Fatalf("Syncro holds %+v, want one public comment", got)
	}
}

// TestE2E_AddToTicket_MessagesOfEveryShape: "Add to ticket" on a
// 40,000-character message, an empty one, one with only a file and a
// bot's: each form opens with the message (the first 3,000 characters of
// the long one, saying so), and Syncro holds one comment with the text,
// the author, the link and the files.
func TestE2E_AddToTicket_MessagesOfEveryShape(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := b.srv.Tickets()[0]
	long := strings.Repeat("The NAS rebuild is still running. ", 1200)[:40000]
	for _, tt := range []struct {
		name      string
		pm        slackfake.PersonMessage
		formSays  string
		issueSize int
		comment   []string
	}{
		{"40,000 characters", slackfake.PersonMessage{User: e2eUser, Text: long}, "the form holds the first 3000", 3000,
			[]string{long[:100], "(The message has 40000 characters; the rest is in Slack.)", "From Slack: dana"}},
		{"empty", slackfake.PersonMessage{User: e2eUser, Text: ""}, "From a message by dana", 0, []string{"— From Slack: dana"}},
		{"only a file", slackfake.PersonMessage{User: e2eUser, Files: []slackfake.File{{ID: "F7", Name: "nas-smart.txt"}}}, "From a message by dana", 0,
			[]string{"Attachments (in Slack): nas-smart.txt"}},
		{"a bot's", slackfake.PersonMessage{BotID: "B0MONITOR", BotName: "monitor", Text: "ALERT RAID degraded on NAS-01"}, "monitor (a bot)", 29,
			[]string{"ALERT RAID degraded on NAS-01", "From Slack: monitor (a bot)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.pm.Channel = e2eChannel
			msg := b.post(ctx, t, tt.pm)
			b.shortcut(ctx, t, tickets.ShortcutAddToTicket, msg)
			f := b.addForms(ctx, t, 1)[0]
			if got := len([]rune(modalInputs(t, f.JSON)[commands.BlockIssue].Element.InitialValue)); got != tt.issueSize {
				t.Errorf("comment input holds %d characters, want %d", got, tt.issueSize)
			}
			if !strings.Contains(string(f.JSON), tt.formSays) {
				t.Errorf("the form does not say %q: %s", tt.formSays, f.JSON)
			}
			vals := textValues(t, f.JSON)
			vals[tickets.BlockTicket] = map[string]slackfake.Input{tickets.BlockTicket: slackfake.ExternalSelectInput("#"+itoa64(tk.Number), ticketview.TicketButtonValue(tk.ID, tk.Number))}
			before := len(b.f.Ephemerals(e2eUser))
			b.submitView(ctx, t, slackfake.ViewSubmission{UserID: e2eUser, ViewID: f.ID, Values: vals})
			b.waitReply(ctx, t, before, "#"+itoa64(tk.Number))
			link := "/archives/" + e2eChannel + "/p" + strings.Replace(msg.TS, ".", "", 1)
			got := commentsWith(b.srv, tk.ID, link)
			if len(got) != 1 {
				t.Fatalf("Syncro holds %d comments linking the message, want 1", len(got))
			}
			for _, want := range tt.comment {
				if !strings.Contains(got[0].Body, want) {
					t.Errorf("comment lacks %q: %q", want, got[0].Body)
				}
			}
		})
	}
}
