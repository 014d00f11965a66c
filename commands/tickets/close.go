package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// resolutionSubject is the subject of the comment a close posts; the
// session log of a closed ticket finds its resolution by it.
const resolutionSubject = "Resolution"

// close opens the close modal for a ticket number.
//
// Syncro calls: find; the ticket's invoices too when it is Invoiced
// (statuses and time zone from Deps.Account).
func (c *feature) close(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	t, err := c.findTicket(ctx, inv.Ticket)
	if err != nil {
		return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("find ticket #%d", inv.Ticket)), "Close ticket")
	}
	return c.formOrFinish(ctx, formClose, t.ID, inv.Ticket, r.ChannelID, func() commands.Reply { return c.closeModal(ctx, t, inv.Ticket, r.ChannelID) })
}

// closedStatus picks the status a close sets: "Resolved" if the account
// has it, else "Closed", else the list's last status containing either
// word. ok is false when the account has none of them.
func closedStatus(statuses []string) (string, bool) {
	if len(statuses) == 0 {
		return "Resolved", true // the list is unknown; Syncro's default has it
	}
	for _, want := range []string{"Resolved", "Closed"} {
		for _, s := range statuses {
			if strings.EqualFold(strings.TrimSpace(s), want) {
				return s, true
			}
		}
	}
	return "", false
}

// closeModal builds the close form for t.
func (c *feature) closeModal(ctx context.Context, t *syncro.Ticket, number int64, channel string) commands.Reply {
	meta := commands.ModalMeta{TicketID: t.ID, Number: number, CustomerID: t.CustomerID, Channel: channel, Status: t.Status}
	var statuses []string
	if ts, err := c.cfg.Account.TicketSettings(ctx, func(ts *syncro.TicketSettings) bool {
		_, ok := closedStatus(ts.TicketStatusList)
		return ok
	}); err == nil {
		statuses = ts.TicketStatusList
	} else {
		return commands.AsModal(c.cfg.Failure(ctx, err, "read this account's ticket statuses"), "Close ticket")
	}
	target, ok := closedStatus(statuses)
	if !ok {
		return commands.AsModal(commands.Reply{Text: "This Syncro account has neither a Resolved nor a Closed status, so I can't close tickets. Statuses: " + slackfmt.MrkdwnLiteral(strings.Join(statuses, ", ")) + "."}, "Close ticket")
	}
	meta.TargetStatus = target
	invoiced := ""
	if inv := invoiceStatus(statuses); inv != "" && strings.EqualFold(strings.TrimSpace(t.Status), inv) {
		invs, err := c.cfg.Syncro.Invoices.ForTicket(ctx, t.ID)
		if err != nil {
			return commands.AsModal(c.cfg.Failure(ctx, err, fmt.Sprintf("check the invoices of #%d", number)), "Close ticket")
		}
		invoiced = "an invoice"
		if len(invs) > 0 {
			invoiced = "invoice " + c.describeInvoice(invs[0])
		}
		// Closing keeps it Invoiced (see submitClose's invoiced check).
		meta.TargetStatus = t.Status
	}
	if as, err := c.cfg.Account.Settings(ctx, nil); err == nil {
		meta.TimeZone = as.Locale.TimeZone
	}

	head := fmt.Sprintf("*#%d %s*", number, commands.InlineMrkdwn(t.Subject, 200))
	if t.CustomerBusinessThenName != "" {
		head += " — " + commands.InlineMrkdwn(t.CustomerBusinessThenName, 100)
	}
	if invoiced != "" {
		head += fmt.Sprintf("\nStatus now: %s, and it stays so: #%d is already on %s. Closing adds the resolution and logs no time, since time logged now would not be billed on that invoice; put new billable work on a new ticket.",
			commands.InlineMrkdwn(t.Status, 100), number, invoiced)
	} else {
		head += fmt.Sprintf("\nStatus now: %s → will be set to *%s*.", commands.InlineMrkdwn(t.Status, 100), commands.InlineMrkdwn(target, 100))
	}

	opts := []*slack.OptionBlockObject{
		commands.Option(commands.CloseOptionNotify, "Post to the notify channel"),
		commands.Option(commands.CloseOptionEmail, "Email the resolution to the customer"),
		commands.Option(commands.CloseOptionSessionLog, "Write a session log"),
	}
	initial := []*slack.OptionBlockObject{opts[0], opts[2]}
	checks := slack.NewCheckboxGroupsBlockElement(commands.BlockCloseOptions, opts...)
	checks.InitialOptions = initial

	blocks := []slack.Block{
		slack.NewSectionBlock(commands.Mrkdwn(head), nil, nil),
		commands.InputBlock(commands.BlockResolution, "Resolution", "What fixed it. Shown on the ticket.", commands.TextInput(commands.BlockResolution, "Replaced the drive and rebuilt the array.", "", true, slackfmt.MaxSectionText), false),
	}
	if invoiced == "" {
		blocks = append(blocks,
			commands.InputBlock(commands.BlockMinutes, "Time spent", "Like 45, 1h30m or 1.5h. Leave empty to log no time.", commands.TextInput(commands.BlockMinutes, "45m", "", false, 20), true),
			commands.InputBlock(commands.BlockLabor, "Labor type", "", c.laborSelect(labor.DefaultKind), true))
	}
	blocks = append(blocks, commands.InputBlock(commands.BlockCloseOptions, "Also", "", checks, true))
	v := commands.NewModal(commands.CallbackClose, fmt.Sprintf("Close #%d", number), "Close ticket", meta, blocks...)
	return commands.Reply{Modal: v}
}

