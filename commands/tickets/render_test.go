package tickets

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// blockTexts calls fn with every text object in blocks and the limit that
// applies to it, and returns how many characters of text the blocks hold.
func blockTexts(t *testing.T, blocks []slack.Block, fn func(what string, o *slack.TextBlockObject, limit int)) int {
	t.Helper()
	total := 0
	see := func(what string, o *slack.TextBlockObject, limit int) {
		if o == nil {
			return
		}
		total += utf8.RuneCountInString(o.Text)
		fn(what, o, limit)
	}
	for i, b := range blocks {
		where := fmt.Sprintf("block %d", i)
		switch b := b.(type) {
		case *slack.HeaderBlock:
			see(where+" header", b.Text, slackfmt.MaxHeaderText)
		case *slack.SectionBlock:
			see(where+" section", b.Text, slackfmt.MaxSectionText)
			if len(b.Fields) > slackfmt.MaxSectionFields {
				t.Errorf("%s: %d fields > %d", where, len(b.Fields), slackfmt.MaxSectionFields)
			}
			for j, f := range b.Fields {
				see(fmt.Sprintf("%s field %d", where, j), f, slackfmt.MaxSectionFieldText)
			}
		case *slack.ContextBlock:
			if len(b.ContextElements.Elements) > slackfmt.MaxContextElements {
				t.Errorf("%s: %d context elements", where, len(b.ContextElements.Elements))
			}
			for _, e := range b.ContextElements.Elements {
				if o, ok := e.(*slack.TextBlockObject); ok {
					see(where+" context", o, slackfmt.MaxSectionText)
				}
			}
		case *slack.ActionBlock:
			if len(b.Elements.ElementSet) > slackfmt.MaxActionsElements {
				t.Errorf("%s: %d elements", where, len(b.Elements.ElementSet))
			}
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					see(where+" button "+btn.ActionID, btn.Text, slackfmt.MaxButtonText)
					if len(btn.Value) > slackfmt.MaxButtonValue || len(btn.URL) > slackfmt.MaxButtonURL || len(btn.ActionID) > slackfmt.MaxActionID {
						t.Errorf("%s: button %s over a limit", where, btn.ActionID)
					}
				}
			}
		case *slack.DividerBlock:
		default:
			t.Errorf("%s: unexpected block type %T", where, b)
		}
	}
	return total
}

// checkReplyLimits fails t when any message of r breaks a Block Kit limit:
// block count, text lengths, or the total text Slack accepts per message.
func checkReplyLimits(t *testing.T, r commands.Reply) {
	t.Helper()
	msgs := append([]commands.Message{{Text: r.Text, Blocks: r.Blocks}}, r.More...)
	for i, m := range msgs {
		if len(m.Blocks) > slackfmt.MaxBlocksPerMessage {
			t.Errorf("message %d: %d blocks > %d", i+1, len(m.Blocks), slackfmt.MaxBlocksPerMessage)
		}
		if m.Text == "" && len(m.Blocks) > 0 {
			t.Errorf("message %d: blocks without a fallback text", i+1)
		}
		total := blockTexts(t, m.Blocks, func(what string, o *slack.TextBlockObject, limit int) {
			n := utf8.RuneCountInString(o.Text)
			if n > limit || n == 0 {
				t.Errorf("message %d %s: %d characters, limit %d", i+1, what, n, limit)
			}
			if !utf8.ValidString(o.Text) {
				t.Errorf("message %d %s: invalid UTF-8", i+1, what)
			}
			if o.Type == slack.MarkdownType {
				if !o.Verbatim {
					t.Errorf("message %d %s: mrkdwn without verbatim lets Slack link @channel", i+1, what)
				}
				checkEntities(t, o.Text)
			}
		})
		if total > slackfmt.MaxMessageText {
			t.Errorf("message %d: %d characters of block text > %d", i+1, total, slackfmt.MaxMessageText)
		}
	}
}

// checkEntities fails when an "&" in mrkdwn does not start one of the
// three entities Slack knows, i.e. an entity was cut or never escaped.
func checkEntities(t *testing.T, s string) {
	t.Helper()
	for i := range len(s) {
		if s[i] != '&' {
			continue
		}
		rest := s[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Errorf("bare or cut entity at %q", rest[:min(len(rest), 12)])
		}
	}
}

