package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
)

// holder is a commands stub whose "hold N" commands run until a token on
// next lets one of them finish (or, with stoppable, until their work is
// stopped); any other command is answered at once. It records which
// commands started, in order, how many of each user's ran at once at
// most, and for whom their Syncro calls would be made.
type holder struct {
	next      chan struct{}
	started   chan string
	stoppable bool

	mu         sync.Mutex
	order      []string
	running    map[string]int
	most       map[string]int
	requesters map[string]string
}

func newHolder() *holder {
	return &holder{next: make(chan struct{}), started: make(chan string, 256),
		running: map[string]int{}, most: map[string]int{}, requesters: map[string]string{}}
}

func (h *holder) stub() *stub {
	return &stub{slash: func(ctx context.Context, r commands.Request) commands.Reply {
		user := r.Actor.SlackUserID
		h.mu.Lock()
		h.order = append(h.order, r.Text)
		h.running[user]++
		h.most[user] = max(h.most[user], h.running[user])
		h.requesters[r.Text] = syncro.Requester(ctx)
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			h.running[user]--
			h.mu.Unlock()
		}()
		h.started <- r.Text
		if strings.HasPrefix(r.Text, "hold") {
			var stopped <-chan struct{}
			if h.stoppable {
				stopped = ctx.Done()
			}
			select {
			case <-h.next:
			case <-stopped:
				return commands.Reply{Text: "stopped " + r.Text}
			}
		}
		return commands.Reply{Text: "done " + r.Text}
	}}
}

// waitStarted waits until n more commands have started and returns them.
func (h *holder) waitStarted(ctx context.Context, t *testing.T, n int) []string {
	t.Helper()
	var got []string
	for range n {
		select {
		case s := <-h.started:
			got = append(got, s)
		case <-ctx.Done():
			t.Fatalf("only %d of %d commands started (%q)", len(got), n, got)
		}
	}
	return got
}

// ran reports whether the command text started.
func (h *holder) ran(text string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Contains(h.order, text)
}

// mostAtOnce is how many of user's commands ran at once at most.
func (h *holder) mostAtOnce(user string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.most[user]
}

// hold sends n "hold i" commands as user, i from first, and checks each is
// acked without a word (taken, not refused).
func hold(ctx context.Context, t *testing.T, f *slackfake.Fake, user string, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		if got := ackText(t, slash(ctx, t, f, user, ops.ID, fmt.Sprintf("hold %d", i))); got != "" {
			t.Fatalf("hold %d acked %q, want an empty ack (queued behind %s's own)", i, got, user)
		}
	}
}

// startHolding starts a bot on s (h's stub when nil), edited by edit, and
// has alice take n of her slots with "hold 0"… commands that run until
// released; it returns once her first MaxInFlightPerUser have started.
func (h *holder) startHolding(t *testing.T, s *stub, edit func(*bot.Config), n int) (context.Context, *slackfake.Fake, *harness) {
	t.Helper()
	ctx := testCtx(t)
	f := newFake(t)
	if s == nil {
		s = h.stub()
	}
	hs := start(t, f, s, edit)
	hold(ctx, t, f, alice.ID, 0, n)
	h.waitStarted(ctx, t, min(n, bot.DefaultMaxInFlightPerUser))
	return ctx, f, hs
}

// releaseAll lets n held commands finish and waits until alice is told
// that "hold <last>" is done.
func (h *holder) releaseAll(ctx context.Context, t *testing.T, f *slackfake.Fake, n, last int) {
	t.Helper()
	for range n {
		h.next <- struct{}{}
	}
	waitEphemeral(ctx, t, f, alice.ID, fmt.Sprintf("done hold %d", last))
}

// waitEphemeral waits for an ephemeral to user containing want and returns
// every ephemeral user has then.
func waitEphemeral(ctx context.Context, t *testing.T, f *slackfake.Fake, user, want string) []string {
	t.Helper()
	texts := func() []string {
		var out []string
		for _, e := range f.Ephemerals(user) {
			out = append(out, e.Text)
		}
		return out
	}
	if err := f.WaitUntil(ctx, func() bool {
		return slices.ContainsFunc(texts(), func(s string) bool { return strings.Contains(s, want) })
	}); err != nil {
		t.Fatalf("no ephemeral to %s containing %q: %v; have %q", user, want, err, texts())
	}
	return texts()
}

