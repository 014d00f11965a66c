package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Channels linked to customers, through run: /syncro link, links, here,
// customers and the create form in a linked channel, unlink, and who may
// change links.

// customerNamed is the seeded customer with business name name.
func customerNamed(t *testing.T, srv *syncrotest.Server, name string) syncrotest.Customer {
	t.Helper()
	for _, c := range srv.Customers() {
		if c.BusinessName == name {
			return c
		}
	}
	t.Fatalf("seed has no customer %q", name)
	return syncrotest.Customer{}
}

// openTicketsOf is the numbers of customerID's open tickets as Syncro
// holds them.
func openTicketsOf(srv *syncrotest.Server, customerID int64) []string {
	var out []string
	for _, tk := range srv.Tickets() {
		if tk.CustomerID == customerID && !syncro.IsClosedStatus(tk.Status) {
			out = append(out, "#"+itoa64(tk.Number))
		}
	}
	return out
}

// replies is how many replies Dana has had so far.
func (b *e2eBot) replies() int { return len(b.f.Ephemerals(e2eUser)) }

// TestE2E_LinkedChannel_DefaultsFollowTheLinkUntilUnlinked: an admin
// links #ops to Cascade Dental Group; links names it (also after a
// restart), here lists exactly its open tickets, customers alone shows it
// and the create form starts from it; after unlink, none of that.
func TestE2E_LinkedChannel_DefaultsFollowTheLinkUntilUnlinked(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	dental := customerNamed(t, b.srv, "Cascade Dental Group")

	n := b.replies()
	b.slash(ctx, t, "link Cascade Dental Group --acknowledge")
	b.waitReply(ctx, t, n, "Linked <#"+e2eChannel+"> to *Cascade Dental Group* (ID "+itoa64(dental.ID)+")", "we're on it")

	b = b.restart(ctx, t)
	n = b.replies()
	b.slash(ctx, t, "links")
	// Block text is JSON here, with < and > escaped.
	b.waitReply(ctx, t, n, "#"+e2eChannel, "→ *Cascade Dental Group*", "acknowledges new tickets", "@"+e2eUser)

	open := openTicketsOf(b.srv, dental.ID)
	if len(open) == 0 {
		t.Fatal("the seed gives Cascade Dental Group no open ticket; pick another customer")
	}
	n = b.replies()
	b.slash(ctx, t, "here")
	here := b.waitReply(ctx, t, n, "of Cascade Dental Group")
	for _, num := range open {
		if !strings.Contains(replyText(here.Message), num) {
			t.Errorf("here lacks open ticket %s: %s", num, here.Text)
		}
	}
	for _, tk := range b.srv.Tickets() {
		if tk.CustomerID != dental.ID && strings.Contains(replyText(here.Message), "#"+itoa64(tk.Number)+" ") {
			t.Errorf("here lists #%d of customer %d", tk.Number, tk.CustomerID)
		}
	}

	n = b.replies()
	b.slash(ctx, t, "customers")
	b.waitReply(ctx, t, n, "Cascade Dental Group", "Maria Okafor")

	b.slash(ctx, t, "create")
	v := b.waitView(ctx, t, commands.CallbackCreate)
	if in := modalInputs(t, v.JSON)[commands.BlockCustomer]; in.Element.InitialOption == nil || in.Element.InitialOption.Value != itoa64(dental.ID) {
		t.Errorf("create form's customer = %+v, want Cascade Dental Group preselected", in.Element.InitialOption)
	}
	if !strings.Contains(string(v.JSON), "Customer from this channel's link") {
		t.Errorf("create form does not say where its customer came from: %s", v.JSON)
	}

	n = b.replies()
	b.slash(ctx, t, "unlink")
	b.waitReply(ctx, t, n, "is no longer linked to *Cascade Dental Group*")
	n = b.replies()
	b.slash(ctx, t, "here")
	b.waitReply(ctx, t, n, "isn't linked to a customer")
	n = b.replies()
	b.slash(ctx, t, "links")
	b.waitReply(ctx, t, n, "No channel is linked")
}

// TestE2E_Link_OnlyAdminsChangeLinks: with ADMIN_USERS naming someone
// else, Dana's link and unlink are refused and nothing is linked.
func TestE2E_Link_OnlyAdminsChangeLinks(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) { env["ADMIN_USERS"] = "U0SOMEONEELSE" })

	for _, cmd := range []string{"link Acme Corp.", "unlink"} {
		n := b.replies()
		b.slash(ctx, t, cmd)
		b.waitReply(ctx, t, n, "Only admins can link or unlink channels")
	}
	n := b.replies()
	b.slash(ctx, t, "links")
	b.waitReply(ctx, t, n, "No channel is linked")
}
