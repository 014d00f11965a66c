package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
)

// A retyped write (README, "Nothing lost, nothing twice"). When Slack
// shows a tech an error, or no reply comes, they type the command again:
// a new envelope, so the redelivery guard (commands.Once) does not know
// it. Each completed comment, time entry and bill is remembered in the
// store for store.RecentWriteWindow under who typed what on which ticket
// (retypeKey); the same write arriving again within that window is
// recorded as a flow but not run, and its owner is asked: Log it again
// (ActionLogAgain) runs it, once however often it is pressed, and Don't
// (ActionDontLogAgain) gives it up.

// The retype question's buttons; the value of each is the asked flow's id.
const (
	ActionLogAgain     = "flow_log_again"
	ActionDontLogAgain = "flow_dont_log_again"
)

// declinedReason is why an asked flow was given up, as its replies say.
const declinedReason = "you chose not to log it again, so nothing was sent to Syncro"

// askedTTL is how long a retype question nobody answered keeps its flow
// unfinished; after it a start gives the flow up (tellUnfinished), so
// unanswered questions do not pile up in the store. It matches the claims'
// life: a click on a message that old is new work anyway.
const askedTTL = store.ClaimTTL

// retypeKey is the key a write is remembered under: the same person,
// ticket, words, minutes and labor make the same key whichever way they
// came (/syncro comment, the Log time form, the bill form). "" for a write
// with no Slack user to ask.
func retypeKey(a commands.Actor, ticketID int64, text string, minutes int, productID int64) string {
	if a.SlackUserID == "" {
		return ""
	}
	return store.Key("retype", a.SlackTeamID, a.SlackUserID, strconv.FormatInt(ticketID, 10),
		strings.TrimSpace(text), strconv.Itoa(minutes), strconv.FormatInt(productID, 10))
}

// recentWrite looks up the write remembered under key, else an unfinished
// flow on ticketID making that write, recorded within the window: Syncro
// never confirmed it (or its reply was lost), so it may well be there. A
// store that cannot say is logged and taken as "none": the write goes
// ahead as it did before writes were remembered.
func (c *feature) recentWrite(ctx context.Context, ticketID int64, key string) (store.RecentWrite, bool) {
	if key == "" {
		return store.RecentWrite{}, false
	}
	w, ok, err := c.cfg.Store.RecentWrite(key)
	var flows []store.Flow
	if err == nil && !ok {
		flows, err = c.cfg.Store.FlowsForTicket(ticketID)
	}
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "recent writes not read; not asking before writing", "err", err)
		return store.RecentWrite{}, false
	}
	for _, f := range flows {
		// leftOff: unfinished, and not a flow that wrote nothing.
		fr, _, unfinished := c.leftOff(f)
		// CreatedAt is on the store's clock, maybe another replica's
		// (flow.go): a host whose clock is off, or a database whose
		// clock is, would read it as minutes old or in the future.
		ago := c.cfg.StoreNow().Sub(f.CreatedAt)
		if unfinished && fr.p.Retype == key && ago >= 0 && ago < store.RecentWriteWindow {
			return store.RecentWrite{Ticket: fr.p.Number, Flow: f.ID, At: f.CreatedAt, Ago: ago}, true
		}
	}
	return w, ok
}

// rememberWrite records that flow f completed its write, for the retype
// question. Failing only costs the question, so it is logged.
func (c *feature) rememberWrite(ctx context.Context, f store.Flow, p flowParams) {
	if p.Retype == "" {
		return
	}
	if err := c.cfg.Store.RememberWrite(p.Retype, store.RecentWrite{Ticket: p.Number, Flow: f.ID}); err != nil {
		c.cfg.Logger.WarnContext(ctx, "completed write not remembered; a retype will not be asked about", "ticket", p.Number, "err", err)
	}
}

// awaitingAnswer reports whether f is an asked flow whose owner has not
// answered: not given up, and no step begun. It returns f's parameters.
func awaitingAnswer(f store.Flow) (flowParams, bool) {
	var p flowParams
	if json.Unmarshal(f.Params, &p) != nil || !p.Asked || !f.AbandonedAt.IsZero() {
		return p, false
	}
	for _, s := range f.Steps {
		if s.State != store.StepPending || len(s.Before) > 0 {
			return p, false
		}
	}
	return p, true
}

