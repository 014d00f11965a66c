package tickets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// readFixture is a Commands wired to a seeded in-memory Syncro whose clock,
// like the Commands' clock, reads syncrotest.SeedNow.
type readFixture struct {
	srv *syncrotest.Server
	c   *commands.Commands
	tk  *feature
}

// readWebURL is the Syncro web app base the fixture's "Open in Syncro"
// buttons point at.
const readWebURL = "https://bayline.syncromsp.com"

func newReadFixture(t *testing.T, opts ...syncrotest.Option) *readFixture {
	t.Helper()
	return newReadFixtureKey(t, syncrotest.DefaultAPIKey, opts...)
}

func newReadFixtureKey(t *testing.T, key string, opts ...syncrotest.Option) *readFixture {
	t.Helper()
	now := func() time.Time { return syncrotest.SeedNow }
	srv := syncrotest.NewServer(t, append([]syncrotest.Option{syncrotest.WithClock(now)}, opts...)...)
	client, err := syncro.NewClient(syncro.Config{
		BaseURL:       srv.URL(),
		APIKey:        syncro.APIKey(key),
		RatePerMinute: 100000,
		Sleep:         func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	c, tk := newCommands(t, commands.Deps{Syncro: client, Account: readAccount(t, client), WebURL: readWebURL, Now: now})
	return &readFixture{srv: srv, c: c, tk: tk}
}

// readAccount is the account's currency and labor names, read as a
// running bot reads them at start. A fixture on a key Syncro refuses reads
// nothing, like such a bot.
func readAccount(t *testing.T, client *syncro.Client) *account.Info {
	t.Helper()
	a := account.New(client, labor.Default(), nil)
	if err := a.Refresh(t.Context()); err != nil {
		t.Logf("account settings not read: %v", err)
	}
	return a
}

// marcus is the seed tech asking in most tests.
var marcus = commands.Actor{SlackUserID: "U0MARCUS", SlackTeamID: "T0BAYLINE", Name: "Marcus", Email: "marcus@baylineit.com", CanBill: true}

// slash runs "/syncro text" as actor with a fresh request log and returns
// the reply and the Syncro requests it made.
func (f *readFixture) slash(t *testing.T, actor commands.Actor, text string) (commands.Reply, []syncrotest.Request) {
	t.Helper()
	f.srv.ResetLog()
	r := f.c.Slash(t.Context(), commands.Request{Actor: actor, ChannelID: "C0TECHS", Text: text, EnvelopeID: "env-1"})
	return r, f.srv.Requests()
}

// replyJSON is the golden form of a reply: its text, visibility, blocks and
// further messages, indented, with "&amp;" kept readable.
func replyJSON(t *testing.T, r commands.Reply) []byte {
	t.Helper()
	v := struct {
		Text      string             `json:"text"`
		InChannel bool               `json:"in_channel"`
		Blocks    []slack.Block      `json:"blocks,omitempty"`
		More      []commands.Message `json:"more,omitempty"`
	}{r.Text, r.InChannel, r.Blocks, r.More}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// requestLines summarises a request log for failure messages.
func requestLines(reqs []syncrotest.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "\n  %s %s?%s → %d", r.Method, r.Path, r.Query, r.Status)
	}
	return b.String()
}

// openCount is how many seed tickets are open (not Resolved, Invoiced or
// Closed), counted from the server's state rather than hard-coded.
func openCount(srv *syncrotest.Server) int {
	n := 0
	for _, t := range srv.Tickets() {
		switch t.Status {
		case "Resolved", "Invoiced", "Closed":
		default:
			n++
		}
	}
	return n
}

func TestReadReplies_MatchGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		actor  commands.Actor
		text   string
		calls  int
	}{
		{"list_open.golden", marcus, "", 1},
		{"ticket_32150.golden", marcus, "ticket 32150", 2},
		{"ticket_32160_escaping.golden", marcus, "ticket #32160", 2},
		{"ticket_32170_long_comment.golden", marcus, "ticket 32170", 2},
		{"ticket_32145_billing.golden", marcus, "ticket 32145", 2},
		{"ticket_32120_invoiced.golden", marcus, "ticket 32120", 3},
		{"ticket_32151_no_bill_permission.golden", commands.Actor{Email: "priya@baylineit.com"}, "ticket 32151", 2},
		{"search_printer.golden", marcus, "search printer", 1},
		{"search_pingers.golden", marcus, "search pingers", 1},
		{"customers_acme.golden", marcus, "customers acme", 2},
		{"customers_pingers.golden", marcus, "customers pingers", 2},
		{"mine_marcus.golden", marcus, "mine", 4},
		{"error_ticket_not_found.golden", marcus, "ticket 99999", 1},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			f := newReadFixture(t)
			r, reqs := f.slash(t, tt.actor, tt.text)
			if r.InChannel {
				t.Errorf("reply is visible to the channel; read replies must be ephemeral")
			}
			if len(reqs) != tt.calls {
				t.Errorf("Syncro calls = %d, want %d:%s", len(reqs), tt.calls, requestLines(reqs))
			}
			checkReplyLimits(t, r)
			checkNoMentions(t, r)
			commandstest.Golden(t, tt.golden, replyJSON(t, r))
		})
	}
}

