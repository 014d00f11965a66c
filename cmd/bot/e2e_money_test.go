package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_InvoiceMadeInTheWebAppDuringTheBillsPOSTIsToldPlainly: Dana's
// bill has looked at the ticket's invoices and sent its invoice POST;
// while Syncro holds that POST, Marcus presses Make Invoice in the web
// app. Syncro has no idempotency key, so nothing can stop the second
// invoice (README, "Nothing lost, nothing twice"); the bill reply must
// say the ticket is on two invoices, name both and say to delete one,
// never a clean "invoice #N created".
func TestE2E_InvoiceMadeInTheWebAppDuringTheBillsPOSTIsToldPlainly(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketPrinter)
	view := b.openBillForm(ctx, t, tk.Number)
	srv.Fail("POST", "/invoices", 1, syncrotest.FaultHang)
	b.submitView(ctx, t, billSubmission(t, view, "30", "Replaced the fuser unit."))
	b.waitHeld(ctx, t)
	web, _, err := webApp(t, srv).Invoices.CreateFromTicket(ctx, tk.ID, tk.CustomerID, "Standard")
	if err != nil {
		t.Fatal(err)
	}
	srv.ReleaseHangs()

	rep := b.waitReply(ctx, t, 0, "#"+itoa64(tk.Number))
	var numbers []string
	for _, inv := range srv.Invoices() {
		if inv.TicketID == tk.ID {
			numbers = append(numbers, inv.Number)
		}
	}
	if len(numbers) != 2 {
		t.Fatalf("Syncro holds invoices %v of #%d, want the web app's and the bill's", numbers, tk.Number)
	}
	for _, n := range numbers {
		if !strings.Contains(rep.Text, "#"+n) {
			t.Errorf("reply %q does not name invoice #%s (the web app made #%s)", rep.Text, n, web.Number)
		}
	}
	if !strings.Contains(rep.Text, "two invoices") || !strings.Contains(rep.Text, "delete one") {
		t.Errorf("reply %q: want it to say plainly the ticket is on two invoices and one should be deleted in Syncro", rep.Text)
	}
}

// TestE2E_BillCutOffBeforeItsChargeLooksAgainWhenFinished: the bot dies
// while Syncro holds the bill's charge (its 60 min logged, its charge
// check done); while it is down Marcus logs 30 min in the web app. The
// start tells Dana, with Finish (README: "a Finish that charges nothing
// yet looks again"): it charges nothing, shows the total as it stands,
// and its Bill now button, clicked twice, bills all of it once.
func TestE2E_BillCutOffBeforeItsChargeLooksAgainWhenFinished(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, tk, _, _ := billCutOffByACrash(ctx, t, "Replaced the drum unit.")
	srv := b.srv
	b2 := b.afterCrash(ctx, t)
	marcusLogs30(ctx, t, srv, tk.ID)
	was, holds := chargedMinutes(srv, tk.ID), uncharged(srv, tk.ID)
	told := b2.waitReply(ctx, t, 0, tickets.ActionFinish, "I was restarted")
	seen := len(b2.f.Ephemerals(e2eUser))
	b2.clickFinish(ctx, t, told)
	rep := b2.waitReply(ctx, t, seen, tickets.ActionBillNewTotal)
	if chargedMinutes(srv, tk.ID) != was || invoicesOf(srv, tk.ID) != 0 {
		t.Fatalf("Finish charged %d min onto %d invoices with Marcus's 30 min left off; told %q", chargedMinutes(srv, tk.ID)-was, invoicesOf(srv, tk.ID), rep.Text)
	}
	b2.billNewTotalTwice(ctx, t, rep, tk, was, holds)
}

// TestE2E_CommentCutOffWithoutSyncrosDateIsNotTakenForTheSameWords is
// TestE2E_CommentCutOffByACrashIsNotTakenForTheSameWordsTypedInTheWebApp
// behind a proxy that strips Syncro's Date header (README: "an answer
// without a Date is placed by the bot's clock"): the read-back had no
// upper bound then, and took Marcus's words for Dana's comment.
func TestE2E_CommentCutOffWithoutSyncrosDateIsNotTakenForTheSameWords(t *testing.T) {
	t.Parallel()
	commentCutOffThenTheSameWordsInTheWebApp(t, func(fx *e2eFakes) {
		fx.env["SYNCRO_BASE_URL"] = withoutDate(t, fx.srv.URL()) + "/"
	})
}