func TestSlash_OneUsersFloodWaitsBehindTheirOwnAndOthersAreServed(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := newHolder()
	start(t, f, h.stub(), func(c *bot.Config) { c.MaxInFlight = 8 })

	// Alice sends more than the bot has slots: 6 run, 14 wait, none busy.
	hold(ctx, t, f, alice.ID, 0, 20)
	h.waitStarted(ctx, t, 6)
	ack := slash(ctx, t, f, carol.ID, ops.ID, "ticket 1234")
	if got := ackText(t, ack); got != "" {
		t.Fatalf("carol's command acked %q while alice floods, want it taken", got)
	}
	waitEphemeral(ctx, t, f, carol.ID, "done ticket 1234")
	if n := h.mostAtOnce(alice.ID); n != bot.DefaultMaxInFlightPerUser {
		t.Errorf("%d of alice's commands ran at once, want %d", n, bot.DefaultMaxInFlightPerUser)
	}

	for range 20 {
		h.next <- struct{}{}
	}
	for i := range 20 {
		waitEphemeral(ctx, t, f, alice.ID, fmt.Sprintf("done hold %d", i))
	}
	if n := h.mostAtOnce(alice.ID); n != bot.DefaultMaxInFlightPerUser {
		t.Errorf("%d of alice's commands ran at once, want at most %d", n, bot.DefaultMaxInFlightPerUser)
	}
}

func TestSlash_QueuedCommandsRunInOrderAndTheirPersonIsToldOnce(t *testing.T) {
	t.Parallel()
	h := newHolder()
	ctx, f, _ := h.startHolding(t, nil, func(c *bot.Config) { c.QueueNoteAfter = time.Millisecond }, 6)
	hold(ctx, t, f, alice.ID, 6, 4)
	texts := waitEphemeral(ctx, t, f, alice.ID, "Queued behind your")
	note := regexp.MustCompile(`^Queued behind your (\d+) other commands; this one runs as soon as one of them is done\.$`)
	var notes []string
	for _, s := range texts {
		if strings.HasPrefix(s, "Queued") {
			notes = append(notes, s)
		}
	}
	if len(notes) != 1 || !note.MatchString(notes[0]) {
		t.Errorf("notes to alice = %q, want one saying how many of hers are ahead", notes)
	} else if ahead, _ := strconv.Atoi(note.FindStringSubmatch(notes[0])[1]); ahead < 6 || ahead > 9 {
		t.Errorf("note %q counts %d ahead, want 6 to 9", notes[0], ahead)
	}

	// One finishes at a time: each hands its slot to the next in line.
	var next []string
	for range 4 {
		h.next <- struct{}{}
		next = append(next, h.waitStarted(ctx, t, 1)...)
	}
	if want := []string{"hold 6", "hold 7", "hold 8", "hold 9"}; !slices.Equal(next, want) {
		t.Errorf("queued commands started in order %q, want %q", next, want)
	}
	h.releaseAll(ctx, t, f, 6, 9)
}

func TestAdmission_WhatCannotWaitIsToldAtOnceWhileItsUserIsAtTheirCap(t *testing.T) {
	t.Parallel()
	h := newHolder()
	s := h.stub()
	s.opensModal = func(text string) bool { return text == "create" }
	var submitted, suggested atomic.Bool
	s.submit = func(context.Context, commands.Submission) commands.Reply {
		submitted.Store(true)
		return commands.Reply{}
	}
	s.suggest = func(context.Context, commands.Suggestion) []*slack.OptionBlockObject {
		suggested.Store(true)
		return nil
	}
	ctx, f, _ := h.startHolding(t, s, nil, 6)
	const atCap = "You have 6 commands running already; try this one again when one of them is done."

	if got := ackText(t, slash(ctx, t, f, alice.ID, ops.ID, "create")); got != atCap {
		t.Errorf("a command opening a form acked %q, want %q (its trigger cannot wait)", got, atCap)
	}
	va, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: alice.ID, ViewID: "V0FORM", CallbackID: "syncro_create",
		Values: slackfake.Values{"subject_b": {"subject": slackfake.TextInput("Printer down")}}})
	if err != nil {
		t.Fatal(err)
	}
	if va.ResponseAction != "errors" || va.Errors["subject_b"] != atCap {
		t.Errorf("submission ack = %+v, want %q under its field, the input kept", va, atCap)
	}
	sa, err := f.BlockSuggestion(ctx, slackfake.BlockSuggestion{UserID: alice.ID, ViewID: "V0FORM", ActionID: "customer", Value: "acm"})
	if err != nil || len(sa.Options) != 0 {
		t.Errorf("suggestion ack = %+v, %v, want no options at once", sa, err)
	}
	// Someone else is not at their cap.
	if got := ackText(t, slash(ctx, t, f, carol.ID, ops.ID, "create")); got != "" {
		t.Errorf("carol's form command acked %q, want it taken", got)
	}
	h.releaseAll(ctx, t, f, 6, 5)
	if submitted.Load() || suggested.Load() {
		t.Errorf("submitted %v, suggested %v while alice was at her cap, want neither", submitted.Load(), suggested.Load())
	}
}

