package store

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func billFlow(id string, ticket int64) Flow {
	return Flow{
		ID: id, Kind: FlowBill, Ticket: ticket, Subject: "Printer offline",
		Params:    json.RawMessage(`{"minutes":90,"product_id":7}`),
		Steps:     []Step{{Name: "add_line_item"}, {Name: "create_invoice"}, {Name: "close_ticket"}},
		SlackUser: "U1", Channel: "C1", MessageTS: "1700000000.000100",
	}
}

func testCreateFlow_SameIDTwiceKeepsTheFirst(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	first, created, err := ts.CreateFlow(billFlow("f1", 1234))
	if err != nil || !created {
		t.Fatalf("first CreateFlow = %v, %v; want created", created, err)
	}
	again := billFlow("f1", 1234)
	again.Subject = "redelivered"
	ts.clk.Advance(time.Minute)
	got, created, err := ts.CreateFlow(again)
	if err != nil || created {
		t.Fatalf("second CreateFlow = %v, %v; want existing", created, err)
	}
	if got.Subject != first.Subject || !got.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("second CreateFlow returned %+v, want the first flow", got)
	}
	flows, err := ts.FlowsForTicket(1234)
	if err != nil || len(flows) != 1 {
		t.Fatalf("FlowsForTicket = %d flows, %v; want 1", len(flows), err)
	}
	for _, st := range first.Steps {
		if st.State != StepPending {
			t.Errorf("new step %s state = %q, want pending", st.Name, st.State)
		}
	}
}

func testCreateFlow_RejectsMalformedFlows(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	cases := []struct {
		name   string
		mutate func(*Flow)
	}{
		{"no id", func(f *Flow) { f.ID = "" }},
		{"no kind", func(f *Flow) { f.Kind = "" }},
		{"no steps", func(f *Flow) { f.Steps = nil }},
		{"duplicate step", func(f *Flow) { f.Steps = []Step{{Name: "a"}, {Name: "a"}} }},
		{"unnamed step", func(f *Flow) { f.Steps = []Step{{Name: ""}} }},
		{"bad step state", func(f *Flow) { f.Steps = []Step{{Name: "a", State: "maybe"}} }},
		{"params not JSON", func(f *Flow) { f.Params = json.RawMessage(`{`) }},
	}
	for _, c := range cases {
		f := billFlow("f", 1)
		c.mutate(&f)
		if _, _, err := ts.CreateFlow(f); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
		}
	}
}

func testUpdateStep_TransitionsPersistAcrossReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, _, err := ts.CreateFlow(billFlow("f1", 1234)); err != nil {
		t.Fatal(err)
	}
	ts.clk.Advance(time.Second)
	if _, err := ts.UpdateStep("f1", "add_line_item", StepDone, json.RawMessage(`{"line_item_id":9}`), ""); err != nil {
		t.Fatal(err)
	}
	ts.clk.Advance(time.Second)
	upd, err := ts.UpdateStep("f1", "create_invoice", StepUnknown, nil, "timeout after POST /invoices")
	if err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	got, err := ts.GetFlow("f1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Name: "add_line_item", State: StepDone, Result: json.RawMessage(`{"line_item_id":9}`), At: testStart.Add(time.Second)},
		{Name: "create_invoice", State: StepUnknown, Err: "timeout after POST /invoices", At: testStart.Add(2 * time.Second)},
		{Name: "close_ticket", State: StepPending, At: testStart},
	}
	if !slices.EqualFunc(got.Steps, want, stepEqual) {
		t.Errorf("steps after reopen =\n%+v\nwant\n%+v", got.Steps, want)
	}
	if !got.UpdatedAt.Equal(upd.UpdatedAt) || got.Params == nil || got.MessageTS != "1700000000.000100" {
		t.Errorf("flow after reopen = %+v, want as last updated", got)
	}
}

func stepEqual(a, b Step) bool {
	return a.Name == b.Name && a.State == b.State && string(a.Result) == string(b.Result) && a.Err == b.Err && a.At.Equal(b.At)
}

