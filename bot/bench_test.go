package bot_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
)

// benchConcurrency is how many slash commands arrive at once.
const benchConcurrency = 200

// procStatusKB reads a "VmRSS:   1234 kB" style line of /proc/self/status;
// 0 when unavailable (not Linux). The fake Slack runs in this process too,
// so the figures are an upper bound for the bot alone.
func procStatusKB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return n
		}
	}
	return 0
}

// BenchmarkAckLatency_200ConcurrentSlashCommands measures how long Slack
// waits for acks when 200 /syncro commands arrive at once (each handler
// replying through its response_url), and the process RSS idle and under
// that load.
func BenchmarkAckLatency_200ConcurrentSlashCommands(b *testing.B) {
	f := newFake(b)
	h := &stub{slash: func(_ context.Context, r commands.Request) commands.Reply {
		return commands.Reply{Text: "ok " + r.Text}
	}}
	start(b, f, h, func(c *bot.Config) {
		c.MaxInFlight = 2 * benchConcurrency
		// Production logs at info; debug would add a log line per envelope.
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ctx := testCtx(b)
	if err := f.WaitConnections(ctx, 1); err != nil {
		b.Fatal(err)
	}
	// Warm the users.info and conversations.info caches, as in a running bot.
	slash(ctx, b, f, alice.ID, ops.ID, "warm-up")
	if err := f.WaitUntil(ctx, func() bool { return len(f.ResponsePosts()) == 1 }); err != nil {
		b.Fatal(err)
	}
	idleRSS := procStatusKB("VmRSS")

	var lat []time.Duration
	var mu sync.Mutex
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range benchConcurrency {
			wg.Go(func() {
				ack := slash(ctx, b, f, alice.ID, ops.ID, "mine "+strconv.Itoa(i))
				mu.Lock()
				lat = append(lat, ack.Latency)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	slices.Sort(lat)
	p := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(idleRSS/1024, "idle-RSS-MB")
	b.ReportMetric(procStatusKB("VmHWM")/1024, "peak-RSS-MB")
	if p(0.99) >= 20 {
		b.Logf("p99 ack latency %.1f ms misses the 20 ms target", p(0.99))
	}
}
