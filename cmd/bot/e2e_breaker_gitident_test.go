package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SessionLogGitCommitsWithoutAGitIdentity: the bot's user has no
// git identity (systemd DynamicUser, the distroless image's nonroot, any
// service account: no ~/.gitconfig) and the host name has no domain for
// git to invent one from. With SESSION_LOG_GIT=true every commit then
// fails with "Committer identity unknown", although the bot already knows
// who wrote the log (it passes --author): every reply says the commit
// failed and nothing is ever committed.
//
// Not parallel: it empties HOME and git's global config for the process.
// Skipped on hosts where git can still invent a committer.
//
// Reproduce: go test -race -run TestE2E_SessionLogGitCommitsWithoutAGitIdentity ./cmd/bot
func TestE2E_SessionLogGitCommitsWithoutAGitIdentity(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "none"))
	for _, v := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		t.Setenv(v, "") // restored at the end; unset for the test
		os.Unsetenv(v)
	}
	if out, err := exec.Command("git", "var", "GIT_COMMITTER_IDENT").CombinedOutput(); err == nil {
		t.Skipf("git invents a committer on this host (%s)", strings.TrimSpace(string(out)))
	}

	f, srv := breakerFakes(t)
	env := breakerEnv(t, f, srv)
	root := env["SESSION_LOG_DIR"]
	gitIn(t, root, "init", "-q") // a work tree with no identity of its own
	env["SESSION_LOG_GIT"] = "true"
	b, _ := startBreakerBot(ctx, t, f, srv, env, 1)

	b.slash(ctx, t, "log "+itoa64(syncrotest.SeedTicketNAS))
	rep := b.waitEphemeral(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketNAS))
	if strings.Contains(rep.Text, "commit failed") {
		t.Errorf("reply: %q\nbot log:\n%s", rep.Text, b.stderr.String())
	}
	out, _ := exec.Command("git", "-C", root, "log", "--oneline").CombinedOutput()
	if !strings.Contains(string(out), "session log") {
		t.Errorf("nothing committed; git log: %s", out)
	}
}
