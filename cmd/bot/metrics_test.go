package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

func scrape(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitStatus polls url until it answers want (the bot's state changes
// asynchronously; each poll is a real request, so there is no clock to fake).
func waitStatus(ctx context.Context, t *testing.T, url string, want int) string {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		code, body, err := scrape(ctx, url)
		if err == nil && code == want {
			return body
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
		select {
		case <-ctx.Done():
			t.Fatalf("%s never answered %d; last: %s", url, want, last)
		case <-tick.C:
		}
	}
}

func TestRun_MetricsCountCommandsAndReadyzFollowsTheSocket(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) { env["METRICS_ADDR"] = anyPort })
	f := b.f
	base := "http://" + b.listenedOn(ctx, t, "metrics listening")
	waitStatus(ctx, t, base+"/healthz", http.StatusOK)
	// /readyz counts the open-ticket mirror's fill at start as Syncro
	// answering (it probes GET /me only when nothing succeeded lately).
	waitStatus(ctx, t, base+"/readyz", http.StatusOK)

	for _, text := range []string{"help", fmt.Sprintf("ticket %d", syncrotest.SeedTicketPrinter)} {
		before := len(f.Ephemerals(e2eUser)) + len(f.Messages(e2eChannel))
		b.slash(ctx, t, text)
		if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser))+len(f.Messages(e2eChannel)) > before }); err != nil {
			t.Fatalf("no answer to /syncro %s: %v", text, err)
		}
	}
	_, text, err := scrape(ctx, base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`syncrobot_envelopes_total{type="slash_commands"} 2`,
		`syncrobot_ack_latency_seconds_count 2`,
		`syncrobot_syncro_requests_total{endpoint="/settings",method="GET",status="200"}`,
		`syncrobot_syncro_requests_total{endpoint="/tickets",method="GET",status="200"}`,
		`syncrobot_syncro_throttle_wait_seconds_total`,
		`syncrobot_notices_sent_total 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// In a label, that is: a sample's value (a latency sum) may hold any digits.
	if m := regexp.MustCompile(`\{[^}]*` + fmt.Sprint(syncrotest.SeedTicketPrinter)).FindString(text); m != "" {
		t.Errorf("/metrics labels hold a raw ticket number: %s", m)
	}

	// Drop the socket and refuse the next reconnects: not ready until
	// Slack lets the bot back in.
	f.InjectFault("apps.connections.open", slackfake.Fault{Status: http.StatusInternalServerError, Times: 4})
	f.DropConnections()
	body := waitStatus(ctx, t, base+"/readyz", http.StatusServiceUnavailable)
	if !strings.Contains(body, "Slack socket disconnected") {
		t.Errorf("/readyz while down = %q, want the reason", body)
	}
	waitStatus(ctx, t, base+"/readyz", http.StatusOK)
}

func TestObserver_ClassifiesBillAndCloseReplies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		callback string
		outcome  commands.Outcome
		want     string
	}{
		{commands.CallbackBill, commands.OutcomeDone, "invoiced"},
		{commands.CallbackBill, commands.OutcomeFailed, "not_invoiced"},
		{commands.CallbackBill, commands.OutcomeDuplicate, "duplicate"},
		{commands.CallbackBill, "", "not_invoiced"}, // an error before any step
		{commands.CallbackClose, commands.OutcomeDone, "closed"},
		{commands.CallbackClose, commands.OutcomeDuplicate, "duplicate"},
		{commands.CallbackClose, commands.OutcomeFailed, "not_closed"},
	} {
		ok, fail := "invoiced", "not_invoiced"
		if tt.callback == commands.CallbackClose {
			ok, fail = "closed", "not_closed"
		}
		if got := outcome(tt.outcome, ok, fail); got != tt.want {
			t.Errorf("%s: outcome(%q) = %q, want %q", tt.callback, tt.outcome, got, tt.want)
		}
	}
}

// TestRun_ReadyzAsksSyncroAtMostOncePerInterval: Syncro refuses every
// request (a revoked key), so /readyz reports not ready; a monitor
// hitting it 100 times costs Syncro one probe (GET /me), not 100.
func TestRun_ReadyzAsksSyncroAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["METRICS_ADDR"] = anyPort
		env["SYNCRO_API_KEY"] = "revoked-key-0000"
	})
	url := "http://" + b.listenedOn(ctx, t, "metrics listening") + "/readyz"
	body := waitStatus(ctx, t, url, http.StatusServiceUnavailable)
	if !strings.Contains(body, "not ready") {
		t.Errorf("/readyz said %q while Syncro refuses the key", body)
	}
	probes := func() int { return b.srv.Count(http.MethodGet, "/me") }
	before := probes()
	for range 100 {
		if code, _, err := scrape(ctx, url); err != nil || code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz = %d, %v while Syncro refuses the key; want 503", code, err)
		}
	}
	if n := probes() - before; n > 1 {
		t.Errorf("100 /readyz checks asked Syncro %d times, want at most 1", n)
	}
	if before+probes() == 0 {
		t.Error("/readyz never asked Syncro: the check proves nothing")
	}
}
