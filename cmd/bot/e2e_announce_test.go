package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The notify channel's promises (README, "Closed-ticket notices"): a close
// anywhere is announced within two poll intervals, and a close or bill
// made from Slack is announced once, as done from Slack, crediting who did
// it.

const notifyChannel = "C0NOTIFY"

// startNotifyingBot starts the bot with a notify channel and a 2 s poll
// interval, and waits for the watcher's first poll, which starts its
// window at now.
func startNotifyingBot(ctx context.Context, t *testing.T) *e2eBot {
	t.Helper()
	return startNotifyingBotEvery(ctx, t, "2s")
}

// startNotifyingBotEvery is startNotifyingBot polling every interval
// (SYNCRO_POLL_INTERVAL).
func startNotifyingBotEvery(ctx context.Context, t *testing.T, interval string) *e2eBot {
	t.Helper()
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["NOTIFY_CHANNEL"] = notifyChannel
		env["SYNCRO_POLL_INTERVAL"] = interval
	})
	b.f.AddChannel(slackfake.Channel{ID: notifyChannel, Name: "tickets-closed"})
	b.waitLog(ctx, t, "first start: announcing tickets closed from now on")
	return b
}

// listings counts the watcher's ticket listings Syncro has answered: one
// per poll.
func listings(srv *syncrotest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Path == "/tickets" {
			n++
		}
	}
	return n
}

// noticeText is everything a notice shows: its text and its blocks, as
// Slack renders them (the fake keeps the blocks as sent, with < written
// \u003c).
func noticeText(t *testing.T, m slackfake.Message) string {
	t.Helper()
	if len(m.Blocks) == 0 {
		return m.Text
	}
	var v any
	if err := json.Unmarshal(m.Blocks, &v); err != nil {
		t.Fatalf("notice blocks: %v", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return m.Text + "\n" + b.String()
}

// noticesAbout is the notify channel's messages naming ticket number.
func (b *e2eBot) noticesAbout(t *testing.T, number int64) []string {
	t.Helper()
	var out []string
	for _, m := range b.f.Messages(notifyChannel) {
		if s := noticeText(t, m); strings.Contains(s, fmt.Sprintf("#%d ", number)) {
			out = append(out, s)
		}
	}
	return out
}

// waitNotice waits for a notice naming ticket number.
func (b *e2eBot) waitNotice(ctx context.Context, t *testing.T, number int64) {
	t.Helper()
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.noticesAbout(t, number)) > 0 }); err != nil {
		t.Fatalf("no notice of #%d: %v; channel %+v; stderr:\n%s", number, err, b.f.Messages(notifyChannel), b.stderr.String())
	}
}

// waitPolls waits until the watcher has polled n more times.
func (b *e2eBot) waitPolls(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	want := listings(b.srv) + n
	if err := poll(ctx, func() bool { return listings(b.srv) >= want }); err != nil {
		t.Fatalf("the watcher did not poll %d more times: %v", n, err)
	}
}

// A ticket closed in Syncro's web app (here: in the fake, directly) is
// announced by the first poll after the close, or the second when one was
// on its way: within two poll intervals.
func TestE2E_CloseInSyncroIsAnnouncedWithinTwoPolls(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	tk := b.marcusTicket(t, "Door badge reader offline")

	before := listings(b.srv)
	if err := b.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitNotice(ctx, t, tk.Number)
	polls := listings(b.srv) - before
	if polls > 2 {
		t.Errorf("announced after %d polls, want at most 2", polls)
	}
	t.Logf("announced after %d poll(s) at a 2 s interval", polls)
	got := b.noticesAbout(t, tk.Number)
	if len(got) != 1 || !strings.Contains(got[0], "Closed in Syncro · tech: Marcus") {
		t.Errorf("notices of #%d = %q, want one, closed in Syncro, naming the tech", tk.Number, got)
	}
}

// A bill and a close made from Slack are each announced once, crediting
// Dana with a mention, and the watcher, polling on, adds no "Closed in
// Syncro" notice of its own.
func TestE2E_BillAndCloseFromSlackAreAnnouncedOnceCreditingWhoDidIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	billed := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	closed := b.marcusTicket(t, "VPN drops at noon")

	view := b.openBillForm(ctx, t, billed.Number)
	b.submitView(ctx, t, billSubmission(t, view, "30", "Cleaned the rollers."))
	b.waitReply(ctx, t, 0, "Invoiced #")
	b.closeFromSlack(ctx, t, closed.Number, "Moved the VPN to the other uplink.", commands.CloseOptionNotify)
	b.waitReply(ctx, t, 1, "Closed #")
	b.waitNotice(ctx, t, billed.Number)
	b.waitNotice(ctx, t, closed.Number)
	// Two polls: the second started after both writes, whatever the first
	// was doing. A third may be 10 s away: the watcher's budget
	// (watcher.DefaultBudget, 6 a minute) is mostly spent by then.
	b.waitPolls(ctx, t, 2)

	for number, verb := range map[int64]string{billed.Number: "Invoiced by", closed.Number: "Closed by"} {
		got := b.noticesAbout(t, number)
		if len(got) != 1 {
			t.Errorf("#%d: %d notices, want 1: %q", number, len(got), got)
			continue
		}
		if want := fmt.Sprintf("*%s:* <@%s>", verb, e2eUser); !strings.Contains(got[0], want) {
			t.Errorf("#%d: notice lacks %q:\n%s", number, want, got[0])
		}
		if strings.Contains(got[0], "Closed in Syncro") {
			t.Errorf("#%d: announced as closed in Syncro:\n%s", number, got[0])
		}
	}
}
