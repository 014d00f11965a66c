package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// storeFixture is a writeFixture whose Commands run on a real store in a
// temp dir, so tests can "restart" the bot: close the store, reopen it and
// build new Commands, as a new process would.
type storeFixture struct {
	*writeFixture
	dir    string
	st     *store.Store
	crash  *crashingStore
	client *syncro.Client
	// storeOpts open the store (a test's own clock); set them, then
	// restart.
	storeOpts []store.Option
}

func newStoreFixture(t *testing.T, opts ...syncrotest.Option) *storeFixture {
	t.Helper()
	now := func() time.Time { return syncrotest.SeedNow }
	srv := syncrotest.NewServer(t, append([]syncrotest.Option{syncrotest.WithClock(now)}, opts...)...)
	client, err := syncro.NewClient(syncro.Config{
		BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &storeFixture{writeFixture: &writeFixture{Fixture: &commandstest.Fixture{Srv: srv}}, dir: t.TempDir(), client: client}
	f.open(t)
	t.Cleanup(func() { _ = f.st.Close() })
	return f
}

// open opens the store and builds Commands on it, filing session logs in
// f.Logs (kept across restarts, as SESSION_LOG_DIR is).
func (f *storeFixture) open(t *testing.T) {
	t.Helper()
	st, err := store.Open(f.dir, f.storeOpts...)
	if err != nil {
		t.Fatal(err)
	}
	f.st = st
	f.crash = &crashingStore{Store: st}
	if f.Logs == "" {
		f.Logs = t.TempDir()
	}
	now := func() time.Time { return syncrotest.SeedNow }
	f.C, f.tk = newCommands(t, commands.Deps{
		Syncro: f.client, Now: now, Store: f.crash,
		SessionLogs: &sessionlog.Writer{Root: f.Logs, Now: now},
	})
}

// restart plays a bot restart: whatever was in flight is cut off.
func (f *storeFixture) restart(t *testing.T) {
	t.Helper()
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t)
}

// crashAt makes the next run of step die right after its Syncro work,
// before the bot records it.
func (f *storeFixture) crashAt(step string) { f.crash.arm(step) }

// crashingStore is the store of a process that can be killed between
// "Syncro wrote it" and "the bot knows it": once armed for a step, the next
// Complete or Fail of that step's claim — the bot recording the step's
// outcome — panics instead.
type crashingStore struct {
	commands.Store
	mu    sync.Mutex
	step  string // armed step; "" when disarmed
	flows map[string]bool
	// forget makes Claim lose every claim a write left pending, as if
	// its record had expired.
	forget bool
}

func (s *crashingStore) forgetClaims() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forget = true
}

// Claim loses a pending claim first when told to forget: the caller then
// acquires it afresh, as after the claim's record expired.
func (s *crashingStore) Claim(ctx context.Context, key, intent string) (store.Claim, error) {
	s.mu.Lock()
	forget := s.forget
	s.mu.Unlock()
	if forget {
		_ = s.Store.Fail(key, "forgotten", true) // a done claim stays done
	}
	return s.Store.Claim(ctx, key, intent)
}

func (s *crashingStore) arm(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step = step
}

// GetFlow notes the flows being run, to know their steps' claim keys.
func (s *crashingStore) GetFlow(id string) (store.Flow, error) {
	s.mu.Lock()
	if s.flows == nil {
		s.flows = map[string]bool{}
	}
	s.flows[id] = true
	s.mu.Unlock()
	return s.Store.GetFlow(id)
}

func (s *crashingStore) Complete(key string, outcome []byte) error {
	s.crashIfArmed(key)
	return s.Store.Complete(key, outcome)
}

func (s *crashingStore) Fail(key, errMsg string, retryable bool) error {
	s.crashIfArmed(key)
	return s.Store.Fail(key, errMsg, retryable)
}

func (s *crashingStore) crashIfArmed(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step == "" {
		return
	}
	for id := range s.flows {
		if store.Key(id, s.step) == key {
			s.step = ""
			panic(errSimulatedCrash)
		}
	}
}

var errSimulatedCrash = fmt.Errorf("simulated crash")

// submitCrashing submits s and swallows the simulated crash.
func (f *storeFixture) submitCrashing(t *testing.T, s commands.Submission) (r commands.Reply, crashed bool) {
	t.Helper()
	return f.doCrashing(t, func() commands.Reply { return f.C.Submit(t.Context(), s) })
}

