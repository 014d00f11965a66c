package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/syncrobot/syncrobot/account"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

const webhookToken = "webhook-token-0123456789"

func postWebhook(t *testing.T, addr, path, body string) int {
	t.Helper()
	resp, err := http.Post("http://"+addr+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestStartWatcher_WebhookHintAnnouncesAndStopShutsTheListener(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	clk := syncrotest.NewManualClock(time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC))
	srv := syncrotest.NewServer(t, syncrotest.WithClock(clk.Now), syncrotest.WithRateLimit(0))
	client, err := syncro.NewClient(syncro.Config{BaseURL: srv.URL() + "/", APIKey: syncrotest.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := &config.Config{
		NotifyChannel: "C0OPS", SyncroPollInterval: time.Hour, WebhookAddr: anyPort,
		WebhookToken: config.NewSecret(webhookToken), SyncroBaseURL: srv.URL() + "/",
	}
	got := make(chan commands.Message, 10)
	notify := func(_ context.Context, m commands.Message) error { got <- m; return nil }
	logs := &syncbuf.Buffer{}
	stop, err := startWatcher(ctx, cfg, client, account.New(client, nil, nil), st, nil, notify, slog.New(slog.NewJSONHandler(logs, nil)), func(c *watcher.Config) {
		c.Now = clk.Now
		c.HintDelay = time.Nanosecond
	})
	if err != nil {
		t.Fatal(err)
	}
	// The listener is bound before startWatcher returns, and says where.
	addr := loggedAddr(t, logs.String(), "serving Syncro webhooks")
	// The first poll (at start) only sets the cursor; wait for it, so the
	// close below falls inside the watched window.
	var cursorErr error
	if err := poll(ctx, func() bool {
		_, ok, err := st.Cursor(watcher.CursorName)
		cursorErr = err
		return ok || err != nil
	}); err != nil || cursorErr != nil {
		t.Fatalf("the watcher never polled: %v %v", err, cursorErr)
	}

	tk := srv.AddTicket(syncrotest.Ticket{Subject: "UPS battery swapped", CustomerID: srv.Customers()[0].ID})
	if err := srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // past watcher.Grace
	body := fmt.Sprintf(`{"link":"https://x/tickets/%d","attributes":{"id":%d,"status":"Resolved"}}`, tk.ID, tk.ID)
	if code := postWebhook(t, addr, watcher.WebhookPath+"wrong-token-0123456789", body); code != http.StatusNotFound {
		t.Errorf("wrong token: %d, want 404", code)
	}
	if code := postWebhook(t, addr, watcher.WebhookPath+webhookToken, body); code != http.StatusOK {
		t.Fatalf("right token: %d, want 200", code)
	}
	select {
	case m := <-got:
		if m.TicketID != tk.ID || !strings.Contains(m.Text, "UPS battery swapped") {
			t.Errorf("notice = %+v", m)
		}
	case <-ctx.Done():
		t.Fatal("no notice after the webhook")
	}
	if n := srv.Count("GET", fmt.Sprintf("/tickets/%d", tk.ID)); n != 1 {
		t.Errorf("ticket reread %d times, want 1", n)
	}

	stop()
	// After stop nobody answers the webhook. A bare dial cannot tell: with
	// tests running in parallel another test's listener may take the freed
	// port at once, so ask for the webhook itself; only ours answers 200.
	c := &http.Client{Timeout: 5 * time.Second}
	if resp, err := c.Post("http://"+addr+watcher.WebhookPath+webhookToken, "application/json", strings.NewReader(body)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("the webhook is still served after stop")
		}
	}
}

func TestStartWatcher_NothingWithoutNotifyChannelAndBusyPortFails(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client, err := syncro.NewClient(syncro.Config{BaseURL: "http://127.0.0.1:1/api/v1/", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	notify := func(context.Context, commands.Message) error { return nil }
	// A port the test holds: a watcher that listened there would fail to
	// start, so starting proves it did not try, whatever else runs on
	// the machine.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	stop, err := startWatcher(t.Context(), &config.Config{WebhookAddr: busy.Addr().String(), WebhookToken: config.NewSecret(webhookToken)}, client, account.New(client, nil, nil), st, nil, notify, log, nil)
	if err != nil {
		t.Fatalf("webhook served without NOTIFY_CHANNEL: %v", err)
	}
	stop()

	cfg := &config.Config{NotifyChannel: "C0OPS", SyncroPollInterval: time.Hour, WebhookAddr: busy.Addr().String(), WebhookToken: config.NewSecret(webhookToken)}
	if _, err := startWatcher(t.Context(), cfg, client, account.New(client, nil, nil), st, nil, notify, log, nil); err == nil {
		t.Error("startWatcher on a taken port succeeded")
	}
}

func TestRun_ServesTheWebhookWhenConfigured(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["NOTIFY_CHANNEL"] = "C0NOTIFY1"
		env["WEBHOOK_ADDR"] = anyPort
		env["WEBHOOK_TOKEN"] = webhookToken
	})
	addr := b.listenedOn(ctx, t, "serving Syncro webhooks")
	if code := postWebhook(t, addr, watcher.WebhookPath+"nope-nope-nope-nope", "{}"); code != http.StatusNotFound {
		t.Errorf("wrong token: %d, want 404", code)
	}
	if code := postWebhook(t, addr, watcher.WebhookPath+webhookToken, `{"attributes":{"id":1,"status":"New"}}`); code != http.StatusOK {
		t.Errorf("right token: %d, want 200", code)
	}
	b.shutdown(t)
	if strings.Contains(b.stderr.String(), webhookToken) {
		t.Error("logs contain the webhook token")
	}
	if !strings.Contains(b.stderr.String(), "watching for closed tickets") {
		t.Errorf("watcher not started:\n%s", b.stderr.String())
	}
}

// TestStartSweeper_RemovesExpiredRecordsWhileRunning runs the sweeper in a
// synctest bubble, so its interval passes without waiting for it.
func TestStartSweeper_RemovesExpiredRecordsWhileRunning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		st, err := store.Open(t.TempDir()) // time.Now is the bubble's fake clock
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		// Written after Open's own sweep, already past its retention.
		old := store.AuditEntry{At: time.Now().Add(-store.AuditRetention - time.Hour), Ticket: 7, Action: "time", Outcome: store.OutcomeOK}
		if err := st.Audit(old); err != nil {
			t.Fatal(err)
		}
		var logs syncbuf.Buffer
		stop := startSweeper(t.Context(), st, store.SweepInterval, slog.New(slog.NewTextHandler(&logs, nil)))
		defer stop()

		time.Sleep(store.SweepInterval)
		synctest.Wait()
		if entries, err := st.AuditForTicket(7, 0); err != nil || len(entries) != 0 {
			t.Errorf("audit of #7 after one interval = %d entries, %v; want swept", len(entries), err)
		}
		stop() // the bubble fails if the sweeper outlives it
		if logs.String() != "" {
			t.Errorf("sweeper logged %q, want nothing", logs.String())
		}
	})
}
