package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
)

func TestRun_CheckAllGoodExits0(t *testing.T) {
	t.Parallel()
	env := newFakes(t).env
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bot", "-check"}, envMap(env), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit = %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"✓ Slack bot token: authenticated as @syncro", "✓ Syncro API key:", "All "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-check output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestRun_CheckFailureExits1WithFix(t *testing.T) {
	t.Parallel()
	env := newFakes(t).env
	env["SYNCRO_API_KEY"] = "wrong-key"
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bot", "-check"}, envMap(env), &stdout, &stderr); code != exitError {
		t.Fatalf("exit = %d, want %d", code, exitError)
	}
	want := "✗ Syncro API key: Syncro rejected the key (401). Fix: create a new token under Admin › API › API Tokens and set SYNCRO_API_KEY."
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("-check output lacks %q:\n%s", want, stdout.String())
	}
}

func TestRun_CheckConfigErrorsAreFailedChecks(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bot", "-check"}, envMap(map[string]string{"SYNCRO_SUBDOMAIN": "acme"}), &stdout, &stderr)
	if code != exitError {
		t.Fatalf("exit = %d, want %d", code, exitError)
	}
	for _, want := range []string{"✗ SLACK_APP_TOKEN:", "✗ SLACK_BOT_TOKEN:", "✗ SYNCRO_API_KEY:", "checks failed."} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-check output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestRun_LaborProductsTheCommandsRefuseAreRefusedByCheckAndStart: a
// LABOR_PRODUCTS value the commands cannot use fails `bot -check` and the
// start alike, naming the variable, before anything reaches the network.
func TestRun_LaborProductsTheCommandsRefuseAreRefusedByCheckAndStart(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"onsite=26118":      `LABOR_PRODUCTS: the default kind "remote" is missing`,
		"remote=1,onsite=1": `LABOR_PRODUCTS: product id 1 is given for both "remote" and "onsite"`,
		// For these the two need only agree: the same one line from both.
		"remote":                      "",
		"remote=0":                    "",
		"Remote=1":                    "",
		"remote=1,remote=2":           "",
		"remote=abc":                  "",
		",,":                          "",
		"remote=1,on-site=2":          "",
		"remote=1;onsite=2":           "",
		"remote=99999999999999999999": "",
	} {
		env := envMap(map[string]string{
			"SLACK_APP_TOKEN":  "xapp-1-A0TEST-0000-apptokenvalue",
			"SLACK_BOT_TOKEN":  "xoxb-0000-0000-bottokenvalue",
			"SYNCRO_SUBDOMAIN": "acme",
			"SYNCRO_API_KEY":   "T3STsyncroAPIkeyVALUE",
			"LABOR_PRODUCTS":   value,
		})
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"bot", "-check"}, env, &stdout, &stderr); code != exitError {
			t.Errorf("-check with LABOR_PRODUCTS=%s: exit = %d, want %d", value, code, exitError)
		}
		if want == "" {
			for _, line := range strings.Split(stdout.String(), "\n") {
				if _, rest, ok := strings.Cut(line, "✗ "); ok && strings.HasPrefix(rest, "LABOR_PRODUCTS:") {
					want, _, _ = strings.Cut(rest, ". Fix:") // -check adds how to fix it
				}
			}
		}
		if out := stdout.String(); want == "" || !strings.Contains(out, "✗ "+want) || strings.Count(out, "✗") != 1 {
			t.Errorf("-check with LABOR_PRODUCTS=%s: want one failed check %q:\n%s", value, want, out)
		}
		// A canceled context: were the value accepted, the bot would stop at
		// once instead of running.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		stdout.Reset()
		stderr.Reset()
		if code := run(ctx, []string{"bot"}, env, &stdout, &stderr); code != exitUsage {
			t.Errorf("start with LABOR_PRODUCTS=%s: exit = %d, want %d", value, code, exitUsage)
		}
		if first, _, _ := strings.Cut(stderr.String(), "\n"); !strings.HasPrefix(first, want) {
			t.Errorf("start with LABOR_PRODUCTS=%s: stderr starts %q, want %q", value, first, want)
		}
	}
}

func TestRun_CheckOnlyReadsSyncro(t *testing.T) {
	t.Parallel()
	fx := newFakes(t)
	s, env := fx.srv, fx.env
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bot", "-check"}, envMap(env), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit = %d:\n%s", code, stdout.String())
	}
	if len(s.Requests()) == 0 {
		t.Fatal("no request reached Syncro")
	}
	for _, r := range s.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("-check sent %s %s", r.Method, r.Path)
		}
	}
}

func TestRun_HealthcheckWithoutMetricsAddrIsHealthy(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bot", "-healthcheck"}, envMap(nil), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit = %d, want 0 (no METRICS_ADDR means nothing to probe); stderr: %s", code, stderr.String())
	}
}

func TestRun_Healthcheck(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer ok.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer broken.Close()
	// Held by the test, so no other process's /healthz can answer there.
	closed := refusingAddr(t)
	_, okPort, _ := net.SplitHostPort(strings.TrimPrefix(ok.URL, "http://"))

	for _, tt := range []struct {
		addr string
		want int
	}{
		{strings.TrimPrefix(ok.URL, "http://"), exitOK},
		{":" + okPort, exitOK}, // listening on every interface: probe loopback
		{strings.TrimPrefix(broken.URL, "http://"), exitError},
		{closed, exitError},
		{"no-port", exitError},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"bot", "-healthcheck"}, envMap(map[string]string{"METRICS_ADDR": tt.addr}), &stdout, &stderr)
		if code != tt.want {
			t.Errorf("METRICS_ADDR=%q: exit = %d, want %d (stderr %q)", tt.addr, code, tt.want, stderr.String())
		}
	}
}

// TestRun_CheckWarnsWhenEveryoneMayMergeAndFailsASharedNotifyChannel:
// bot -check with neither ALLOWED_USERS nor ADMIN_USERS warns (and still
// exits 0) that every member may merge and delete customers; with
// ADMIN_USERS set the warning is gone; a NOTIFY_CHANNEL shared with
// another workspace fails the check with exit 1.
func TestRun_CheckWarnsWhenEveryoneMayMergeAndFailsASharedNotifyChannel(t *testing.T) {
	t.Parallel()
	fx := newFakes(t)
	check := func(wantCode int, want, notWant string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(testContext(t), []string{"bot", "-check"}, envMap(fx.env), &stdout, &stderr)
		if code != wantCode {
			t.Errorf("exit = %d, want %d; stdout:\n%s", code, wantCode, stdout.String())
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-check output lacks %q:\n%s", want, stdout.String())
		}
		if notWant != "" && strings.Contains(stdout.String(), notWant) {
			t.Errorf("-check output says %q:\n%s", notWant, stdout.String())
		}
	}
	const everyone = "! Access: ALLOWED_USERS and ADMIN_USERS are both empty: every member of the workspace can use the bot, and every member can merge and delete customers"
	check(exitOK, everyone, "")
	fx.env["ADMIN_USERS"] = e2eSam
	check(exitOK, "✓ Access:", everyone)

	fx.f.AddChannel(slackfake.Channel{ID: "C0ACMESHR", Name: "acme-shared", IsExtShared: true})
	fx.env["NOTIFY_CHANNEL"] = "C0ACMESHR"
	check(exitError, "✗ NOTIFY_CHANNEL: #acme-shared is shared with another workspace", "")
}
