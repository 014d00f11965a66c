package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
)

// fakeSteps is a flow of steps "a" and "b" against a pretend Syncro:
// written holds the steps whose write landed.
type fakeSteps struct {
	written map[string]bool
	fail    map[string]error // Do's error per step
	readErr error            // ReadBack's error
	calls   []string
	done    []string
}

func (f *fakeSteps) Prepare(_ context.Context, step string, _ json.RawMessage) (json.RawMessage, error) {
	f.calls = append(f.calls, "prepare "+step)
	return json.RawMessage(`{"saw":1}`), nil
}

func (f *fakeSteps) Do(_ context.Context, step string, before json.RawMessage) (json.RawMessage, error) {
	f.calls = append(f.calls, "do "+step)
	if err := f.fail[step]; err != nil {
		return nil, err
	}
	f.written[step] = true
	return json.RawMessage(`{"step":"` + step + `"}`), nil
}

func (f *fakeSteps) ReadBack(_ context.Context, step string, before json.RawMessage) (json.RawMessage, bool, error) {
	f.calls = append(f.calls, "read back "+step)
	if f.readErr != nil {
		return nil, false, f.readErr
	}
	if string(before) != `{"saw":1}` {
		return nil, false, errors.New("read back without what Prepare recorded")
	}
	return json.RawMessage(`{"found":true}`), f.written[step], nil
}

func (f *fakeSteps) Done(step string, _ json.RawMessage) { f.done = append(f.done, step) }

func newFlow(t *testing.T) (*store.Store, string) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f, _, err := st.CreateFlow(store.Flow{ID: "f1", Kind: "test", Steps: []store.Step{{Name: "a"}, {Name: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	return st, f.ID
}

func TestRun_StopsAtAFailureAndTheNextPassRunsOnlyWhatIsMissing(t *testing.T) {
	t.Parallel()
	st, id := newFlow(t)
	steps := &fakeSteps{written: map[string]bool{}, fail: map[string]error{"b": errors.New("500")}}
	_, failed, err := Run(t.Context(), st, id, 0, steps)
	if failed != "b" || err == nil || IsUnknown(err) {
		t.Fatalf("first pass: failed %q, err %v", failed, err)
	}
	steps.fail, steps.calls, steps.done = nil, nil, nil
	f, failed, err := Run(t.Context(), st, id, 0, steps)
	if failed != "" || err != nil || f.Steps[0].State != store.StepDone {
		t.Fatalf("second pass: failed %q, err %v", failed, err)
	}
	if want := []string{"prepare b", "do b"}; !slices.Equal(steps.calls, want) {
		t.Errorf("second pass called %q, want %q", steps.calls, want)
	}
	if want := []string{"a", "b"}; !slices.Equal(steps.done, want) {
		t.Errorf("Done for %q, want %q", steps.done, want)
	}
	if g, _ := st.GetFlow(id); !g.Finished() {
		t.Errorf("flow not finished: %+v", g.Steps)
	}
}

// TestRunStep_StepInDoubtIsReadBackNotWrittenAgain: a step marked in doubt
// (its write sent, its outcome never recorded) is read back first: found
// → done without a write; not found → written; Syncro unreadable → still
// in doubt, nothing written.
func TestRunStep_StepInDoubtIsReadBackNotWrittenAgain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		landed    bool
		readErr   error
		wantCalls []string
		wantState store.StepState
	}{
		{"landed", true, nil, []string{"read back a"}, store.StepDone},
		{"not landed", false, nil, []string{"read back a", "prepare a", "do a"}, store.StepDone},
		{"unreadable", false, errors.New("Syncro down"), []string{"read back a"}, store.StepUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, id := newFlow(t)
			if _, err := st.PrepareStep(id, "a", json.RawMessage(`{"saw":1}`)); err != nil {
				t.Fatal(err)
			}
			steps := &fakeSteps{written: map[string]bool{"a": tc.landed}, readErr: tc.readErr}
			f, _ := st.GetFlow(id)
			_, err := RunStep(t.Context(), st, id, f.Steps[0], steps)
			if (tc.readErr != nil) != IsUnknown(err) {
				t.Errorf("err %v", err)
			}
			if !slices.Equal(steps.calls, tc.wantCalls) {
				t.Errorf("calls %q, want %q", steps.calls, tc.wantCalls)
			}
			if f, _ = st.GetFlow(id); f.Steps[0].State != tc.wantState {
				t.Errorf("step state %s, want %s", f.Steps[0].State, tc.wantState)
			}
		})
	}
}