func testUpdateStep_Rejects(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, _, err := ts.CreateFlow(billFlow("f1", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.UpdateStep("f1", "create_invoice", StepDone, nil, ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, id, step string
		state          StepState
		result         json.RawMessage
		want           error
	}{
		{"missing flow", "nope", "add_line_item", StepDone, nil, ErrNotFound},
		{"missing step", "f1", "send_email", StepDone, nil, ErrInvalid},
		{"bad state", "f1", "add_line_item", "half", nil, ErrInvalid},
		{"result not JSON", "f1", "add_line_item", StepDone, json.RawMessage("{"), ErrInvalid},
		{"done step moved back (would bill twice)", "f1", "create_invoice", StepPending, nil, ErrStepDone},
		{"done step marked failed", "f1", "create_invoice", StepFailed, nil, ErrStepDone},
	}
	for _, c := range cases {
		if _, err := ts.UpdateStep(c.id, c.step, c.state, c.result, ""); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	f, err := ts.GetFlow("f1")
	if err != nil {
		t.Fatal(err)
	}
	if f.Steps[1].State != StepDone {
		t.Errorf("create_invoice = %s after rejected updates, want done", f.Steps[1].State)
	}
}

// TestPrepareStep_MarksInDoubtAndKeepsBeforeUntilPreparedAgain: a step about
// to write is in doubt until its outcome is recorded, and what it saw
// before the write stays with it.
func testPrepareStep_MarksInDoubtAndKeepsBeforeUntilPreparedAgain(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, _, err := ts.CreateFlow(billFlow("f1", 1)); err != nil {
		t.Fatal(err)
	}
	before := json.RawMessage(`{"timers":[7,8]}`)
	if f, err := ts.PrepareStep("f1", "add_line_item", before); err != nil || f.Steps[0].State != StepUnknown {
		t.Fatalf("PrepareStep = %+v, %v; want the step in doubt", f.Steps[0], err)
	}
	// A failed attempt keeps what it saw, across a restart.
	if _, err := ts.UpdateStep("f1", "add_line_item", StepUnknown, nil, "timeout"); err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	f, err := ts.GetFlow("f1")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Steps[0]; string(got.Before) != string(before) || got.State != StepUnknown || got.Err != "timeout" {
		t.Errorf("step after UpdateStep and reopen = %+v", got)
	}
	// The next attempt records its own.
	again := json.RawMessage(`{"timers":[7,8,9]}`)
	if f, err = ts.PrepareStep("f1", "add_line_item", again); err != nil || string(f.Steps[0].Before) != string(again) {
		t.Errorf("prepared again: %+v, %v", f.Steps[0], err)
	}
	if _, err := ts.UpdateStep("f1", "create_invoice", StepDone, nil, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, id, step string
		before         json.RawMessage
		want           error
	}{
		{"missing flow", "nope", "add_line_item", before, ErrNotFound},
		{"missing step", "f1", "send_email", before, ErrInvalid},
		{"not JSON", "f1", "add_line_item", json.RawMessage("{"), ErrInvalid},
		{"done step (its write is in Syncro)", "f1", "create_invoice", before, ErrStepDone},
	} {
		if _, err := ts.PrepareStep(c.id, c.step, c.before); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func testFinished_DoneOrAbandonedAcrossReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, id := range []string{"untouched", "half", "failed", "done", "abandoned"} {
		ts.clk.Advance(time.Second)
		if _, _, err := ts.CreateFlow(billFlow(id, 1)); err != nil {
			t.Fatal(err)
		}
	}
	mustStep := func(id, step string, st StepState) {
		t.Helper()
		if _, err := ts.UpdateStep(id, step, st, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	mustStep("half", "add_line_item", StepDone)
	mustStep("failed", "add_line_item", StepFailed)
	for _, step := range []string{"add_line_item", "create_invoice", "close_ticket"} {
		mustStep("done", step, StepDone)
	}
	abandoned, err := ts.AbandonFlow("abandoned", "billed by hand in Syncro")
	if err != nil {
		t.Fatal(err)
	}
	ts.clk.Advance(time.Minute)
	again, err := ts.AbandonFlow("abandoned", "a second reason")
	if err != nil || !again.AbandonedAt.Equal(abandoned.AbandonedAt) || again.AbandonReason != "billed by hand in Syncro" {
		t.Errorf("second AbandonFlow = %v %q, %v; want the first abandonment kept", again.AbandonedAt, again.AbandonReason, err)
	}
	ts.reopen()
	for id, want := range map[string]bool{"untouched": false, "half": false, "failed": false, "done": true, "abandoned": true} {
		f, err := ts.GetFlow(id)
		if err != nil || f.Finished() != want {
			t.Errorf("%s: Finished = %v, %v; want %v", id, f.Finished(), err, want)
		}
	}
	if _, err := ts.AbandonFlow("nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AbandonFlow(missing) = %v, want ErrNotFound", err)
	}
}

// TestUnfinishedFlows_OldestFirstAfterReopen: what a restarted bot lists to
// tell each flow's owner it still needs a Finish.
func testUnfinishedFlows_OldestFirstAfterReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	// Started at these minutes; ids, the order on disk, sort otherwise.
	for id, minute := range map[string]int{"a-late": 30, "b-done": 1, "c-early": 10, "d-abandoned": 2, "e-half": 20} {
		f := billFlow(id, 7)
		f.CreatedAt = testStart.Add(time.Duration(minute) * time.Minute)
		if _, _, err := ts.CreateFlow(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []string{"add_line_item", "create_invoice", "close_ticket"} {
		if _, err := ts.UpdateStep("b-done", step, StepDone, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.UpdateStep("e-half", "add_line_item", StepDone, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AbandonFlow("d-abandoned", "billed by hand"); err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	flows, err := ts.UnfinishedFlows()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows {
		ids = append(ids, f.ID)
	}
	if want := []string{"c-early", "e-half", "a-late"}; !slices.Equal(ids, want) {
		t.Errorf("UnfinishedFlows = %q, want %q (oldest first)", ids, want)
	}
}

// TestMarkFlowTold_UntilTheFlowChangesAcrossReopen: a flow is untold
// until its owner was told of it as it stands; telling is no change, and
// a change after the telling makes it untold again.
func testMarkFlowTold_UntilTheFlowChangesAcrossReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	f, _, err := ts.CreateFlow(billFlow("f1", 7))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Untold() {
		t.Errorf("a new flow is told: %+v", f)
	}
	ts.clk.Advance(time.Minute)
	if _, err := ts.MarkFlowTold("f1", f.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	got, err := ts.GetFlow("f1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Untold() || !got.UpdatedAt.Equal(f.UpdatedAt) {
		t.Errorf("told flow: untold %v, updated %v (was %v)", got.Untold(), got.UpdatedAt, f.UpdatedAt)
	}
	// An older telling, recorded late, does not take a newer one back.
	if got, err = ts.MarkFlowTold("f1", f.UpdatedAt.Add(-time.Second)); err != nil || !got.Told.Equal(f.UpdatedAt) {
		t.Errorf("older telling: told %v, err %v; want %v", got.Told, err, f.UpdatedAt)
	}
	if got, err = ts.UpdateStep("f1", "add_line_item", StepDone, nil, ""); err != nil || !got.Untold() {
		t.Errorf("changed after the telling: untold %v, err %v; want untold", got.Untold(), err)
	}
	if _, err := ts.MarkFlowTold("nope", f.UpdatedAt); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkFlowTold(missing) = %v, want ErrNotFound", err)
	}
}

func testFlowsForTicket_OnlyThatTicketNewestFirst(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, f := range []struct {
		id     string
		ticket int64
	}{{"a", 1}, {"b", 256}, {"c", 1}, {"d", 2}} {
		ts.clk.Advance(time.Second)
		if _, _, err := ts.CreateFlow(billFlow(f.id, f.ticket)); err != nil {
			t.Fatal(err)
		}
	}
	flows, err := ts.FlowsForTicket(1)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows {
		ids = append(ids, f.ID)
	}
	if want := []string{"c", "a"}; !slices.Equal(ids, want) {
		t.Errorf("FlowsForTicket(1) = %q, want %q", ids, want)
	}
	if flows, err := ts.FlowsForTicket(3); err != nil || len(flows) != 0 {
		t.Errorf("FlowsForTicket(3) = %v, %v; want none", flows, err)
	}
}

func testSweep_FinishedFlowsExpireUnfinishedStay(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, id := range []string{"finished", "unfinished"} {
		if _, _, err := ts.CreateFlow(billFlow(id, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.AbandonFlow("finished", "done by hand"); err != nil {
		t.Fatal(err)
	}
	ts.clk.Advance(FlowRetention + time.Hour)
	n, err := ts.Sweep(ts.clk.Now())
	if err != nil || n.Flows != 1 {
		t.Fatalf("Sweep = %+v, %v; want 1 flow", n, err)
	}
	if _, err := ts.GetFlow("finished"); !errors.Is(err, ErrNotFound) {
		t.Errorf("finished flow after sweep: %v, want ErrNotFound", err)
	}
	flows, err := ts.FlowsForTicket(5)
	if err != nil || len(flows) != 1 || flows[0].ID != "unfinished" {
		t.Errorf("FlowsForTicket after sweep = %v, %v; want only the unfinished flow", flows, err)
	}
}

func testAdoptFlow_AfterARestartTheUnfinishedOnly(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, id := range []string{"open", "given-up"} {
		if _, _, err := ts.CreateFlow(billFlow(id, 7)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.AbandonFlow("given-up", "test"); err != nil {
		t.Fatal(err)
	}
	ts.reopen() // the bot that ran them is gone
	if f, ok, err := ts.AdoptFlow("open"); err != nil || !ok || f.ID != "open" {
		t.Errorf("AdoptFlow(unfinished) = %q, %v, %v; want it adopted", f.ID, ok, err)
	}
	if _, ok, err := ts.AdoptFlow("given-up"); err != nil || ok {
		t.Errorf("AdoptFlow(abandoned) = %v, %v; want not adopted", ok, err)
	}
}
