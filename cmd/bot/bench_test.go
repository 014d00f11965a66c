package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// A standup's load through run (issue 16's targets, BENCHMARKS.md): the
// real bot on slackfake and syncrotest, started as the e2e tests start it.
// Times are reported as metrics and never asserted; the Syncro request
// counts are asserted by TestE2E_StandupBurstCostsFewSyncroRequests.
// Run with -benchtime 1x: every -count starts a new bot, so each burst
// meets the reads' caches cold.

// standupTechs is how many techs send a command at once.
const standupTechs = 200

// standupTicketSpread is over how many open tickets the `ticket N`
// burst spreads.
const standupTicketSpread = 20

// standup is a bot with standupTechs techs in #ops, each of whom has used
// it once (their users.info cached, their Syncro user looked for), as on
// any morning after the first.
type standup struct {
	bot   *e2eBot
	techs []string
}

// startStandup starts the bot with its open-ticket mirror filled and
// warms it up with one `/syncro` per tech.
func startStandup(ctx context.Context, b *testing.B) *standup {
	b.Helper()
	fx := newFakes(b)
	fx.env["SYNCRO_POLL_INTERVAL"] = "1h"
	s := &standup{}
	for i := range standupTechs {
		id := fmt.Sprintf("U0TECH%03d", i)
		fx.f.AddUser(slackfake.User{ID: id, Name: fmt.Sprintf("tech%03d", i), RealName: fmt.Sprintf("Tech %03d", i),
			Email: fmt.Sprintf("tech%03d@baylineit.com", i)})
		s.techs = append(s.techs, id)
	}
	s.bot = fx.start(ctx, b)
	s.bot.waitLog(ctx, b, "open-ticket mirror filled")
	// In waves, so the warm-up itself never meets MaxInFlight.
	for wave := range slices.Chunk(s.techs, 20) {
		s.burst(ctx, b, wave, 0, func(int) string { return "" })
	}
	// A standup meets a bot that has been up a while, whose throttle has
	// its burst back: the start's reads (mirror, account) spent half of
	// it. Pacing the benchmark, not waiting for an outcome.
	time.Sleep(throttleRefill)
	return s
}

// throttleRefill is how long syncro's throttle takes to refill its burst
// at the default 180/min: 20 requests at 156.4 a minute.
const throttleRefill = 8 * time.Second

// burstResult is what the people of one burst saw.
type burstResult struct {
	acks    []time.Duration // each command's ack latency, as Slack measures it
	replies []time.Duration // from sending the command to its reply arriving
	// inAck counts commands answered in the ack (busy, restarting)
	// rather than through the response_url.
	inAck int
	// syncro counts the Syncro requests the burst cost, the watcher's
	// polls aside.
	syncro int
	// cpu is the CPU time the process (bot and fakes) spent on the burst.
	cpu time.Duration
}

