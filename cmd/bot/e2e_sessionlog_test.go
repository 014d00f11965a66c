package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// closeFromSlack submits the close form of ticket number as Dana, with the
// resolution and the close options ticked (commands.CloseOption…), after
// waiting for the loaded form. It returns the form as the bot offered it.
func (b *e2eBot) closeFromSlack(ctx context.Context, t *testing.T, number int64, resolution string, options ...string) slackfake.View {
	t.Helper()
	b.slash(ctx, t, fmt.Sprintf("close %d", number))
	view := b.waitView(ctx, t, commands.CallbackClose)
	ticked := []slackfake.SelectOption{}
	for _, o := range options {
		ticked = append(ticked, slackfake.SelectOption{Text: o, Value: o})
	}
	va, err := b.f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: e2eUser, ViewID: view.ID, CallbackID: commands.CallbackClose, PrivateMetadata: view.PrivateMetadata,
		Values: slackfake.Values{
			commands.BlockResolution:   {commands.BlockResolution: slackfake.TextInput(resolution)},
			commands.BlockCloseOptions: {commands.BlockCloseOptions: {Type: "checkboxes", SelectedOptions: ticked}},
		},
	})
	if err != nil {
		t.Fatalf("view_submission: %v", err)
	}
	if va.ResponseAction == "errors" {
		t.Fatalf("close form refused: %+v", va.Errors)
	}
	return view
}

// sessionLogs lists the session logs under root, relative to it.
func sessionLogs(t *testing.T, root string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(root, "clients", "*", "session-logs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range found {
		found[i], _ = filepath.Rel(root, f)
	}
	return found
}

// The README promises that closing a ticket offers a session log, ticked,
// and that /syncro log N writes one, under SESSION_LOG_DIR. Checked on
// disk and in what Dana reads, through the real bot.
func TestE2E_SessionLogsAreWrittenOnCloseAndOnRequest(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	logDir := t.TempDir()
	b := startE2EBot(ctx, t, func(env map[string]string) { env["SESSION_LOG_DIR"] = logDir })
	tk := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)

	view := b.closeFromSlack(ctx, t, syncrotest.SeedTicketOwnCloud, "Moved the share to the new NAS.", commands.CloseOptionSessionLog)
	var form struct {
		Blocks []struct {
			Element struct {
				ActionID       string `json:"action_id"`
				InitialOptions []struct {
					Value string `json:"value"`
				} `json:"initial_options"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(view.JSON, &form); err != nil {
		t.Fatal(err)
	}
	offered := false
	for _, blk := range form.Blocks {
		for _, o := range blk.Element.InitialOptions {
			offered = offered || (blk.Element.ActionID == commands.BlockCloseOptions && o.Value == commands.CloseOptionSessionLog)
		}
	}
	if !offered {
		t.Errorf("the close form does not offer a ticked session log: %s", view.JSON)
	}

	reply := replyText(b.waitReply(ctx, t, 1).Message)
	logs := sessionLogs(t, logDir)
	if len(logs) != 1 {
		t.Fatalf("session logs on disk = %v, want one; reply %q; stderr:\n%s", logs, reply, b.stderr.String())
	}
	if !strings.Contains(reply, filepath.ToSlash(logs[0])) {
		t.Errorf("reply %q does not name the log %s", reply, logs[0])
	}
	body, err := os.ReadFile(filepath.Join(logDir, logs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "Moved the share to the new NAS.") {
		t.Errorf("the session log lacks the resolution:\n%s", body)
	}
	if got, _ := b.srv.TicketByNumber(syncrotest.SeedTicketOwnCloud); got.Status == tk.Status {
		t.Errorf("ticket still %q in Syncro after the close", got.Status)
	}

	b.slash(ctx, t, fmt.Sprintf("log %d", syncrotest.SeedTicketPrinter))
	reply = replyText(b.waitReply(ctx, t, 2).Message)
	if logs = sessionLogs(t, logDir); len(logs) != 2 {
		t.Fatalf("session logs on disk = %v after /syncro log, want two; reply %q", logs, reply)
	}
	if !strings.Contains(reply, "Session log") {
		t.Errorf("/syncro log reply %q does not say where the log went", reply)
	}
}
