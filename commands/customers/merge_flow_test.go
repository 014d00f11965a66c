package customers

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The merge as a recorded flow (merge_flow.go): a fault at each step's
// Syncro write stops it with Finish, which does only what is missing; a
// crash at each step boundary is told at the next start and finished from
// that message, with every write done once.

// mergeCase is the merge fixture's customers and what sits on the
// duplicate.
type mergeCase struct {
	p, d     int64
	tickets  []int64
	contact  int64
	confirm  string // the "Merge and delete duplicate" button's value
	dupLabel string // how the note names the duplicate
}

func newMergeCase(t *testing.T, f *customerFixture) mergeCase {
	t.Helper()
	p, d, tickets, contact := mergeFixture(t, f)
	return mergeCase{p: p, d: d, tickets: tickets, contact: contact,
		confirm: MergeButtonValue(p, d) + ":" + mergeDelete, dupLabel: "Merged customer Acme Corp (old) (ID " + itoa(d) + ")"}
}

// click presses the merge's confirm button on message ts.
func (mc mergeCase) click(t *testing.T, c *commands.Commands, ts string) commands.Reply {
	t.Helper()
	return c.Action(t.Context(), commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeConfirm, Value: mc.confirm, MessageTS: ts})
}

// finish presses a Finish button with value id on message ts.
func finish(t *testing.T, c *commands.Commands, id, ts string) commands.Reply {
	t.Helper()
	return c.Action(t.Context(), commands.Action{Actor: admin, ChannelID: "C0TECHS", ActionID: ActionCustomerMergeFinish, Value: id, MessageTS: ts})
}

// wantMergedOnce checks Syncro holds the finished merge: everything on
// the primary, the merge note once and with the right counts, the
// duplicate gone.
func (mc mergeCase) wantMergedOnce(t *testing.T, srv *syncrotest.Server) {
	t.Helper()
	for _, id := range mc.tickets {
		if tk, _ := srv.Ticket(id); tk.CustomerID != mc.p {
			t.Errorf("ticket %d on customer %d, want the primary %d", id, tk.CustomerID, mc.p)
		}
	}
	if ct, _ := srv.Contact(mc.contact); ct.CustomerID != mc.p {
		t.Errorf("contact %d on customer %d, want the primary %d", mc.contact, ct.CustomerID, mc.p)
	}
	primary, _ := srv.Customer(mc.p)
	if n := strings.Count(primary.Notes, mc.dupLabel); n != 1 || !strings.Contains(primary.Notes, "2 tickets, 1 contact moved") {
		t.Errorf("the primary's notes hold the merge note %d times (want once, with 2 tickets and 1 contact): %q", n, primary.Notes)
	}
	if _, ok := srv.Customer(mc.d); ok {
		t.Errorf("the duplicate %d still exists", mc.d)
	}
}

// writes counts the PUTs and DELETEs Syncro answered.
func writes(srv *syncrotest.Server) int {
	return srv.Count("PUT", "/") + srv.Count("DELETE", "/")
}

