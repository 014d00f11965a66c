package notice

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// rendered is everything a notice shows: its fallback text and its blocks
// as Slack receives them.
func rendered(t *testing.T, n Notice) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n.Blocks); err != nil {
		t.Fatal(err)
	}
	return n.Text + "\n" + b.String()
}

// mentions is Syncro text that would ping people if posted unescaped.
const mentions = "<!channel> & <@U0BOSS>"

func TestClosedFromSlack_ShowsCloserTimeAndResolution(t *testing.T) {
	t.Parallel()
	n := ClosedFromSlack(Ticket{ID: 7, Number: "32150", Subject: "Own cloud thing again", Customer: "Acme Corp.", URL: "https://x.syncromsp.com/tickets/7"},
		SlackClose{By: "Dana Whitfield", UserID: "U0DANA", Time: "30 min logged at close as Labor - Remote, 75 min in total", Resolution: "Re-linked.\nSyncs again."})
	if want := "Ticket #32150 closed by Dana Whitfield: Own cloud thing again"; n.Text != want {
		t.Errorf("text = %q, want %q", n.Text, want)
	}
	got := rendered(t, n)
	for _, want := range []string{
		`*Closed:* <https://x.syncromsp.com/tickets/7|#32150 Own cloud thing again>\n*Customer:* Acme Corp.\n*Closed by:* <@U0DANA>\n*Time:* 30 min logged at close as Labor - Remote, 75 min in total`,
		`> Re-linked.\n> Syncs again.`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notice lacks %s:\n%s", want, got)
		}
	}
	if n.TicketID != 7 {
		t.Errorf("TicketID = %d, want 7", n.TicketID)
	}
}

func TestBilledFromSlack_MentionsWhoBilledWithInvoiceAndTime(t *testing.T) {
	t.Parallel()
	n := BilledFromSlack(Ticket{ID: 8, Number: "32151", Subject: "Printer jams", Customer: "Acme Corp."},
		SlackBill{By: "Dana Whitfield", UserID: "U0DANA", Invoice: "#1681 (total 150.00)", Time: "60 min logged as Labor - Remote"})
	if want := "Ticket #32151 invoiced by Dana Whitfield: Printer jams"; n.Text != want {
		t.Errorf("text = %q, want %q", n.Text, want)
	}
	want := `*Invoiced:* #32151 Printer jams\n*Customer:* Acme Corp.\n*Invoiced by:* <@U0DANA>\n*Invoice:* #1681 (total 150.00)\n*Time:* 60 min logged as Labor - Remote`
	if got := rendered(t, n); !strings.Contains(got, want) {
		t.Errorf("notice lacks %s:\n%s", want, got)
	}
	if n.TicketID != 8 {
		t.Errorf("TicketID = %d, want 8", n.TicketID)
	}
	// Without a user id the name stands in, as text.
	if got := rendered(t, BilledFromSlack(Ticket{Number: "1"}, SlackBill{By: "Dana"})); !strings.Contains(got, "*Invoiced by:* Dana") || strings.Contains(got, "*Invoice:*") {
		t.Errorf("no user id, no invoice: %s", got)
	}
}

func TestClosedInSyncro_ShowsStatusAndTech(t *testing.T) {
	t.Parallel()
	n := ClosedInSyncro(Ticket{ID: 9, Number: "1001", Subject: "Printer jams"}, "Resolved", "Priya")
	if want := "Ticket #1001 closed (Resolved): Printer jams, (no customer)"; n.Text != want {
		t.Errorf("text = %q, want %q", n.Text, want)
	}
	got := rendered(t, n)
	for _, want := range []string{`*Closed:* #1001 Printer jams\n*Customer:* (no customer)\n*Status:* Resolved`, `Closed in Syncro · tech: Priya`} {
		if !strings.Contains(got, want) {
			t.Errorf("notice lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(rendered(t, ClosedInSyncro(Ticket{Number: "1"}, "Closed", "")), "tech:") {
		t.Error("a ticket without a tech names one")
	}
}

// Every value from Syncro or Slack is escaped in the blocks and in the
// fallback text alike, whichever path renders the notice.
func TestNotices_PingNobody(t *testing.T) {
	t.Parallel()
	tk := Ticket{ID: 1, Number: mentions, Subject: mentions, Customer: mentions, URL: "https://x.syncromsp.com/tickets/1"}
	for name, n := range map[string]Notice{
		"from Slack":     ClosedFromSlack(tk, SlackClose{By: mentions, UserID: mentions, Time: mentions, Resolution: mentions}),
		"bill":           BilledFromSlack(tk, SlackBill{By: mentions, UserID: "U0> <!channel", Invoice: mentions, Time: mentions}),
		"in Syncro":      ClosedInSyncro(tk, mentions, mentions),
		"summary":        OfflineSummary([]string{mentions}),
		"no closer name": ClosedFromSlack(tk, SlackClose{}),
	} {
		got := rendered(t, n)
		if strings.Contains(got, "<!") || strings.Contains(got, "<@") {
			t.Errorf("%s: notice would ping:\n%s", name, got)
		}
		if !strings.Contains(n.Text, "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;") {
			t.Errorf("%s: text %q lost the escaped value", name, n.Text)
		}
	}
}

func TestOfflineSummary_ListsThirtyNumbersThenCounts(t *testing.T) {
	t.Parallel()
	if got := OfflineSummary([]string{"5"}).Text; got != "While the bot was offline, 1 more ticket was closed: #5" {
		t.Errorf("one ticket: %q", got)
	}
	numbers := make([]string, maxSummaryNumbers+2)
	for i := range numbers {
		numbers[i] = fmt.Sprint(100 + i)
	}
	got := OfflineSummary(numbers)
	if want := fmt.Sprintf("While the bot was offline, %d more tickets were closed: #100, #101, ", len(numbers)); !strings.HasPrefix(got.Text, want) {
		t.Errorf("text = %q, want prefix %q", got.Text, want)
	}
	if !strings.HasSuffix(got.Text, "#129 and 2 more") || got.TicketID != 0 {
		t.Errorf("text = %q, TicketID %d; want the first 30 then a count, about no one ticket", got.Text, got.TicketID)
	}
}