// sendAll sends text(i) as techs[i] through f, spread evenly over
// within (all at once when 0), and returns the acks.
func sendAll(ctx context.Context, b *testing.B, f *slackfake.Fake, techs []string, within time.Duration, text func(i int) string) []slackfake.Ack {
	b.Helper()
	acks := make([]slackfake.Ack, len(techs))
	errs := make([]error, len(techs))
	t0 := time.Now()
	var wg sync.WaitGroup
	for i, id := range techs {
		wg.Go(func() {
			// Pacing the arrivals, not waiting for an outcome.
			time.Sleep(time.Until(t0.Add(within * time.Duration(i) / time.Duration(len(techs)))))
			acks[i], errs[i] = f.SlashCommand(ctx, slackfake.SlashCommand{UserID: id, ChannelID: e2eChannel, Text: text(i)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			b.Fatalf("tech %s: %v", techs[i], err)
		}
	}
	return acks
}

// burst sends text(i) as techs[i], spread over within, and waits until
// every command has been answered.
func (s *standup) burst(ctx context.Context, b *testing.B, techs []string, within time.Duration, text func(i int) string) burstResult {
	b.Helper()
	f := s.bot.f
	s.bot.srv.ResetLog()
	cpu := processCPU()
	acks := sendAll(ctx, b, f, techs, within, text)
	var r burstResult
	pending := map[string]time.Time{} // response_url → when its command was sent
	for _, a := range acks {
		r.acks = append(r.acks, a.Latency)
		if a.Payload != nil {
			r.inAck++
			r.replies = append(r.replies, a.Latency)
			continue
		}
		pending[a.ResponseURL] = a.SentAt
	}
	// Polled every 50 ms, not WaitUntil: WaitUntil would copy every post
	// at each of the burst's thousand changes to the fake, CPU the bot
	// then lacks. The times come from the posts, so how often this looks
	// changes nothing but when the next burst starts.
	err := pollEvery(ctx, 50*time.Millisecond, func() bool {
		n := 0
		for _, p := range f.ResponsePosts() {
			if _, ok := pending[p.URL]; ok {
				n++
			}
		}
		return n >= len(pending)
	})
	if err != nil {
		b.Fatalf("not every command was answered: %v; stderr:\n%s", err, s.bot.stderr.String())
	}
	r.cpu = processCPU() - cpu
	for _, p := range f.ResponsePosts() {
		if sent, ok := pending[p.URL]; ok {
			r.replies = append(r.replies, p.Time.Sub(sent))
			delete(pending, p.URL)
		}
	}
	r.syncro = len(nonListing(s.bot.srv))
	return r
}

// quantileMS is the q-quantile of ds in milliseconds.
func quantileMS(ds []time.Duration, q float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond)
}

// report adds the bursts' latencies and counts to b's metrics.
func report(b *testing.B, rs []burstResult) {
	var acks, replies []time.Duration
	var cpu time.Duration
	syncro, inAck := 0, 0
	for _, r := range rs {
		acks = append(acks, r.acks...)
		replies = append(replies, r.replies...)
		syncro = max(syncro, r.syncro)
		inAck += r.inAck
		cpu += r.cpu
	}
	b.ReportMetric(quantileMS(acks, 0.5), "ack-p50-ms")
	b.ReportMetric(quantileMS(acks, 0.99), "ack-p99-ms")
	b.ReportMetric(quantileMS(replies, 0.5), "reply-p50-ms")
	b.ReportMetric(quantileMS(replies, 0.99), "reply-p99-ms")
	b.ReportMetric(quantileMS(replies, 1), "reply-max-ms")
	b.ReportMetric(float64(syncro), "syncro-reqs")
	b.ReportMetric(float64(inAck)/float64(len(rs)), "answered-in-ack")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(rs)), "cpu-ms")
	b.ReportMetric(0, "ns/op")
}

// runStandup runs one burst of text per iteration, spread over within,
// and reports it.
func runStandup(b *testing.B, within time.Duration, text func(s *standup) func(i int) string) {
	ctx := testContext(b)
	s := startStandup(ctx, b)
	tx := text(s)
	var rs []burstResult
	for b.Loop() {
		rs = append(rs, s.burst(ctx, b, s.techs, within, tx))
	}
	report(b, rs)
}

// BenchmarkStandup_OpenTicketList: 200 techs send `/syncro` within 1 s.
func BenchmarkStandup_OpenTicketList(b *testing.B) {
	runStandup(b, time.Second, func(*standup) func(int) string { return func(int) string { return "" } })
}

// BenchmarkStandup_TicketDetails: 200 techs send `/syncro ticket N`
// within 1 s, over 20 distinct open tickets.
func BenchmarkStandup_TicketDetails(b *testing.B) {
	runStandup(b, time.Second, func(s *standup) func(int) string {
		var numbers []int64
		for _, tk := range s.bot.srv.Tickets() {
			if open(tk) && len(numbers) < standupTicketSpread {
				numbers = append(numbers, tk.Number)
			}
		}
		return func(i int) string { return "ticket " + itoa64(numbers[i%len(numbers)]) }
	})
}