func TestCustomerMerge_FaultAtEachStepStopsWithFinishThatDoesOnlyWhatIsMissing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		method string
		path   func(mc mergeCase) string
		// said and unsaid are in the stopped merge's reply.
		said []string
	}{
		{"first ticket", "PUT", func(mergeCase) string { return "/tickets/*" },
			[]string{"Nothing had moved yet.", "was NOT moved (Syncro answered 500)", "Still to do: repointing the contacts, the note on the primary, deleting the duplicate."}},
		{"contact", "PUT", func(mergeCase) string { return "/contacts/*" },
			[]string{"Done: moved ticket #", "Contact ", "was NOT moved", "Still to do: the note on the primary, deleting the duplicate."}},
		{"note", "PUT", func(mc mergeCase) string { return "/customers/" + itoa(mc.p) },
			[]string{"Done: moved ticket #", "repointed contact ", "The note on the primary failed (Syncro answered 500)", "Still to do: deleting the duplicate."}},
		{"delete", "DELETE", func(mc mergeCase) string { return "/customers/" + itoa(mc.d) },
			[]string{"noted the merge on the primary", "Deleting the duplicate failed (Syncro answered 500)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newCustomerFixture(t)
			mc := newMergeCase(t, f)
			f.Srv.Fail(tc.method, tc.path(mc), 20, syncrotest.FaultServerError) // past the client's retries
			r := mc.click(t, f.C, "9.1")
			if _, ok := f.Srv.Customer(mc.d); !ok {
				t.Fatal("the duplicate was deleted by a merge that stopped")
			}
			id := buttonValue(t, r.Blocks, ActionCustomerMergeFinish)
			for _, s := range append(tc.said, "The duplicate (ID "+itoa(mc.d)+") was NOT deleted.", "Press Finish to do only what is missing.") {
				if !strings.Contains(r.Text, s) {
					t.Errorf("the reply lacks %q:\n%s", s, r.Text)
				}
			}
			if r.Outcome != commands.OutcomeFailed {
				t.Errorf("outcome %v, want failed", r.Outcome)
			}

			f.Srv.ClearFaults()
			done := finish(t, f.C, id, "9.2")
			if !strings.Contains(done.Text, "The duplicate was deleted.") || !strings.Contains(done.Text, "2 tickets and 1 contact moved") {
				t.Errorf("Finish: %q", done.Text)
			}
			mc.wantMergedOnce(t, f.Srv)

			// Finish again, from another message, and the same click again:
			// nothing is left, so nothing is written.
			before := writes(f.Srv)
			again := finish(t, f.C, id, "9.3")
			twice := finish(t, f.C, id, "9.2")
			if writes(f.Srv) != before || again.Text != done.Text || !strings.Contains(twice.Text, "The duplicate was deleted.") {
				t.Errorf("a finished merge wrote %d more times; replies %q, %q", writes(f.Srv)-before, again.Text, twice.Text)
			}
		})
	}
}

// TestCustomerMerge_WriteThatLandedDespiteItsErrorIsNotRedone: Syncro
// applies a write and then answers 500. Each step reads Syncro back, so
// the merge goes on as if the answer had been 200: the note is not added
// twice, the duplicate is not said to be kept.
func TestCustomerMerge_WriteThatLandedDespiteItsErrorIsNotRedone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method string
		path         func(mc mergeCase) string
	}{
		{"ticket", "PUT", func(mergeCase) string { return "/tickets/*" }},
		{"contact", "PUT", func(mergeCase) string { return "/contacts/*" }},
		{"note", "PUT", func(mc mergeCase) string { return "/customers/" + itoa(mc.p) }},
		{"delete", "DELETE", func(mc mergeCase) string { return "/customers/" + itoa(mc.d) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newCustomerFixture(t)
			mc := newMergeCase(t, f)
			f.Srv.Fail(tc.method, tc.path(mc), 20, syncrotest.FaultCommitThenFail)
			r := mc.click(t, f.C, "9.1")
			if !strings.Contains(r.Text, "The duplicate was deleted.") {
				t.Errorf("reply %q", r.Text)
			}
			mc.wantMergedOnce(t, f.Srv)
		})
	}
}

func TestCustomerMerge_StoppedReplyGolden(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	mc := newMergeCase(t, f)
	f.Srv.Fail("PUT", "/contacts/*", 20, syncrotest.FaultServerError)
	r := mc.click(t, f.C, "9.1")
	commandstest.Golden(t, "merge_failed_midway.golden", customerReplyJSON(t, r))
}

// TestCustomerMerge_ClickingMergeAgainFinishesTheStoppedMerge: the same
// merge confirmed again (a new preview) resumes the recorded one rather
// than starting a second, so the note is written once.
func TestCustomerMerge_ClickingMergeAgainFinishesTheStoppedMerge(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	mc := newMergeCase(t, f)
	f.Srv.Fail("DELETE", "/customers/"+itoa(mc.d), 20, syncrotest.FaultServerError)
	stopped := mc.click(t, f.C, "9.1")
	f.Srv.ClearFaults()
	r := mc.click(t, f.C, "9.2")
	if !strings.Contains(r.Text, "The duplicate was deleted.") {
		t.Errorf("second merge: %q (first: %q)", r.Text, stopped.Text)
	}
	mc.wantMergedOnce(t, f.Srv)
}