// retypeQuestion asks the owner of asked flow f whether to write again
// what they wrote recent.Ago ago (known is false when that is forgotten).
func (c *feature) retypeQuestion(f store.Flow, p flowParams, recent store.RecentWrite, known bool) commands.Reply {
	when := "a few minutes ago"
	if known {
		when = agoText(recent.Ago)
	}
	head := fmt.Sprintf("You logged this %s on #%d — log it again?", when, p.Number)
	if prior, err := c.cfg.Store.GetFlow(recent.Flow); known && err == nil && !prior.Finished() {
		head = fmt.Sprintf("You sent this %s on #%d and Syncro didn't confirm it (Finish on that reply checks Syncro) — log it again anyway?", when, p.Number)
	}
	what := c.retypeWhat(f.Kind, p)
	text := head + "\n" + what
	again := slack.NewButtonBlockElement(ActionLogAgain, f.ID, commands.Plain("Log it again"))
	again.Style = slack.StylePrimary
	dont := slack.NewButtonBlockElement(ActionDontLogAgain, f.ID, commands.Plain("Don't"))
	return commands.Reply{
		Text: text,
		Blocks: []slack.Block{
			slack.NewSectionBlock(commands.Mrkdwn(text), nil, nil),
			slack.NewContextBlock("", commands.Mrkdwn("Log it again only if this is new work. Nothing is sent to Syncro until you choose.")),
			slack.NewActionBlock("retype_actions", again, dont),
		},
		ChannelID: p.Channel,
	}
}

// retypeWhat quotes the write a retype question is about.
func (c *feature) retypeWhat(kind string, p flowParams) string {
	var b strings.Builder
	b.WriteString("> ")
	if p.Minutes > 0 {
		k, ok := c.cfg.Labor.Kind(p.ProductID)
		if !ok {
			k = "labor product " + strconv.FormatInt(p.ProductID, 10)
		}
		fmt.Fprintf(&b, "%d min, %s: ", p.Minutes, slackfmt.EscapeMrkdwn(k))
	}
	b.WriteString(slackfmt.MrkdwnText(notesHead(p.Body), 200))
	if kind == store.FlowBill {
		b.WriteString("\nLog it again also bills the ticket.")
	}
	return b.String()
}

// agoText says how long ago d was, in whole minutes.
func agoText(d time.Duration) string {
	switch m := int(d / time.Minute); m {
	case 0:
		return "less than a minute ago"
	case 1:
		return "1 minute ago"
	default:
		return fmt.Sprintf("%d minutes ago", m)
	}
}

// logAgain answers Log it again: the asked flow runs, once however often
// the button is pressed or Slack delivers the click (its steps are
// claimed); a run that stopped can be pressed again, like Finish.
func (c *feature) logAgain(ctx context.Context, a commands.Action) commands.Reply {
	return c.cfg.OnceUntilDone(ctx, commands.ClickKey(a), func() commands.Reply { return c.runFlow(ctx, a.Value, a.Actor) },
		commands.SamePrior("I'm already logging it again; I didn't start it a second time."))
}

// dontLogAgain answers Don't: the asked flow is given up, unless Log it
// again was pressed first.
func (c *feature) dontLogAgain(ctx context.Context, a commands.Action) commands.Reply {
	return c.cfg.Once(ctx, commands.ClickKey(a), func() commands.Reply { return c.decline(ctx, a.Value) }, commands.ClickedTwice)
}

// decline gives up asked flow id, under its ticket's lock so a Log it
// again pressed at the same time either ran first or finds it given up.
func (c *feature) decline(ctx context.Context, id string) commands.Reply {
	return c.withFlowLock(ctx, id, declinedReply, func() commands.Reply {
		f, err := c.cfg.Store.GetFlow(id)
		if err != nil {
			return c.cfg.Failure(ctx, err, "read the recorded work")
		}
		if _, ok := awaitingAnswer(f); !ok {
			if !f.AbandonedAt.IsZero() {
				return declinedReply
			}
			return commands.Reply{Text: "You already chose Log it again, so it was not stopped; that reply says what was logged."}
		}
		if _, err := c.cfg.Store.AbandonFlow(id, declinedReason); err != nil {
			return c.cfg.Failure(ctx, err, "record your answer (nothing was sent to Syncro)")
		}
		return declinedReply
	})
}

// declinedReply answers Don't.
var declinedReply = commands.Reply{Text: "OK, I didn't log it again; nothing was sent to Syncro."}