// submitClose posts the resolution (with time), sets the closed status,
// and hands out the notice and session log the tech asked for, as a
// recorded flow (flow.go): invoiced check → comment → time → status →
// notice → session log. A ticket on an invoice keeps its closed status
// (Invoiced never goes back to Resolved), and its close logs no time: that
// time could not be billed on the invoice, so the close is refused with a
// sentence before anything is written.
//
// Syncro calls: 4 without time (the ticket's invoices, the comments
// before, comment, PUT status); 6 with time (plus the ticket's timers
// before and timer_entry in the tech's name, after their match before
// their first time entry); one more GET on an invoiced ticket.
func (c *feature) submitClose(ctx context.Context, s commands.Submission, meta commands.ModalMeta) commands.Reply {
	resolution := commands.InputText(s, commands.BlockResolution)
	te, err := c.timeFromSubmission(s, resolution)
	if err != nil {
		return commands.Reply{Text: commands.UsageMessage(err) + " Nothing was saved."}
	}
	opts := commands.CheckedOptions(s, commands.BlockCloseOptions)
	target := meta.TargetStatus
	if target == "" {
		target = "Resolved"
	}
	p := flowParams{
		TicketID: meta.TicketID, Number: meta.Number, CustomerID: meta.CustomerID,
		Subject: resolutionSubject, Body: resolution, DoNotEmail: !opts[commands.CloseOptionEmail],
		TargetStatus: target, Notify: opts[commands.CloseOptionNotify], Email: opts[commands.CloseOptionEmail],
		SessionLog: opts[commands.CloseOptionSessionLog], TimeZone: meta.TimeZone, Channel: meta.Channel,
	}
	steps := []string{stepInvoicedCheck, stepComment}
	if te != nil {
		p.Minutes, p.ProductID, p.TimerNotes = te.Minutes, te.ProductID, te.Notes
		steps = append(steps, stepTime)
	}
	if q := c.whoseTime(ctx, s.Actor, &p); q != nil {
		return *q
	}
	steps = append(steps, stepStatus)
	if p.Notify {
		steps = append(steps, stepNotice)
	}
	if p.SessionLog {
		steps = append(steps, stepSessionLog)
	}
	return c.startFlow(ctx, commands.SubmissionKey(s), store.FlowClose, steps, p, s.Actor)
}

// lowerFirst lowercases a sentence's first letter to continue a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// upperFirst is s with its first letter upper-cased.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ticketURL links a ticket in Syncro's web app; "" when WebURL is unset.
func (c *feature) ticketURL(id int64) string { return syncro.TicketURL(c.cfg.WebURL, id) }

// totalMinutes sums a ticket's timers.
func totalMinutes(t *syncro.Ticket) int {
	n := 0
	for _, tm := range t.TicketTimers {
		n += timerMinutes(tm)
	}
	return n
}

// location loads the account's time zone by name, falling back to the
// clock's zone so a session log is still written.
func (c *feature) location(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return c.cfg.Now().Location()
}

// invoicedCheck is a close's first step: the ticket's invoices. A close
// that logs time on a ticket already on an invoice stops here, having
// written nothing: the time could not be billed on that invoice, and
// silently logged it would never be billed at all. Without time the close
// goes on and its status step keeps the ticket's closed status.
func (fr *flowRun) invoicedCheck(ctx context.Context) (stepResult, error) {
	invs, err := fr.c.cfg.Syncro.Invoices.ForTicket(ctx, fr.p.TicketID)
	if err != nil || len(invs) == 0 {
		return stepResult{}, err
	}
	res := stepResult{Invoice: fr.c.invoiceName(invs[0])}
	if fr.p.Minutes > 0 {
		res.Stop = fmt.Sprintf("#%d is already on invoice %s, so I saved nothing: the %d min would not be billed on that invoice. Close it without time, or log the work on a new ticket",
			fr.p.Number, fr.c.describeInvoice(invs[0]), fr.p.Minutes)
	}
	return res, nil
}

// keptStatus is the closed status a close leaves as it is: the ticket's,
// when the invoiced check found it on an invoice and it is closed
// (Invoiced, say); "" when the close sets its target.
func (fr *flowRun) keptStatus(ctx context.Context) (string, error) {
	if fr.f.Kind != store.FlowClose || fr.results[stepInvoicedCheck].Invoice == "" {
		return "", nil
	}
	t, err := fr.getTicket(ctx)
	if err != nil {
		return "", err
	}
	if syncro.IsClosedStatus(t.Status) {
		return t.Status, nil
	}
	return "", nil
}