func TestOpenTickets_ListsEveryOpenTicketInOrder(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, _ := f.slash(t, marcus, "")
	want := openCount(f.srv)
	if r.Text != fmt.Sprintf("%d open tickets", want) {
		t.Errorf("Text = %q, want the count of %d open tickets", r.Text, want)
	}
	lines := replyLines(r)
	if len(lines) != want {
		t.Fatalf("%d ticket lines, want %d:\n%s", len(lines), want, strings.Join(lines, "\n"))
	}
	// Exact line format for a known seed ticket.
	if !containsLine(lines, "#32150  In Progress  Acme Corp.  Own cloud thing again") {
		t.Errorf("no exact line for #32150 in:\n%s", strings.Join(lines, "\n"))
	}
	// Statuses ascend; within a status, numbers (which follow creation in
	// the seed) descend.
	re := regexp.MustCompile(`^#(\d+)  (.+?)  `)
	prevStatus, prevNum := "", ""
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q is not a summary line", l)
		}
		if m[2] < prevStatus || (m[2] == prevStatus && m[1] > prevNum) {
			t.Errorf("line %q out of order after status %q #%s", l, prevStatus, prevNum)
		}
		prevStatus, prevNum = m[2], m[1]
	}
}

// Syncro's "Not Closed" filter has been seen to return Invoiced tickets.
// "Open" means one thing everywhere (syncro.IsClosedStatus): the list,
// mine and the customers' open counts never show an invoiced ticket as
// open, whatever the filter returns.
func TestOpenTickets_InvoicedIsNeverOpenEvenWhenNotClosedReturnsIt(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t, syncrotest.WithNotClosedReturning("Invoiced", "Resolved"))
	want := openCount(f.srv)
	for _, tc := range []struct {
		actor commands.Actor
		text  string
	}{{marcus, ""}, {marcus, "mine"}, {marcus, "customers smith"}} {
		r, reqs := f.slash(t, tc.actor, tc.text)
		all := r.Text + "\n" + strings.Join(replyLines(r), "\n")
		for _, tk := range f.srv.Tickets() {
			if syncro.IsClosedStatus(tk.Status) && strings.Contains(all, fmt.Sprintf("#%d ", tk.Number)) {
				t.Errorf("/syncro %s shows %s ticket #%d as open:\n%s%s", tc.text, tk.Status, tk.Number, all, requestLines(reqs))
			}
		}
		if tc.text == "" && r.Text != fmt.Sprintf("%d open tickets", want) {
			t.Errorf("/syncro counts %q, want %d open tickets", r.Text, want)
		}
	}
}

