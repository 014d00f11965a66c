package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Customers through run (README, "customers", "customer", "customer
// create"): what a search shows of each customer, what the card costs
// Syncro, the pick list of a name several customers share, and Create
// anyway.

// syncroCallsDuring is the Syncro requests f set off, leaving out the
// watcher's poll (GET /tickets?since_updated_at=), which runs on its own
// clock.
func syncroCallsDuring(srv *syncrotest.Server, f func()) []string {
	before := len(srv.Requests())
	f()
	var calls []string
	for _, r := range srv.Requests()[before:] {
		if r.Path == "/tickets" && strings.Contains(r.Query, "since_updated_at") {
			continue
		}
		calls = append(calls, r.Method+" "+r.Path)
	}
	return calls
}

// TestE2E_CustomerSearchShowsMainContactEmailPhoneAndOpenTickets: each
// customer a search finds shows its main contact, email, phone and how
// many of its tickets are open.
func TestE2E_CustomerSearchShowsMainContactEmailPhoneAndOpenTickets(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	cu := fx.srv.AddCustomer(syncrotest.Customer{BusinessName: "Quillfeather Dental", FirstName: "Maren", LastName: "Solberg",
		Email: "office@quillfeather.example", Phone: "503-555-0142"})
	for _, status := range []string{"New", "In Progress", "Resolved"} {
		fx.srv.AddTicket(syncrotest.Ticket{Subject: "Chair camera " + status, Status: status, CustomerID: cu.ID})
	}
	b := fx.start(ctx, t)

	n := b.replies()
	b.slash(ctx, t, "customers quillfeather")
	got := replyText(b.waitReply(ctx, t, n, "Quillfeather Dental").Message)
	for _, want := range []string{"2 open tickets", "Maren Solberg", "office@quillfeather.example", "503-555-0142"} {
		if !strings.Contains(got, want) {
			t.Errorf("the search's entry lacks %q: %s", want, got)
		}
	}
}

// TestE2E_CustomerCardIsOneSyncroCall: the card of a customer typed by ID
// (business info, contacts, recent tickets, invoices) is one Syncro call,
// the customer's detail; typed by a name only it matches, one search
// more. Never a call per ticket or invoice.
func TestE2E_CustomerCardIsOneSyncroCall(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	acme := customerNamed(t, b.srv, "Acme Corp.")
	var acmeTicket int64
	for _, tk := range b.srv.Tickets() {
		if tk.CustomerID == acme.ID {
			acmeTicket = tk.Number
		}
	}
	if acmeTicket == 0 {
		t.Fatal("the seed gives Acme Corp. no ticket; pick another customer")
	}

	for _, tc := range []struct {
		typed string
		want  []string
	}{
		{itoa64(acme.ID), []string{"GET /customers/" + itoa64(acme.ID)}},
		{"Acme Corp.", []string{"GET /customers", "GET /customers/" + itoa64(acme.ID)}},
	} {
		var card slackfake.Ephemeral
		calls := syncroCallsDuring(b.srv, func() {
			n := b.replies()
			b.slash(ctx, t, "customer "+tc.typed)
			card = b.waitReply(ctx, t, n, "customer "+itoa64(acme.ID))
		})
		if strings.Join(calls, ", ") != strings.Join(tc.want, ", ") {
			t.Errorf("customer %s cost Syncro %q, want %q", tc.typed, calls, tc.want)
		}
		for _, want := range []string{"Recent tickets", "#" + itoa64(acmeTicket), "Invoices", "Contacts"} {
			if !strings.Contains(replyText(card.Message), want) {
				t.Errorf("customer %s: the card lacks %q", tc.typed, want)
			}
		}
	}
}

// TestE2E_CustomerNameOfSeveralGivesAPickList: a name two customers
// share gives a pick list, not one of them; Show on an entry gives that
// customer's card.
func TestE2E_CustomerNameOfSeveralGivesAPickList(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	marina := fx.srv.AddCustomer(syncrotest.Customer{BusinessName: "Harbor Lights Marina", City: "Astoria"})
	cafe := fx.srv.AddCustomer(syncrotest.Customer{BusinessName: "Harbor Lights Cafe", City: "Seaside"})
	b := fx.start(ctx, t)

	n := b.replies()
	b.slash(ctx, t, "customer harbor lights")
	pick := b.waitReply(ctx, t, n, "2 customers match")
	for _, want := range []string{"Harbor Lights Marina", "Astoria", "Harbor Lights Cafe", "Seaside"} {
		if !strings.Contains(replyText(pick.Message), want) {
			t.Errorf("the pick list lacks %q: %s", want, pick.Blocks)
		}
	}
	var show slackfake.Action
	for _, a := range buttonsNamed(t, pick.Blocks, customers.ActionCustomerShow) {
		if a.Value == itoa64(cafe.ID) {
			show = a
		}
	}
	if show.ActionID == "" {
		t.Fatalf("no Show button for the cafe (ID %d): %s", cafe.ID, pick.Blocks)
	}
	n = b.replies()
	b.click(ctx, t, pick, show)
	card := b.waitReply(ctx, t, n, "Harbor Lights Cafe (customer "+itoa64(cafe.ID)+")")
	if strings.Contains(replyText(card.Message), "Marina") {
		t.Errorf("the cafe's card shows the marina (ID %d): %s", marina.ID, card.Blocks)
	}
}

// buttonsNamed is every button with actionID in blocks, sections'
// accessories included.
func buttonsNamed(t *testing.T, blocks []byte, actionID string) []slackfake.Action {
	t.Helper()
	var out []slackfake.Action
	for _, s := range strings.Split(string(blocks), `"action_id":"`+actionID+`"`)[1:] {
		i := strings.Index(s, `"value":"`)
		if i < 0 {
			continue
		}
		v := s[i+len(`"value":"`):]
		out = append(out, slackfake.Action{ActionID: actionID, Value: v[:strings.IndexByte(v, '"')]})
	}
	return out
}

// customerCreateSubmission opens /syncro customer create and fills it
// with values (block id → text) and the customer type kind.
func (b *e2eBot) customerCreateSubmission(ctx context.Context, t *testing.T, kind string, values map[string]string) slackfake.ViewSubmission {
	t.Helper()
	seen := len(b.f.Views())
	b.slash(ctx, t, "customer create")
	var v slackfake.View
	if err := b.f.WaitUntil(ctx, func() bool {
		for _, x := range b.f.Views()[seen:] {
			if x.CallbackID == customers.CallbackCustomerCreate && !x.Closed {
				v = x
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no customer create form: %v", err)
	}
	vals := textValues(t, v.JSON)
	for block, value := range values {
		vals[block] = map[string]slackfake.Input{block: slackfake.TextInput(value)}
	}
	vals[customers.BlockCustType] = map[string]slackfake.Input{customers.BlockCustType: slackfake.StaticSelectInput(kind, kind)}
	return slackfake.ViewSubmission{UserID: e2eUser, ViewID: v.ID, CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, Values: vals}
}

// TestE2E_CreateAnywayCreatesTheLookalikeCustomerOnce: a new customer
// whose email an existing one has is not created at once: the bot names
// the lookalike, with Use this one and Create anyway. Create anyway,
// double-clicked, creates the customer once.
func TestE2E_CreateAnywayCreatesTheLookalikeCustomerOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	existing := b.srv.AddCustomer(syncrotest.Customer{BusinessName: "Larkspur Vet Clinic", Email: "desk@larkspurvet.example"})
	count := func() int {
		n := 0
		for _, cu := range b.srv.Customers() {
			if cu.BusinessName == "Larkspur Veterinary Hospital" {
				n++
			}
		}
		return n
	}

	n := b.replies()
	b.submitView(ctx, t, b.customerCreateSubmission(ctx, t, "Business", map[string]string{
		customers.BlockCustBusiness: "Larkspur Veterinary Hospital", customers.BlockCustEmail: existing.Email}))
	ask := b.waitReply(ctx, t, n, "Nothing created yet", "Larkspur Vet Clinic", "Use this one")
	if got := count(); got != 0 {
		t.Fatalf("%d customers created before Create anyway", got)
	}
	anyway := button(t, ask.Blocks, customers.ActionCustomerCreateAnyway)
	n = b.replies()
	b.click(ctx, t, ask, anyway)
	b.click(ctx, t, ask, anyway)
	b.waitReply(ctx, t, n, "Created customer Larkspur Veterinary Hospital")
	if err := b.f.WaitUntil(ctx, func() bool { return b.replies() >= n+2 }); err != nil {
		t.Fatalf("the second click got no answer: %v", err)
	}
	if got := count(); got != 1 {
		t.Errorf("Syncro holds %d customers named Larkspur Veterinary Hospital, want 1", got)
	}
}