// checkNoMentions fails when any text of r could notify someone or inject
// markup: Slack's <!…>, <@…>, <#…> forms or a script tag.
func checkNoMentions(t *testing.T, r commands.Reply) {
	t.Helper()
	msgs := append([]commands.Message{{Text: r.Text, Blocks: r.Blocks}}, r.More...)
	for i, m := range msgs {
		texts := []string{m.Text}
		// plain_text is never parsed for mentions, so only mrkdwn counts.
		blockTexts(t, m.Blocks, func(_ string, o *slack.TextBlockObject, _ int) {
			if o.Type == slack.MarkdownType {
				texts = append(texts, o.Text)
			}
		})
		for _, s := range texts {
			if strings.Contains(s, "<!") || strings.Contains(s, "<@") || strings.Contains(s, "<#") || strings.Contains(strings.ToLower(s), "<script") {
				t.Errorf("message %d: markup reaches Slack: %q", i+1, s)
			}
		}
	}
}

func TestTicketLine_ExactFormatAndEscaped(t *testing.T) {
	t.Parallel()
	tk := syncro.Ticket{Number: "32164", Status: "New", CustomerBusinessThenName: "Jerry Burger", Subject: "Own cloud thing again"}
	if got, want := commands.TicketLine(&tk), "#32164  New  Jerry Burger  Own cloud thing again"; got != want {
		t.Errorf("ticketLine = %q, want %q", got, want)
	}
	tk = syncro.Ticket{Number: "1", Status: "In\nProgress", CustomerBusinessThenName: "<!channel> & co", Subject: "<@U123>  ping\tme"}
	if got, want := commands.TicketLine(&tk), "#1  In Progress  &lt;!channel&gt; &amp; co  &lt;@U123&gt; ping me"; got != want {
		t.Errorf("ticketLine = %q, want %q", got, want)
	}
	tk = syncro.Ticket{Number: "2"}
	if got, want := commands.TicketLine(&tk), "#2  -  -  -"; got != want {
		t.Errorf("empty ticketLine = %q, want %q", got, want)
	}
}

func TestCapMrkdwn_NeverCutsAnEntity(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("a", 10) + "&amp;" + "bbbb"
	for n := 1; n <= len(s)+1; n++ {
		got := commands.CapMrkdwn(s, n)
		if utf8.RuneCountInString(got) > n {
			t.Errorf("capMrkdwn(%d) = %q is too long", n, got)
		}
		if i := strings.IndexByte(got, '&'); i >= 0 && !strings.HasPrefix(got[i:], "&amp;") {
			t.Errorf("capMrkdwn(%d) = %q cuts the entity", n, got)
		}
	}
}

func TestDueDate_MidnightInTheAccountsZoneIsADay(t *testing.T) {
	t.Parallel()
	pst := time.FixedZone("", -8*3600)
	now := time.Date(2026, 11, 20, 16, 30, 0, 0, pst)
	for in, want := range map[time.Time]string{
		time.Date(2026, 12, 10, 0, 0, 0, 0, pst):      "Dec 10",
		time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC): "Dec 10",
		time.Date(2027, 1, 4, 0, 0, 0, 0, pst):        "Jan 4, 2027",
		time.Date(2026, 12, 10, 17, 0, 0, 0, pst):     "Dec 10, 5:00 PM",
	} {
		if got := ticketview.DueDate(syncro.Timestamp{Time: in}, now); got != want {
			t.Errorf("dueDate(%v) = %q, want %q", in, got, want)
		}
	}
	if got := ticketview.DueDate(syncro.Timestamp{}, now); got != "-" {
		t.Errorf("no due date = %q", got)
	}
}