func TestOpenTickets_SplitsAcrossMessagesWithinLimits(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	cust := f.srv.Customers()[0]
	long := strings.Repeat("Outlook & <calendar> sync broken ", 10) // escapes grow it
	for i := range 250 {
		f.srv.AddTicket(syncrotest.Ticket{
			Subject:    fmt.Sprintf("%d %s", i, long),
			CustomerID: cust.ID,
			Status:     "In Progress",
			CreatedAt:  syncrotest.SeedNow.Add(-time.Duration(i) * time.Minute),
		})
	}
	r, reqs := f.slash(t, marcus, "")
	want := openCount(f.srv)
	if calls := (want + 99) / 100; len(reqs) != calls {
		t.Errorf("Syncro calls = %d, want one per 100 open tickets (%d):%s", len(reqs), calls, requestLines(reqs))
	}
	if len(r.More) == 0 {
		t.Fatalf("%d long lines fit one message; want a split", want)
	}
	checkReplyLimits(t, r)
	if got := len(replyLines(r)); got != want {
		t.Errorf("%d lines across %d messages, want %d (no line lost or doubled)", got, 1+len(r.More), want)
	}
	for i, m := range r.More {
		wantText := fmt.Sprintf("%d open tickets (part %d of %d)", want, i+2, 1+len(r.More))
		if m.Text != wantText {
			t.Errorf("message %d text = %q, want %q", i+2, m.Text, wantText)
		}
	}
}

// TestOpenTickets_SplitGolden keeps one split reply (the seed plus 60
// tickets with 250-character subjects) under review as a golden file.
func TestOpenTickets_SplitGolden(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	cust := f.srv.Customers()[2] // Smith & Sons: "&" must stay one entity across cuts
	for i := range 60 {
		f.srv.AddTicket(syncrotest.Ticket{
			Subject:    fmt.Sprintf("Long subject %02d ", i) + strings.Repeat("x", 230),
			CustomerID: cust.ID,
			Status:     "Scheduled",
			CreatedAt:  syncrotest.SeedNow.Add(-time.Duration(i) * time.Hour),
		})
	}
	r, _ := f.slash(t, marcus, "")
	if len(r.More) == 0 {
		t.Fatal("want a split")
	}
	checkReplyLimits(t, r)
	commandstest.Golden(t, "list_open_split.golden", replyJSON(t, r))
}

func TestOpenTickets_NoneOpen(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t, syncrotest.WithSeed(false))
	r, reqs := f.slash(t, marcus, "")
	if r.Text != "No open tickets in Syncro." || len(r.Blocks) != 0 || len(reqs) != 1 {
		t.Errorf("reply = %+v after %d calls", r, len(reqs))
	}
}

func TestTicket_BadInput(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	tests := []struct {
		name, text string
		want       string // substring of the reply text
		calls      int
	}{
		{"non-numeric", "ticket abc", "isn't a ticket number", 0},
		{"missing number", "ticket", "Usage", 0},
		{"zero", "ticket 0", "ticket number", 0},
		{"unknown number", "ticket 99999", "Ticket #99999 doesn't exist in Syncro.", 1},
		{"hash and spaces", "ticket   #99998", "Ticket #99998 doesn't exist in Syncro.", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reqs := f.slash(t, marcus, tt.text)
			if !strings.Contains(r.Text, tt.want) {
				t.Errorf("reply = %q, want it to contain %q", r.Text, tt.want)
			}
			if len(reqs) != tt.calls {
				t.Errorf("Syncro calls = %d, want %d:%s", len(reqs), tt.calls, requestLines(reqs))
			}
			if len(r.Blocks) != 0 {
				t.Errorf("an error reply has blocks: %+v", r.Blocks)
			}
		})
	}
}

