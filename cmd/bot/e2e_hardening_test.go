package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
)

// Hardening from the probe of every entry point (README, Security): each
// test starts the real run and checks what an operator or a person sees.

// TestRun_DamagedDatabaseExitsWithASentence: a syncrobot.db that is not a
// whole database stops the start with a sentence naming the file and what
// to do, and exit status 1; nothing connects to Slack.
func TestRun_DamagedDatabaseExitsWithASentence(t *testing.T) {
	t.Parallel()
	fx := newFakes(t)
	path := filepath.Join(fx.env["DATA_DIR"], store.FileName)
	if err := os.WriteFile(path, []byte(strings.Repeat("half a database ", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncbuf.Buffer
	code := run(testContext(t), []string{"bot"}, envMap(fx.env), &stdout, &stderr)
	if code != exitError {
		t.Errorf("run exited %d, want %d", code, exitError)
	}
	for _, want := range []string{path, "restore", "from a backup", "move it aside"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	if n := fx.f.TotalConnections(); n != 0 {
		t.Errorf("the bot opened %d Slack connections with a damaged database", n)
	}
}
