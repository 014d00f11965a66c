package main

import (
	"context"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Who may do what (README, Configure: ALLOWED_USERS, BILLING_USERS,
// ADMIN_USERS and the user groups in them), as each person meets it.

// Two more techs in the home workspace. Their ids have the length of
// Slack's, which config checks; Dana's is too short to be listed.
const (
	e2eSam  = "U0SAMBECK"
	e2eLena = "U0LENAKOW"
)

// e2eGroup is the Slack user group the lists below name.
const e2eGroup = "S0BILLING"

// waitViewSayingTo waits until user has an open view holding want (a
// form, or the Loading modal filled with a sentence) and returns it.
func (b *e2eBot) waitViewSayingTo(ctx context.Context, t *testing.T, user, want string) slackfake.View {
	t.Helper()
	var found slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		for _, v := range b.f.OpenViews(user) {
			if strings.Contains(string(v.JSON), want) {
				found = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no open view to %s saying %q: %v; views %+v; stderr:\n%s", user, want, err, b.f.Views(), b.stderr.String())
	}
	return found
}

// rightsCheck is what one person meets asking to bill and to delete a
// contact, checked against what Syncro then holds.
type rightsCheck struct {
	b              *e2eBot
	ticket         syncrotest.Ticket
	contact        syncrotest.Contact
	billed, admins map[string]bool // Slack user → has the right
}

// check asks, as user, for the ticket card, the bill form and the
// contact's deletion, and fails where the answer is not the right's.
func (rc rightsCheck) check(ctx context.Context, t *testing.T, user string) {
	t.Helper()
	b := rc.b
	n := itoa64(rc.ticket.Number)
	seen := len(b.f.Ephemerals(user))
	b.slashAs(ctx, t, user, "ticket "+n)
	card := b.waitReplyTo(ctx, t, user, seen, "#"+n)
	if _, ok := buttonsIn(t, card.Blocks)[ticketview.ActionBill]; ok != rc.billed[user] {
		t.Errorf("%s: the card shows Make invoice: %v, want %v", user, ok, rc.billed[user])
	}

	b.slashAs(ctx, t, user, "bill "+n)
	if rc.billed[user] {
		b.waitViewSayingTo(ctx, t, user, `"callback_id":"`+commands.CallbackBill+`"`)
	} else {
		b.waitViewSayingTo(ctx, t, user, "Only techs allowed to bill")
	}

	seen = len(b.f.Ephemerals(user))
	b.slashAs(ctx, t, user, "contact delete "+itoa64(rc.contact.ID))
	if !rc.admins[user] {
		b.waitReplyTo(ctx, t, user, seen, "Only admins can delete contacts")
		return
	}
	confirm := b.waitReplyTo(ctx, t, user, seen, "Delete contact")
	if _, ok := buttonsIn(t, confirm.Blocks)[customers.ActionContactDeleteConfirm]; !ok {
		t.Errorf("%s: the confirmation has no Delete contact button: %s", user, confirm.Blocks)
	}
}

// TestE2E_BillingAndAdminRightsFollowTheirListsAndGroups: BILLING_USERS
// names a user group (Sam is in it, Dana is not); ADMIN_USERS either
// falls back to it or names Dana alone. Each meets the card's *Make
// invoice*, the bill form and a contact's deletion as their rights say,
// and a refusal writes nothing to Syncro. Without the usergroups:read
// scope nobody is a group member.
func TestE2E_BillingAndAdminRightsFollowTheirListsAndGroups(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		env            map[string]string
		noScope        bool
		billed, admins map[string]bool
	}{
		{name: "admins fall back to the billing group",
			env:    map[string]string{"BILLING_USERS": e2eGroup},
			billed: map[string]bool{e2eSam: true}, admins: map[string]bool{e2eSam: true}},
		{name: "admins listed on their own",
			env:    map[string]string{"BILLING_USERS": e2eGroup, "ADMIN_USERS": e2eLena},
			billed: map[string]bool{e2eSam: true}, admins: map[string]bool{e2eLena: true}},
		{name: "the group unreadable without usergroups:read",
			env: map[string]string{"BILLING_USERS": e2eGroup + "," + "U0NOBODY"}, noScope: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t)
			fx.f.AddUser(slackfake.User{ID: e2eSam, Name: "tom", RealName: "Tom Becker", Email: "tom@baylineit.com"})
			fx.f.AddUser(slackfake.User{ID: e2eLena, Name: "lena", RealName: "Lena Kowalski", Email: "lena@baylineit.com"})
			fx.f.SetUserGroup(e2eGroup, []string{e2eSam})
			if tc.noScope {
				fx.f.InjectFault("usergroups.users.list", slackfake.Fault{Error: slackfake.ErrCodeMissingScope, Times: 100})
			}
			for k, v := range tc.env {
				fx.env[k] = v
			}
			tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud)
			contact := fx.srv.Contacts(tk.CustomerID)[0]
			invoices := len(fx.srv.Invoices())
			b := fx.start(ctx, t)

			rc := rightsCheck{b: b, ticket: tk, contact: contact, billed: tc.billed, admins: tc.admins}
			for _, user := range []string{e2eUser, e2eSam, e2eLena} {
				rc.check(ctx, t, user)
			}
			if _, ok := b.srv.Contact(contact.ID); !ok {
				t.Errorf("contact %d is gone, though nobody confirmed its deletion", contact.ID)
			}
			if got := len(b.srv.Invoices()); got != invoices {
				t.Errorf("Syncro holds %d invoices, was %d", got, invoices)
			}
			if tc.noScope && !strings.Contains(b.stderr.String(), "usergroups:read") {
				t.Errorf("the log does not name the missing usergroups:read scope:\n%s", b.stderr.String())
			}
		})
	}
}

// TestE2E_AllowedUsersGroupAdmitsItsMembersOnly: ALLOWED_USERS names a
// user group; its member is served, anyone else is told they are not on
// the list, and their command never reaches Syncro.
func TestE2E_AllowedUsersGroupAdmitsItsMembersOnly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.f.AddUser(slackfake.User{ID: e2eSam, Name: "tom", RealName: "Tom Becker", Email: "tom@baylineit.com"})
	fx.f.SetUserGroup(e2eGroup, []string{e2eSam})
	fx.env["ALLOWED_USERS"] = e2eGroup
	b := fx.start(ctx, t)
	n := itoa64(syncrotest.SeedTicketPrinter)

	b.slashAs(ctx, t, e2eSam, "ticket "+n)
	b.waitReplyTo(ctx, t, e2eSam, 0, "#"+n)
	b.srv.ResetLog()
	b.slash(ctx, t, "ticket "+n)
	b.waitReply(ctx, t, 0, "not on the list of people allowed")
	if reqs := b.srv.Requests(); len(reqs) != 0 {
		t.Errorf("Dana's refused command reached Syncro: %+v", reqs)
	}
}