func TestSlash_UsersQueueIsBounded(t *testing.T) {
	t.Parallel()
	h := newHolder()
	ctx, f, _ := h.startHolding(t, nil, func(c *bot.Config) { c.MaxQueuedPerUser = 2 }, 8)
	want := "You have 6 commands running and 2 waiting already; try again when they are done."
	if got := ackText(t, slash(ctx, t, f, alice.ID, ops.ID, "hold 8")); got != want {
		t.Errorf("ninth command acked %q, want %q", got, want)
	}
	h.releaseAll(ctx, t, f, 8, 7)
}

func TestSlash_QueuedCommandThatWaitedTooLongIsNotRun(t *testing.T) {
	t.Parallel()
	h := newHolder()
	ctx := testCtx(t)
	f := newFake(t)
	// Slack as a loaded machine answers it: users.info, asked in the
	// work of each of alice's first six, takes longer than the seventh
	// may wait. Their work still runs; only the wait is short.
	f.InjectFault("users.info", slackfake.Fault{Delay: 200 * time.Millisecond, Times: 6})
	start(t, f, h.stub(), func(c *bot.Config) { c.MaxQueueWait = 50 * time.Millisecond })
	hold(ctx, t, f, alice.ID, 0, 7)
	h.waitStarted(ctx, t, bot.DefaultMaxInFlightPerUser)
	waitEphemeral(ctx, t, f, alice.ID, "waited too long behind your other commands, so it was not run")
	h.releaseAll(ctx, t, f, 6, 5)
	if h.ran("hold 6") {
		t.Errorf("the command that waited too long ran anyway")
	}
}

func TestShutdown_QueuedCommandIsToldRestartingAndNeverRuns(t *testing.T) {
	t.Parallel()
	h := newHolder()
	h.stoppable = true
	ctx, f, hs := h.startHolding(t, nil, nil, 7)
	hs.stop()
	if err := f.WaitUntil(ctx, func() bool { return len(f.Ephemerals(alice.ID)) == 7 }); err != nil {
		t.Fatalf("alice was told about %d of her 7 commands: %v", len(f.Ephemerals(alice.ID)), err)
	}
	for _, e := range f.Ephemerals(alice.ID) {
		if !strings.Contains(e.Text, "restarting") {
			t.Errorf("alice was told %q, want restarting", e.Text)
		}
	}
	if h.ran("hold 6") {
		t.Errorf("the queued command ran during shutdown")
	}
}

func TestSlash_SyncroCallsAreMadeForTheirUser(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f := newFake(t)
	h := newHolder()
	start(t, f, h.stub(), nil)
	slash(ctx, t, f, alice.ID, ops.ID, "mine")
	slash(ctx, t, f, carol.ID, ops.ID, "search printer")
	waitEphemeral(ctx, t, f, alice.ID, "done mine")
	waitEphemeral(ctx, t, f, carol.ID, "done search printer")
	h.mu.Lock()
	defer h.mu.Unlock()
	if got := h.requesters; got["mine"] != alice.ID || got["search printer"] != carol.ID {
		t.Errorf("Syncro requesters = %v, want each command's user", got)
	}
}
