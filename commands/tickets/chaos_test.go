package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The chaos test: many person actions (comment with and without time,
// bill, close, status update) from several techs on several tickets, under
// random 429s, 500s, hangs, commit-then-500s, redeliveries (the same key
// twice, sometimes at once) and one restart in the middle with a flow cut
// off mid-step. After finishing every pending flow, Syncro must hold every
// accepted minute exactly once and no ticket may have two invoices.
//
// CHAOS_SEED picks the run (printed on failure); CHAOS_N the number of
// actions.

const (
	chaosDefaultSeed = 20261124
	// chaosDefaultN keeps the test well under 30 s with -race on two busy
	// cores (measured: N=1000 takes about 26 s there).
	chaosDefaultN = 1000
	// chaosWorkers is how many actions run at once.
	chaosWorkers = 4
)

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

// chaosFault is one injectable failure.
type chaosFault struct {
	method, path string
	fault        syncrotest.Fault
}

var chaosFaults = []chaosFault{
	{"POST", "/tickets/*/comment", syncrotest.FaultServerError},
	{"POST", "/tickets/*/comment", syncrotest.FaultCommitThenFail},
	{"POST", "/tickets/*/comment", syncrotest.FaultHang},
	{"POST", "/tickets/*/comment", syncrotest.FaultRateLimit},
	{"POST", "/tickets/*/timer_entry", syncrotest.FaultCommitThenFail},
	{"POST", "/tickets/*/charge_timer_entry", syncrotest.FaultServerError},
	{"POST", "/tickets/*/charge_timer_entry", syncrotest.FaultCommitThenFail},
	{"POST", "/invoices", syncrotest.FaultServerError},
	{"POST", "/invoices", syncrotest.FaultCommitThenFail},
	{"POST", "/invoices", syncrotest.FaultHang},
	{"PUT", "/tickets/*", syncrotest.FaultServerError},
	{"PUT", "/tickets/*", syncrotest.FaultCommitThenFail},
	{"GET", "/tickets/*", syncrotest.FaultServerError},
	{"GET", "/tickets/*", syncrotest.FaultHang},
	{"GET", "/tickets/*/comments", syncrotest.FaultServerError},
	{"GET", "/invoices", syncrotest.FaultServerError},
	{"GET", "/tickets", syncrotest.FaultRateLimit},
	{"*", "/**", syncrotest.FaultRateLimit},
}

var chaosTickets = []int64{
	syncrotest.SeedTicketOwnCloud, syncrotest.SeedTicketPrinter, syncrotest.SeedTicketPingers,
	syncrotest.SeedTicketLongLog, syncrotest.SeedTicketVPN, syncrotest.SeedTicketNAS,
}

var chaosActors = []commands.Actor{
	commandstest.Dana,
	{SlackUserID: "U0LENA", SlackTeamID: "T0BAYLINE", Name: "Lena Park", CanBill: true},
	{SlackUserID: "U0RAVI", SlackTeamID: "T0BAYLINE", Name: "Ravi Shah", CanBill: false},
}

func TestChaos_EveryAcceptedMinuteOnceNoDoubleInvoice(t *testing.T) {
	t.Parallel()
	seed := envInt(t, "CHAOS_SEED", chaosDefaultSeed)
	n := int(envInt(t, "CHAOS_N", chaosDefaultN))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with CHAOS_SEED=%d CHAOS_N=%d", seed, n)
		}
	})
	start := time.Now()
	now := func() time.Time { return syncrotest.SeedNow }
	srv := syncrotest.NewServer(t, syncrotest.WithClock(now), syncrotest.WithRateLimit(0))
	client, err := syncro.NewClient(syncro.Config{
		BaseURL: srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 1_000_000,
		HTTPClient: &http.Client{Timeout: 400 * time.Millisecond},
		Sleep:      func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &storeFixture{writeFixture: &writeFixture{Fixture: &commandstest.Fixture{Srv: srv}}, dir: t.TempDir(), client: client}
	f.open(t)
	t.Cleanup(func() { _ = f.st.Close() })

	ids := map[int64]int64{} // number → id
	before := map[int64]int{}
	for _, num := range chaosTickets {
		tk := f.Ticket(t, num)
		ids[num] = tk.ID
		for _, tm := range srv.Timers(tk.ID) {
			before[num] += tm.Minutes()
		}
	}

	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	type action func(c *commands.Commands)
	var mu sync.Mutex // guards rng use inside actions
	pick := func(k int) int { mu.Lock(); defer mu.Unlock(); return rng.IntN(k) }

	statuses := []string{"In Progress", "Waiting on Customer", "New"}
	build := func(i int) (action, bool) {
		num := chaosTickets[pick(len(chaosTickets))]
		actor := chaosActors[pick(len(chaosActors))]
		minutes := 1 + pick(240)
		text := fmt.Sprintf("chaos %d/%d", seed, i)
		env := "env-" + strconv.Itoa(i)
		switch k := pick(10); {
		case k < 4: // comment with time
			req := commands.Request{Actor: actor, ChannelID: "C0TECHS", EnvelopeID: env,
				Text: fmt.Sprintf("comment %d %s --time %dm --hidden", num, text, minutes)}
			return func(c *commands.Commands) { c.Slash(t.Context(), req) }, true
		case k < 6: // comment without time
			req := commands.Request{Actor: actor, ChannelID: "C0TECHS", EnvelopeID: env, Text: fmt.Sprintf("comment %d %s --no-email", num, text)}
			return func(c *commands.Commands) { c.Slash(t.Context(), req) }, true
		case k < 8: // bill
			return func(c *commands.Commands) {
				r := c.Slash(t.Context(), commands.Request{Actor: actor, ChannelID: "C0TECHS", Text: fmt.Sprintf("bill %d", num), EnvelopeID: env + "m"})
				if r.Modal == nil || r.Modal.CallbackID != commands.CallbackBill {
					return
				}
				s := form(r.Modal, "V"+env, typed(commands.BlockMinutes, strconv.Itoa(minutes)), picked(commands.BlockLabor, "remote", "remote"), typed(commands.BlockNotes, text))
				s.Actor = actor
				c.Submit(t.Context(), s)
			}, false
		case k < 9: // close
			return func(c *commands.Commands) {
				r := c.Slash(t.Context(), commands.Request{Actor: actor, ChannelID: "C0TECHS", Text: fmt.Sprintf("close %d", num), EnvelopeID: env + "m"})
				if r.Modal == nil || r.Modal.CallbackID != commands.CallbackClose {
					return
				}
				s := form(r.Modal, "V"+env, typed(commands.BlockResolution, text), typed(commands.BlockMinutes, strconv.Itoa(minutes)), picked(commands.BlockLabor, "remote", "remote"), ticked(commands.BlockCloseOptions, commands.CloseOptionNotify))
				s.Actor = actor
				c.Submit(t.Context(), s)
			}, false
		default: // status update
			req := commands.Request{Actor: actor, ChannelID: "C0TECHS", EnvelopeID: env,
				Text: fmt.Sprintf("update %d --status %q", num, statuses[pick(len(statuses))])}
			return func(c *commands.Commands) { c.Slash(t.Context(), req) }, true
		}
	}

	run := func(c *commands.Commands, from, to int) {
		work := make(chan int)
		var wg sync.WaitGroup
		for range chaosWorkers {
			wg.Go(func() {
				for i := range work {
					if pick(4) == 0 {
						fl := chaosFaults[pick(len(chaosFaults))]
						srv.Fail(fl.method, fl.path, 1, fl.fault)
					}
					act, _ := build(i)
					switch pick(6) {
					case 0: // redelivered at once
						var two sync.WaitGroup
						two.Go(func() { act(c) })
						two.Go(func() { act(c) })
						two.Wait()
					case 1: // redelivered later
						act(c)
						act(c)
					default:
						act(c)
					}
				}
			})
		}
		for i := from; i < to; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
	}

	run(f.C, 0, n/2)
	// A bill cut off mid-step, then a restart.
	steps := []string{stepComment, stepTime, stepCharge, stepInvoice}
	f.crashAt(steps[pick(len(steps))])
	func() {
		defer func() {
			if p := recover(); p != nil && p != errSimulatedCrash {
				panic(p)
			}
		}()
		act, _ := build(n)
		act(f.C)
	}()
	f.restart(t)
	run(f.C, n/2, n)

	// Finish whatever is pending, with Syncro healthy again.
	srv.ClearFaults()
	srv.ReleaseHangs()
	ticketIDs := slices.Sorted(maps.Values(ids))
	for round := 0; round < 3; round++ {
		for _, fl := range f.pendingFlows(t, ticketIDs...) {
			f.tk.runFlow(t.Context(), fl.ID, commandstest.Dana)
		}
	}
	if pending := f.pendingFlows(t, ticketIDs...); len(pending) > 0 {
		for _, fl := range pending {
			t.Errorf("flow %s (%s on ticket %d) still pending: %+v", fl.ID, fl.Kind, fl.Ticket, fl.Steps)
		}
	}

	accepted, flows := map[int64]int{}, 0
	for _, num := range chaosTickets {
		fls, err := f.st.FlowsForTicket(ids[num])
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range fls {
			flows++
			var p flowParams
			_ = json.Unmarshal(fl.Params, &p)
			for _, s := range fl.Steps {
				if s.Name == stepTime && s.State == store.StepDone {
					accepted[num] += p.Minutes
				}
				if s.Name == stepComment && s.State == store.StepDone {
					if k := countComments(srv.Comments(ids[num]), p.Subject, p.Body); k != 1 {
						t.Errorf("#%d: comment %q is there %d times", num, p.Body, k)
					}
				}
			}
		}
		got := -before[num]
		for _, tm := range srv.Timers(ids[num]) {
			got += tm.Minutes()
		}
		if got != accepted[num] {
			t.Errorf("#%d: %d new minutes in Syncro, %d accepted", num, got, accepted[num])
		}
		invs := 0
		for _, inv := range srv.Invoices() {
			if inv.TicketID == ids[num] {
				invs++
			}
		}
		if invs > 1 {
			t.Errorf("#%d has %d invoices", num, invs)
		}
	}
	t.Logf("seed %d: %d actions, %d flows, accepted minutes %v, %d Syncro requests, %s",
		seed, n, flows, accepted, len(srv.Requests()), time.Since(start).Round(time.Millisecond))
}

func countComments(list []syncrotest.Comment, subject, body string) int {
	n := 0
	for _, c := range list {
		if c.Subject == subject && c.Body == body {
			n++
		}
	}
	return n
}
