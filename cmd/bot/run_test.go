package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
)

func TestRun_BadEnvExits2WithOneLinePerProblem(t *testing.T) {
	t.Parallel()
	// A Slack that counts what reaches it: the errors are reported before
	// any network call, which is what made them quick (not a stopwatch).
	slack := slackfake.NewServer(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN":   "xapp-pasted-in-the-wrong-place",
		"SLACK_API_URL":     slack.APIURL(),
		"SYNCRO_RATE_LIMIT": "lots",
		"NOTIFY_CHANNEL":    "#tickets",
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bot"}, envMap(env), &stdout, &stderr)
	if calls := slack.Calls(); len(calls) != 0 {
		t.Errorf("%d calls reached Slack before the config errors were reported, want none: %+v", len(calls), calls)
	}
	if code != 2 {
		t.Errorf("exit = %d, want 2", code)
	}
	want := []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SYNCRO_SUBDOMAIN", "SYNCRO_API_KEY", "SYNCRO_RATE_LIMIT", "NOTIFY_CHANNEL"}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	for _, v := range want {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, v+": ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines start with %s, want 1; stderr:\n%s", n, v, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "pasted-in-the-wrong-place") {
		t.Error("stderr shows a token")
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}

func TestRun_HelpListsEveryVariable(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bot", "-h"}, envMap(nil), &stdout, &stderr); code != 0 {
		t.Fatalf("exit = %d, want 0; stderr %s", code, stderr.String())
	}
	typ := reflect.TypeFor[config.Config]()
	for i := range typ.NumField() {
		v := typ.Field(i).Tag.Get("envconfig")
		if !strings.Contains(stdout.String(), v) {
			t.Errorf("-h does not list %s", v)
		}
	}
	for _, flag := range []string{"-version", "-debug"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("-h does not list %s", flag)
		}
	}
}

func TestRun_UnknownFlagExits2(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bot", "-nope"}, envMap(nil), &stdout, &stderr); code != 2 {
		t.Errorf("exit = %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-nope") {
		t.Errorf("stderr = %q, want the bad flag named", stderr.String())
	}
}

func TestRun_VersionPrintsBuildInfo(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bot", "-version"}, envMap(nil), &stdout, &stderr); code != 0 {
		t.Fatalf("exit = %d", code)
	}
	for _, want := range []string{version, commit, buildDate} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-version = %q, want it to contain %q", stdout.String(), want)
		}
	}
}

// playHelp sends /syncro help and waits for whatever answer the commands
// package gives (in the ack or through the response_url).
func playHelp(ctx context.Context, t *testing.T, f *slackfake.Fake) {
	t.Helper()
	if err := f.WaitConnections(ctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	if _, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eUser, ChannelID: e2eChannel, Text: "help"}); err != nil {
		t.Fatalf("/syncro help: %v", err)
	}
	err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(e2eUser))+len(f.Messages(e2eChannel)) > 0 })
	if err != nil {
		t.Fatalf("no answer to /syncro help: %v", err)
	}
}

func TestRun_EndToEndHelpThenShutdown(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	b := fx.start(ctx, t, "-debug")

	playHelp(ctx, t, fx.f)
	// Retention runs while the bot does, not only when the store opens.
	b.waitLog(ctx, t, `"msg":"sweeping expired records"`)
	b.shutdown(t) // what SIGTERM does through signal.NotifyContext
	env, stdout, logs := fx.env, b.stdout, b.stderr.String()
	if !strings.Contains(logs, `"msg":"envelope"`) {
		t.Errorf("no envelope logged at debug:\n%s", logs)
	}
	for _, secret := range []string{env["SLACK_APP_TOKEN"], env["SLACK_BOT_TOKEN"], env["SYNCRO_API_KEY"]} {
		if strings.Contains(logs, secret) || strings.Contains(stdout.String(), secret) {
			t.Errorf("output contains a secret")
		}
	}
}

func TestBinary_BadEnvAndSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "bot")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "-ldflags", "-X main.version=v9.9.9-test", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("bad env exits 2", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = []string{"SLACK_BOT_TOKEN=nonsense"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("exit = %v, want status 2", err)
		}
		for _, v := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SYNCRO_API_KEY"} {
			if !strings.Contains(stderr.String(), v+": ") {
				t.Errorf("stderr does not name %s:\n%s", v, stderr.String())
			}
		}
	})

	t.Run("version", func(t *testing.T) {
		out, err := exec.CommandContext(ctx, bin, "-version").Output()
		if err != nil || !strings.Contains(string(out), "v9.9.9-test") {
			t.Errorf("-version = %q, %v; want the -ldflags version", out, err)
		}
	})

	t.Run("SIGTERM exits 0", func(t *testing.T) {
		fx := newFakes(t)
		cmd := exec.CommandContext(ctx, bin)
		for k, v := range fx.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stderr syncbuf.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill() }()
		playHelp(ctx, t, fx.f)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			if err != nil {
				t.Errorf("after SIGTERM: %v, want exit 0; stderr:\n%s", err, stderr.String())
			}
		case <-time.After(testTimeout):
			t.Fatal("bot did not exit after SIGTERM")
		}
		if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
			t.Errorf("no clean stop logged:\n%s", stderr.String())
		}
		_ = os.Remove(bin)
	})
}

// A log line says what a person reading it needs: durations as text, no
// empty err.
func TestNewLogger_DurationsAsTextNoEmptyErr(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "text"} {
		var buf syncbuf.Buffer
		newLogger(format, false, &buf).Info("envelope", "ack_latency", 1500*time.Millisecond, "err", nil, "outcome", "done")
		got := buf.String()
		if !strings.Contains(got, "1.5s") || strings.Contains(got, "1500000000") {
			t.Errorf("%s: duration not as text: %s", format, got)
		}
		if strings.Contains(got, "err") {
			t.Errorf("%s: empty err logged: %s", format, got)
		}
	}
}
