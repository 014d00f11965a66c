package sessionlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotGitRepo is the CommitErr when Git is set but Root is not inside a
// git work tree.
var ErrNotGitRepo = errors.New("not a git work tree")

// gitWaitDelay bounds how long a timed-out git's leftover output is awaited.
const gitWaitDelay = time.Second

// committerName and committerEmail name the bot as the committer of the
// session logs it commits; the author is the tech who wrote the log.
const (
	committerName  = "syncrobot"
	committerEmail = "syncrobot@localhost"
)

// maxCommitSubject keeps commit subjects readable in `git log --oneline`.
const maxCommitSubject = 100

// commit stages and commits paths (relative to Root), together with the
// session logs an earlier failed commit left out, as the reply to that
// failure promised ("it will go in with the next one"). Naming the paths
// to `git commit` keeps anything else someone has staged out of it.
func (w *Writer) commit(ctx context.Context, paths []string, message, author string) error {
	timeout := w.GitTimeout
	if timeout <= 0 {
		timeout = defaultGitTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	w.gitMu.Lock()
	defer w.gitMu.Unlock()
	if w.Lock != nil {
		unlock, err := w.Lock(ctx)
		if err != nil {
			return fmt.Errorf("commit session log: wait for the other bots' commits: %w", err)
		}
		defer unlock()
	}

	out, err := w.git(ctx, "rev-parse", "--is-inside-work-tree")
	if err != nil || strings.TrimSpace(out) != "true" {
		return fmt.Errorf("commit session log: %s: %w", w.Root, ErrNotGitRepo)
	}
	left, err := w.uncommittedLogs(ctx)
	if err != nil {
		return fmt.Errorf("commit session log: %w", err)
	}
	paths = append(slices.Clone(paths), left...)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	if _, err := w.git(ctx, append([]string{"add", "--"}, paths...)...); err != nil {
		return fmt.Errorf("commit session log: %w", err)
	}
	args := append([]string{"commit", "--quiet", "--message=" + message, "--author=" + author, "--"}, paths...)
	if _, err := w.git(ctx, args...); err != nil {
		return fmt.Errorf("commit session log: %w", err)
	}
	return nil
}

// sessionLogFiles is the pathspec of every session log under Root.
const sessionLogFiles = ":(glob)clients/*/session-logs/*.md"

// uncommittedLogs lists the session logs under Root that are new to git
// (untracked, or added but never committed), relative to Root. Logs a
// person edited after they were committed are not taken: only new files.
func (w *Writer) uncommittedLogs(ctx context.Context) ([]string, error) {
	untracked, err := w.git(ctx, "ls-files", "-z", "--others", "--exclude-standard", "--", sessionLogFiles)
	if err != nil {
		return nil, err
	}
	added, err := w.git(ctx, "diff", "-z", "--cached", "--name-only", "--relative", "--diff-filter=A", "--", sessionLogFiles)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range strings.Split(untracked+added, "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// git runs one git command in Root and returns its standard output; the
// error carries git's own explanation.
func (w *Writer) git(ctx context.Context, args ...string) (string, error) {
	bin := w.GitBinary
	if bin == "" {
		bin = "git"
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"-C", w.Root}, args...)...)
	// Never wait for a password or editor that nobody will type into.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true")
	// The author is the tech (--author); the committer is the bot. A
	// service user often has no git identity (systemd DynamicUser, the
	// image's nonroot user), and git then refuses every commit, so the bot
	// names itself unless the environment already says who commits.
	if os.Getenv("GIT_COMMITTER_NAME") == "" && os.Getenv("GIT_COMMITTER_EMAIL") == "" {
		cmd.Env = append(cmd.Env, "GIT_COMMITTER_NAME="+committerName, "GIT_COMMITTER_EMAIL="+committerEmail)
	}
	// A killed git can leave hook children holding its output pipes;
	// stop waiting for them shortly after the deadline.
	cmd.WaitDelay = gitWaitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String() + "\n" + stdout.String())
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, strings.ToValidUTF8(msg, "?"))
	}
	return stdout.String(), nil
}

// commitMessage is "session log: #32164 Acme — printer offline".
func commitMessage(rec *Record) string {
	msg := "session log: #" + oneLine(rec.displayNumber())
	if c := oneLine(rec.Customer.Name); c != "" {
		msg += " " + c
	}
	if s := oneLine(rec.Subject); s != "" {
		msg += " — " + s
	}
	if utf8.RuneCountInString(msg) > maxCommitSubject {
		msg = string([]rune(msg)[:maxCommitSubject-1]) + "…"
	}
	return msg
}

// commitAuthor is "Name <email>" for git --author. Slack users without a
// known email get a noreply address from their member id, so commits stay
// attributable without exposing anything.
func commitAuthor(u SlackUser) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '<' || r == '>' {
				return -1
			}
			return r
		}, oneLine(s))
	}
	name := clean(u.Name)
	email := clean(u.Email)
	if email == "" || strings.ContainsAny(email, " ") {
		id := strings.Map(func(r rune) rune {
			if r < 0x80 && (isASCIILetter(byte(r)) || isDigit(byte(r)) || r == '.' || r == '-' || r == '_') {
				return r
			}
			return -1
		}, u.ID)
		if id == "" {
			id = "unknown"
		}
		email = id + "@users.noreply.slack"
	}
	if name == "" {
		name = oneLine(u.ID)
	}
	if name = clean(name); name == "" {
		name = "Slack user"
	}
	return name + " <" + email + ">"
}