func TestTicket_ButtonsCarryIDAndNumber(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	seed, ok := f.srv.TicketByNumber(syncrotest.SeedTicketOwnCloud)
	if !ok {
		t.Fatal("seed ticket missing")
	}
	r, _ := f.slash(t, marcus, "ticket 32150")
	var actions *slack.ActionBlock
	for _, b := range r.Blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			actions = a
		}
	}
	if actions == nil {
		t.Fatal("no actions block")
	}
	want := map[string]bool{ticketview.ActionLogTime: true, ticketview.ActionClose: true, ticketview.ActionBill: true, ticketview.ActionOpenInSyncro: true}
	for _, el := range actions.Elements.ElementSet {
		btn, ok := el.(*slack.ButtonBlockElement)
		if !ok {
			t.Fatalf("element %T is not a button", el)
		}
		delete(want, btn.ActionID)
		id, number, err := ticketview.ParseTicketButtonValue(btn.Value)
		if err != nil || id != seed.ID || number != seed.Number {
			t.Errorf("%s value %q = (%d, %d, %v), want (%d, %d)", btn.ActionID, btn.Value, id, number, err, seed.ID, seed.Number)
		}
		if btn.ActionID == ticketview.ActionOpenInSyncro && btn.URL != fmt.Sprintf("%s/tickets/%d", readWebURL, seed.ID) {
			t.Errorf("Open in Syncro URL = %q", btn.URL)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing buttons: %v", want)
	}
}

func TestTicket_NoWebURLHidesOpenInSyncro(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	f.tk.cfg.WebURL = ""
	r, _ := f.slash(t, marcus, "ticket 32150")
	if js := string(replyJSON(t, r)); strings.Contains(js, ticketview.ActionOpenInSyncro) {
		t.Errorf("Open in Syncro shown without a WebURL")
	}
}