// doCrashing runs do and swallows the simulated crash.
func (f *storeFixture) doCrashing(t *testing.T, do func() commands.Reply) (r commands.Reply, crashed bool) {
	t.Helper()
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

// finishButton is the flow id on a reply's Finish button; "" when none.
func finishButton(r commands.Reply) string { return buttonValue(r.Blocks, ActionFinish) }

// buttonValue is the value of the first button with actionID in blocks;
// "" when there is none.
func buttonValue(blocks []slack.Block, actionID string) string {
	raw := string(commands.EncodeReply(commands.Reply{Blocks: blocks}))
	i := strings.Index(raw, `"action_id":"`+actionID+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(raw[i:], `"value":"`)
	if j < 0 {
		return ""
	}
	v := raw[i+j+len(`"value":"`):]
	return v[:strings.Index(v, `"`)]
}

// finish clicks Finish on flow id.
func (f *storeFixture) finish(t *testing.T, id, ts string) commands.Reply {
	t.Helper()
	return f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionFinish, Value: id, MessageTS: ts})
}

// pendingFlows is the unfinished flows recorded on the tickets with ids,
// oldest first: what a tech would find Finish buttons for.
func (f *storeFixture) pendingFlows(t *testing.T, ids ...int64) []store.Flow {
	t.Helper()
	var pending []store.Flow
	for _, id := range ids {
		flows, err := f.st.FlowsForTicket(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range slices.Backward(flows) {
			if !fl.Finished() {
				pending = append(pending, fl)
			}
		}
	}
	return pending
}

// billState is what a bill may change on one ticket.
type billState struct {
	comments, timers, minutes, invoices int
	status                              string
}

func (f *storeFixture) billState(t *testing.T, n int64) billState {
	t.Helper()
	tk := f.Ticket(t, n)
	s := billState{comments: len(f.Srv.Comments(tk.ID)), status: tk.Status}
	for _, tm := range f.Srv.Timers(tk.ID) {
		s.timers++
		s.minutes += tm.Minutes()
	}
	for _, inv := range f.Srv.Invoices() {
		if inv.TicketID == tk.ID {
			s.invoices++
		}
	}
	return s
}

// billFormFor fills the bill form of ticket n as a storeFixture.
func (f *storeFixture) billForm(t *testing.T, n int64, viewID, minutes string) commands.Submission {
	t.Helper()
	v := f.OpenModal(t, fmt.Sprintf("bill %d", n))
	return form(v, viewID, typed(commands.BlockMinutes, minutes), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, "Work "+viewID))
}

func TestFlow_ConcurrentDoubleBillSubmitWritesOnce(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	before := f.billState(t, syncrotest.SeedTicketNAS)
	s := f.billForm(t, syncrotest.SeedTicketNAS, "V-double", "60")
	var wg sync.WaitGroup
	replies := make([]commands.Reply, 3)
	for i := range replies {
		wg.Go(func() { replies[i] = f.C.Submit(t.Context(), s) })
	}
	wg.Wait()
	after := f.billState(t, syncrotest.SeedTicketNAS)
	if after.comments-before.comments != 1 || after.timers-before.timers != 1 || after.invoices != 1 {
		t.Errorf("before %+v after %+v; replies %+v", before, after, replies)
	}
	for _, r := range replies {
		// Every delivery tells the tech the outcome of the one that ran.
		if !strings.Contains(r.Text, "Invoiced #32145: 60 min logged") {
			t.Errorf("reply = %q", r.Text)
		}
	}
	// After a restart the same submission still writes nothing.
	f.restart(t)
	r := f.C.Submit(t.Context(), s)
	if again := f.billState(t, syncrotest.SeedTicketNAS); again != after || !strings.Contains(r.Text, "Invoiced #32145: 60 min logged") {
		t.Errorf("resubmit after restart wrote: %+v → %+v (%q)", after, again, r.Text)
	}
}