func TestAccountTime(t *testing.T) {
	t.Parallel()
	pst := time.FixedZone("", -8*3600)
	now := time.Date(2026, 11, 20, 16, 30, 0, 0, pst)
	tests := []struct {
		in   syncro.Timestamp
		want string
	}{
		{syncro.Timestamp{}, "-"},
		{syncro.Timestamp{Time: time.Date(2026, 11, 18, 14, 5, 0, 0, pst)}, "Nov 18, 2:05 PM"},
		// The account's wall clock, not the bot's or UTC.
		{syncro.Timestamp{Time: time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("", 9*3600))}, "Jan 1, 12:30 AM"},
		{syncro.Timestamp{Time: time.Date(2025, 12, 31, 23, 59, 0, 0, pst)}, "Dec 31, 2025, 11:59 PM"},
		// A date-only due date has no time of day.
		{syncro.Timestamp{Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, "Dec 1"},
	}
	for _, tt := range tests {
		if got := ticketview.AccountTime(tt.in, now); got != tt.want {
			t.Errorf("accountTime(%v) = %q, want %q", tt.in.Time, got, tt.want)
		}
	}
}

func TestTicketButtonValue_RoundTrip(t *testing.T) {
	t.Parallel()
	v := ticketview.TicketButtonValue(108430087, 32150)
	if v != "108430087:32150" {
		t.Errorf("value = %q", v)
	}
	id, n, err := ticketview.ParseTicketButtonValue(v)
	if err != nil || id != 108430087 || n != 32150 {
		t.Errorf("parse = %d, %d, %v", id, n, err)
	}
	for _, bad := range []string{"", "32150", "a:b", "1:", ":2", "0:5", "-1:5", "1:2:3"} {
		if _, _, err := ticketview.ParseTicketButtonValue(bad); err == nil {
			t.Errorf("ParseTicketButtonValue(%q) accepted", bad)
		}
	}
}

func TestSplitReply_RespectsBlockAndTextLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines int
		width int
	}{
		{"many short lines", 2000, 20},
		{"long lines", 300, 400},
		{"one huge line", 1, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lines := make([]string, tt.lines)
			for i := range lines {
				lines[i] = fmt.Sprintf("#%d ", i) + strings.Repeat("x", tt.width)
			}
			r := commands.SplitReply("title", "a note", commands.PackLines(lines, "\n"))
			checkReplyLimits(t, r)
			got := len(replyLines(r))
			if got != tt.lines {
				t.Errorf("%d lines survived, want %d", got, tt.lines)
			}
		})
	}
}

func TestRenderTicket_TimeAndBilling(t *testing.T) {
	t.Parallel()
	pst := time.FixedZone("", -8*3600)
	at := func(h, m int) syncro.Timestamp {
		return syncro.Timestamp{Time: time.Date(2026, 11, 18, h, m, 0, 0, pst)}
	}
	remote, odd := int64(1190473), int64(777)
	liID := int64(5)
	tk := &syncro.Ticket{
		ID: 9, Number: "100", Subject: "s", Status: "In Progress",
		TicketTimers: []syncro.Timer{
			{ID: 1, StartTime: at(9, 0), EndTime: at(9, 45), ActiveDuration: 45 * 60, ProductID: &remote},
			{ID: 2, StartTime: at(10, 0), EndTime: at(11, 30), ActiveDuration: 90 * 60, BillableTime: 90 * 60, ProductID: &odd, Recorded: true, TicketLineItemID: &liID},
			{ID: 3, StartTime: at(12, 0), ProductID: &remote},
		},
		LineItems: []syncro.TicketLineItem{{ID: liID, Name: "Labor - Odd Jobs", Quantity: syncro.MoneyFromUnits(15000), PriceRetail: syncro.MoneyFromInt(100)}},
	}
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, pst)
	got := ticketview.TicketTimeText(tk, labor.Default(), now)
	for _, want := range []string{"• running since Nov 18, 12:00 PM · remote", "• 1h30m · Labor - Odd Jobs · Nov 18, 10:00 AM · charged", "• 45m · remote · Nov 18, 9:00 AM · not charged", "*Total: 2h15m*"} {
		if !strings.Contains(got, want) {
			t.Errorf("time text lacks %q:\n%s", want, got)
		}
	}
	bill := ticketview.TicketBillingText(tk, nil, "$")
	for _, want := range []string{"Not charged yet: 45m of time", "Charged, not invoiced: 1 line item totalling $150.00"} {
		if !strings.Contains(bill, want) {
			t.Errorf("billing text lacks %q:\n%s", want, bill)
		}
	}
	if got := ticketview.TicketBillingText(&syncro.Ticket{}, nil, "$"); got != "*Billing*\nNothing to bill." {
		t.Errorf("empty billing = %q", got)
	}
}