func TestCustomerMerge_FinishIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	r := f.C.Action(t.Context(), commands.Action{Actor: commandstest.Dana, ActionID: ActionCustomerMergeFinish, Value: "x", MessageTS: "1"})
	if r.Text != notAdminReply.Text {
		t.Errorf("non-admin Finish: %q", r.Text)
	}
}

// crashFixture is a customer fixture on a store that can crash and
// restart, as the bot's DATA_DIR does.
type crashFixture struct {
	*customerFixture
	dir   string
	st    *store.Store
	crash *crashStore
}

func newCrashFixture(t *testing.T) *crashFixture {
	t.Helper()
	f := &crashFixture{customerFixture: newCustomerFixture(t), dir: t.TempDir()}
	f.open(t)
	t.Cleanup(func() { _ = f.st.Close() })
	return f
}

// open opens the store in f.dir and the commands on it.
func (f *crashFixture) open(t *testing.T) {
	t.Helper()
	st, err := store.Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	f.st, f.crash = st, &crashStore{Store: st}
	d := f.cu.cfg
	d.Store, d.Dedup = f.crash, nil
	f.C = commandstest.MustNew(t, d, func(r *commands.Registry, d commands.Deps) { f.cu = &feature{cfg: d}; f.cu.register(r) })
}

// restart plays a restart of the bot: whatever was in flight is cut off.
func (f *crashFixture) restart(t *testing.T) {
	t.Helper()
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t)
}

var errCrash = errors.New("simulated crash")

// crashStore dies once at an armed step of a flow: just after the step
// recorded that it is about to write (the write never leaves), or just
// as it records the outcome of its write (the write landed, the bot
// never knew).
type crashStore struct {
	commands.Store
	mu         sync.Mutex
	step       string
	afterWrite bool
	// flows are the flows created or read through this store: a pass
	// reads its flow first, so a flow created before a restart is here
	// once Finish runs it.
	flows []string
}

func (s *crashStore) arm(step string, afterWrite bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step, s.afterWrite = step, afterWrite
}

// CreateFlow notes each flow, to know its steps' claim keys.
func (s *crashStore) CreateFlow(f store.Flow) (store.Flow, bool, error) {
	s.note(f.ID)
	return s.Store.CreateFlow(f)
}

// GetFlow notes each flow too: one created before a restart.
func (s *crashStore) GetFlow(id string) (store.Flow, error) {
	s.note(id)
	return s.Store.GetFlow(id)
}

func (s *crashStore) note(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.flows, id) {
		s.flows = append(s.flows, id)
	}
}

func (s *crashStore) PrepareStep(id, step string, before json.RawMessage) (store.Flow, error) {
	f, err := s.Store.PrepareStep(id, step, before)
	s.die(func() bool { return !s.afterWrite && s.step == step })
	return f, err
}

func (s *crashStore) Complete(key string, outcome []byte) error {
	s.die(func() bool {
		for _, id := range s.flows {
			if s.afterWrite && key == store.Key(id, s.step) {
				return true
			}
		}
		return false
	})
	return s.Store.Complete(key, outcome)
}

// die panics with errCrash, once, when armed and now says so.
func (s *crashStore) die(now func() bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step != "" && now() {
		s.step = ""
		panic(errCrash)
	}
}

// crashing runs do, which must die of errCrash.
func crashing(t *testing.T, do func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != errCrash {
			t.Fatalf("did not crash (recovered %v)", p)
		}
	}()
	do()
}

// crashedMerge is a bot restarted after a merge crashed at step.
func crashedMerge(t *testing.T, step string, afterWrite bool) (*crashFixture, mergeCase) {
	t.Helper()
	f := newCrashFixture(t)
	mc := newMergeCase(t, f.customerFixture)
	f.crash.arm(step, afterWrite)
	crashing(t, func() { mc.click(t, f.C, "9.1") })
	f.restart(t)
	return f, mc
}