func TestRun_OutOfTimeStartsNoStep(t *testing.T) {
	t.Parallel()
	st, id := newFlow(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(time.Second))
	defer cancel()
	steps := &fakeSteps{written: map[string]bool{}}
	if _, failed, err := Run(ctx, st, id, StepReserve, steps); failed != "a" || !errors.Is(err, ErrOutOfTime) || len(steps.calls) != 0 {
		t.Errorf("failed %q, err %v, calls %q", failed, err, steps.calls)
	}
}

// TestTell_AFlowIsToldOnceSlackAcceptedItsPost: a start's post marks
// its flow told only when Slack accepted it; one refused, or never sent,
// leaves the flow to the next start, and a refusal is logged by flow id.
// A flow told and left alone is not told again; changed, it is.
func TestTell_AFlowIsToldOnceSlackAcceptedItsPost(t *testing.T) {
	t.Parallel()
	st, id := newFlow(t)
	if _, _, err := st.CreateFlow(store.Flow{ID: "other", Kind: "bill", Steps: []store.Step{{Name: "a"}}}); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	own := func(kind string) bool { return kind == "test" }
	start := func() []commands.Post {
		t.Helper()
		flows, err := Untold(st, own)
		if err != nil {
			t.Fatal(err)
		}
		var posts []commands.Post
		for _, f := range flows {
			posts = append(posts, Tell(t.Context(), st, log, f, commands.Reply{Text: "not finished"}))
		}
		return posts
	}

	posts := start()
	if len(posts) != 1 || posts[0].Reply.Text != "not finished" {
		t.Fatalf("first start: %+v", posts)
	}
	// The bot stopped before posting: nothing heard.
	posts = start()
	if len(posts) != 1 {
		t.Fatalf("a start after a post never sent tells %d flows, want 1", len(posts))
	}
	posts[0].Sent(errors.New("channel_not_found"))
	if !strings.Contains(logged.String(), "flow="+id) || !strings.Contains(logged.String(), "channel_not_found") {
		t.Errorf("the refusal is not logged with the flow id: %s", logged.String())
	}
	posts = start()
	if len(posts) != 1 {
		t.Fatalf("a start after a refused post tells %d flows, want 1", len(posts))
	}
	posts[0].Sent(nil)
	if again := start(); len(again) != 0 {
		t.Errorf("told again unchanged: %+v", again)
	}
	if _, err := st.UpdateStep(id, "a", store.StepFailed, nil, "500"); err != nil {
		t.Fatal(err)
	}
	if again := start(); len(again) != 1 {
		t.Errorf("a flow changed since it was told is told %d times, want once", len(again))
	}
}

// TestRun_AnAbandonedFlowRunsNoStep: a flow stopped at its second step
// and then abandoned runs nothing more, however often a pass is asked
// for (an old message's Finish).
func TestRun_AnAbandonedFlowRunsNoStep(t *testing.T) {
	t.Parallel()
	st, id := newFlow(t)
	steps := &fakeSteps{written: map[string]bool{}, fail: map[string]error{"b": errors.New("422")}}
	if _, failed, _ := Run(t.Context(), st, id, 0, steps); failed != "b" {
		t.Fatalf("first pass stopped at %q, want b", failed)
	}
	if _, err := st.AbandonFlow(id, "given up"); err != nil {
		t.Fatal(err)
	}
	steps.fail, steps.calls = nil, nil
	_, failed, err := Run(t.Context(), st, id, 0, steps)
	if !errors.Is(err, ErrAbandoned) || failed != "" {
		t.Errorf("pass after abandoning: failed %q, err %v; want ErrAbandoned", failed, err)
	}
	if len(steps.calls) > 0 || steps.written["b"] {
		t.Errorf("an abandoned flow ran %q", steps.calls)
	}
}
