package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The demo's journal attacked: a demo killed mid-write leaves a torn last
// line. The next runs must keep every change made after it, keep
// starting, and say what they replayed.

// tornJournal is a data folder whose journal holds one change and, after
// it, the first bytes of a second one (the demo was killed mid-write).
func tornJournal(t *testing.T) (dir string, ticketID int64) {
	t.Helper()
	dir = t.TempDir()
	env := startEnv(t, dir)
	tk, ok := env.Syncro().TicketByNumber(syncrotest.SeedTicketOwnCloud)
	if !ok {
		t.Fatal("seed ticket missing")
	}
	postComment(t, env, tk.ID, "saved before the kill")
	env.Close()
	f, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"time":"2026-11-20T10:00:00Z","method":"POST","pa`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, tk.ID
}

// TestJournal_ChangesAfterATornLineSurviveTwoRestarts: after the torn
// line, a run saves a change and stops; the next run must replay it, and
// a run after that (one more change) must still start.
func TestJournal_ChangesAfterATornLineSurviveTwoRestarts(t *testing.T) {
	t.Parallel()
	dir, ticketID := tornJournal(t)
	env := startEnv(t, dir)
	postComment(t, env, ticketID, "saved after the torn line")
	env.Close()

	again := startEnv(t, dir)
	if !hasComment(again, ticketID, "saved after the torn line") {
		t.Errorf("a change saved after the torn line was lost at the next start; page says %q", again.StartNote())
	}
	postComment(t, again, ticketID, "one more")
	again.Close()

	third, err := Start(t.Context(), Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatalf("the third run does not start: %v", err)
	}
	defer third.Close()
	for _, want := range []string{"saved before the kill", "saved after the torn line", "one more"} {
		if !hasComment(third, ticketID, want) {
			t.Errorf("the third run lacks the change %q", want)
		}
	}
}

// TestJournal_TornLineIsSaid: the run that drops a torn line says so on
// the page, rather than only how many entries it replayed.
func TestJournal_TornLineIsSaid(t *testing.T) {
	t.Parallel()
	dir, _ := tornJournal(t)
	env := startEnv(t, dir)
	if note := env.StartNote(); !strings.Contains(note, "Replayed 1 saved journal entry") || !strings.Contains(note, "cut off when the demo was stopped mid-write, was dropped") {
		t.Errorf("StartNote = %q, want it to say 1 entry replayed and one cut off", note)
	}
}

func hasComment(env *Env, ticketID int64, body string) bool {
	for _, c := range env.Syncro().Comments(ticketID) {
		if c.Body == body {
			return true
		}
	}
	return false
}

// TestJournal_PageStopsClaimingChangesAreSavedOnceSavingFails: the
// journal's disk stops taking writes mid-run (full, gone read-only). The
// page said changes are saved and replayed at the next start; once a
// change could not be saved it must not keep saying so.
func TestJournal_PageStopsClaimingChangesAreSavedOnceSavingFails(t *testing.T) {
	t.Parallel()
	env := startEnv(t, t.TempDir())
	// The disk refuses writes from now on: the journal's file is open for
	// reading only.
	ro, err := os.Open(env.journalPath)
	if err != nil {
		t.Fatal(err)
	}
	env.journal.mu.Lock()
	_ = env.journal.f.Close()
	env.journal.f = ro
	env.journal.mu.Unlock()
	tk, _ := env.Syncro().TicketByNumber(syncrotest.SeedTicketOwnCloud)
	postComment(t, env, tk.ID, "not saved")

	st, _ := getState(t, env, "")
	if note := info(st, "Syncro changes"); strings.Contains(note, "Changes are saved") || !strings.Contains(note, "could not be saved") {
		t.Errorf("after a failed save the page says %q", note)
	}
}