func TestTicketTimeText_ManyEntriesStayInOneSection(t *testing.T) {
	t.Parallel()
	tk := &syncro.Ticket{}
	for i := range 400 {
		start := syncro.Timestamp{Time: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)}
		tk.TicketTimers = append(tk.TicketTimers, syncro.Timer{ID: int64(i), StartTime: start, EndTime: syncro.Timestamp{Time: start.Add(time.Minute)}, ActiveDuration: 60})
	}
	got := ticketview.TicketTimeText(tk, labor.Default(), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if n := utf8.RuneCountInString(got); n > slackfmt.MaxSectionText {
		t.Errorf("%d characters", n)
	}
	if !strings.Contains(got, "more\n*Total: 6h40m*") {
		t.Errorf("no summary of the entries left out and the full total:\n…%s", got[len(got)-80:])
	}
}

// benchTickets is n open tickets with realistic field lengths.
func benchTickets(n int) []syncro.Ticket {
	statuses := []string{"New", "In Progress", "Waiting on Customer", "Customer Reply", "Scheduled"}
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.FixedZone("", -8*3600))
	out := make([]syncro.Ticket, n)
	for i := range out {
		out[i] = syncro.Ticket{
			ID: int64(108430000 + i), Number: syncro.Number(fmt.Sprint(32000 + i)),
			Status:                   statuses[i%len(statuses)],
			CustomerBusinessThenName: fmt.Sprintf("Customer & Sons %d", i%40),
			Subject:                  fmt.Sprintf("Outlook keeps asking for a password <again> on PC-%d", i),
			CreatedAt:                syncro.Timestamp{Time: base.Add(time.Duration(i) * time.Hour)},
		}
	}
	return out
}

func BenchmarkOpenTicketsRender(b *testing.B) {
	tickets := benchTickets(200)
	work := make([]syncro.Ticket, len(tickets))
	b.ReportAllocs()
	for b.Loop() {
		copy(work, tickets) // unsorted input each time, without allocating
		r := ticketview.RenderTicketList("200 open tickets", "", work)
		if len(r.Blocks) == 0 {
			b.Fatal("no blocks")
		}
	}
}

func TestInlineMrkdwn_FastPathAgreesWithSlowPath(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a", "Own cloud thing again", " lead", "trail ", "two  spaces", "tab\there", "new\nline", "a & b", "<!channel>", "x>y", "ünïcødé ok", "nbsp\u00a0here", "é"} {
		for _, n := range []int{1, 3, 10, 100} {
			want := slackfmt.MrkdwnText(strings.Join(strings.Fields(s), " "), n)
			if got := commands.InlineMrkdwn(s, n); got != want {
				t.Errorf("inlineMrkdwn(%q, %d) = %q, want %q", s, n, got, want)
			}
		}
	}
}

func TestCompareFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"New", "new", 0}, {"in progress", "New", -1}, {"Waiting", "Wait", 1}, {"", "a", -1}, {"Ärger", "zebra", 1},
	}
	for _, tt := range tests {
		if got := commands.CompareFold(tt.a, tt.b); got != tt.want {
			t.Errorf("compareFold(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// A comment with no text (time logged from the web UI, say) shows its
// header only: no "(empty)" placeholder, no empty quote.
func TestTicketCommentText_NoTextShowsTheHeaderOnly(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	c := &syncro.Comment{Subject: "Update", Tech: "Priya", Body: "  <p></p> "}
	c.CreatedAt.Time = now.Add(-time.Hour)
	got := ticketview.TicketCommentText(c, now)
	if strings.Contains(got, "(empty)") || strings.Contains(got, ">") {
		t.Errorf("comment without text rendered %q", got)
	}
	if !strings.Contains(got, "*Update*") {
		t.Errorf("comment header missing: %q", got)
	}
}
