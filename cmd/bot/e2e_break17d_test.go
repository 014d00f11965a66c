package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Issue 17 broken a fourth time, through run: a create Syncro wrote but
// answered 500 is read back (commands/tickets createdSince) while the
// customer already holds a ticket of the same subject, with Syncro's
// list oldest first (its order is UNCONFIRMED, docs/syncro-api.md).

// createByForm sends /syncro create subject as Dana, submits the form for
// customerID and waits until the submission's work is done; it returns
// what Dana was told.
func (b *e2eBot) createByForm(ctx context.Context, t *testing.T, customerID int64, subject string) string {
	t.Helper()
	before := len(b.f.Views())
	b.slash(ctx, t, "create "+subject)
	form := b.waitNewView(ctx, t, before, commands.CallbackCreate)
	ack := b.submitView(ctx, t, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: form.ID, CallbackID: commands.CallbackCreate, PrivateMetadata: form.PrivateMetadata,
		Values: slackfake.Values{
			commands.BlockCustomer: {commands.ActionCustomerSearch: slackfake.ExternalSelectInput("picked", itoa64(customerID))},
			commands.BlockSubject:  {commands.BlockSubject: slackfake.TextInput(subject)},
		},
	})
	b.waitWorkDone(ctx, t, ack.EnvelopeID)
	return b.lastReply()
}

// waitNewView waits for an open view callbackID of Dana's among those
// opened after the first before, and returns it.
func (b *e2eBot) waitNewView(ctx context.Context, t *testing.T, before int, callbackID string) slackfake.View {
	t.Helper()
	var f slackfake.View
	err := b.f.WaitUntil(ctx, func() bool {
		vs := b.f.Views()
		for _, v := range vs[min(before, len(vs)):] {
			if v.UserID == e2eUser && v.CallbackID == callbackID && !v.Closed {
				f = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no %s form opened: %v", callbackID, err)
	}
	return f
}

// ticketsWith is the tickets Syncro holds of customerID with subject,
// oldest first.
func ticketsWith(srv *syncrotest.Server, customerID int64, subject string) []syncrotest.Ticket {
	var out []syncrotest.Ticket
	for _, tk := range srv.Tickets() {
		if tk.CustomerID == customerID && tk.Subject == subject {
			out = append(out, tk)
		}
	}
	return out
}

// tellsOfOnly fails unless reply names made and none of the others.
func tellsOfOnly(t *testing.T, reply string, made syncrotest.Ticket, others ...syncrotest.Ticket) {
	t.Helper()
	if !strings.Contains(reply, "Created #"+itoa64(made.Number)+" ") {
		t.Errorf("Syncro just made #%d but Dana was told %q", made.Number, reply)
	}
	for _, o := range others {
		if strings.Contains(reply, "#"+itoa64(o.Number)+" ") {
			t.Errorf("Dana was told of #%d, made before: %q", o.Number, reply)
		}
	}
}

// TestE2E_Break17_CreateUnconfirmed_SameSubjectMadeMinutesEarlier_NamesTheNewOne:
// Syncro lists tickets oldest first. Cascade Dental Group holds a ticket
// "VPN drops every hour" made in the web app 5 minutes ago; Dana's
// /syncro create of the same subject is written by Syncro and answered
// 500. She is told the number of the ticket just made, never the earlier
// one, and Syncro holds two (no second create).
func TestE2E_Break17_CreateUnconfirmed_SameSubjectMadeMinutesEarlier_NamesTheNewOne(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithTicketsOldestFirst())
	b := fx.start(ctx, t, "-debug")
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	subject := "VPN drops every hour"
	earlier := b.srv.AddTicket(syncrotest.Ticket{CustomerID: dental.ID, Subject: subject, CreatedAt: time.Now().Add(-5 * time.Minute)})

	b.srv.Fail("POST", "/tickets", 1, syncrotest.FaultCommitThenFail)
	reply := b.createByForm(ctx, t, dental.ID, subject)

	held := ticketsWith(b.srv, dental.ID, subject)
	if len(held) != 2 {
		t.Fatalf("Syncro holds %d tickets %q, want 2 (the earlier and the one just made); reply %q", len(held), subject, reply)
	}
	made := held[0]
	if made.ID == earlier.ID {
		made = held[1]
	}
	tellsOfOnly(t, reply, made, earlier)
}

// TestE2E_Break17_CreateUnconfirmed_TwoByTheBotAtTheSameInstant_NamesTheSecond:
// on a clock that stands still (Syncro stamps both with one created_at,
// to the millisecond) and Syncro's list oldest first, Dana creates
// "Printer offline" for Cascade Dental Group, then the same subject
// again, the second written by Syncro and answered 500. She is told the
// second's number, not the first's, and Syncro holds two.
func TestE2E_Break17_CreateUnconfirmed_TwoByTheBotAtTheSameInstant_NamesTheSecond(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx, _, _ := danaIn(t, "America/Los_Angeles", func(loc *time.Location) time.Time {
		return time.Date(2026, 12, 7, 10, 0, 0, 0, loc)
	}, syncrotest.WithTicketsOldestFirst())
	b := fx.start(ctx, t, "-debug")
	dental := customerNamed(t, b.srv, "Cascade Dental Group")
	subject := "Printer offline"

	first := b.createByForm(ctx, t, dental.ID, subject)
	held := ticketsWith(b.srv, dental.ID, subject)
	if len(held) != 1 {
		t.Fatalf("Syncro holds %d tickets %q after the first create, want 1; reply %q", len(held), subject, first)
	}
	one := held[0]

	b.srv.Fail("POST", "/tickets", 1, syncrotest.FaultCommitThenFail)
	reply := b.createByForm(ctx, t, dental.ID, subject)
	held = ticketsWith(b.srv, dental.ID, subject)
	if len(held) != 2 {
		t.Fatalf("Syncro holds %d tickets %q, want 2; reply %q", len(held), subject, reply)
	}
	two := held[0]
	if two.ID == one.ID {
		two = held[1]
	}
	if !two.CreatedAt.Equal(one.CreatedAt) {
		t.Fatalf("the two tickets' created_at differ (%v, %v): the test needs them equal", one.CreatedAt, two.CreatedAt)
	}
	tellsOfOnly(t, reply, two, one)
}
