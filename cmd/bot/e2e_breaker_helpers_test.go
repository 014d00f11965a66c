package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Helpers for the breaker's end-to-end tests: the real run against the
// fakes, with the environment kept so a test can restart the bot on the
// same DATA_DIR, Slack and Syncro.

// breakerEnv is startE2EBot's environment for the fakes f and srv.
func breakerEnv(t *testing.T, f *slackfake.Fake, srv *syncrotest.Server) map[string]string {
	t.Helper()
	return map[string]string{
		"SLACK_APP_TOKEN": f.AppToken(),
		"SLACK_BOT_TOKEN": f.BotToken(),
		"SLACK_API_URL":   f.APIURL(),
		"SYNCRO_BASE_URL": srv.URL() + "/",
		"SYNCRO_API_KEY":  syncrotest.DefaultAPIKey,
		"DATA_DIR":        t.TempDir(),
		"SESSION_LOG_DIR": t.TempDir(),
		"LOG_FORMAT":      "json",
	}
}

// breakerFakes are a Slack fake with Dana in #ops and a seeded Syncro.
func breakerFakes(t *testing.T) (*slackfake.Fake, *syncrotest.Server) {
	t.Helper()
	f := slackfake.NewServer(t,
		slackfake.WithUsers(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: "dana@baylineit.com"}),
		slackfake.WithChannels(slackfake.Channel{ID: e2eChannel, Name: "ops"}))
	return f, syncrotest.NewServer(t)
}

// startBreakerBot runs the bot (run) against f and srv with env until the
// returned stop is called (also at cleanup). It waits for the socket
// number conn (1 for the first bot on f, 2 after a restart, …).
func startBreakerBot(ctx context.Context, t *testing.T, f *slackfake.Fake, srv *syncrotest.Server, env map[string]string, conn int) (b *e2eBot, stop func()) {
	t.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	b = &e2eBot{f: f, srv: srv, stderr: &syncbuf.Buffer{}, stop: cancel, finished: make(chan struct{})}
	var stdout syncbuf.Buffer
	go func() {
		b.code = run(runCtx, []string{"bot"}, envMap(env), &stdout, b.stderr)
		close(b.finished)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		srv.ReleaseHangs()
		cancel()
		select {
		case <-b.finished:
			if b.code != exitOK {
				t.Errorf("run exited %d; stderr:\n%s", b.code, b.stderr.String())
			}
		case <-time.After(testTimeout):
			t.Errorf("run did not stop within %s", testTimeout)
		}
	}
	t.Cleanup(stop)
	if err := f.WaitConnections(ctx, conn); err != nil {
		t.Fatalf("bot never connected: %v; stderr:\n%s", err, b.stderr.String())
	}
	return b, stop
}