func TestFlow_SlashEnvelopeDeliveredTwiceWritesOnce(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	own := f.Ticket(t, syncrotest.SeedTicketOwnCloud)
	comments, timers := len(f.Srv.Comments(own.ID)), len(f.Srv.Timers(own.ID))
	req := commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "comment 32150 Swapped the PSU --time 45m", EnvelopeID: "env-twice"}
	var wg sync.WaitGroup
	replies := make([]commands.Reply, 2)
	for i := range replies {
		wg.Go(func() { replies[i] = f.C.Slash(t.Context(), req) })
	}
	wg.Wait()
	f.restart(t)
	third := f.C.Slash(t.Context(), req)
	if d := len(f.Srv.Comments(own.ID)) - comments; d != 1 {
		t.Errorf("%d comments added, want 1", d)
	}
	if d := len(f.Srv.Timers(own.ID)) - timers; d != 1 {
		t.Errorf("%d timers added, want 1", d)
	}
	if replies[0].Text != replies[1].Text || third.Text != replies[0].Text {
		t.Errorf("replies differ: %q / %q / %q", replies[0].Text, replies[1].Text, third.Text)
	}
	// The same words in a new envelope are typed again: asked about first
	// (retype.go), and new work once Dana says so.
	req.EnvelopeID = "env-new"
	q := f.C.Slash(t.Context(), req)
	if d := len(f.Srv.Comments(own.ID)) - comments; d != 1 {
		t.Errorf("%d comments after a new envelope, before Dana answered; want 1", d)
	}
	f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ChannelID: "C0TECHS", ActionID: ActionLogAgain, Value: buttonValue(q.Blocks, ActionLogAgain), MessageTS: "ts-again"})
	if d := len(f.Srv.Comments(own.ID)) - comments; d != 2 {
		t.Errorf("%d comments after Log it again, want 2", d)
	}
}

func TestFlow_FinishDoubleClickInvoicesOnce(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "90")
	f.Srv.Fail("POST", "/invoices", 1, syncrotest.FaultServerError)
	r := f.C.Submit(t.Context(), s)
	want := "90 min logged on #32145 as Labor - Remote Business; 1 time entry charged (90 min); the invoice was not created: Syncro answered 500."
	if !strings.HasPrefix(r.Text, want) {
		t.Fatalf("reply = %q\nwant %q", r.Text, want)
	}
	id := finishButton(r)
	if id == "" {
		t.Fatalf("no Finish button: %+v", r)
	}
	var wg sync.WaitGroup
	replies := make([]commands.Reply, 2)
	for i := range replies {
		wg.Go(func() { replies[i] = f.finish(t, id, "1700000000.000100") })
	}
	wg.Wait()
	// A second Finish button (another message) finds nothing to do.
	third := f.finish(t, id, "1700000000.000200")
	st := f.billState(t, syncrotest.SeedTicketNAS)
	if st.invoices != 1 || st.status != "Invoiced" {
		t.Errorf("state %+v; replies %q %q %q", st, replies[0].Text, replies[1].Text, third.Text)
	}
	if !strings.HasPrefix(replies[0].Text, "Invoiced #32145: 90 min logged") || !strings.Contains(replies[0].Text, "created") {
		t.Errorf("finish reply = %q", replies[0].Text)
	}
}

// TestFlow_FaultAtEachBillingStep fails each Syncro write of a bill in turn,
// as a plain 500 (nothing written), as "commit then 500" (written, but the
// bot is told it failed) and as "commit then 200 with an unusable body"
// (written, but the answer does not show it): Finish completes, no minute
// is lost or doubled and there is exactly one invoice.
func TestFlow_FaultAtEachBillingStep(t *testing.T) {
	t.Parallel()
	type point struct {
		name, method, path string
		opts               []syncrotest.Option
	}
	points := []point{
		{"comment", "POST", "/tickets/*/comment", nil},
		{"timer_entry", "POST", "/tickets/*/timer_entry", []syncrotest.Option{syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments)}},
		{"charge", "POST", "/tickets/*/charge_timer_entry", nil},
		{"invoice", "POST", "/invoices", nil},
		{"status", "PUT", "/tickets/*", nil},
	}
	for _, p := range points {
		for _, fault := range append([]syncrotest.Fault{syncrotest.FaultServerError, syncrotest.FaultCommitThenFail}, faultsCommitThen2xxUnusable...) {
			t.Run(p.name+"/"+fault.String(), func(t *testing.T) {
				t.Parallel()
				f := newStoreFixture(t, p.opts...)
				before := f.billState(t, syncrotest.SeedTicketNAS)
				s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "75")
				f.Srv.Fail(p.method, p.path, 1, fault)
				r := f.C.Submit(t.Context(), s)
				for i := 0; i < 3 && finishButton(r) != ""; i++ {
					r = f.finish(t, finishButton(r), fmt.Sprint("ts", i))
				}
				if finishButton(r) == "" && !strings.HasPrefix(r.Text, "Invoiced #32145") {
					// A first step that wrote nothing says so plainly; billing again is safe.
					if !strings.Contains(r.Text, "nothing was billed") {
						t.Fatalf("reply = %q", r.Text)
					}
					r = f.C.Submit(t.Context(), f.billForm(t, syncrotest.SeedTicketNAS, "V2", "75"))
				}
				after := f.billState(t, syncrotest.SeedTicketNAS)
				if after.minutes-before.minutes != 75 || after.invoices != 1 || after.status != "Invoiced" {
					t.Errorf("before %+v after %+v; last reply %q", before, after, r.Text)
				}
				for _, tm := range f.Srv.Timers(f.Ticket(t, syncrotest.SeedTicketNAS).ID) {
					if !tm.Recorded {
						t.Errorf("timer %d not charged", tm.ID)
					}
				}
			})
		}
	}
}