func TestTicket_CommentsAreNewestFirstAndBounded(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	seed, _ := f.srv.TicketByNumber(syncrotest.SeedTicketPrinter)
	for i := range 8 {
		if _, err := f.srv.AddComment(syncrotest.Comment{
			TicketID: seed.ID, Subject: fmt.Sprintf("Note %d", i), Body: strings.Repeat("word ", 300),
			UserID: syncrotest.UserTom, Tech: "Tom Becker",
			CreatedAt: syncrotest.SeedNow.Add(-time.Duration(10-i) * time.Minute),
		}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := f.slash(t, marcus, "ticket 32151")
	checkReplyLimits(t, r)
	js := string(replyJSON(t, r))
	for i := 3; i < 8; i++ {
		if !strings.Contains(js, fmt.Sprintf("*Note %d*", i)) {
			t.Errorf("latest comment Note %d missing", i)
		}
	}
	if strings.Contains(js, "*Note 2*") {
		t.Errorf("a sixth comment is shown")
	}
	if strings.Index(js, "*Note 7*") > strings.Index(js, "*Note 3*") {
		t.Errorf("comments are not newest first")
	}
	if want := fmt.Sprintf("(latest 5 of %d)", len(f.srv.Comments(seed.ID))); !strings.Contains(js, want) {
		t.Errorf("no count of the comments left out")
	}
	if !strings.Contains(js, "word"+slackfmt.Ellipsis) {
		t.Errorf("long comment not cut with an ellipsis")
	}
}

// A search lists the tickets that still need work before the done ones.
func TestSearch_OpenTicketsBeforeClosedOnes(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, _ := f.slash(t, marcus, "search printer")
	lines := replyLines(r)
	seenClosed := false
	for _, l := range lines {
		fields := strings.SplitN(l, "  ", 3)
		if len(fields) < 2 {
			t.Fatalf("line %q is not a summary line", l)
		}
		closed := syncro.IsClosedStatus(fields[1])
		if !closed && seenClosed {
			t.Errorf("open ticket %q listed after a closed one:\n%s", l, strings.Join(lines, "\n"))
		}
		seenClosed = seenClosed || closed
	}
	if !seenClosed {
		t.Fatalf("the search found no closed ticket; the test needs both:\n%s", strings.Join(lines, "\n"))
	}
}

func TestSearch_Input(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	cust := f.srv.Customers()[5]
	f.srv.AddTicket(syncrotest.Ticket{Subject: "המדפסת לא עובדת 🖨️", CustomerID: cust.ID, CreatedAt: syncrotest.SeedNow})
	f.srv.AddTicket(syncrotest.Ticket{Subject: "Printer 🖨️ jammed again", CustomerID: cust.ID, CreatedAt: syncrotest.SeedNow})
	tests := []struct {
		name, text string
		query      string // what Syncro should receive; "" when no call is made
		wantText   string // "" means the count line computed from the server
	}{
		{"words", "search printer offline", "printer offline", ""},
		{"no match", "search zebra unicorn", "zebra unicorn", "No tickets match “zebra unicorn”."},
		{"emoji", "search 🖨️", "🖨️", ""},
		{"rtl", "search המדפסת", "המדפסת", ""},
		{"mention markup finds the customer, escaped", "search <!channel>", "<!channel>", ""},
		{"slack-escaped mention is decoded first", "search &lt;!channel&gt;", "<!channel>", ""},
		{"quotes and extra spaces", `search   "printer   offline"`, "printer offline", ""},
		{"missing words", "search", "", "Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reqs := f.slash(t, marcus, tt.text)
			if tt.query == "" {
				if !strings.Contains(r.Text, tt.wantText) || len(reqs) != 0 {
					t.Errorf("Text = %q after %d calls", r.Text, len(reqs))
				}
				return
			}
			if len(reqs) != 1 {
				t.Fatalf("Syncro calls = %d, want 1:%s", len(reqs), requestLines(reqs))
			}
			if got := reqs[0].Query; !strings.Contains(got, "query="+url.QueryEscape(tt.query)) {
				t.Errorf("Syncro query %q, want query=%q", got, tt.query)
			}
			want := matchingTickets(f.srv, tt.query)
			wantText := tt.wantText
			if wantText == "" {
				if want == 0 {
					t.Fatalf("no seed ticket matches %q; the case tests nothing", tt.query)
				}
				wantText = commands.CountNoun(want, "ticket", "tickets") + " matching “" + slackfmt.EscapeMrkdwn(tt.query) + "”"
			}
			if r.Text != wantText {
				t.Errorf("Text = %q, want %q", r.Text, wantText)
			}
			if got := len(replyLines(r)); got != want {
				t.Errorf("%d result lines, want %d", got, want)
			}
			checkReplyLimits(t, r)
			checkNoMentions(t, r)
		})
	}
}

// matchingTickets counts the tickets whose subject or customer contains q,
// ignoring case: what Syncro's query search finds.
func matchingTickets(srv *syncrotest.Server, q string) int {
	q = strings.ToLower(q)
	names := map[int64]string{}
	for _, c := range srv.Customers() {
		names[c.ID] = strings.ToLower(c.BusinessName + "\n" + c.FirstName + " " + c.LastName)
	}
	n := 0
	for _, t := range srv.Tickets() {
		if strings.Contains(strings.ToLower(t.Subject), q) || strings.Contains(names[t.CustomerID], q) {
			n++
		}
	}
	return n
}

func TestCustomers_CountsOpenTicketsFromOneListing(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, reqs := f.slash(t, marcus, "customers smith")
	if n := f.srv.Count("GET", "/customers"); n != 1 {
		t.Errorf("customer searches = %d, want 1", n)
	}
	if n := f.srv.Count("GET", "/tickets"); n != 1 {
		t.Errorf("ticket listings = %d, want 1 (open counts from one listing):%s", n, requestLines(reqs))
	}
	// Expected counts straight from the server's state.
	for _, c := range f.srv.Customers() {
		if !strings.Contains(strings.ToLower(c.BusinessName), "smith") {
			continue
		}
		n := 0
		for _, t := range f.srv.Tickets() {
			if t.CustomerID == c.ID && t.Status != "Resolved" && t.Status != "Invoiced" && t.Status != "Closed" {
				n++
			}
		}
		want := fmt.Sprintf("*%s* · %s", slackfmt.EscapeMrkdwn(c.BusinessName), commands.CountNoun(n, "open ticket", "open tickets"))
		if !strings.Contains(string(replyJSON(t, r)), want) {
			t.Errorf("no %q in the reply", want)
		}
	}
}

func TestCustomers_Input(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	f.srv.AddCustomer(syncrotest.Customer{BusinessName: "מרפאת השן 🦷", FirstName: "Dana", LastName: "Levi", Email: "dana@dental.example"})
	tests := []struct {
		name, text string
		wantText   string
		calls      int
	}{
		{"no match needs no ticket listing", "customers zzzz-nobody", "No customers match “zzzz-nobody”.", 1},
		{"emoji", "customers 🦷", "1 customer matching “🦷”", 2},
		{"rtl", "customers מרפאת", "1 customer matching “מרפאת”", 2},
		{"mention markup", "customers &lt;!channel&gt;", "1 customer matching “&lt;!channel&gt;”", 2},
		{"missing words outside a linked channel", "customers", "Type some words of the customer's name, email or phone: `/syncro customers acme`. In a channel linked to a customer, `/syncro customers` alone shows that customer.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reqs := f.slash(t, marcus, tt.text)
			if r.Text != tt.wantText && !(tt.wantText == "Usage" && strings.Contains(r.Text, "Usage")) {
				t.Errorf("Text = %q, want %q", r.Text, tt.wantText)
			}
			if len(reqs) != tt.calls {
				t.Errorf("Syncro calls = %d, want %d:%s", len(reqs), tt.calls, requestLines(reqs))
			}
			if r.InChannel {
				t.Errorf("customer data shown to the channel")
			}
			checkReplyLimits(t, r)
			checkNoMentions(t, r)
		})
	}
}

