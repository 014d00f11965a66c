package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/notice"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// Announcing a close or bill made from Slack in NOTIFY_CHANNEL, once,
// crediting who did it (package notice renders it). The closed-ticket
// watcher sees the same close in Syncro; so that it leaves the ticket to
// the flow, and at once rather than after a wait:
//
//   - before the status write, the flow marks the ticket as being closed
//     by it (notice.Announcer's Closing);
//   - the notice step claims the announcement (Claim) and posts only when
//     first; a close whose tech unticked "Post to the notify channel" is
//     claimed without a notice, so nobody posts it;
//   - a pass that ends with the mark still on (the status write failed or
//     never ran, or the notice could not be made) releases it, and the
//     watcher announces the close, if there is one, at its next poll. A
//     crash in between leaves the mark on, for the Finish the restart
//     offers (store.ClosingMarkTTL bounds how long it waits for one).
//
// A Finish that completes the status step later marks and announces
// then, once.

// announcer is the writer of "announced" the flows share with the watcher.
func (c *feature) announcer() *notice.Announcer { return notice.NewAnnouncer(c.cfg.Store) }

// markClosing marks the flow's ticket as being closed by it, before its
// status write to target; a status that is not closed needs no mark.
func (fr *flowRun) markClosing(target string) error {
	if !syncro.IsClosedStatus(target) {
		return nil
	}
	if err := fr.c.announcer().Closing(fr.p.TicketID, fr.f.ID); err != nil {
		return err
	}
	fr.marked = true
	return nil
}

// closedQuietly settles a close whose tech chose no notice: the ticket is
// claimed as announced, so the watcher does not announce it either.
func (fr *flowRun) closedQuietly() error {
	if fr.f.Kind != store.FlowClose || fr.p.Notify {
		return nil
	}
	_, err := fr.c.announcer().Claim(fr.p.TicketID, fr.c.cfg.Now())
	return err
}

// releaseClosing ends the pass: a mark that no announcement settled goes,
// so the watcher may announce the close. That is also a mark an earlier
// pass cut off by a crash left for this one (store.MarkClosing).
func (fr *flowRun) releaseClosing(ctx context.Context) {
	if !fr.marked && !syncro.IsClosedStatus(fr.p.TargetStatus) {
		return
	}
	if err := fr.c.announcer().Release(fr.p.TicketID, fr.f.ID); err != nil {
		// Dropped at the next start anyway; until then the watcher
		// leaves this ticket to a flow that will not announce it.
		fr.c.cfg.Logger.ErrorContext(ctx, "closing mark not released", "flow", fr.f.ID, "ticket", fr.p.Number, "err", err)
	}
}

// announce is the notice step: the ticket's notice, unless it is not in a
// closed status (a bill on an account without an Invoiced status) or was
// announced already: a close by the watcher or an earlier close or bill, a
// bill by an earlier bill (a bill after a close is news).
func (fr *flowRun) announce(ctx context.Context) (stepResult, error) {
	t, err := fr.getTicket(ctx)
	if err != nil {
		return stepResult{}, err
	}
	if !syncro.IsClosedStatus(t.Status) {
		return stepResult{}, nil
	}
	claim := fr.c.announcer().Claim
	if fr.f.Kind == store.FlowBill {
		claim = fr.c.announcer().ClaimBill
	}
	first, err := claim(t.ID, fr.c.cfg.Now())
	if err != nil {
		return stepResult{}, &errStore{err}
	}
	if !first {
		fr.c.cfg.Logger.InfoContext(ctx, "ticket already announced; notice skipped", "flow", fr.f.ID, "ticket", fr.p.Number)
		return stepResult{}, nil
	}
	n := fr.closeNotice
	if fr.f.Kind == store.FlowBill {
		n = fr.billNotice
	}
	m := n(ctx, t)
	fr.notices = append(fr.notices, m)
	// The thread hears the notice NOTIFY_CHANNEL gets, not only its
	// fallback text (README, "Ticket threads").
	if fr.thread = fr.c.ticketThreadPost(ctx, t.ID, m.Text); fr.thread != nil {
		fr.thread.Blocks = m.Blocks
	}
	return stepResult{}, nil
}

// credits is who a notice credits: the flow's owner, who filled in the
// form, and who pressed Finish when that was someone else (zero when not).
// A flow recorded without its owner credits who runs it.
func (fr *flowRun) credits() (owner, finisher notice.Person) {
	runner := notice.Person{Name: fr.actor.Name, UserID: fr.actor.SlackUserID}
	if fr.f.SlackUser == "" || fr.f.SlackUser == runner.UserID {
		return runner, notice.Person{}
	}
	return notice.Person{Name: fr.p.By, UserID: fr.f.SlackUser}, runner
}

// noticeTicket is what a notice names of t.
func (fr *flowRun) noticeTicket(t *syncro.Ticket) notice.Ticket {
	return notice.Ticket{
		ID: t.ID, Number: strconv.FormatInt(fr.p.Number, 10), Subject: t.Subject,
		Customer: t.CustomerBusinessThenName, URL: fr.c.ticketURL(t.ID),
	}
}

// closeNotice is the notice of a ticket closed from Slack: who closed it,
// the time logged and the resolution.
func (fr *flowRun) closeNotice(ctx context.Context, t *syncro.Ticket) commands.Message {
	timeText := "none logged"
	if total := totalMinutes(t); total > 0 {
		timeText = fmt.Sprintf("%d min in total", total)
	}
	if r := fr.results[stepTime]; r.TimerID != 0 {
		timeText = fmt.Sprintf("%d min logged at close as %s, %s", r.TimerMin, fr.c.productName(ctx, fr.p.ProductID), timeText)
	}
	owner, finisher := fr.credits()
	n := notice.ClosedFromSlack(fr.noticeTicket(t), notice.SlackClose{
		By: owner.Name, UserID: owner.UserID, Time: timeText, Resolution: fr.p.Body, Finisher: finisher,
	})
	return commands.Message(n) // notice.Notice has exactly Message's fields
}

// billNotice is the notice of a ticket invoiced from Slack: who billed
// it, the invoice, and the time logged and charged.
func (fr *flowRun) billNotice(ctx context.Context, t *syncro.Ticket) commands.Message {
	var timeText []string
	if r := fr.results[stepTime]; r.TimerID != 0 {
		timeText = append(timeText, fmt.Sprintf("%d min logged as %s", r.TimerMin, fr.c.productName(ctx, fr.p.ProductID)))
	}
	if s := fr.results[stepCharge].Said; s != "" {
		timeText = append(timeText, s)
	}
	owner, finisher := fr.credits()
	n := notice.BilledFromSlack(fr.noticeTicket(t), notice.SlackBill{
		By: owner.Name, UserID: owner.UserID, Finisher: finisher,
		Invoice: fr.results[stepInvoice].Invoice, Time: strings.Join(timeText, "; "),
	})
	return commands.Message(n)
}

// invoiceName names an invoice for a notice, as raw text (the notice
// escapes it): "#1681 (total $337.50)".
func (c *feature) invoiceName(inv syncro.Invoice) string {
	name := "#" + inv.Number.String()
	if inv.Number == "" {
		name = "id " + strconv.FormatInt(inv.ID, 10)
	}
	return name + " (total " + c.cfg.Account.Currency().Text(inv.Total) + ")"
}