// waitEphemeral waits for an ephemeral to Dana, after the first skip ones,
// whose text and blocks contain want, and returns it.
func (b *e2eBot) waitEphemeral(ctx context.Context, t *testing.T, skip int, want string) slackfake.Ephemeral {
	t.Helper()
	var got slackfake.Ephemeral
	err := b.f.WaitUntil(ctx, func() bool {
		es := b.f.Ephemerals(e2eUser)
		for i := skip; i < len(es); i++ {
			if strings.Contains(replyText(es[i].Message), want) {
				got = es[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, e := range b.f.Ephemerals(e2eUser) {
			texts = append(texts, e.Text)
		}
		t.Fatalf("no reply to Dana containing %q: %v; replies %q; stderr:\n%s", want, err, texts, b.stderr.String())
	}
	return got
}

// sessionLogFiles lists the Markdown files under root/clients/*/session-logs.
func sessionLogFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "clients", "*", "session-logs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// checkedOption is one option of a checkbox group in a modal.
type checkedOption struct {
	Text struct {
		Text string `json:"text"`
	} `json:"text"`
	Value string `json:"value"`
}

// closeFormOptions reads the close modal's "Also" checkboxes: every
// option, and those ticked when the form opens.
func closeFormOptions(t *testing.T, view json.RawMessage) (all, ticked []checkedOption) {
	t.Helper()
	var v struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
			Element struct {
				Type           string          `json:"type"`
				Options        []checkedOption `json:"options"`
				InitialOptions []checkedOption `json:"initial_options"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		t.Fatalf("decode close modal: %v\n%s", err, view)
	}
	for _, b := range v.Blocks {
		if b.BlockID == commands.BlockCloseOptions {
			return b.Element.Options, b.Element.InitialOptions
		}
	}
	t.Fatalf("close modal has no %q block: %s", commands.BlockCloseOptions, view)
	return nil, nil
}

// closeSubmission is what Slack sends when Dana types resolution into the
// close form and leaves every other field as it opened.
func closeSubmission(t *testing.T, view slackfake.View, resolution string) slackfake.ViewSubmission {
	t.Helper()
	_, ticked := closeFormOptions(t, view.JSON)
	sel := []slackfake.SelectOption{}
	for _, o := range ticked {
		sel = append(sel, slackfake.SelectOption{Text: o.Text.Text, Value: o.Value})
	}
	vals := formState(modalInputs(t, view.JSON))
	vals[commands.BlockResolution] = map[string]slackfake.Input{commands.BlockResolution: slackfake.TextInput(resolution)}
	vals[commands.BlockCloseOptions] = map[string]slackfake.Input{commands.BlockCloseOptions: {Type: "checkboxes", SelectedOptions: sel}}
	return slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackClose,
		PrivateMetadata: view.PrivateMetadata, Values: vals,
	}
}

// openCloseForm runs /syncro close number and returns the close modal.
func (b *e2eBot) openCloseForm(ctx context.Context, t *testing.T, number int64) slackfake.View {
	t.Helper()
	b.slash(ctx, t, "close "+itoa64(number))
	return b.waitView(ctx, t, commands.CallbackClose)
}

// submitClose submits the close form and fails on field errors.
func (b *e2eBot) submitClose(ctx context.Context, t *testing.T, vs slackfake.ViewSubmission) slackfake.ViewAck {
	t.Helper()
	va, err := b.f.ViewSubmission(ctx, vs)
	if err != nil {
		t.Fatalf("view_submission: %v", err)
	}
	if va.ResponseAction == "errors" {
		t.Fatalf("close form refused: %+v", va.Errors)
	}
	return va
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// commentsWithBody counts ticketID's comments whose body is body.
func commentsWithBody(srv *syncrotest.Server, ticketID int64, body string) int {
	n := 0
	for _, c := range srv.Comments(ticketID) {
		if strings.Contains(c.Body, body) {
			n++
		}
	}
	return n
}

// statusPUTs counts the PUTs to ticketID that set a status.
func statusPUTs(srv *syncrotest.Server, ticketID int64) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "PUT" && r.Path == "/tickets/"+itoa64(ticketID) && strings.Contains(r.Body, `"status"`) && r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// gitWorkTree makes dir a git work tree with a local identity.
func gitWorkTree(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"init", "-q"},
		{"config", "user.name", "Breaker"},
		{"config", "user.email", "breaker@example.invalid"},
		{"config", "commit.gpgsign", "false"},
	} {
		gitIn(t, dir, args...)
	}
}

// gitIn runs git in dir and returns its output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeFile writes data to name, failing the test on error.
func writeFile(t *testing.T, name, data string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
}

// finishValue is the value of the Finish button in a reply's blocks.
func finishValue(t *testing.T, blocks json.RawMessage) string {
	t.Helper()
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(blocks, &bs)
	for _, b := range bs {
		for _, el := range b.Elements {
			if el.ActionID == "flow_finish" {
				return el.Value
			}
		}
	}
	t.Fatalf("no Finish button in %s", blocks)
	return ""
}

// clickFinish clicks the Finish button of rep, as Dana.
func (b *e2eBot) clickFinish(ctx context.Context, t *testing.T, rep slackfake.Ephemeral) {
	t.Helper()
	_, err := b.f.BlockAction(ctx, slackfake.BlockAction{UserID: e2eUser, ChannelID: e2eChannel, MessageTS: rep.TS, IsEphemeral: true,
		Actions: []slackfake.Action{slackfake.Button("flow_finish", "flow_actions", finishValue(t, rep.Blocks))}})
	if err != nil {
		t.Fatalf("click Finish: %v", err)
	}
}
