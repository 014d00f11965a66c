package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Who the bot refuses (README, Security: who is refused, and why), each
// as the person meets it and as Syncro then stands: a refused command
// reads nothing there.

// TestE2E_DeactivatedBotUnverifiedAndNamelessAreRefused: a deactivated
// account, a bot user, someone users.info cannot describe and a payload
// naming no workspace each ask for a ticket; each is told why in their
// own words, and none of it reaches Syncro.
func TestE2E_DeactivatedBotUnverifiedAndNamelessAreRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	n := itoa64(syncrotest.SeedTicketPrinter)
	b.srv.ResetLog()

	for _, tc := range []struct {
		user slackfake.User
		want string
	}{
		{slackfake.User{ID: "U0GONEGUY", Name: "gone", Deleted: true}, "This Slack account is deactivated"},
		{slackfake.User{ID: "U0ZAPBOT1", Name: "zapier", IsBot: true}, "takes commands from people only"},
		{slackfake.User{ID: "U0UNKNOWN", Name: "newhire"}, "I couldn't check your Slack account"},
	} {
		b.f.AddUser(tc.user)
		if tc.user.ID == "U0UNKNOWN" {
			b.f.InjectFault("users.info", slackfake.Fault{Error: "fatal_error"})
		}
		b.slashAs(ctx, t, tc.user.ID, "ticket "+n)
		b.waitReplyTo(ctx, t, tc.user.ID, 0, tc.want)
	}

	// Slack always names the workspace; a payload without one is not
	// trusted to be from this one, and is answered in its ack.
	payload, err := json.Marshal(map[string]string{
		"command": "/syncro", "text": "ticket " + n, "user_id": e2eUser, "user_name": "dana",
		"channel_id": e2eChannel, "team_id": "", "response_url": b.f.BaseURL() + "nowhere",
	})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := b.f.Send(ctx, slackfake.Envelope{Type: slackfake.EnvelopeSlashCommands, AcceptsResponsePayload: true, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), "only serves members of") {
		t.Errorf("a payload without a workspace was acked %s, want the other-workspace refusal", ack.Payload)
	}

	if reqs := b.srv.Requests(); len(reqs) != 0 {
		t.Errorf("refused commands reached Syncro: %+v", reqs)
	}
}

// TestE2E_GuestGetsNoRightFromAnEmptyList: with ALLOW_GUESTS=true and
// BILLING_USERS and ADMIN_USERS empty, a member bills and deletes
// contacts, a guest reads tickets but is refused both, and Syncro holds
// no invoice and the contact still.
func TestE2E_GuestGetsNoRightFromAnEmptyList(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.f.AddUser(e2eGuest)
	fx.env["ALLOW_GUESTS"] = "true"
	tk := ticketByNumber(t, fx.srv, syncrotest.SeedTicketOwnCloud)
	contact := fx.srv.Contacts(tk.CustomerID)[0]
	invoices := len(fx.srv.Invoices())
	b := fx.start(ctx, t)

	rc := rightsCheck{b: b, ticket: tk, contact: contact,
		billed: map[string]bool{e2eUser: true}, admins: map[string]bool{e2eUser: true}}
	rc.check(ctx, t, e2eGuest.ID)
	rc.check(ctx, t, e2eUser)
	if _, ok := b.srv.Contact(contact.ID); !ok {
		t.Errorf("contact %d is gone, though nobody confirmed its deletion", contact.ID)
	}
	if got := len(b.srv.Invoices()); got != invoices {
		t.Errorf("Syncro holds %d invoices, was %d", got, invoices)
	}
	if n := b.srv.Count(http.MethodDelete, "/contacts/"+itoa64(contact.ID)); n != 0 {
		t.Errorf("Syncro was asked to delete the contact %d times", n)
	}
}

// TestE2E_UnreadableEnvelopesAreAckedAndLoggedWithoutTheirText: Slack
// envelopes of each kind whose payload slack-go cannot decode (a string
// where an object belongs, a number where text belongs) are acked, so
// Slack does not send them again, and logged by id, type and error only,
// also under -debug; the bot answers Dana's next command.
func TestE2E_UnreadableEnvelopesAreAckedAndLoggedWithoutTheirText(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	b := fx.start(ctx, t, "-debug")
	const typed = "the vault code is 7782-hunter"
	const respURL = "https://hooks.slack.com/actions/T0HOME/1/zzsecretpath"
	asString, err := json.Marshal(`{"type":"view_submission","text":"` + typed + `","response_url":"` + respURL + `"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []slackfake.Envelope{
		{EnvelopeID: "env-interactive", Type: slackfake.EnvelopeInteractive, Payload: asString},
		{EnvelopeID: "env-slash", Type: slackfake.EnvelopeSlashCommands, AcceptsResponsePayload: true,
			Payload: json.RawMessage(`{"command":5,"text":["` + typed + `"],"user_id":"` + e2eUser + `","team_id":"T0HOME","response_url":"` + respURL + `"}`)},
		{EnvelopeID: "env-events", Type: "events_api", Payload: asString},
	} {
		if _, err := b.f.Send(ctx, env); err != nil {
			t.Fatalf("%s not acked: %v", env.EnvelopeID, err)
		}
		b.waitLog(ctx, t, `"envelope_id":"`+env.EnvelopeID+`"`)
	}
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	b.waitReply(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketPrinter))
	for _, leak := range []string{"7782-hunter", "zzsecretpath"} {
		if strings.Contains(b.stderr.String(), leak) {
			t.Errorf("the log holds %q from an unreadable envelope:\n%s", leak, b.stderr.String())
		}
	}
}
