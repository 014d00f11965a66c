package tickets

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The chaos tests: the writes people make (comment, comment with time,
// Log time, bill, close) under every fault at every request of their
// flows, and a crash at every step, in both ways an account logs time;
// then a seeded run of many techs writing the same texts and minutes on
// busy tickets, with faults, redeliveries, restarts and weeks passing.
// Each checks what Syncro holds against what people were told
// (chaosRig.final): every minute a reply said was logged is in Syncro
// once, every minute in Syncro was told to someone, no reply says
// nothing landed while something did, no invoice twice, nothing left
// pending.

// chaosMode is how the account logs time, and who writes.
type chaosMode struct {
	name string
	time syncrotest.TimeMode
	// actor writes in the matrices: Dana, the API key's owner, or Lena,
	// whose time is a timer entry in her own Syncro user's name.
	actor commands.Actor
}

// chaosModes are the techs who write: Dana, who owns the API key, and
// Lena, another Syncro user. Each one's time is a timer entry in their
// Syncro user's name (README, "Whose time it is"), so the account's
// handling of time on comments changes no request a new flow sends: a
// mode on an account ignoring it ran the same requests as the first, and
// was dropped.
var chaosModes = []chaosMode{
	{"key-owner", syncrotest.TimeFromComments, commandstest.Dana},
	{"matched-tech", syncrotest.TimeFromComments, chaosActors[1]},
}

// chaosKind is one kind of write a tech makes.
type chaosKind struct {
	name          string
	minutes       int
	subject, body string // of the comment it writes
	// do makes it as a on ct; a form is opened first, without faults.
	do func(r *chaosRig, a commands.Actor, ct chaosTicket, how redelivery, plan []aimedFault) actResult
}

const chaosText = "Rebooted the router."

var chaosKinds = []chaosKind{
	{"comment", 0, commentSubject, chaosText,
		func(r *chaosRig, a commands.Actor, ct chaosTicket, how redelivery, plan []aimedFault) actResult {
			return r.comment(a, ct, chaosText, 0, how, plan)
		}},
	{"comment+time", 30, commentSubject, chaosText,
		func(r *chaosRig, a commands.Actor, ct chaosTicket, how redelivery, plan []aimedFault) actResult {
			return r.comment(a, ct, chaosText, 30, how, plan)
		}},
	{"log time", 30, logTimeSubject, "Logged 30 min.",
		formKind(flowLogTime, commands.CallbackLogTime, formFields{minutes: 30})},
	{"bill", 30, billSubject, "Billed 30 min.",
		formKind("bill", commands.CallbackBill, formFields{minutes: 30})},
	{"close", 30, resolutionSubject, chaosText,
		formKind("close", commands.CallbackClose, formFields{minutes: 30, notes: chaosText})},
}

// formKind opens form kind and submits ff in it.
func formKind(kind, callback string, ff formFields) func(r *chaosRig, a commands.Actor, ct chaosTicket, how redelivery, plan []aimedFault) actResult {
	return func(r *chaosRig, a commands.Actor, ct chaosTicket, how redelivery, plan []aimedFault) actResult {
		rep := r.form(a, ct, kind)
		if rep.Modal == nil || rep.Modal.CallbackID != callback {
			r.t.Fatalf("the %s form of #%d did not open: %s", kind, ct.number, shownText(rep))
		}
		return r.submit(a, ct, rep.Modal, ff, how, plan)
	}
}

// lookalikes gives ct what the write must not take for its own: the same
// text written by someone else in the web app (with the same minutes
// where the account logs time from comments), and a web-app timer with
// the same minutes, product and notes.
func (k chaosKind) lookalikes(r *chaosRig, ct chaosTicket) {
	product := r.tk.cfg.Labor["remote"]
	r.busy(ct, 4, k.subject, k.body)
	r.webComment(ct, k.subject, k.body, k.minutes, product)
	if k.minutes > 0 {
		r.webTime(ct, k.minutes, product, notesHead(k.body))
	}
}

// aimsFor lists the fault plans tried at request at of method, one per
// way the bot can see it go wrong: a GET fails for good (refused; broken;
// its retries don't absorb either) or answers 2xx with half a body or
// with nothing; a POST is refused for good, fails unwritten, or is
// written and answered 500, half a body or nothing, and with the
// read-back after it failing too (for good, with half a body, or with
// an answer that lacks what was asked for); a PUT is refused for good, written and
// answered 500 on every retry, or with half a body.
func aimsFor(at int, method string) [][]aimedFault {
	one := func(f chaosFault, sticky bool) []aimedFault { return []aimedFault{{at: at, fault: f, sticky: sticky}} }
	switch method {
	case "GET":
		return [][]aimedFault{one(cfRateLimit, true), one(cfServerError, true), one(cfCommitThenGarbage, false), one(cfCommitThenEmpty, false)}
	case "POST":
		return [][]aimedFault{one(cfRateLimit, true), one(cfServerError, false),
			one(cfCommitThenFail, false), one(cfCommitThenGarbage, false), one(cfCommitThenEmpty, false),
			{{at: at, fault: cfCommitThenFail}, {at: at + 1, fault: cfServerError, sticky: true}},
			{{at: at, fault: cfCommitThenFail}, {at: at + 1, fault: cfCommitThenEmpty}},
			{{at: at, fault: cfCommitThenLost}, {at: at + 1, fault: cfCommitThenGarbage}}}
	}
	return [][]aimedFault{one(cfRateLimit, true), one(cfCommitThenFail, true), one(cfCommitThenGarbage, false)}
}

// chaosCase is one run of the matrix on a rig of its own.
type chaosCase struct {
	name string
	run  func(r *chaosRig)
}

// runCases runs each case on a fresh rig (so none sees another's mess
// and Syncro stays small) and reports its problems under its name.
func runCases(t *testing.T, mode syncrotest.TimeMode, cases []chaosCase) {
	t.Helper()
	for _, c := range cases {
		r := newChaosRig(t, mode)
		c.run(r)
		for _, p := range r.final() {
			t.Errorf("%s: %s", c.name, p)
		}
		if t.Failed() && testing.Verbose() {
			t.Logf("%s:\n%s", c.name, r.summary())
		}
	}
}

// write makes k as m's actor on a fresh busy ticket holding look-alikes of it,
// with plan; the ticket gets busier, and the tech presses Finish while shown.
func (m chaosMode) write(r *chaosRig, k chaosKind, plan []aimedFault) actResult {
	r.learnNames()
	ct := r.newTicket(11)
	k.lookalikes(r, ct)
	res := k.do(r, m.actor, ct, deliverOnce, plan)
	// The ticket gets busy before Finish: the write is pages down.
	r.busy(ct, 11, "", "")
	r.settle(3)
	return res
}

// chaosFull reports whether the matrices run whole (CHAOS_FULL=1): every
// fault plan at every request, every crash point and downtime at every
// step. By default each request meets one plan and each step one crash,
// picked in turn (pickInTurn), so every request and step is still hit,
// the plans and crash points spread over the requests, kinds and modes,
// and the package stays within CI's time (BENCHMARKS.md, "Chaos tests").
func chaosFull() bool { return os.Getenv("CHAOS_FULL") == "1" }

// pickInTurn is all of cases in a full run, else the one case at turn i
// (taken round the list), so that a matrix's rows meet different ones.
func pickInTurn[T any](cases []T, i int) []T {
	if chaosFull() || len(cases) == 0 {
		return cases
	}
	j := i % len(cases)
	return cases[j : j+1]
}

// TestChaos_FaultAtEveryRequest makes each kind of write, in each way of
// logging time, once for every fault at every request its flow sends (as
// a run without faults sends them), on a busy ticket holding look-alikes
// of it; the tech presses Finish while it is shown. Without CHAOS_FULL,
// one fault per request (chaosFull).
func TestChaos_FaultAtEveryRequest(t *testing.T) {
	t.Parallel()
	for mi, m := range chaosModes {
		for ki, k := range chaosKinds {
			if k.minutes == 0 && m.name != "key-owner" {
				continue // no time: the way of logging it plays no part
			}
			t.Run(m.name+"/"+k.name, func(t *testing.T) {
				t.Parallel()
				var probe actResult
				runCases(t, m.time, []chaosCase{{"no fault", func(r *chaosRig) { probe = m.write(r, k, nil) }}})
				var cases []chaosCase
				for at, req := range probe.requests {
					method, _, _ := strings.Cut(req, " ")
					for _, plan := range pickInTurn(aimsFor(at, method), at+ki+mi) {
						name := fmt.Sprintf("%v at %s", plan, req)
						cases = append(cases, chaosCase{name, func(r *chaosRig) {
							if res := m.write(r, k, plan); len(res.fired) == 0 {
								r.led.problem("fired nothing: %v", res.requests)
							}
						}})
					}
				}
				runCases(t, m.time, cases)
				t.Logf("%d fault cases at %v", len(cases), probe.requests)
			})
		}
	}
}

// TestChaos_CrashAtEveryStep makes each kind of write, in each way of
// logging time, once for every step of its flow and every place in the
// step the bot can die (before the write, after it, after its claim is
// done); a minute or eight days (past the claims' expiry) later the bot
// starts again, its start tells the tech, who presses the Finish it
// showed. Without CHAOS_FULL, one crash per step (chaosFull).
func TestChaos_CrashAtEveryStep(t *testing.T) {
	t.Parallel()
	for mi, m := range chaosModes {
		for ki, k := range chaosKinds {
			if k.minutes == 0 && m.name != "key-owner" {
				continue
			}
			t.Run(m.name+"/"+k.name, func(t *testing.T) {
				t.Parallel()
				// The flow's steps, as a run without faults records them.
				var steps []string
				runCases(t, m.time, []chaosCase{{"no crash", func(r *chaosRig) {
					f, err := r.st.GetFlow(m.write(r, k, nil).flow)
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range f.Steps {
						steps = append(steps, s.Name)
					}
				}}})
				var cases []chaosCase
				for si, step := range steps {
					var atStep []chaosCase
					for _, point := range crashPoints {
						if point == crashBeforeWrite && auditAction(step) == "" && step != stepSessionLog {
							continue // steps that write nothing to Syncro are not marked before
						}
						for _, after := range crashAfters[point] {
							name := fmt.Sprintf("crash %s %s, back after %s", point, step, after)
							atStep = append(atStep, chaosCase{name, func(r *chaosRig) { m.crash(r, k, step, point, after) }})
						}
					}
					cases = append(cases, pickInTurn(atStep, si+ki+mi)...)
				}
				runCases(t, m.time, cases)
				t.Logf("%d crash cases at %v", len(cases), steps)
			})
		}
	}
}

// crashAfters is how long the bot stays down after each kind of crash: a
// write whose answer the bot never recorded comes back after a minute and
// after its claim expired (a week), the others after one of the two.
var crashAfters = map[crashPoint][]time.Duration{
	crashBeforeWrite: {time.Minute},
	crashAfterWrite:  {time.Minute, store.ClaimTTL + 24*time.Hour},
	crashAfterClaim:  {store.ClaimTTL + 24*time.Hour},
}

// crash makes k as m's actor with the bot dying at point of step, and brings
// the bot back after a while: the tech finishes from what the start told them.
func (m chaosMode) crash(r *chaosRig, k chaosKind, step string, point crashPoint, after time.Duration) {
	r.learnNames()
	ct := r.newTicket(11)
	k.lookalikes(r, ct)
	r.cs.arm(step, point)
	res := k.do(r, m.actor, ct, deliverOnce, nil)
	if !res.crashed {
		r.led.problem("did not crash")
		r.cs.disarm()
		return
	}
	r.busy(ct, 11, "", "")
	r.restart(after)
	if _, told := r.buttons[res.flow]; !told {
		if f, err := r.st.GetFlow(res.flow); err == nil && !f.Finished() {
			r.led.problem("the start did not tell %s about the cut-off %s (%s)", m.actor.Name, f.Kind, stepStates(f))
		}
	}
	r.settle(3)
}

// envInt reads a number from the environment, def when unset.
func envInt(t *testing.T, name string, def uint64) uint64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

const (
	chaosDefaultSeed = 20261124
	// chaosDefaultN is the actions of one seeded run; see TestChaos_Seeded
	// for what it costs.
	chaosDefaultN = 150
)

// TestChaos_Seeded runs a seeded schedule of many techs writing the same
// texts and minutes on a few busy tickets: comments, Log time, bills and
// closes, delivered once, twice or twice at once, with faults aimed at
// their requests, Finish pressed now, later or never, the bot dying
// mid-step and coming back after a minute or after the claims expired,
// the web app writing look-alikes and invoices, new tickets, Syncro's
// clock up to half an hour off the bot's, and its answers' Date stripped
// for a while. At the end the techs
// press every Finish they were shown, the bot restarts once more and they
// press what its start told them. CHAOS_SEED and CHAOS_N pick the run;
// the same seed makes the same run (TestChaos_SameSeedSameRun).
func TestChaos_Seeded(t *testing.T) {
	t.Parallel()
	seed := envInt(t, "CHAOS_SEED", chaosDefaultSeed)
	n := int(envInt(t, "CHAOS_N", chaosDefaultN))
	// One mode: every tech's time is a timer entry in their Syncro user's
	// name (README, "Whose time it is"), so the account's handling of
	// time on comments changes nothing a new flow sends; a second mode
	// ran the same requests and gave a byte-identical summary.
	for _, m := range []chaosMode{chaosModes[0]} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			sum, problems := chaosRun(t, m, seed, n)
			for _, p := range problems {
				t.Error(p)
			}
			if t.Failed() {
				t.Logf("reproduce with CHAOS_SEED=%d CHAOS_N=%d; the run:\n%s", seed, n, sum)
			}
			t.Logf("seed %d, %d actions: %s; summary %x, %s", seed, n, chaosStats(sum), sha256.Sum256([]byte(sum)), time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestChaos_SameSeedSameRun runs one seed twice: the same actions, the
// same faults, the same replies and the same end state.
func TestChaos_SameSeedSameRun(t *testing.T) {
	t.Parallel()
	seed := envInt(t, "CHAOS_SEED", chaosDefaultSeed)
	one, _ := chaosRun(t, chaosModes[0], seed, 40)
	two, _ := chaosRun(t, chaosModes[0], seed, 40)
	if one != two {
		a, b := strings.Split(one, "\n"), strings.Split(two, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("seed %d: the runs part at line %d:\n%s\n%s", seed, i, a[i], b[i])
			}
		}
		t.Fatalf("seed %d: one run is longer: %d and %d lines", seed, len(a), len(b))
	}
}

// chaosSteps are the steps of the flows, for the seeded run's crashes.
var chaosSteps = []string{stepGuard, stepInvoicedCheck, stepComment, stepTime, stepChargeCheck, stepCharge, stepInvoice, stepStatus, stepNotice, stepSessionLog}

// chaosTexts are what the techs write, again and again.
var chaosTexts = []string{chaosText, "Checked the backups.", "Replaced the toner."}

// chaosRun runs seed's schedule of n actions on a rig of its own and
// returns the run's summary and the problems found.
func chaosRun(t *testing.T, m chaosMode, seed uint64, n int) (string, []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(k int) int { return rng.IntN(k) }
	// Syncro's clock is up to half an hour off the bot's.
	skew := time.Duration(pick(61)-30) * time.Minute
	r := newSkewedChaosRig(t, m.time, skew)
	r.note("Syncro's clock reads %s ahead of the bot's", skew)
	chance := func(p float64) bool { return rng.Float64() < p }
	tickets := []chaosTicket{r.newTicket(11), r.newTicket(3), r.newTicket(11), r.newTicket(0)}
	// plan aims faults at a flow's requests.
	plan := func() []aimedFault {
		if !chance(0.5) {
			return nil
		}
		f := aimedFault{at: pick(8), fault: chaosFaults[pick(len(chaosFaults))], sticky: chance(0.5)}
		p := []aimedFault{f}
		if chance(0.25) {
			p = append(p, aimedFault{at: f.at + 1, fault: chaosFaults[pick(len(chaosFaults))], sticky: chance(0.5)})
		}
		return p
	}
	how := func() redelivery {
		switch k := pick(20); {
		case k < 3:
			return deliverAgain
		case k < 6:
			return deliverAtOnce
		}
		return deliverOnce
	}
	// chaosWrite is what a write was, to type it again.
	type chaosWrite struct {
		a       commands.Actor
		ct      chaosTicket
		text    string
		minutes int
		k       chaosKind
		blank   bool // the form's notes left empty
	}
	var last chaosWrite
	// write makes one write of a random kind (or w again, a tech retyping
	// it); crash says the bot is to die in it (then it is delivered once).
	write := func(crash bool, again *chaosWrite) actResult {
		w := chaosWrite{chaosActors[pick(len(chaosActors))], tickets[pick(len(tickets))], chaosTexts[pick(len(chaosTexts))],
			[]int{15, 30, 60}[pick(3)], chaosKinds[pick(len(chaosKinds))], chance(0.4)}
		if again != nil {
			w = *again
		}
		last = w
		a, ct, text, minutes, k := w.a, w.ct, w.text, w.minutes, w.k
		h, p := how(), plan()
		if crash {
			h = deliverOnce
			// A step the write's flow lacks crashes nothing.
			r.cs.arm(chaosSteps[pick(len(chaosSteps))], crashPoints[pick(len(crashPoints))])
		}
		var res actResult
		switch k.name {
		case "comment":
			res = r.comment(a, ct, text, 0, h, p)
		case "comment+time":
			res = r.comment(a, ct, text, minutes, h, p)
		default:
			kind := map[string]string{"log time": flowLogTime, "bill": "bill", "close": "close"}[k.name]
			rep := r.form(a, ct, kind)
			switch {
			case rep.Modal != nil && rep.Modal.CallbackID != "":
				ff := formFields{minutes: minutes, notes: text}
				if k.name != "close" && w.blank {
					ff.notes = "" // the form's own notes: "Logged 30 min."
				}
				res = r.submit(a, ct, rep.Modal, ff, h, p)
			case replyFinish(rep) != "" && chance(0.6):
				// The form offers unfinished work's Finish: press it there.
				res = r.press(r.buttons[replyFinish(rep)], h, p)
			}
		}
		r.cs.disarm()
		return res
	}
	for range n {
		// Mostly minutes apart, so a retype often comes within the window
		// the bot asks about it in.
		r.clk.Advance(time.Duration(pick(12)) * time.Minute)
		switch k := pick(100); {
		case k < 64:
			write(false, nil)
		case k < 70:
			// The tech saw no reply, or an error, and types it again.
			if last.a.SlackUserID == "" {
				continue
			}
			write(false, &last)
		case k < 74:
			if len(r.questions) == 0 {
				continue
			}
			ids := slices.Sorted(maps.Keys(r.questions))
			r.answer(r.questions[ids[pick(len(ids))]], chance(0.6), how(), plan())
		case k < 84:
			if len(r.buttons) == 0 {
				continue
			}
			ids := slices.Sorted(maps.Keys(r.buttons))
			r.press(r.buttons[ids[pick(len(ids))]], how(), plan())
		case k < 89:
			if res := write(true, nil); res.crashed {
				after := time.Duration(1+pick(30)) * time.Minute
				if chance(0.3) {
					after = store.ClaimTTL + time.Duration(pick(72))*time.Hour
				}
				r.restart(after)
			}
		case k < 91:
			r.restart(time.Duration(pick(10)) * time.Minute)
		case k < 94:
			// A new ticket comes in for the techs to work on; the old one
			// stays watched, its Finish buttons may still be pressed.
			tickets[pick(len(tickets))] = r.newTicket(pick(15))
		case k < 95:
			// A proxy in front of Syncro starts or stops stripping its
			// answers' Date (syncroClock places them).
			r.tr.date = map[string]string{"": "-", "-": ""}[r.tr.date]
			r.note("Syncro's answers come with Date %q", r.tr.date)
		case k < 96:
			// Someone makes a ticket's invoice in the web app (once: a
			// second there would be theirs, not the bot's, to answer for).
			ct := tickets[pick(len(tickets))]
			if ticketInvoices(r.srv, ct.id) > 0 {
				continue
			}
			inv, _, err := r.web.Invoices.CreateFromTicket(r.t.Context(), ct.id, r.customer, "Standard")
			if err != nil {
				r.t.Fatal(err)
			}
			r.led.observe("web", "web")
			r.note("the web app: invoice #%s of #%d", inv.Number, ct.number)
		default:
			ct := tickets[pick(len(tickets))]
			k := chaosKinds[1+pick(len(chaosKinds)-1)]
			product := r.tk.cfg.Labor["remote"]
			if chance(0.5) {
				text := chaosTexts[pick(len(chaosTexts))]
				if r.inDoubt(ct) {
					// Not the techs' words while a write of theirs is in
					// doubt: made within the write's window (writeWindow)
					// nothing tells it from the write; made later, it is
					// TestFlow_WebCommentLikeACutOffWriteIsNotTakenForIt.
					text = "Customer says it works again."
				}
				r.webComment(ct, k.subject, text, []int{15, 30, 60}[pick(3)], product)
			} else {
				r.webTime(ct, []int{15, 30, 60}[pick(3)], product, notesHead(chaosTexts[pick(len(chaosTexts))]))
			}
		}
	}
	// The end: every question is answered and every Finish shown is
	// pressed with Syncro well; a last start tells of anything left, and
	// that is pressed too.
	r.tr.date = ""
	for _, id := range slices.Sorted(maps.Keys(r.questions)) {
		r.answer(r.questions[id], chance(0.5), deliverOnce, nil)
	}
	r.settle(3)
	r.restart(time.Minute)
	r.settle(3)
	problems := r.final()
	return r.summary(), problems
}

// stats counts what a run's summary shows happened.
func chaosStats(sum string) string {
	count := func(sub string) int { return strings.Count(sum, sub) }
	fired := 0
	for line := range strings.Lines(sum) {
		if _, f, ok := strings.Cut(line, " fired=["); ok && !strings.HasPrefix(f, "]") {
			fired += strings.Count(f[:strings.Index(f, "]")], "@")
		}
	}
	return fmt.Sprintf("%d faults met, %d crashes, %d restarts (%d past the claims' expiry), %d start posts, %d Finish presses, %d delivered twice at once, %d twice in a row, %d retypes asked about, %d answered, %d stretches without Date, %d web-app invoices",
		fired, count("crashed=true"), count("restart after"), count("past the claims' expiry"), count("start told"),
		count(" presses Finish "), count(" at-once "), count(" again "), count("log it again?"), count(" answers "),
		count(`come with Date "-"`), count("the web app: invoice"))
}
