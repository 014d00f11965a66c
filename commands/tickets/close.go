package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/notice"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// resolutionSubject is the subject of the comment a close posts; the
// session log of a closed ticket finds its resolution by it.
const resolutionSubject = "Resolution"

// close opens the close modal for a ticket number.
//
// Syncro calls: find, ticket settings (statuses), settings (time zone, only
// when session logs are set up).
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
	if ts, _, err := c.cfg.Syncro.Tickets.Settings(ctx); err == nil {
		statuses = ts.TicketStatusList
	} else {
		return commands.AsModal(c.cfg.Failure(ctx, err, "read this account's ticket statuses"), "Close ticket")
	}
	target, ok := closedStatus(statuses)
	if !ok {
		return commands.AsModal(commands.Reply{Text: "This Syncro account has neither a Resolved nor a Closed status, so I can't close tickets. Statuses: " + slackfmt.MrkdwnLiteral(strings.Join(statuses, ", ")) + "."}, "Close ticket")
	}
	meta.TargetStatus = target
	if as, _, err := c.cfg.Syncro.Settings.Get(ctx); err == nil {
		meta.TimeZone = as.Locale.TimeZone
	}

	head := fmt.Sprintf("*#%d %s*", number, commands.InlineMrkdwn(t.Subject, 200))
	if t.CustomerBusinessThenName != "" {
		head += " — " + commands.InlineMrkdwn(t.CustomerBusinessThenName, 100)
	}
	head += fmt.Sprintf("\nStatus now: %s → will be set to *%s*.", commands.InlineMrkdwn(t.Status, 100), commands.InlineMrkdwn(target, 100))

	opts := []*slack.OptionBlockObject{
		commands.Option(commands.CloseOptionNotify, "Post to the notify channel"),
		commands.Option(commands.CloseOptionEmail, "Email the resolution to the customer"),
		commands.Option(commands.CloseOptionSessionLog, "Write a session log"),
	}
	initial := []*slack.OptionBlockObject{opts[0], opts[2]}
	checks := slack.NewCheckboxGroupsBlockElement(commands.BlockCloseOptions, opts...)
	checks.InitialOptions = initial

	v := commands.NewModal(commands.CallbackClose, fmt.Sprintf("Close #%d", number), "Close ticket", meta,
		slack.NewSectionBlock(commands.Mrkdwn(head), nil, nil),
		commands.InputBlock(commands.BlockResolution, "Resolution", "What fixed it. Shown on the ticket.", commands.TextInput(commands.BlockResolution, "Replaced the drive and rebuilt the array.", "", true, slackfmt.MaxSectionText), false),
		commands.InputBlock(commands.BlockMinutes, "Time spent", "Like 45, 1h30m or 1.5h. Leave empty to log no time.", commands.TextInput(commands.BlockMinutes, "45m", "", false, 20), true),
		commands.InputBlock(commands.BlockLabor, "Labor type", "", c.laborSelect(labor.DefaultKind), true),
		commands.InputBlock(commands.BlockCloseOptions, "Also", "", checks, true),
	)
	return commands.Reply{Modal: v}
}

// submitClose posts the resolution (with time), sets the closed status,
// and hands out the notice and session log the tech asked for, as a
// recorded flow (flow.go): comment → time → status → notice → session log.
//
// Syncro calls: 3 without time (the comments before, comment, PUT status);
// 4 with time (plus the read-back), 5 on the timer-entry fallback.
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
	p.TechUserID, p.Tech = c.cachedTech(s.Actor)
	steps := []string{stepComment}
	if te != nil {
		p.Minutes, p.ProductID, p.TimerNotes = te.Minutes, te.ProductID, te.Notes
		steps = append(steps, stepTime)
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

// closeNotice is the message for NOTIFY_CHANNEL about a ticket closed
// from Slack, rendered by package notice like the watcher's: number and
// subject (linked), customer, who closed it, the time logged and the
// resolution.
func (c *feature) closeNotice(ctx context.Context, t *syncro.Ticket, number int64, actor commands.Actor, resolution string, te *timeEntry, out commentOutcome) commands.Message {
	timeText := "none logged"
	if total := totalMinutes(t); total > 0 {
		timeText = fmt.Sprintf("%d min in total", total)
	}
	if te != nil && out.Timer != nil {
		timeText = fmt.Sprintf("%d min logged at close as %s, %s", timerMinutes(*out.Timer), c.productName(ctx, te.ProductID), timeText)
	}
	n := notice.ClosedFromSlack(notice.Ticket{
		ID: t.ID, Number: strconv.FormatInt(number, 10), Subject: t.Subject,
		Customer: t.CustomerBusinessThenName, URL: c.ticketURL(t.ID),
	}, notice.SlackClose{By: actor.Name, Time: timeText, Resolution: resolution})
	return commands.Message(n) // notice.Notice has exactly Message's fields
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
