package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/tickets/ticketview"
	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// chaosRig is the bot as cmd/bot builds it (Commands on a store in
// DATA_DIR, session logs in SESSION_LOG_DIR) against a syncrotest, all on
// one fake clock. People's actions run one at a time, so whatever Syncro
// holds new after one is the doing of the flow it started or finished:
// the ledger keeps that ground truth next to every reply the bot gave,
// and checks one against the other.
type chaosRig struct {
	t      *testing.T
	clk    *fakeclock.Manual
	srv    *syncrotest.Server
	client *syncro.Client
	// web writes to Syncro as people do in its web app: no faults.
	web *syncro.Client
	// tr carries both clients' requests to Syncro.
	tr   *chaosTransport
	dir  string
	logs string
	st   *store.Store
	cs   *chaosStore
	C    *commands.Commands
	tk   *feature
	led  *ledger
	// customer owns the rig's tickets.
	customer int64
	// ops counts the actions; a reply's message ts is made from it.
	ops int
	// buttons holds the latest Finish button shown for each flow;
	// questions the latest retype question (Log it again / Don't).
	buttons   map[string]chaosButton
	questions map[string]chaosButton
	// journal is what happened, action by action, for the summary.
	journal []string
}

// chaosTicket is a ticket the rig made.
type chaosTicket struct{ id, number int64 }

// chaosButton is a Finish button a person was shown.
type chaosButton struct {
	flow  string
	ts    string // the message holding it
	view  string // set when it is in a modal (a form's offer)
	actor commands.Actor
}

// chaosActors are the techs; Ravi may not bill. Each one's time is a
// timer entry in their Syncro user's name (README, "Whose time it is"):
// Dana's and Lena's by their Slack email, Ravi's (Slack shares none) as
// he picked it once.
var chaosActors = []commands.Actor{
	commandstest.Dana,
	{SlackUserID: "U0LENA", SlackTeamID: "T0BAYLINE", Name: "Lena Park", Email: "lena@baylineit.com", CanBill: true},
	{SlackUserID: "U0RAVI", SlackTeamID: "T0BAYLINE", Name: "Ravi Shah", CanBill: false},
}

func chaosActor(slackUser string) commands.Actor {
	for _, a := range chaosActors {
		if a.SlackUserID == slackUser {
			return a
		}
	}
	return commandstest.Dana
}

const chaosChannel = "C0TECHS"

func newChaosRig(t *testing.T, mode syncrotest.TimeMode) *chaosRig {
	t.Helper()
	return newSkewedChaosRig(t, mode, 0)
}

