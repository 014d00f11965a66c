package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Link unfurls, through run: a link to a ticket of the account's Syncro
// posted in an internal channel gets a compact preview with the card's
// buttons, once per channel in 30 minutes (a restart too); never in a
// shared channel, a DM with someone outside the workspace, a group DM or
// a conversation Slack will not describe; none for a message listing
// three or more Syncro links; links to other accounts or to tickets
// Syncro lacks get none. Previews read Syncro, never write.

// pingersTicket is the seeded ticket whose customer is "<!channel>
// Pingers": its preview shows whether Syncro text is escaped.
func pingersTicket(t *testing.T, srv *syncrotest.Server) syncrotest.Ticket {
	t.Helper()
	for _, tk := range srv.Tickets() {
		if tk.Subject == "Slack keeps pinging everyone at 3am" {
			return tk
		}
	}
	t.Fatal("seed has no Pingers ticket")
	return syncrotest.Ticket{}
}

// ticketLink is the link to ticket id in the fake Syncro's web app: the
// account's host in these tests (SYNCRO_BASE_URL).
func (b *e2eBot) ticketLink(id int64) string { return b.webPage("/tickets/" + itoa64(id)) }

// webPage is path in the fake Syncro's web app.
func (b *e2eBot) webPage(path string) string {
	u, err := url.Parse(b.srv.URL())
	if err != nil {
		panic(err)
	}
	return u.Scheme + "://" + u.Host + path
}

// postLinks posts text as user in channel and waits until the bot has
// answered its link_shared, previews or not; it returns the previews the
// bot attached to that message.
func (b *e2eBot) postLinks(ctx context.Context, t *testing.T, channel, user, text string) []slackfake.Unfurl {
	t.Helper()
	m, ls, err := b.f.Post(ctx, slackfake.PersonMessage{Channel: channel, User: user, Text: text})
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	if ls == nil {
		t.Fatalf("Slack sent no link_shared for %q", text)
	}
	b.waitLog(ctx, t, `"msg":"link_shared answered","component":"bot","envelope_id":"`+ls.Ack.EnvelopeID+`"`)
	var out []slackfake.Unfurl
	for _, u := range b.f.Unfurls() {
		if u.Channel == channel && u.TS == m.TS {
			out = append(out, u)
		}
	}
	return out
}

