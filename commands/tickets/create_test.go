package tickets

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestCreate_SubmitCreatesTicketWithInitialIssue(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	var acme syncrotest.Customer
	for _, c := range f.Srv.Customers() {
		if c.BusinessName == "Acme Corp." {
			acme = c
		}
	}
	v := f.OpenModal(t, "create Scanner jammed")
	s := form(v, "V1", picked(commands.BlockCustomer, strconv.FormatInt(acme.ID, 10), "Acme Corp. (Wile Coyote)"),
		typed(commands.BlockContact, "rhonda"), typed(commands.BlockSubject, "Scanner jammed"),
		picked(commands.BlockProblemType, "Helpdesk", "Helpdesk"), picked(commands.BlockPriority, "1 High", "1 High"),
		picked(commands.BlockTech, strconv.FormatInt(syncrotest.UserTom, 10), "Tom Becker"), dated(commands.BlockDue, "2026-11-24"),
		typed(commands.BlockIssue, "Paper jam on every scan. ✋ مرحبا"))
	r, reqs := f.Submit(t, s)
	commandstest.Golden(t, "create_reply.golden", writeReplyJSON(t, r))
	if commandstest.CountReqs(reqs, "POST", "/tickets") != 1 || len(reqs) != 2 {
		t.Errorf("calls:%s", commandstest.ReqLines(reqs))
	}
	created, ok := f.Srv.TicketByNumber(32180)
	if !ok {
		t.Fatal("ticket #32180 not created")
	}
	if created.CustomerID != acme.ID || created.UserID != syncrotest.UserTom || created.Priority != "1 High" || created.ContactID == 0 {
		t.Errorf("ticket = %+v", created)
	}
	cs := f.Srv.Comments(created.ID)
	if len(cs) != 1 || cs[0].Subject != "Initial Issue" || cs[0].Body != "Paper jam on every scan. ✋ مرحبا" || !cs[0].DoNotEmail {
		t.Errorf("comments = %+v", cs)
	}
}

func TestCreate_UnknownContactStillCreates(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	v := f.OpenModal(t, "create")
	s := form(v, "V1", picked(commands.BlockCustomer, strconv.FormatInt(f.Ticket(t, 32150).CustomerID, 10), "Acme"),
		typed(commands.BlockContact, "Nobody Here"), typed(commands.BlockSubject, "Thing"))
	r, _ := f.Submit(t, s)
	if !strings.HasPrefix(r.Text, "Created #32180 for Acme Corp.: Thing") || !strings.Contains(r.Text, "No contact matching `Nobody Here`") {
		t.Errorf("reply = %q", r.Text)
	}
}

func TestSuggest_CustomerOptions(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	opts := f.C.Suggest(t.Context(), commands.Suggestion{Actor: commandstest.Dana, ActionID: commands.ActionCustomerSearch, BlockID: commands.BlockCustomer, Query: "acme"})
	var texts []string
	for _, o := range opts {
		texts = append(texts, o.Text.Text)
		if cmdline.RuneLen(o.Text.Text) > slackfmt.MaxOptionText || o.Value == "" {
			t.Errorf("option %+v", o)
		}
	}
	if len(opts) == 0 || len(opts) > slackfmt.MaxSelectOptions || !strings.Contains(strings.Join(texts, "|"), "Acme Corp. (Wile Coyote)") {
		t.Errorf("options = %q", texts)
	}
	if got := f.C.Suggest(t.Context(), commands.Suggestion{ActionID: commands.ActionCustomerSearch, Query: "a"}); len(got) != 0 {
		t.Errorf("one letter gave %d options", len(got))
	}
}

// TestCreate_UnconfirmedCreateReadBackTakesTheNewestWhateverTheListOrder:
// Syncro writes the ticket but answers 500, and its list comes oldest
// first (its order is UNCONFIRMED): the read back names the ticket just
// made, not a same-subject one of the customer's made minutes before in
// the web app.
func TestCreate_UnconfirmedCreateReadBackTakesTheNewestWhateverTheListOrder(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithTicketsOldestFirst())
	var acme syncrotest.Customer
	for _, c := range f.Srv.Customers() {
		if c.BusinessName == "Acme Corp." {
			acme = c
		}
	}
	earlier := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Scanner jammed", CustomerID: acme.ID, Status: "New",
		CreatedAt: syncrotest.SeedNow.Add(-5 * time.Minute)})
	f.Srv.Fail("POST", "/tickets", 1, syncrotest.FaultCommitThenFail)
	v := f.OpenModal(t, "create Scanner jammed")
	s := form(v, "V1", picked(commands.BlockCustomer, strconv.FormatInt(acme.ID, 10), "Acme Corp. (Wile Coyote)"),
		typed(commands.BlockSubject, "Scanner jammed"), typed(commands.BlockIssue, "Paper jam on every scan."))
	r, _ := f.Submit(t, s)
	var made syncrotest.Ticket
	for _, tk := range f.Srv.Tickets() {
		if tk.Subject == "Scanner jammed" && tk.ID != earlier.ID {
			made = tk
		}
	}
	if made.ID == 0 {
		t.Fatal("Syncro holds no new ticket")
	}
	text := replyText(r)
	if !strings.Contains(text, "#"+strconv.FormatInt(made.Number, 10)) || strings.Contains(text, "#"+strconv.FormatInt(earlier.Number, 10)) {
		t.Errorf("reply = %q; want the new #%d named, not the earlier #%d", text, made.Number, earlier.Number)
	}
}
