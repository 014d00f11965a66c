package tickets

import (
	"strconv"
	"strings"
	"testing"

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