// BenchmarkAckLatency_200Concurrent: 200 `/syncro` at once, and in the
// same iteration the same 200 to a floor: slack-go's Socket Mode client
// acking each at once on its event loop, with no bot behind it. The
// ratio of the two p99s says what the bot adds to the ack, whatever else
// the machine is doing; the floor's own latency says how busy it is.
func BenchmarkAckLatency_200Concurrent(b *testing.B) {
	ctx := testContext(b)
	s := startStandup(ctx, b)
	floor := slackfake.NewServer(b, slackfake.WithChannels(slackfake.Channel{ID: e2eChannel, Name: "ops"}))
	for _, id := range s.techs {
		floor.AddUser(slackfake.User{ID: id})
	}
	floor.StartClient(b, slackfake.AckAll)
	if err := floor.WaitConnections(ctx, 1); err != nil {
		b.Fatal(err)
	}
	var rs []burstResult
	var floorAcks []time.Duration
	for b.Loop() {
		for _, a := range sendAll(ctx, b, floor, s.techs, 0, func(int) string { return "" }) {
			floorAcks = append(floorAcks, a.Latency)
		}
		rs = append(rs, s.burst(ctx, b, s.techs, 0, func(int) string { return "" }))
	}
	report(b, rs)
	b.ReportMetric(quantileMS(floorAcks, 0.5), "floor-ack-p50-ms")
	b.ReportMetric(quantileMS(floorAcks, 0.99), "floor-ack-p99-ms")
	var acks []time.Duration
	for _, r := range rs {
		acks = append(acks, r.acks...)
	}
	b.ReportMetric(quantileMS(acks, 0.99)/quantileMS(floorAcks, 0.99), "p99-vs-floor")
}

// open reports whether the mirror lists tk.
func open(tk syncrotest.Ticket) bool {
	return !slices.Contains([]string{"Resolved", "Invoiced", "Closed"}, tk.Status)
}

// procMB reads the "Field:   1234 kB" lines of a /proc file into a map
// of megabytes; empty when the file is unreadable (not Linux).
func procMB(path string) map[string]float64 {
	out := map[string]float64{}
	data, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if ok && err == nil {
			out[k] = kb / 1024
		}
	}
	return out
}

// BenchmarkIdleRSS measures the resident memory of the bot's own process
// once it has filled its open-ticket mirror and connected to Slack: the
// binary BOT_BINARY names, else one built here as the Dockerfile builds
// it, run against the fakes in this process. RssFile is the binary's own
// pages that were read; RssAnon is the heap, stacks and runtime.
func BenchmarkIdleRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		b.Skip("needs Linux's /proc")
	}
	ctx := testContext(b)
	bin := os.Getenv("BOT_BINARY")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "bot")
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	var rss, anon, file float64
	for b.Loop() {
		fx := newFakes(b)
		cmd := exec.CommandContext(ctx, bin)
		for k, v := range fx.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		stderr := &syncbuf.Buffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := fx.f.WaitConnections(ctx, 1); err != nil {
			b.Fatalf("bot never connected: %v; stderr:\n%s", err, stderr.String())
		}
		if err := stderr.WaitFor(ctx, "socket connected"); err != nil {
			b.Fatalf("bot never logged its connection: %v; stderr:\n%s", err, stderr.String())
		}
		status := procMB(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		rollup := procMB(fmt.Sprintf("/proc/%d/smaps_rollup", cmd.Process.Pid))
		rss, anon, file = status["VmRSS"], rollup["Anonymous"], rollup["Rss"]-rollup["Anonymous"]
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			b.Errorf("bot exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	}
	b.ReportMetric(rss, "RSS-MB")
	b.ReportMetric(anon, "anon-MB")
	b.ReportMetric(file, "file-MB")
	b.ReportMetric(0, "ns/op")
}