// previewText is what a preview shows, as Slack reads it: its two blocks'
// text (the summary) and the action ids of its buttons, one per line.
func previewText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var a struct {
		Blocks []struct {
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				ActionID string `json:"action_id"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &a); err != nil || len(a.Blocks) != 2 || a.Blocks[0].Text == nil {
		t.Fatalf("preview is not a summary and its buttons: %v %s", err, raw)
	}
	lines := []string{a.Blocks[0].Text.Text}
	for _, e := range a.Blocks[1].Elements {
		lines = append(lines, e.ActionID)
	}
	return strings.Join(lines, "\n")
}

// TestE2E_Unfurl_TicketLinkPreviewedOncePerChannelAcrossARestart: Dana
// pastes a link to the Pingers ticket in #ops: the preview names its
// number, subject, status, customer (escaped) and assignee, with Log
// time, Close and Open in Syncro. Pasted again, and again after a
// restart, it gets none; in another internal channel it gets its own.
// Syncro saw only reads.
func TestE2E_Unfurl_TicketLinkPreviewedOncePerChannelAcrossARestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := pingersTicket(t, b.srv)
	link := b.ticketLink(tk.ID)

	got := b.postLinks(ctx, t, e2eChannel, e2eUser, "Who has this one? "+link)
	if len(got) != 1 || got[0].URL != link {
		t.Fatalf("previews = %+v, want one of %s", got, link)
	}
	shown := previewText(t, got[0].Attachment)
	for _, want := range []string{"#" + itoa64(tk.Number), "Slack keeps pinging everyone at 3am", "Waiting on Customer",
		"&lt;!channel&gt; Pingers", "Priya Raman", ticketview.ActionLogTime, ticketview.ActionClose, ticketview.ActionOpenInSyncro} {
		if !strings.Contains(shown, want) {
			t.Errorf("preview lacks %q: %s", want, shown)
		}
	}
	if strings.Contains(shown, "<!channel>") {
		t.Errorf("preview holds a live <!channel>: %s", shown)
	}

	if again := b.postLinks(ctx, t, e2eChannel, e2eUser, "still open: "+link); len(again) != 0 {
		t.Errorf("the same link within 30 minutes got %d previews", len(again))
	}
	b = b.restart(ctx, t)
	if again := b.postLinks(ctx, t, e2eChannel, e2eUser, link); len(again) != 0 {
		t.Errorf("after a restart the same link got %d previews", len(again))
	}
	b.f.AddChannel(slackfake.Channel{ID: "C0DEV", Name: "dev"})
	if other := b.postLinks(ctx, t, "C0DEV", e2eUser, link); len(other) != 1 {
		t.Errorf("another channel got %d previews, want its own", len(other))
	}
	for _, r := range b.srv.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("Syncro got %s %s; previews only read", r.Method, r.Path)
		}
	}
}

// TestE2E_Unfurl_NeverOutsideTheWorkspace: the same link posted in the
// channel shared with Acme, in a DM with Rhonda of Acme, in a group DM
// and in a conversation Slack does not describe gets no preview; in a DM
// with a colleague it does.
func TestE2E_Unfurl_NeverOutsideTheWorkspace(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	withClientChannel(b)
	b.f.AddUser(slackfake.User{ID: "U0PRIYA", Name: "priya", RealName: "Priya Raman", Email: "priya@baylineit.com"})
	b.f.AddChannel(slackfake.Channel{ID: "D0RHONDA", IsIM: true, IsPrivate: true, User: clientUser})
	b.f.AddChannel(slackfake.Channel{ID: "G0GROUP", IsMpIM: true, IsPrivate: true})
	b.f.AddChannel(slackfake.Channel{ID: "D0PRIYA", IsIM: true, IsPrivate: true, User: "U0PRIYA"})
	link := b.ticketLink(pingersTicket(t, b.srv).ID)

	for _, tt := range []struct{ name, channel, user string }{
		{"shared channel, the client's post", sharedChannel, clientUser},
		{"shared channel, the tech's post", sharedChannel, e2eUser},
		{"DM with the client", "D0RHONDA", e2eUser},
		{"group DM", "G0GROUP", e2eUser},
		{"a channel Slack does not describe", "C0UNKNOWN", e2eUser},
	} {
		if got := b.postLinks(ctx, t, tt.channel, tt.user, "see "+link); len(got) != 0 {
			t.Errorf("%s: %d previews, want none", tt.name, len(got))
		}
	}
	if got := b.postLinks(ctx, t, "D0PRIYA", e2eUser, "see "+link); len(got) != 1 {
		t.Errorf("DM with a colleague: %d previews, want 1", len(got))
	}
	for _, u := range b.f.Unfurls() {
		if u.Channel != "D0PRIYA" {
			t.Errorf("a preview reached %s", u.Channel)
		}
	}
}

// TestE2E_Unfurl_WhichLinksGetAPreview: two ticket links get two
// previews; three links to the account get none (a list, not a mention);
// a link to another Syncro account, to a ticket Syncro lacks, or to a
// page that is not a ticket gets none, while the ticket link beside them
// does.
func TestE2E_Unfurl_WhichLinksGetAPreview(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	open := b.srv.Tickets()
	one, two, three, four := b.ticketLink(open[0].ID), b.ticketLink(open[1].ID), b.ticketLink(open[2].ID), b.ticketLink(open[3].ID)

	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, one+" and "+two); len(got) != 2 {
		t.Errorf("two ticket links: %d previews, want 2", len(got))
	}
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, "today: "+three+" "+four+" "+b.ticketLink(open[4].ID)); len(got) != 0 {
		t.Errorf("three ticket links: %d previews, want none", len(got))
	}
	got := b.postLinks(ctx, t, e2eChannel, e2eUser, strings.Join([]string{
		"https://othermsp.syncromsp.com/tickets/" + itoa64(open[5].ID),
		b.ticketLink(999999999),
		four,
	}, " "))
	if len(got) != 1 || got[0].URL != four {
		t.Errorf("previews = %+v, want only %s", got, four)
	}
	if got := b.postLinks(ctx, t, e2eChannel, e2eUser, b.webPage("/customers/1")+" "+b.ticketLink(open[6].ID)); len(got) != 1 {
		t.Errorf("a customer page and a ticket: %d previews, want the ticket's", len(got))
	}
}

// TestE2E_Unfurl_CloseFromThePreview: Close in a ticket's preview opens
// the close form; submitted, the ticket is closed in Syncro and Dana is
// told, while the message holding the link stays as its author wrote it.
func TestE2E_Unfurl_CloseFromThePreview(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startDebugBot(ctx, t, nil)
	tk := b.marcusTicket(t, "Cascade's scanner jams on every page")
	link := b.ticketLink(tk.ID)
	text := "Can someone close " + link + " ? Fixed on site."
	got := b.postLinks(ctx, t, e2eChannel, e2eUser, text)
	if len(got) != 1 {
		t.Fatalf("previews = %+v, want one", got)
	}
	var a struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(got[0].Attachment, &a); err != nil {
		t.Fatal(err)
	}
	before := b.messageText(got[0].Channel, got[0].TS)
	closeBtn := button(t, a.Blocks, ticketview.ActionClose)
	if _, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: got[0].TS,
		UnfurlURL: link, Actions: []slackfake.Action{closeBtn}}); err != nil {
		t.Fatal(err)
	}
	view := b.waitView(ctx, t, commands.CallbackClose)
	ack := b.submitView(ctx, t, closeSubmission(t, view, "Cleared the feed rollers"))
	b.waitReply(ctx, t, 0, "#"+itoa64(tk.Number))
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	if now, _ := b.srv.Ticket(tk.ID); now.Status != "Resolved" {
		t.Errorf("ticket status = %q, want Resolved", now.Status)
	}
	if after := b.messageText(got[0].Channel, got[0].TS); after != before {
		t.Errorf("the message with the link now reads %q, want %q as its author wrote it", after, before)
	}
}

// messageText is the text of the message at ts in channel, as Slack
// shows it now.
func (b *e2eBot) messageText(channel, ts string) string {
	for _, m := range b.f.Messages(channel) {
		if m.TS == ts {
			return m.Text
		}
	}
	return ""
}