func TestMine_FindsTechByEmailAndCaches(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	// Users are listed in id order: Dana, Marcus, Priya, Tom, Lena.
	steps := []struct {
		name  string
		email string
		calls int // list users + user lookups + tickets
	}{
		{"first time: list, Dana, Marcus, tickets", "marcus@baylineit.com", 1 + 2 + 1},
		{"cached", "marcus@baylineit.com", 1},
		{"cached ignoring case", " Marcus@BaylineIT.com ", 1},
		{"another tech learned by the first scan", "dana@baylineit.com", 1},
		{"a new tech skips users already fetched", "lena@baylineit.com", 1 + 3 + 1},
		{"no match scans the rest", "nobody@elsewhere.example", 1},
		{"a recent miss needs no call", "nobody@elsewhere.example", 0},
	}
	for _, s := range steps {
		r, reqs := f.slash(t, commands.Actor{Email: s.email}, "mine")
		if len(reqs) != s.calls {
			t.Errorf("%s: Syncro calls = %d, want %d:%s", s.name, len(reqs), s.calls, requestLines(reqs))
		}
		if strings.HasPrefix(s.email, "nobody") {
			if r.Text != "I couldn't match your Slack email (nobody@elsewhere.example) to a Syncro tech." {
				t.Errorf("%s: reply %q", s.name, r.Text)
			}
			continue
		}
		checkReplyLimits(t, r)
	}
}

func TestMine_ListsOnlyTheTechsOpenTickets(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, _ := f.slash(t, marcus, "mine")
	want := 0
	for _, t := range f.srv.Tickets() {
		if t.UserID == syncrotest.UserMarcus && t.Status != "Resolved" && t.Status != "Invoiced" && t.Status != "Closed" {
			want++
		}
	}
	if got := len(replyLines(r)); got != want || want == 0 {
		t.Errorf("%d lines, want Marcus's %d open tickets", got, want)
	}
	if r.Text != fmt.Sprintf("%d open tickets assigned to you", want) {
		t.Errorf("Text = %q", r.Text)
	}
}

func TestMine_WithoutEmail(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, reqs := f.slash(t, commands.Actor{SlackUserID: "U0NOMAIL"}, "mine")
	if !strings.Contains(r.Text, "didn't share your email") || len(reqs) != 0 {
		t.Errorf("reply %q after %d calls", r.Text, len(reqs))
	}
}