// newSkewedChaosRig is a rig whose Syncro's clock reads skew ahead of the
// bot's (behind, when negative).
func newSkewedChaosRig(t *testing.T, mode syncrotest.TimeMode, skew time.Duration) *chaosRig {
	t.Helper()
	clk := fakeclock.New(syncrotest.SeedNow)
	syncroNow := func() time.Time { return clk.Now().Add(skew) }
	srv := syncrotest.NewServer(t, syncrotest.WithClock(syncroNow), syncrotest.WithRateLimit(0),
		syncrotest.WithFaultHeader(), syncrotest.WithTimeMode(mode),
		// Ten comments to a page: a busy ticket's comments span pages.
		syncrotest.WithMaxPerPage(syncrotest.EndpointComments, 10))
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	u, err := url.Parse(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	tr := &chaosTransport{base: base, clk: clk, basePath: u.Path}
	newClient := func() *syncro.Client {
		c, err := syncro.NewClient(syncro.Config{
			BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 1_000_000,
			HTTPClient: &http.Client{Transport: tr},
			Sleep:      func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
			Now:        clk.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	own, ok := srv.TicketByNumber(syncrotest.SeedTicketOwnCloud)
	if !ok {
		t.Fatal("no seed ticket")
	}
	r := &chaosRig{
		t: t, clk: clk, srv: srv, client: newClient(), web: newClient(), tr: tr,
		dir: t.TempDir(), logs: t.TempDir(), customer: own.CustomerID,
		buttons: map[string]chaosButton{}, questions: map[string]chaosButton{},
	}
	r.led = newLedger(srv)
	r.open()
	t.Cleanup(func() { _ = r.st.Close() })
	return r
}

// open starts the bot on its DATA_DIR.
func (r *chaosRig) open() {
	r.t.Helper()
	st, err := store.Open(r.dir, store.WithClock(r.clk.Now), store.WithoutSync())
	if err != nil {
		r.t.Fatal(err)
	}
	r.st = st
	r.cs = &chaosStore{crashingStore: &crashingStore{Store: st}}
	r.C, r.tk = newCommands(r.t, commands.Deps{
		Syncro: r.client, Now: r.clk.Now, Store: r.cs,
		SessionLogs: &sessionlog.Writer{Root: r.logs, Now: r.clk.Now},
	})
	// The techs were matched before the run, as a running bot has them
	// after their first time entry, so a write's requests do not depend
	// on whether it is the tech's first.
	for i, m := range []store.TechMatch{
		{SyncroUser: syncrotest.UserDana, SyncroName: "Dana Whitfield", How: store.MatchedByEmail},
		{SyncroUser: syncrotest.UserLena, SyncroName: "Lena Kowalski", How: store.MatchedByEmail},
		{SyncroUser: syncrotest.UserTom, SyncroName: "Tom Becker", How: store.MatchedByChoice},
	} {
		m.SlackUser, m.SlackName, m.At = chaosActors[i].SlackUserID, chaosActors[i].Name, r.clk.Now()
		if err := st.SetTechMatch(m); err != nil {
			r.t.Fatal(err)
		}
	}
}

// learnNames has the bot name every labor product once, as a running bot
// soon has, so a write's requests do not depend on whether it is the
// first to name one.
func (r *chaosRig) learnNames() {
	ctx := withDelivery(r.t.Context(), newDelivery(nil, true))
	for _, k := range r.tk.cfg.Labor.Kinds() {
		r.tk.productName(ctx, r.tk.cfg.Labor[k])
	}
}

// restart stops the bot (whatever ran is cut off), lets after pass and
// starts it again, telling the owners of unfinished flows as a start does.
func (r *chaosRig) restart(after time.Duration) {
	r.t.Helper()
	if err := r.st.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.clk.Advance(after)
	r.open()
	if after > store.ClaimTTL {
		r.note("restart after %s, past the claims' expiry", after)
	} else {
		r.note("restart after %s", after)
	}
	r.startup()
}

// startup posts what a start tells people (Slack accepts each post), and
// checks each post goes to its flow's owner in the flow's channel with
// that flow's Finish.
func (r *chaosRig) startup() []commands.Post {
	r.t.Helper()
	d := newDelivery(nil, true)
	posts := commandstest.Accepted(r.C.Startup(withDelivery(r.t.Context(), d)))
	r.led.observe("start", "")
	for i, p := range posts {
		flow := finishButton(p.Reply)
		if id := buttonValue(p.Reply.Blocks, ActionLogAgain); id != "" {
			r.questions[id] = chaosButton{flow: id, ts: fmt.Sprintf("ts-start-%d-%d", r.ops, i), actor: r.owner(id)}
			r.note("start asked %s: %s", short(id), maskReply(p.Reply.Text))
			continue
		}
		f, err := r.st.GetFlow(flow)
		if err != nil {
			r.led.problem("start post %d has no Finish for a recorded flow (%q): %q", i, flow, p.Reply.Text)
			continue
		}
		if p.UserID != f.SlackUser || p.Reply.ChannelID != f.Channel || f.Channel != chaosChannel {
			r.led.problem("start told %s in %q about the %s flow of %s in %q", p.UserID, p.Reply.ChannelID, f.Kind, f.SlackUser, f.Channel)
		}
		r.led.told(flow, "start", p.Reply)
		r.buttons[flow] = chaosButton{flow: flow, ts: fmt.Sprintf("ts-start-%d-%d", r.ops, i), actor: chaosActor(f.SlackUser)}
		r.note("start told %s: %s", short(flow), maskReply(p.Reply.Text))
	}
	return posts
}

// note adds a line to the journal.
func (r *chaosRig) note(format string, args ...any) {
	r.journal = append(r.journal, fmt.Sprintf(format, args...))
}

// newTicket adds a ticket to work on, with busy filler comments: more than
// one page of them (syncrotest pages comments by 10), and the texts the
// techs use, written in the web app.
func (r *chaosRig) newTicket(filler int) chaosTicket {
	r.t.Helper()
	tk := r.srv.AddTicket(syncrotest.Ticket{Subject: "Chaos ticket", Status: "In Progress", CustomerID: r.customer})
	r.led.track(tk.ID)
	ct := chaosTicket{id: tk.ID, number: tk.Number}
	r.busy(ct, filler, "", "")
	return ct
}

// busy writes n comments on ct in the web app, every third one with
// subject and body (when given) so a read-back has look-alikes to skip.
func (r *chaosRig) busy(ct chaosTicket, n int, subject, body string) {
	r.t.Helper()
	for i := range n {
		c := syncrotest.Comment{TicketID: ct.id, Subject: "Update", Body: fmt.Sprintf("Customer called (%d).", i), Tech: "Web", UserID: syncrotest.UserMarcus}
		if body != "" && i%3 == 0 {
			c.Subject, c.Body = subject, body
		}
		if _, err := r.srv.AddComment(c); err != nil {
			r.t.Fatal(err)
		}
		r.clk.Advance(time.Second)
	}
	r.led.observe("web", "web")
}

// webComment writes a comment in the web app, with minutes of product
// when minutes > 0 (an account that logs time from comments makes a timer
// of it).
func (r *chaosRig) webComment(ct chaosTicket, subject, body string, minutes int, product int64) {
	r.t.Helper()
	req := &syncro.CommentRequest{Subject: subject, Body: body, Hidden: true, DoNotEmail: true, Tech: "Marcus Oyelaran"}
	if minutes > 0 {
		req.ProductID, req.MinutesSpent, req.BillTimeNow = syncro.Ptr(product), syncro.Ptr(minutes), syncro.Ptr(false)
	}
	c, _, err := r.web.Tickets.PostComment(r.t.Context(), ct.id, req)
	if err != nil {
		r.t.Fatal(err)
	}
	r.led.observe("web", "web")
	r.note("the web app: comment %d on #%d, %s: %q with %d min", c.ID, ct.number, subject, body, minutes)
}

// webTime logs minutes of product on ct in the web app, with notes.
func (r *chaosRig) webTime(ct chaosTicket, minutes int, product int64, notes string) {
	r.t.Helper()
	start := r.clk.Now().Add(-time.Duration(minutes+7) * time.Minute)
	if _, _, err := r.web.Timers.Add(r.t.Context(), ct.id, &syncro.TimerEntryRequest{
		StartAt: &start, DurationMinutes: syncro.Ptr(minutes), ProductID: syncro.Ptr(product), Notes: notes,
	}); err != nil {
		r.t.Fatal(err)
	}
	r.led.observe("web", "web")
	r.note("the web app: %d min on #%d", minutes, ct.number)
}

// redelivery is how often, and when, an action reaches the bot.
type redelivery int

const (
	deliverOnce redelivery = iota
	// deliverAgain delivers it a second time after the first was answered
	// (Slack retrying an ack it did not get, a second click later).
	deliverAgain
	// deliverAtOnce delivers it a second time while the first runs (a
	// double click).
	deliverAtOnce
)

func (h redelivery) String() string {
	return [...]string{"once", "again", "at-once"}[h]
}

// actResult is what came of one action.
type actResult struct {
	replies []commands.Reply
	crashed bool
	// flow is the flow the action started or acted on; "" for none.
	flow  string
	fired []string
	// requests lists the requests the first delivery sent (not counting
	// retries), as "METHOD /endpoint".
	requests []string
}

// act delivers one person's action to the bot as told by how, with plan
// aimed at the first delivery's requests, and books what Syncro holds
// new and what the replies said. flow is the flow the action acts on
// when known beforehand (a Finish); a flow it starts is found in the
// store.
func (r *chaosRig) act(name string, ct chaosTicket, flow string, how redelivery, plan []aimedFault, send func(ctx context.Context) commands.Reply) actResult {
	r.t.Helper()
	r.ops++
	r.led.before = maps.Clone(r.led.seen.status)
	label := fmt.Sprintf("#%d %s", r.ops, name)
	before := r.flowIDs(ct)
	res := actResult{flow: flow}
	finish := false
	// reply books a delivery's reply against what Syncro holds just
	// after it; a flow the action started is found then (the second
	// delivery starts it when the first failed before the dedup).
	reply := func(i int, rep commands.Reply) {
		if res.flow == "" || res.flow == flow {
			for _, id := range r.flowIDs(ct) {
				if !slices.Contains(before, id) {
					if res.flow != "" && res.flow != id {
						r.led.problem("%s started flow %s besides %s", label, short(id), short(res.flow))
					}
					res.flow = id
				}
			}
		}
		r.led.observe(label, res.flow)
		if res.crashed {
			return
		}
		about := res.flow
		if id := replyFinish(rep); id != "" {
			finish = true
			about = id
			r.buttons[id] = chaosButton{flow: id, ts: fmt.Sprintf("ts-%d-%d", r.ops, i), view: modalView(rep, r.ops), actor: r.owner(id)}
		}
		if id := buttonValue(rep.Blocks, ActionLogAgain); id != "" {
			finish = true // the question is the way on
			r.questions[id] = chaosButton{flow: id, ts: fmt.Sprintf("ts-%d-%d", r.ops, i), actor: r.owner(id)}
		}
		r.led.told(about, label, rep)
		res.replies = append(res.replies, rep)
	}

	d1 := newDelivery(plan, true)
	var second commands.Reply
	var wg sync.WaitGroup
	var d2 *delivery
	if how == deliverAtOnce {
		d2 = newDelivery(nil, false)
		d2.gate = make(chan struct{})
		wg.Go(func() {
			<-d1.past
			second = send(withDelivery(r.t.Context(), d2))
		})
	}
	var first commands.Reply
	first, res.crashed = r.run(func() commands.Reply { return send(withDelivery(r.t.Context(), d1)) })
	d1.markPast()
	reply(0, first)
	switch {
	case d2 != nil:
		close(d2.gate)
		wg.Wait()
		reply(1, second)
	case how == deliverAgain && !res.crashed:
		reply(1, send(withDelivery(r.t.Context(), newDelivery(nil, true))))
	}
	res.fired, res.requests = d1.firedFaults(), d1.requests()

	if !res.crashed && res.flow != "" && !finish {
		if f, err := r.st.GetFlow(res.flow); err == nil && !f.Finished() && r.led.wrote(res.flow) {
			r.led.problem("%s: told %q with no Finish, while its unfinished flow wrote %s", label, shownTexts(res.replies), r.led.book(res.flow))
		}
	}
	var texts []string
	for _, rep := range res.replies {
		texts = append(texts, maskReply(shownText(rep)))
	}
	r.note("%s %s %v flow=%s fired=%v crashed=%v: %s", label, how, plan, short(res.flow), res.fired, res.crashed, strings.Join(texts, " | "))
	return res
}

// run calls do, turning the simulated crash into crashed.
func (r *chaosRig) run(do func() commands.Reply) (rep commands.Reply, crashed bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != errSimulatedCrash {
				panic(p)
			}
			crashed = true
		}
	}()
	return do(), false
}

// owner is the tech who started flow id.
func (r *chaosRig) owner(id string) commands.Actor {
	f, err := r.st.GetFlow(id)
	if err != nil {
		return commandstest.Dana
	}
	return chaosActor(f.SlackUser)
}

// inDoubt reports whether a flow on ct is unfinished.
func (r *chaosRig) inDoubt(ct chaosTicket) bool {
	r.t.Helper()
	flows, err := r.st.FlowsForTicket(ct.id)
	if err != nil {
		r.t.Fatal(err)
	}
	return slices.ContainsFunc(flows, func(f store.Flow) bool { return !f.Finished() })
}

// flowIDs lists the flows recorded on ct.
func (r *chaosRig) flowIDs(ct chaosTicket) []string {
	r.t.Helper()
	flows, err := r.st.FlowsForTicket(ct.id)
	if err != nil {
		r.t.Fatal(err)
	}
	var ids []string
	for _, f := range flows {
		ids = append(ids, f.ID)
	}
	return ids
}

// The actions people take. Each returns what came of it.

// comment is /syncro comment N text, with --time when minutes > 0.
func (r *chaosRig) comment(a commands.Actor, ct chaosTicket, text string, minutes int, how redelivery, plan []aimedFault) actResult {
	cmd := fmt.Sprintf("comment %d %s", ct.number, text)
	if minutes > 0 {
		cmd += fmt.Sprintf(" --time %dm", minutes)
	}
	req := commands.Request{Actor: a, ChannelID: chaosChannel, EnvelopeID: fmt.Sprintf("env-%d", r.ops+1), Text: cmd}
	return r.act(fmt.Sprintf("%s: %s", a.Name, cmd), ct, "", how, plan, func(ctx context.Context) commands.Reply { return r.C.Slash(ctx, req) })
}

// form opens a form the way a tech does (the slash command, or the
// ticket's Log time button): the form itself, or the offer of a flow's
// Finish, or a reply.
func (r *chaosRig) form(a commands.Actor, ct chaosTicket, kind string) commands.Reply {
	r.ops++
	ctx := withDelivery(r.t.Context(), newDelivery(nil, true))
	var rep commands.Reply
	switch kind {
	case flowLogTime:
		rep = r.C.Action(ctx, commands.Action{Actor: a, ChannelID: chaosChannel, ActionID: ticketview.ActionLogTime, Value: ticketview.TicketButtonValue(ct.id, ct.number), MessageTS: fmt.Sprintf("ts-%d", r.ops)})
	default:
		rep = r.C.Slash(ctx, commands.Request{Actor: a, ChannelID: chaosChannel, EnvelopeID: fmt.Sprintf("env-%d", r.ops), Text: fmt.Sprintf("%s %d", kind, ct.number)})
	}
	label := fmt.Sprintf("#%d %s opens the %s form of #%d", r.ops, a.Name, kind, ct.number)
	r.led.observe(label, "")
	if id := replyFinish(rep); id != "" {
		r.buttons[id] = chaosButton{flow: id, ts: fmt.Sprintf("ts-%d", r.ops), view: modalView(rep, r.ops), actor: r.owner(id)}
	}
	r.note("%s: %s", label, maskReply(shownText(rep)))
	return rep
}

// formFields fills a form: minutes ("" for none), notes, and for the
// close form the options.
type formFields struct {
	minutes int
	notes   string
	labor   string
}

// submit fills and submits the form v as a.
func (r *chaosRig) submit(a commands.Actor, ct chaosTicket, v *slack.ModalViewRequest, ff formFields, how redelivery, plan []aimedFault) actResult {
	labor := ff.labor
	if labor == "" {
		labor = "remote"
	}
	vals := []map[string]slack.BlockAction{picked(commands.BlockLabor, labor, labor)}
	if ff.minutes > 0 {
		vals = append(vals, typed(commands.BlockMinutes, strconv.Itoa(ff.minutes)))
	}
	switch v.CallbackID {
	case commands.CallbackClose:
		vals = append(vals, typed(commands.BlockResolution, ff.notes), ticked(commands.BlockCloseOptions, commands.CloseOptionNotify, commands.CloseOptionSessionLog))
	default:
		vals = append(vals, typed(commands.BlockNotes, ff.notes))
	}
	s := form(v, fmt.Sprintf("V%d", r.ops+1), vals...)
	s.Actor = a
	name := fmt.Sprintf("%s submits %s on #%d (%d min, %q)", a.Name, v.CallbackID, ct.number, ff.minutes, ff.notes)
	return r.act(name, ct, "", how, plan, func(ctx context.Context) commands.Reply { return r.C.Submit(ctx, s) })
}

// press presses a Finish button as its flow's owner.
func (r *chaosRig) press(b chaosButton, how redelivery, plan []aimedFault) actResult {
	f, err := r.st.GetFlow(b.flow)
	if err != nil {
		r.t.Fatal(err)
	}
	ct := chaosTicket{id: f.Ticket}
	delete(r.buttons, b.flow)
	a := commands.Action{Actor: b.actor, ChannelID: chaosChannel, ActionID: ActionFinish, Value: b.flow, MessageTS: b.ts, ViewID: b.view}
	return r.act(fmt.Sprintf("%s presses Finish of %s (%s)", b.actor.Name, short(b.flow), b.ts), ct, b.flow, how, plan, func(ctx context.Context) commands.Reply { return r.C.Action(ctx, a) })
}

// answer answers a retype question: Log it again, or Don't.
func (r *chaosRig) answer(b chaosButton, again bool, how redelivery, plan []aimedFault) actResult {
	f, err := r.st.GetFlow(b.flow)
	if err != nil {
		r.t.Fatal(err)
	}
	delete(r.questions, b.flow)
	action, said := ActionDontLogAgain, "Don't"
	if again {
		action, said = ActionLogAgain, "Log it again"
	}
	a := commands.Action{Actor: b.actor, ChannelID: chaosChannel, ActionID: action, Value: b.flow, MessageTS: b.ts}
	return r.act(fmt.Sprintf("%s answers %s to %s", b.actor.Name, said, short(b.flow)), chaosTicket{id: f.Ticket}, b.flow, how, plan, func(ctx context.Context) commands.Reply { return r.C.Action(ctx, a) })
}

// settle presses Finish while one is shown, with Syncro well, as people
// would; at most rounds times round the flows.
func (r *chaosRig) settle(rounds int) {
	for range rounds {
		if len(r.buttons) == 0 {
			return
		}
		for _, id := range slices.Sorted(maps.Keys(r.buttons)) {
			r.press(r.buttons[id], deliverOnce, nil)
		}
	}
}

// replyFinish is the flow of the Finish button on a reply or its modal;
// "" when it has none.
func replyFinish(r commands.Reply) string {
	if id := finishButton(r); id != "" {
		return id
	}
	if r.Modal != nil {
		return buttonValue(r.Modal.Blocks.BlockSet, ActionFinish)
	}
	return ""
}

// modalView is the view id of a reply that is a modal; "" for messages.
func modalView(r commands.Reply, op int) string {
	if r.Modal == nil {
		return ""
	}
	return fmt.Sprintf("V-modal-%d", op)
}

var mrkdwnText = regexp.MustCompile(`"text":"((?:[^"\\]|\\.)*)"`)

// shownText is what a person reads in a reply: its text, or the texts of
// its modal.
func shownText(r commands.Reply) string {
	if r.Modal == nil {
		return r.Text
	}
	raw, _ := json.Marshal(r.Modal.Blocks)
	var parts []string
	for _, m := range mrkdwnText.FindAllStringSubmatch(string(raw), -1) {
		var s string
		if json.Unmarshal([]byte(`"`+m[1]+`"`), &s) == nil && !slices.Contains(parts, s) && !strings.Contains(r.Text, s) {
			parts = append(parts, s)
		}
	}
	return strings.TrimSpace(r.Text + " " + strings.Join(parts, " "))
}

func shownTexts(rs []commands.Reply) string {
	var out []string
	for _, r := range rs {
		out = append(out, shownText(r))
	}
	return strings.Join(out, " | ")
}

var errorID = regexp.MustCompile(`error id [0-9a-f]{8}`)

// maskReply hides what differs between two runs of the same seed: the
// random error ids.
func maskReply(s string) string { return errorID.ReplaceAllString(s, "error id …") }

// short is a flow id cut for the journal.
func short(id string) string {
	if len(id) > 12 {
		return id[len(id)-8:]
	}
	return id
}

// ledger is the ground truth of a rig: every record each flow made in
// Syncro, every reply people were shown about it, and the problems found
// comparing them.
type ledger struct {
	srv     *syncrotest.Server
	tickets []int64
	seen    syncroState
	// before is the tickets' statuses when the running action began.
	before   map[int64]string
	flows    map[string]*flowBook
	problems []string
}

// flowBook is what one flow made in Syncro and said about it.
type flowBook struct {
	comments []int64
	timers   map[int64]int // id → minutes
	charged  int
	invoices []int64
	// claimed holds the minutes a reply said were logged.
	claimed map[int]bool
}

func (b *flowBook) String() string {
	return fmt.Sprintf("comments %v, timers %v, %d charged, invoices %v", b.comments, b.timers, b.charged, b.invoices)
}

// syncroState is what the rig's tickets hold.
type syncroState struct {
	comments map[int64]syncrotest.Comment
	timers   map[int64]syncrotest.Timer
	lines    map[int64]int
	invoices map[int64]syncrotest.Invoice
	status   map[int64]string
}

func newLedger(srv *syncrotest.Server) *ledger {
	l := &ledger{srv: srv, flows: map[string]*flowBook{}}
	l.seen = l.read()
	return l
}

// track adds a ticket to watch.
func (l *ledger) track(id int64) {
	l.tickets = append(l.tickets, id)
	l.seen = l.read()
}

func (l *ledger) read() syncroState {
	s := syncroState{comments: map[int64]syncrotest.Comment{}, timers: map[int64]syncrotest.Timer{}, lines: map[int64]int{}, invoices: map[int64]syncrotest.Invoice{}, status: map[int64]string{}}
	for _, id := range l.tickets {
		for _, c := range l.srv.Comments(id) {
			s.comments[c.ID] = c
		}
		for _, tm := range l.srv.Timers(id) {
			s.timers[tm.ID] = tm
		}
		s.lines[id] = len(l.srv.LineItems(id))
		if tk, ok := l.srv.Ticket(id); ok {
			s.status[id] = tk.Status
		}
	}
	for _, inv := range l.srv.Invoices() {
		if slices.Contains(l.tickets, inv.TicketID) {
			s.invoices[inv.ID] = inv
		}
	}
	return s
}

func (l *ledger) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// book is flow's page, made on first use.
func (l *ledger) book(flow string) *flowBook {
	b, ok := l.flows[flow]
	if !ok {
		b = &flowBook{timers: map[int64]int{}, claimed: map[int]bool{}}
		l.flows[flow] = b
	}
	return b
}

// wrote reports whether flow made anything in Syncro.
func (l *ledger) wrote(flow string) bool {
	b := l.book(flow)
	return len(b.comments)+len(b.timers)+b.charged+len(b.invoices) > 0
}

// observe books what Syncro holds new since the last look to flow ("" for
// none: then nothing may be new; "web" for the web app's writes).
func (l *ledger) observe(label, flow string) {
	now := l.read()
	var b *flowBook
	if flow != "" && flow != "web" {
		b = l.book(flow)
	}
	orphan := func(what string) {
		if flow == "" {
			l.problem("%s: %s, with no flow to own it", label, what)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(now.comments)) {
		if _, ok := l.seen.comments[id]; !ok {
			orphan(fmt.Sprintf("comment %d %q", id, now.comments[id].Body))
			if b != nil {
				b.comments = append(b.comments, id)
			}
		}
	}
	charged := map[int64]int{}
	for _, id := range slices.Sorted(maps.Keys(now.timers)) {
		tm := now.timers[id]
		old, ok := l.seen.timers[id]
		if !ok {
			orphan(fmt.Sprintf("a timer of %d min", tm.Minutes()))
			if b != nil {
				b.timers[id] = tm.Minutes()
			}
		}
		if tm.Recorded && (!ok || !old.Recorded) {
			charged[tm.TicketID]++
			if b != nil {
				b.charged++
			}
		}
	}
	for _, t := range l.tickets {
		if d := now.lines[t] - l.seen.lines[t]; d != charged[t] {
			l.problem("%s: %d line items added to ticket %d for %d timers charged (a timer charged twice)", label, d, t, charged[t])
		}
	}
	perTicket := map[int64]int{}
	for _, id := range slices.Sorted(maps.Keys(now.invoices)) {
		inv := now.invoices[id]
		perTicket[inv.TicketID]++
		if _, ok := l.seen.invoices[id]; !ok {
			orphan(fmt.Sprintf("invoice %s", inv.Number))
			if b != nil {
				b.invoices = append(b.invoices, id)
			}
		}
	}
	for t, n := range perTicket {
		if n > 1 {
			l.problem("%s: ticket %d has %d invoices", label, t, n)
		}
	}
	l.seen = now
}

var (
	claimLogged    = regexp.MustCompile(`(\d+) min logged`)
	claimNotLogged = regexp.MustCompile(`min were NOT logged`)
	claimNoComment = regexp.MustCompile(`was NOT added`)
	claimNothing   = regexp.MustCompile(`(?i)nothing was (billed|saved|sent to Syncro|changed)`)
	claimNoInvoice = regexp.MustCompile(`invoice was not created`)
	claimNoStatus  = regexp.MustCompile(`status was NOT changed to ([^:]+):`)
	// previewLogged is the bill preview's account of the ticket's time
	// (invoicepreview.go), shown in a modal: not a claim of a write.
	previewLogged = regexp.MustCompile(`\d+ min logged(, not charged yet| as not billable)`)
)

// told checks a reply about flow against what the flow holds in Syncro
// right now: what it says was logged is there, once; what it says was
// not, is not.
func (l *ledger) told(flow, label string, r commands.Reply) {
	if flow == "" {
		return
	}
	text := shownText(r)
	b := l.book(flow)
	for _, m := range claimLogged.FindAllStringSubmatch(previewLogged.ReplaceAllString(text, ""), -1) {
		n, _ := strconv.Atoi(m[1])
		b.claimed[n] = true
		if len(b.timers) != 1 || slices.Collect(maps.Values(b.timers))[0] != n {
			l.problem("%s: told %q, but its flow holds timers %v", label, text, b.timers)
		}
	}
	switch {
	case claimNotLogged.MatchString(text) && len(b.timers) > 0:
		l.problem("%s: told %q, but its flow logged %v", label, text, b.timers)
	case claimNoComment.MatchString(text) && len(b.comments) > 0:
		l.problem("%s: told %q, but its flow wrote comments %v", label, text, b.comments)
	case claimNothing.MatchString(text) && len(b.timers)+b.charged+len(b.invoices) > 0:
		// A bill's notes may be on the ticket: "nothing was billed" is
		// about time, charges and invoices.
		l.problem("%s: told %q, but its flow wrote %s", label, text, b)
	case claimNoInvoice.MatchString(text) && len(b.invoices) > 0:
		l.problem("%s: told %q, but its flow made invoices %v", label, text, b.invoices)
	}
	if m := claimNoStatus.FindStringSubmatch(text); m != nil {
		if t, ok := l.flowTicket(flow); ok && strings.EqualFold(l.seen.status[t], m[1]) && !strings.EqualFold(l.before[t], m[1]) {
			l.problem("%s: told %q, but it set the ticket's status to %s", label, text, l.seen.status[t])
		}
	}
}

// flowTicket is the ticket whose records flow made; ok false when it
// made none.
func (l *ledger) flowTicket(flow string) (int64, bool) {
	b := l.book(flow)
	for _, id := range b.comments {
		return l.seen.comments[id].TicketID, true
	}
	for id := range b.timers {
		return l.seen.timers[id].TicketID, true
	}
	return 0, false
}

// final checks the end state: every flow finished (or, having written
// nothing, left as told); no record made twice; every minute in Syncro
// told to someone; no invoice twice; one session log per close that
// filed one. It returns every problem the rig found.
func (r *chaosRig) final() []string {
	r.t.Helper()
	l := r.led
	logsDone := 0
	for _, id := range l.tickets {
		flows, err := r.st.FlowsForTicket(id)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, f := range flows {
			b := l.book(f.ID)
			var p flowParams
			_ = json.Unmarshal(f.Params, &p)
			what := fmt.Sprintf("%s flow %s on #%d (%q, %d min)", f.Kind, short(f.ID), p.Number, p.Body, p.Minutes)
			if len(b.comments) > 1 {
				l.problem("%s: its comment is in Syncro %d times: %v", what, len(b.comments), b.comments)
			}
			if len(b.timers) > 1 {
				l.problem("%s: its time is in Syncro %d times: %v", what, len(b.timers), b.timers)
			}
			for _, m := range b.timers {
				if !b.claimed[m] {
					l.problem("%s: Syncro holds its %d min, and no reply told anyone", what, m)
				}
			}
			if !f.Finished() {
				if _, _, resumable := r.tk.leftOff(f); resumable {
					l.problem("%s: left pending (%s)", what, stepStates(f))
				} else if l.wrote(f.ID) {
					l.problem("%s: wrote %s, but is neither finished nor resumable (%s)", what, b, stepStates(f))
				}
				continue
			}
			for _, s := range f.Steps {
				var res stepResult
				_ = json.Unmarshal(s.Result, &res)
				switch {
				case s.State != store.StepDone:
				case s.Name == stepComment && (len(b.comments) != 1 || b.comments[0] != res.CommentID):
					l.problem("%s: records comment %d, Syncro has %v of it", what, res.CommentID, b.comments)
				case s.Name == stepTime && (len(b.timers) != 1 || b.timers[res.TimerID] != p.Minutes):
					l.problem("%s: records timer %d, Syncro has %v of it", what, res.TimerID, b.timers)
				case s.Name == stepSessionLog:
					logsDone++
				}
			}
		}
	}
	files := 0
	_ = filepath.WalkDir(r.logs, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files++
		}
		return nil
	})
	if files != logsDone {
		l.problem("%d session logs filed for %d closes that wrote one", files, logsDone)
	}
	return l.problems
}

// stepStates is "comment=done time=unknown …".
func stepStates(f store.Flow) string {
	var parts []string
	for _, s := range f.Steps {
		parts = append(parts, s.Name+"="+string(s.State))
	}
	return strings.Join(parts, " ")
}

// summary is the run in short: the journal and the end state, equal for
// two runs of one seed.
func (r *chaosRig) summary() string {
	var b strings.Builder
	for _, line := range r.journal {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for _, id := range r.led.tickets {
		tk, _ := r.srv.Ticket(id)
		var minutes []int
		for _, tm := range r.srv.Timers(id) {
			minutes = append(minutes, tm.Minutes())
		}
		fmt.Fprintf(&b, "#%d %s: %d comments, timers %v, %d line items\n", tk.Number, tk.Status, len(r.srv.Comments(id)), minutes, len(r.srv.LineItems(id)))
	}
	fmt.Fprintf(&b, "%d invoices\n", len(r.led.seen.invoices))
	return b.String()
}

// countComments counts the comments in list with subject and body.
func countComments(list []syncrotest.Comment, subject, body string) int {
	n := 0
	for _, c := range list {
		if c.Subject == subject && c.Body == body {
			n++
		}
	}
	return n
}
