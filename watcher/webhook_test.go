package watcher_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

const token = "s3cret-webhook-token-0123456789"

// statusChanged is Syncro's "Ticket - Status was changed" body for tk,
// claiming status.
func statusChanged(tk syncrotest.Ticket, status string) string {
	return fmt.Sprintf(`{"text":"Ticket #%d status changed to %s","html":"<p>…</p>","link":"https://bayline.syncromsp.com/tickets/%d",
"attributes":{"id":%d,"number":%d,"subject":%q,"status":%q,"customer_business_then_name":"Acme Corp."}}`,
		tk.Number, status, tk.ID, tk.ID, tk.Number, tk.Subject, status)
}

// deliver posts body to path on a real listener, as Syncro would.
func deliver(t *testing.T, e *env, path, body string) int {
	t.Helper()
	srv := httptest.NewServer(watcher.WebhookHandler(e.w, token))
	defer srv.Close()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.w.WaitHints()
	return resp.StatusCode
}

func (e *env) ticketReads(id int64) int { return e.requests("GET", fmt.Sprintf("/tickets/%d", id)) }

func TestWebhook_RightTokenHintIsReadBackAndAnnounced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Server room too warm")
	e.clk.Advance(5 * time.Second)
	e.setStatus(tk.ID, "Resolved")

	if code := deliver(t, e, watcher.WebhookPath+token, statusChanged(tk, "Resolved")); code != http.StatusOK {
		t.Fatalf("status = %d, want 200", code)
	}
	got := e.got.all()
	if len(got) != 1 || got[0].TicketID != tk.ID || !strings.Contains(got[0].Text, "Server room too warm") {
		t.Fatalf("notices = %q, want the hinted ticket once", texts(got))
	}
	if n := e.ticketReads(tk.ID); n != 1 {
		t.Errorf("ticket read %d times, want 1 (the hint is checked against the API)", n)
	}

	// Syncro sending it again, and the next poll, change nothing; an
	// announced ticket is not even reread.
	deliver(t, e, watcher.WebhookPath+token, statusChanged(tk, "Resolved"))
	e.clk.Advance(time.Minute)
	e.poll()
	if n := len(e.got.all()); n != 1 {
		t.Errorf("%d notices after a repeat and a poll, want 1", n)
	}
	if n := e.ticketReads(tk.ID); n != 1 {
		t.Errorf("ticket read %d times, want still 1", n)
	}
}

func TestWebhook_WrongTokenIs404AndDoesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Someone guessing")
	e.setStatus(tk.ID, "Resolved")
	body := statusChanged(tk, "Resolved")
	for _, path := range []string{
		watcher.WebhookPath + "wrong-token-0123456789abcdef",
		watcher.WebhookPath + token + "x",
		watcher.WebhookPath + token[:len(token)-1],
		watcher.WebhookPath,
		"/",
		"/syncro/webhook",
	} {
		if code := deliver(t, e, path, body); code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", path, code)
		}
	}
	if n := len(e.srv.Requests()); n != 0 || len(e.got.all()) != 0 {
		t.Errorf("wrong tokens caused %d Syncro requests and %d notices, want none", n, len(e.got.all()))
	}
}

func TestWebhook_ClaimOfCloseIsCheckedAgainstTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Still open, whatever the webhook says")
	if code := deliver(t, e, watcher.WebhookPath+token, statusChanged(tk, "Resolved")); code != http.StatusOK {
		t.Fatalf("status = %d, want 200", code)
	}
	if n := e.ticketReads(tk.ID); n != 1 {
		t.Errorf("ticket read %d times, want 1", n)
	}
	if got := e.got.all(); len(got) != 0 {
		t.Errorf("announced %q for a ticket the API says is open", texts(got))
	}
}