// commentCutOffThenTheSameWordsInTheWebApp: the bot, started on fakes
// edit changed (when not nil), dies while Syncro holds Dana's comment,
// before it is written; twenty minutes later (on Syncro's clock) Marcus
// types the very same words in the web app; the bot starts again and
// Dana presses the Finish it tells her. Syncro must hold both comments,
// Marcus's and hers.
func commentCutOffThenTheSameWordsInTheWebApp(t *testing.T, edit func(fx *e2eFakes)) {
	t.Helper()
	ctx := testContext(t)
	var ahead atomic.Int64 // Syncro's clock ahead of the real one
	fx := newFakes(t, syncrotest.WithClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
	if edit != nil {
		edit(fx)
	}
	b := fx.start(ctx, t)
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketPrinter)
	const words = "Cleared the print queue."
	b.srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultHang)
	b.slash(ctx, t, "comment "+itoa64(tk.Number)+" --hidden "+words)
	b.waitHeld(ctx, t)

	ahead.Store(int64(20 * time.Minute))
	if _, _, err := webApp(t, b.srv).Tickets.PostComment(ctx, tk.ID, &syncro.CommentRequest{Subject: "Update", Body: words, Hidden: true}); err != nil {
		t.Fatal(err)
	}
	b2 := b.afterCrash(ctx, t)
	told := b2.waitReply(ctx, t, 0, tickets.ActionFinish, "I was restarted")
	b2.clickFinish(ctx, t, told)
	b2.waitReply(ctx, t, 1, "Comment added to #"+itoa64(tk.Number))
	if got := commentsWithBody(b2.srv, tk.ID, words); got != 2 {
		t.Errorf("Syncro holds %d comments with the words, want 2: Marcus's and Dana's", got)
	}
}

// withoutDate starts a proxy in front of the API at target that drops
// the Date header from every answer, as a proxy in front of Syncro may,
// and returns its URL.
func withoutDate(t *testing.T, target string) string {
	t.Helper()
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vv := range resp.Header {
			w.Header()[k] = vv
		}
		w.Header()["Date"] = nil // net/http adds none then
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(p.Close)
	return p.URL
}

// TestE2E_BillNowPressedByAnotherTechNamesWhoEnteredTheMinutes: the bot
// dies while Dana's bill of 45 min looks at the ticket's invoices;
// while it is down Marcus logs 30 min in the web app. Lena opens the bill
// form, which offers Dana's Finish; she presses it, and the bill stops
// with the total as it stands (README: "a reply to another tech ... names
// that tech"). Its Bill now button, pressed by Lena, bills it all once,
// the 45 min in Dana's name: she entered them.
func TestE2E_BillNowPressedByAnotherTechNamesWhoEnteredTheMinutes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.f.AddUser(slackfake.User{ID: e2eLena, Name: "lena", RealName: "Lena Kowalski", Email: "lena@baylineit.com"})
	srv := b.srv
	tk := ticketByNumber(t, srv, syncrotest.SeedTicketNAS)
	view := b.openBillForm(ctx, t, tk.Number)
	srv.Fail("GET", "/invoices", 1, syncrotest.FaultHang)
	b.submitView(ctx, t, billSubmission(t, view, "45", "Replaced the failed disk."))
	b2 := b.afterCrash(ctx, t)
	marcusLogs30(ctx, t, srv, tk.ID)

	b2.slashAs(ctx, t, e2eLena, "bill "+itoa64(tk.Number))
	offer := b2.waitViewSayingTo(ctx, t, e2eLena, "has work that stopped half-way")
	if _, err := b2.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eLena, ViewID: offer.ID,
		Actions: []slackfake.Action{button(t, viewBlocks(t, offer), tickets.ActionFinish)}}); err != nil {
		t.Fatalf("Lena's click on Finish: %v", err)
	}
	stopped := b2.waitViewSayingTo(ctx, t, e2eLena, tickets.ActionBillNewTotal)
	if shown := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(stopped.JSON)); !strings.Contains(shown, "<@"+e2eUser+"> entered") || strings.Contains(shown, "you entered") {
		t.Errorf("Lena was shown %s\nwant it to say the 45 min are the ones Dana entered", shown)
	}
	if _, err := b2.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eLena, ViewID: stopped.ID,
		Actions: []slackfake.Action{button(t, viewBlocks(t, stopped), tickets.ActionBillNewTotal)}}); err != nil {
		t.Fatalf("Lena's click on Bill now: %v", err)
	}
	if err := poll(ctx, func() bool { return invoicesOf(srv, tk.ID) == 1 && uncharged(srv, tk.ID) == 0 }); err != nil {
		t.Fatalf("Bill now did not invoice #%d with all its time: %v; stderr:\n%s", tk.Number, err, b2.stderr.String())
	}
	danas := 0
	for _, tm := range srv.Timers(tk.ID) {
		if tm.Minutes() == 45 && tm.UserID == syncrotest.UserDana {
			danas++
		}
	}
	if danas != 1 {
		t.Errorf("%d timers of 45 min in Dana's name, want her entry once", danas)
	}
}

// marcusLogs30 logs 30 min of remote labor on ticketID in the web app, as
// Marcus does while the bot is down.
func marcusLogs30(ctx context.Context, t *testing.T, srv *syncrotest.Server, ticketID int64) {
	t.Helper()
	start := time.Now().Add(-time.Hour)
	if _, _, err := webApp(t, srv).Timers.Add(ctx, ticketID, &syncro.TimerEntryRequest{
		StartAt: &start, DurationMinutes: syncro.Ptr(30), ProductID: syncro.Ptr(syncrotest.ProductLaborRemote), Notes: "Checked the backups.",
	}); err != nil {
		t.Fatal(err)
	}
}
