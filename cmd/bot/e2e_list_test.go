package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// messageBlocks is what a message's blocks show: each block's type and
// its text (a section's, a header's, a context's elements').
type messageBlock struct {
	Type string
	Text string
}

// blocksOf decodes a message's blocks.
func blocksOf(t *testing.T, m slackfake.Message) []messageBlock {
	t.Helper()
	var raw []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Text string `json:"text"`
		} `json:"elements"`
	}
	if len(m.Blocks) > 0 {
		if err := json.Unmarshal(m.Blocks, &raw); err != nil {
			t.Fatalf("blocks do not decode: %v: %s", err, m.Blocks)
		}
	}
	out := make([]messageBlock, 0, len(raw))
	for _, b := range raw {
		mb := messageBlock{Type: b.Type}
		if b.Text != nil {
			mb.Text = b.Text.Text
		}
		for _, e := range b.Elements {
			mb.Text += e.Text
		}
		out = append(out, mb)
	}
	return out
}

// ticketLineRE is one line of the ticket list: number, then status.
var ticketLineRE = regexp.MustCompile(`^#(\d+)  (.+?)  `)

// TestE2E_LongTicketListIsSplitOverMessagesWithinSlacksLimits: 300 open
// tickets are more than one message holds. /syncro answers with several
// messages, each within Slack's limits (50 blocks, 12,000 characters),
// the later ones naming their part ("part 2 of 3"); together they list
// every open ticket once and no closed one, by status, then newest first.
func TestE2E_LongTicketListIsSplitOverMessagesWithinSlacksLimits(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	statuses := []string{"New", "In Progress", "Waiting on Customer"}
	for i := range 300 {
		fx.srv.AddTicket(syncrotest.Ticket{Subject: fmt.Sprintf("Workstation %03d will not join the domain after the overnight update", i), Status: statuses[i%len(statuses)], CustomerID: customerNamed(t, fx.srv, "Acme Corp.").ID})
	}
	b := fx.start(ctx, t)

	seen := b.replies()
	b.slash(ctx, t, "")
	last := b.waitReply(ctx, t, seen, "(part 2 of ")
	n, _ := strconv.Atoi(regexp.MustCompile(`part 2 of (\d+)`).FindStringSubmatch(last.Text)[1])
	b.waitReply(ctx, t, seen, fmt.Sprintf("(part %d of %d)", n, n))

	msgs := b.f.Ephemerals(e2eUser)[seen:]
	if len(msgs) != n {
		t.Fatalf("%d messages, want the %d parts", len(msgs), n)
	}
	listed := map[string]int{}
	var order []string
	for i, m := range msgs {
		blocks := blocksOf(t, m.Message)
		chars := 0
		for j, bl := range blocks {
			chars += utf8.RuneCountInString(bl.Text)
			if i > 0 && j == 0 && !strings.Contains(bl.Text, fmt.Sprintf("(part %d of %d)", i+1, n)) {
				t.Errorf("message %d opens with %q, not its part", i+1, bl.Text)
			}
			if bl.Type != "section" {
				continue
			}
			for _, line := range strings.Split(bl.Text, "\n") {
				if mm := ticketLineRE.FindStringSubmatch(line); mm != nil {
					listed[mm[1]]++
					order = append(order, mm[1])
				}
			}
		}
		if len(blocks) > slackfmt.MaxBlocksPerMessage || chars > slackfmt.MaxMessageText {
			t.Errorf("message %d has %d blocks and %d characters, over Slack's %d and %d", i+1, len(blocks), chars, slackfmt.MaxBlocksPerMessage, slackfmt.MaxMessageText)
		}
	}

	byNumber := map[string]syncrotest.Ticket{}
	for _, tk := range b.srv.Tickets() {
		num := itoa64(tk.Number)
		byNumber[num] = tk
		switch open := !syncro.IsClosedStatus(tk.Status); {
		case open && listed[num] != 1:
			t.Errorf("open ticket #%s is listed %d times, want once", num, listed[num])
		case !open && listed[num] > 0:
			t.Errorf("#%s, %s, is listed", num, tk.Status)
		}
	}
	for i := 1; i < len(order); i++ {
		prev, cur := byNumber[order[i-1]], byNumber[order[i]]
		switch c := strings.Compare(strings.ToLower(prev.Status), strings.ToLower(cur.Status)); {
		case c > 0:
			t.Fatalf("#%d (%s) comes before #%d (%s): not by status", prev.Number, prev.Status, cur.Number, cur.Status)
		case c == 0 && prev.CreatedAt.Before(cur.CreatedAt):
			t.Fatalf("#%d comes before the newer #%d of the same status", prev.Number, cur.Number)
		}
	}
}