func TestWebhook_OddOrIrrelevantBodiesGet200AndCostNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Just created")
	for name, body := range map[string]string{
		"status not closed": statusChanged(tk, "New"),
		"not JSON":          "<html>hello</html>",
		"empty":             "",
		"no attributes":     `{"text":"x"}`,
		"comment event":     fmt.Sprintf(`{"link":"https://x/tickets/%d","attributes":{"id":402100999,"ticket_id":%d,"body":"hi"}}`, tk.ID, tk.ID),
		"rmm alert":         `{"link":"https://x/rmm_alerts/77","attributes":{"id":77,"computer_name":"PC1","resolved":true}}`,
		"id not a number":   `{"attributes":{"id":"abc","status":"Resolved"}}`,
		"over 1 MiB":        `{"attributes":{"id":` + fmt.Sprint(tk.ID) + `,"status":"Resolved","subject":"` + strings.Repeat("x", 1<<20) + `"}}`,
	} {
		if code := deliver(t, e, watcher.WebhookPath+token, body); code != http.StatusOK {
			t.Errorf("%s: status = %d, want 200", name, code)
		}
	}
	if n := len(e.srv.Requests()); n != 0 || len(e.got.all()) != 0 {
		t.Errorf("odd bodies caused %d Syncro requests and %d notices, want none", n, len(e.got.all()))
	}
	srv := httptest.NewServer(watcher.WebhookHandler(e.w, token))
	defer srv.Close()
	resp, err := http.Get(srv.URL + watcher.WebhookPath + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET with the right token = %d, want 405", resp.StatusCode)
	}
}

func TestWebhook_StringIDAndNoStatusStillHint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Hinted with a string id")
	e.setStatus(tk.ID, "Closed")
	body := fmt.Sprintf(`{"link":"https://x/tickets/%d","attributes":{"id":"%d"}}`, tk.ID, tk.ID)
	deliver(t, e, watcher.WebhookPath+token, body)
	if got := e.got.all(); len(got) != 1 || got[0].TicketID != tk.ID {
		t.Errorf("notices = %q, want the ticket", texts(got))
	}
}

// A hint for a fresh close is reread and announced at once, unless the bot
// is making that close itself and announces it.
func TestWebhook_FreshCloseIsAnnouncedAtOnceUnlessTheBotIsMakingIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		byTheBot    bool
		wantNotices int
	}{
		{"closed in the web app", false, 1},
		{"closed with /syncro close", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.poll()
			tk := e.openTicket("Closed a moment ago")
			if tc.byTheBot {
				e.closing(tk.ID)
			}
			e.setStatus(tk.ID, "Resolved")
			deliver(t, e, watcher.WebhookPath+token, statusChanged(tk, "Resolved"))
			if got := e.got.all(); len(got) != tc.wantNotices {
				t.Errorf("announced %q, want %d notices", texts(got), tc.wantNotices)
			}
		})
	}
}

// TestWebhook_FloodIsBoundedAndWarnedOnce: 20,000 hints for distinct
// tickets (with the right token) keep at most a bounded set pending, not
// a goroutine each, every request still gets its quick 200, and the log
// warns once, not per hint.
func TestWebhook_FloodIsBoundedAndWarnedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var logs syncbuf.Buffer
	w, err := watcher.New(watcher.Config{
		Syncro: e.client, Store: e.st, Account: e.acct, Notify: e.got.notify, Interval: time.Hour,
		HintDelay: time.Hour, Now: e.clk.Now, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; w.WaitHints() })
	if err := logs.WaitFor(t.Context(), "watching for closed tickets"); err != nil {
		t.Fatal(err)
	}

	h := watcher.WebhookHandler(w, token)
	before := runtime.NumGoroutine()
	for id := 1; id <= 20000; id++ {
		rec := httptest.NewRecorder()
		body := fmt.Sprintf(`{"link":"https://bayline.syncromsp.com/tickets/%d","attributes":{"id":%d,"status":"Resolved"}}`, id, id)
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, watcher.WebhookPath+token, strings.NewReader(body)))
		if rec.Code != http.StatusOK {
			t.Fatalf("hint %d: status %d, want 200", id, rec.Code)
		}
	}
	if grown := runtime.NumGoroutine() - before; grown > 100 {
		t.Errorf("20,000 hints left %d more goroutines, want a bounded few", grown)
	}
	if n := strings.Count(logs.String(), "webhook hints arriving faster"); n != 1 {
		t.Errorf("the flood was warned about %d times, want once", n)
	}
}
