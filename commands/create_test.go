package commands

import (
	"strconv"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func TestCreate_SubmitCreatesTicketWithInitialIssue(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	var acme syncrotest.Customer
	for _, c := range f.srv.Customers() {
		if c.BusinessName == "Acme Corp." {
			acme = c
		}
	}
	v := f.openModal(t, "create Scanner jammed")
	s := form(v, "V1", picked(BlockCustomer, strconv.FormatInt(acme.ID, 10), "Acme Corp. (Wile Coyote)"),
		typed(BlockContact, "rhonda"), typed(BlockSubject, "Scanner jammed"),
		picked(BlockProblemType, "Helpdesk", "Helpdesk"), picked(BlockPriority, "1 High", "1 High"),
		picked(BlockTech, strconv.FormatInt(syncrotest.UserTom, 10), "Tom Becker"), dated(BlockDue, "2026-11-24"),
		typed(BlockIssue, "Paper jam on every scan. ✋ مرحبا"))
	r, reqs := f.submit(t, s)
	golden(t, "create_reply.golden", writeReplyJSON(t, r))
	if countReqs(reqs, "POST", "/tickets") != 1 || len(reqs) != 2 {
		t.Errorf("calls:%s", reqLines(reqs))
	}
	created, ok := f.srv.TicketByNumber(32180)
	if !ok {
		t.Fatal("ticket #32180 not created")
	}
	if created.CustomerID != acme.ID || created.UserID != syncrotest.UserTom || created.Priority != "1 High" || created.ContactID == 0 {
		t.Errorf("ticket = %+v", created)
	}
	cs := f.srv.Comments(created.ID)
	if len(cs) != 1 || cs[0].Subject != "Initial Issue" || cs[0].Body != "Paper jam on every scan. ✋ مرحبا" || !cs[0].DoNotEmail {
		t.Errorf("comments = %+v", cs)
	}
}

func TestCreate_UnknownContactStillCreates(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	v := f.openModal(t, "create")
	s := form(v, "V1", picked(BlockCustomer, strconv.FormatInt(f.ticket(t, 32150).CustomerID, 10), "Acme"),
		typed(BlockContact, "Nobody Here"), typed(BlockSubject, "Thing"))
	r, _ := f.submit(t, s)
	if !strings.HasPrefix(r.Text, "Created #32180 for Acme Corp.: Thing") || !strings.Contains(r.Text, "No contact matching `Nobody Here`") {
		t.Errorf("reply = %q", r.Text)
	}
}

func TestSuggest_CustomerOptions(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	opts := f.c.Suggest(t.Context(), Suggestion{Actor: dana, ActionID: ActionCustomerSearch, BlockID: BlockCustomer, Query: "acme"})
	var texts []string
	for _, o := range opts {
		texts = append(texts, o.Text.Text)
		if runeLen(o.Text.Text) > slackfmt.MaxOptionText || o.Value == "" {
			t.Errorf("option %+v", o)
		}
	}
	if len(opts) == 0 || len(opts) > slackfmt.MaxSelectOptions || !strings.Contains(strings.Join(texts, "|"), "Acme Corp. (Wile Coyote)") {
		t.Errorf("options = %q", texts)
	}
	if got := f.c.Suggest(t.Context(), Suggestion{ActionID: ActionCustomerSearch, Query: "a"}); len(got) != 0 {
		t.Errorf("one letter gave %d options", len(got))
	}
}

func TestCustomerLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range [][3]string{
		{"Acme", "Wile Coyote", "Acme (Wile Coyote)"},
		{"Acme", "(empty)", "Acme"},
		{"", "Tomás Rivera", "Tomás Rivera"},
	} {
		if got := customerLabel(tc[0], tc[1]); got != tc[2] {
			t.Errorf("customerLabel(%q, %q) = %q", tc[0], tc[1], got)
		}
	}
}