// TestFlow_CrashAfterEachStepThenFinishAfterRestart kills the flow right
// after each step's Syncro write, before the bot records it, restarts (same
// store, new Commands) and finishes: the step is read back, not redone.
func TestFlow_CrashAfterEachStepThenFinishAfterRestart(t *testing.T) {
	t.Parallel()
	for _, step := range []string{stepGuard, stepComment, stepTime, stepCharge, stepInvoice, stepStatus} {
		for _, how := range []string{"finish", "redeliver"} {
			t.Run(step+"/"+how, func(t *testing.T) {
				t.Parallel()
				f := newStoreFixture(t)
				before := f.billState(t, syncrotest.SeedTicketNAS)
				s := f.billForm(t, syncrotest.SeedTicketNAS, "V1", "50")
				f.crashAt(step)
				if _, crashed := f.submitCrashing(t, s); !crashed {
					t.Fatal("did not crash")
				}
				f.restart(t)
				var r commands.Reply
				if how == "finish" {
					pending := f.pendingFlows(t, f.Ticket(t, syncrotest.SeedTicketNAS).ID)
					if len(pending) != 1 {
						t.Fatalf("pending flows %d, want 1", len(pending))
					}
					r = f.finish(t, pending[0].ID, "ts-after-restart")
				} else {
					r = f.C.Submit(t.Context(), s)
				}
				after := f.billState(t, syncrotest.SeedTicketNAS)
				if after.minutes-before.minutes != 50 || after.comments-before.comments != 1 || after.invoices != 1 || after.status != "Invoiced" {
					t.Errorf("before %+v after %+v; reply %q", before, after, r.Text)
				}
				if !strings.HasPrefix(r.Text, "Invoiced #32145") {
					t.Errorf("reply = %q", r.Text)
				}
			})
		}
	}
}

func TestFlow_CloseCrashAfterStatusFinishesNoticeAndKeepsOneComment(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	pr := f.Ticket(t, syncrotest.SeedTicketPrinter)
	comments := len(f.Srv.Comments(pr.ID))
	v := f.OpenModal(t, "close 32151")
	s := form(v, "V1", typed(commands.BlockResolution, "Replaced the fuser."), typed(commands.BlockMinutes, "20"), picked(commands.BlockLabor, "remote", "remote"), ticked(commands.BlockCloseOptions, commands.CloseOptionNotify))
	f.crashAt(stepStatus)
	if _, crashed := f.submitCrashing(t, s); !crashed {
		t.Fatal("did not crash")
	}
	f.restart(t)
	r := f.C.Submit(t.Context(), s)
	if d := len(f.Srv.Comments(pr.ID)) - comments; d != 1 {
		t.Errorf("%d comments, want 1", d)
	}
	if len(r.Notices) != 1 || !strings.HasPrefix(r.Text, "Closed #32151") {
		t.Errorf("reply %q, %d notices", r.Text, len(r.Notices))
	}
}

func TestFlow_TimerPathSurvivesRestart(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t, syncrotest.WithTimeMode(syncrotest.TimeIgnoredOnComments))
	f.Slash(t, "comment 32150 first --time 10m")
	f.restart(t)
	_, reqs := f.Slash(t, "comment 32150 second --time 10m")
	// Straight to timer_entry: the comment goes without time fields.
	if body := commentBody(t, reqs); commandstest.CountReqs(reqs, "POST", "/timer_entry") != 1 || body["minutes_spent"] != nil {
		t.Errorf("after restart the timer path was not remembered:%s", commandstest.ReqLines(reqs))
	}
}

func TestAudit_ShowsTheBotsWritesNewestFirst(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	f.C.Submit(t.Context(), f.billForm(t, syncrotest.SeedTicketNAS, "V1", "30"))
	evil := commandstest.Dana
	evil.Name = "<@U0EVIL> *Eve*"
	f.C.Slash(t.Context(), commands.Request{Actor: evil, ChannelID: "C0TECHS", Text: "comment 32145 note", EnvelopeID: "e2"})
	r := f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: "audit 32145", EnvelopeID: "e3"})
	lines := strings.Split(r.Text, "\n")
	// Newest first: the later comment, then the bill's status, invoice,
	// charge, time and comment.
	if len(lines) != 7 || !strings.Contains(lines[1], "comment") || !strings.Contains(lines[2], "status") || !strings.Contains(r.Text, "invoice") || !strings.Contains(r.Text, "charge") {
		t.Errorf("reply:\n%s", r.Text)
	}
	if strings.Contains(r.Text, "<@U0EVIL>") {
		t.Errorf("audit pings a user:\n%s", r.Text)
	}
}