func TestCustomerMerge_CrashAtEachStepIsToldAtStartAndFinishedOnce(t *testing.T) {
	t.Parallel()
	for _, step := range mergeSteps(mergeDelete) {
		for _, afterWrite := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/after write %v", step, afterWrite), func(t *testing.T) {
				t.Parallel()
				f, mc := crashedMerge(t, step, afterWrite)

				posts := f.C.Startup(t.Context())
				if len(posts) != 1 {
					t.Fatalf("%d posts at start, want 1: %+v", len(posts), posts)
				}
				told := posts[0]
				if told.UserID != admin.SlackUserID || told.Reply.ChannelID != "C0TECHS" {
					t.Errorf("told %s in %q, want %s in C0TECHS", told.UserID, told.Reply.ChannelID, admin.SlackUserID)
				}
				for _, s := range []string{"I was restarted, and your merge is not finished.", "I was restarted before", stepWhat(step), "Press Finish"} {
					if !strings.Contains(told.Reply.Text, s) {
						t.Errorf("the start's message lacks %q:\n%s", s, told.Reply.Text)
					}
				}
				if step != stepDelete && !strings.Contains(told.Reply.Text, "was NOT deleted") {
					t.Errorf("the start's message does not say the duplicate is still there:\n%s", told.Reply.Text)
				}

				r := finish(t, f.C, buttonValue(t, told.Reply.Blocks, ActionCustomerMergeFinish), "told")
				if !strings.Contains(r.Text, "The duplicate was deleted.") {
					t.Errorf("Finish: %q", r.Text)
				}
				mc.wantMergedOnce(t, f.Srv)

				f.restart(t)
				if again := f.C.Startup(t.Context()); len(again) != 0 {
					t.Errorf("a finished merge is told again at start: %+v", again)
				}
			})
		}
	}
}

// TestCustomerMerge_StartTellsOnlyWhatChangedSinceTheLastStart: a merge
// left alone is told at one start, not at every start.
func TestCustomerMerge_StartTellsOnlyWhatChangedSinceTheLastStart(t *testing.T) {
	t.Parallel()
	f, _ := crashedMerge(t, stepNote, false)
	if n := len(commandstest.Accepted(f.C.Startup(t.Context()))); n != 1 {
		t.Fatalf("%d posts at the first start, want 1", n)
	}
	f.restart(t)
	if again := f.C.Startup(t.Context()); len(again) != 0 {
		t.Errorf("the same unfinished merge told at every start: %+v", again)
	}
}

// TestCustomerMerge_AStartMessageSlackRefusedIsToldAtTheNextStart: the
// start's message about a merge a crash cut off counts only once Slack
// accepted it: refused, the next start tells the admin again, and its
// Finish completes the merge once.
func TestCustomerMerge_AStartMessageSlackRefusedIsToldAtTheNextStart(t *testing.T) {
	t.Parallel()
	f, mc := crashedMerge(t, stepMoveContacts, true)
	first := f.C.Startup(t.Context())
	if len(first) != 1 {
		t.Fatalf("%d posts at the first start, want 1", len(first))
	}
	first[0].Sent(errors.New("channel_not_found"))
	f.restart(t)
	told := commandstest.Accepted(f.C.Startup(t.Context()))
	if len(told) != 1 || told[0].Reply.Text != first[0].Reply.Text || told[0].UserID != admin.SlackUserID {
		t.Fatalf("after a start whose post Slack refused: %+v, want the same message again", told)
	}
	f.restart(t)
	if again := f.C.Startup(t.Context()); len(again) != 0 {
		t.Errorf("a start after the accepted post tells %d merges again", len(again))
	}
	r := finish(t, f.C, buttonValue(t, told[0].Reply.Blocks, ActionCustomerMergeFinish), "told")
	if !strings.Contains(r.Text, "The duplicate was deleted.") {
		t.Errorf("Finish: %q", r.Text)
	}
	mc.wantMergedOnce(t, f.Srv)
}