func TestMine_NothingAssigned(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, _ := f.slash(t, commands.Actor{Email: "dana@baylineit.com"}, "mine")
	for _, t := range f.srv.Tickets() {
		if t.UserID == syncrotest.UserDana && t.Status != "Resolved" && t.Status != "Invoiced" && t.Status != "Closed" {
			return // Dana has open tickets in this seed; nothing to check
		}
	}
	if r.Text != "You have no open tickets assigned in Syncro." {
		t.Errorf("reply %q", r.Text)
	}
}

// syncroSideRE is the sentence for Syncro failing (a 5xx after the
// retries): an apology naming Syncro's side, its status and an error id,
// and no detail.
var syncroSideRE = regexp.MustCompile(`^Sorry, I couldn't [^.]+\. Syncro had a problem on its side \(it answered 500\); try again in a few minutes \(error id [0-9a-f]{8}\)\.$`)

func TestRead_SyncroErrorsBecomeSentences(t *testing.T) {
	t.Parallel()
	texts := []string{"", "ticket 32150", "search printer", "customers acme", "mine"}
	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		f := newReadFixtureKey(t, "not-the-key")
		for _, text := range texts {
			r, _ := f.slash(t, marcus, text)
			if r.Text != "Syncro rejected the API key — ask whoever runs the bot." || len(r.Blocks) != 0 {
				t.Errorf("%q: reply %q", text, r.Text)
			}
		}
	})
	t.Run("server error", func(t *testing.T) {
		t.Parallel()
		f := newReadFixture(t)
		for _, text := range texts {
			f.srv.Fail("*", "/**", 1000, syncrotest.FaultServerError)
			r, _ := f.slash(t, marcus, text)
			f.srv.ClearFaults()
			if !syncroSideRE.MatchString(r.Text) || len(r.Blocks) != 0 {
				t.Errorf("%q: reply %q", text, r.Text)
			}
		}
	})
	t.Run("server error on the second call", func(t *testing.T) {
		t.Parallel()
		f := newReadFixture(t)
		seed, _ := f.srv.TicketByNumber(syncrotest.SeedTicketOwnCloud)
		f.srv.Fail("GET", fmt.Sprintf("/tickets/%d", seed.ID), 1000, syncrotest.FaultServerError)
		r, _ := f.slash(t, marcus, "ticket 32150")
		if r.Text == "" || !strings.HasPrefix(r.Text, "Sorry, I couldn't show ticket #32150.") {
			t.Errorf("reply %q", r.Text)
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		t.Parallel()
		f := newReadFixture(t)
		f.srv.Fail("*", "/**", 1000, syncrotest.FaultRateLimit)
		r, _ := f.slash(t, marcus, "search printer")
		if !strings.Contains(r.Text, "rate limiting") {
			t.Errorf("reply %q", r.Text)
		}
	})
}

func TestHelp_ListingAndOneSubcommand(t *testing.T) {
	t.Parallel()
	f := newReadFixture(t)
	r, reqs := f.slash(t, marcus, "help")
	if len(reqs) != 0 || len(r.Blocks) != len(cmdline.HelpBlocks()) {
		t.Errorf("help: %d blocks after %d calls", len(r.Blocks), len(reqs))
	}
	r, _ = f.slash(t, marcus, "help comment")
	if !strings.Contains(r.Text, "/syncro comment N") || len(r.Blocks) != 1 {
		t.Errorf("help comment: %q", r.Text)
	}
	r, _ = f.slash(t, marcus, "help tickt")
	if !strings.Contains(r.Text, "Did you mean `ticket`?") {
		t.Errorf("help tickt: %q", r.Text)
	}
}

// replyLines returns the summary lines ("#…") of every message of a reply.
func replyLines(r commands.Reply) []string {
	var out []string
	each := func(blocks []slack.Block) {
		for _, b := range blocks {
			s, ok := b.(*slack.SectionBlock)
			if !ok || s.Text == nil {
				continue
			}
			for _, l := range strings.Split(s.Text.Text, "\n") {
				if strings.HasPrefix(l, "#") {
					out = append(out, l)
				}
			}
		}
	}
	each(r.Blocks)
	for _, m := range r.More {
		each(m.Blocks)
	}
	return out
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