func TestAudit_RecordsUpdatesAndLogTime(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	f.C.Slash(t.Context(), commands.Request{Actor: commandstest.Dana, ChannelID: "C0TECHS", Text: `update 32150 --status "Waiting on Customer"`, EnvelopeID: "e1"})
	v := f.tk.logTimeModal(f.Ticket(t, 32150).ID, 32150, "C0TECHS").Modal
	r := f.C.Submit(t.Context(), form(v, "V1", typed(commands.BlockMinutes, "25"), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, "Checked backups.")))
	if r.Text != "#32150: 25 min logged as Labor - Remote Business." {
		t.Errorf("log time reply = %q", r.Text)
	}
	chicago := commandstest.Dana
	chicago.TimeZone = "America/Chicago"
	a := f.C.Slash(t.Context(), commands.Request{Actor: chicago, ChannelID: "C0TECHS", Text: "audit 32150", EnvelopeID: "e3"})
	// Time is named by its labor kind, and the times are in the tech's zone.
	wantAt := syncrotest.SeedNow.In(must(time.LoadLocation("America/Chicago"))).Format("2006-01-02 15:04")
	for _, want := range []string{"status — Status: In Progress → Waiting on Customer ✓", "time — 25 min, remote, for Dana Whitfield (Syncro user 52301) ✓", "comment — Time entry: Checked backups.", "times in America/Chicago", wantAt} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("audit lacks %q:\n%s", want, a.Text)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestFlow_StepThatGaveUpWaitingOnAStillRunningClaimClaimsNothing: Dana's
// bill is charging (Syncro holds the charge) when another run of the
// flow (a Finish on another replica) reaches the charge step and waits on
// its claim until its own time runs out. What it then says must not be
// that the time was not charged: the charge is still on its way, and
// lands.
func TestFlow_StepThatGaveUpWaitingOnAStillRunningClaimClaimsNothing(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	n := int64(syncrotest.SeedTicketNAS)
	before := f.billState(t, n)
	f.Srv.Fail("POST", "/tickets/*/charge_timer_entry", 1, syncrotest.FaultHang)
	s := f.billForm(t, n, "V-held", "60")
	first := make(chan commands.Reply, 1)
	go func() { first <- f.C.Submit(t.Context(), s) }()
	for f.Srv.Held() == 0 { // the charge is at Syncro
		select {
		case r := <-first:
			t.Fatalf("the bill ended before its charge reached Syncro: %q", replyText(r))
		case <-time.After(time.Millisecond):
		}
	}
	flows := f.pendingFlows(t, f.Ticket(t, n).ID)
	if len(flows) != 1 {
		t.Fatalf("%d unfinished flows on #%d, want the bill's", len(flows), n)
	}
	fr, _, ok := f.tk.leftOff(flows[0])
	if !ok {
		t.Fatal("the bill's flow is not one to finish")
	}
	// Its time is up while the first run holds the charge: a deadline
	// that lets the claim be asked and ends in the wait (doubled when the
	// machine was too slow to ask it in time).
	var err error
	for d := 20 * time.Millisecond; ; d *= 2 {
		ctx, cancel := context.WithTimeout(t.Context(), d)
		_, err = fr.runStep(ctx, store.Step{Name: stepCharge})
		cancel()
		var se *errStore
		if !errors.As(err, &se) {
			break
		}
	}
	text := replyText(fr.failedReply(t.Context(), stepCharge, err))
	f.Srv.ReleaseHangs()
	<-first
	if after := f.billState(t, n); after.invoices != before.invoices+1 {
		t.Fatalf("Syncro holds %d new invoices, want 1", after.invoices-before.invoices)
	}
	t.Logf("says: %s", strings.SplitN(text, "\n", 2)[0])
	if err == nil || strings.Contains(text, "not charged") || !strings.Contains(text, "had started the charge and not finished it") || !strings.Contains(text, "Finish checks Syncro") {
		t.Errorf("a run that gave up waiting on the charge's claim: err %v, says %q; want that Syncro may hold it, and Finish checks", err, text)
	}
}
