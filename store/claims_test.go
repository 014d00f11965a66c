package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/store/pgtest"
)

func TestKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a, b []string
		same bool
	}{
		{"deterministic", []string{"T1", "1700000000.1", "bill", "1234"}, []string{"T1", "1700000000.1", "bill", "1234"}, true},
		{"parts are not concatenated", []string{"ab", "c"}, []string{"a", "bc"}, false},
		{"order matters", []string{"bill", "1234"}, []string{"1234", "bill"}, false},
		{"empty part counts", []string{"a", ""}, []string{"a"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ka, kb := Key(c.a...), Key(c.b...)
			for _, k := range []string{ka, kb} {
				if len(k) != KeyLen || !strings.HasPrefix(k, KeyPrefix) {
					t.Errorf("Key = %q: want %d chars starting %q", k, KeyLen, KeyPrefix)
				}
			}
			if (ka == kb) != c.same {
				t.Errorf("Key(%q) = %s, Key(%q) = %s; same = %v, want %v", c.a, ka, c.b, kb, ka == kb, c.same)
			}
		})
	}
}

// TestClaim_SecondCallerSeesFirstCallersState is the specification of what a
// repeat of an interaction is told, depending on how the first one went.
func testClaim_SecondCallerSeesFirstCallersState(t *testing.T, open backend) {
	t.Parallel()
	const key, intent = "k1_test", "bill #1234 1.5h"
	cases := []struct {
		name         string
		setup        func(t *testing.T, ts *testStore)
		want         ClaimState
		wantOutcome  string
		wantFailure  string
		wantAttempts int
	}{
		{
			name:         "no earlier caller acquires",
			setup:        func(t *testing.T, ts *testStore) {},
			want:         ClaimAcquired,
			wantAttempts: 1,
		},
		{
			name:         "held by a live caller is in progress",
			setup:        func(t *testing.T, ts *testStore) { mustClaim(t, ts, key, intent, ClaimAcquired) },
			want:         ClaimInProgress,
			wantAttempts: 1,
		},
		{
			name: "completed returns the outcome",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				mustOK(t, ts.Complete(key, []byte("invoice 77")))
			},
			want:         ClaimDone,
			wantOutcome:  "invoice 77",
			wantAttempts: 1,
		},
		{
			name: "completed survives a restart",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				mustOK(t, ts.Complete(key, []byte("invoice 77")))
				ts.reopen()
			},
			want:         ClaimDone,
			wantOutcome:  "invoice 77",
			wantAttempts: 1,
		},
		{
			name: "pending when the process stopped is unknown",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				ts.reopen()
			},
			want:         ClaimUnknown,
			wantAttempts: 1,
		},
		{
			name: "held past the pending timeout is unknown",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				ts.clk.Advance(PendingTimeout)
			},
			want:         ClaimUnknown,
			wantAttempts: 1,
		},
		{
			name: "retryable failure lets the next caller try",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				mustOK(t, ts.Fail(key, "502 from Syncro before the request was sent", true))
			},
			want:         ClaimAcquired,
			wantAttempts: 2,
		},
		{
			name: "permanent failure is reported, not retried",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				mustOK(t, ts.Fail(key, "ticket is closed", false))
			},
			want:         ClaimFailed,
			wantFailure:  "ticket is closed",
			wantAttempts: 1,
		},
		{
			name: "unknown resolved by read-back as written is done",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				ts.reopen()
				mustOK(t, ts.Complete(key, []byte("found on read-back")))
			},
			want:         ClaimDone,
			wantOutcome:  "found on read-back",
			wantAttempts: 1,
		},
		{
			name: "unknown resolved by read-back as not written is retried",
			setup: func(t *testing.T, ts *testStore) {
				mustClaim(t, ts, key, intent, ClaimAcquired)
				ts.reopen()
				mustOK(t, ts.Fail(key, "not in Syncro after restart", true))
			},
			want:         ClaimAcquired,
			wantAttempts: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestStore(t, open)
			c.setup(t, ts)
			got, err := ts.Claim(t.Context(), key, intent)
			if err != nil {
				t.Fatalf("Claim: %v", err)
			}
			if got.State != c.want || string(got.Outcome) != c.wantOutcome || got.Failure != c.wantFailure || got.Attempts != c.wantAttempts {
				t.Errorf("Claim = {%v outcome %q failure %q attempts %d}, want {%v %q %q %d}",
					got.State, got.Outcome, got.Failure, got.Attempts, c.want, c.wantOutcome, c.wantFailure, c.wantAttempts)
			}
			if (got.Token != "") != (c.want == ClaimAcquired) {
				t.Errorf("Token = %q; only ClaimAcquired carries a token", got.Token)
			}
			if got.Intent != intent || got.Key != key {
				t.Errorf("Claim key/intent = %q/%q, want %q/%q", got.Key, got.Intent, key, intent)
			}
		})
	}
}

func testClaim_ConcurrentSameKeyExactlyOnePerforms(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	key := Key("T1", "1700000000.000100", "bill", "1234")
	const callers = 50
	var (
		performed atomic.Int32
		start     = make(chan struct{})
		wg        sync.WaitGroup
		outcomes  = make([]string, callers)
		errs      = make(chan error, callers)
	)
	for i := range callers {
		wg.Go(func() {
			<-start
			c, err := ts.Claim(t.Context(), key, "bill #1234")
			if err != nil {
				errs <- err
				return
			}
			switch c.State {
			case ClaimAcquired:
				performed.Add(1) // the write to Syncro
				if err := ts.Complete(key, []byte("invoice 42")); err != nil {
					errs <- err
					return
				}
				outcomes[i] = "invoice 42"
				return
			case ClaimInProgress:
				if c, err = ts.Wait(t.Context(), key); err != nil {
					errs <- err
					return
				}
			}
			if c.State != ClaimDone {
				errs <- fmt.Errorf("repeat saw %v, want done", c.State)
				return
			}
			outcomes[i] = string(c.Outcome)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := performed.Load(); n != 1 {
		t.Fatalf("%d callers performed the write, want exactly 1", n)
	}
	for i, o := range outcomes {
		if o != "invoice 42" {
			t.Errorf("caller %d got outcome %q, want the first caller's", i, o)
		}
	}
}

func testClaim_DistinctKeysDoNotBlockEachOther(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	mustClaim(t, ts, "a", "", ClaimAcquired)
	mustClaim(t, ts, "b", "", ClaimAcquired)
}

func testClaim_DifferentIntentForSameKeyWritesNothing(t *testing.T, open backend) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, ts *testStore)
	}{
		{"while pending", func(t *testing.T, ts *testStore) {}},
		{"after retryable failure", func(t *testing.T, ts *testStore) { mustOK(t, ts.Fail("k", "timeout", true)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestStore(t, open)
			mustClaim(t, ts, "k", "bill #1 1h", ClaimAcquired)
			c.setup(t, ts)
			got, err := ts.Claim(t.Context(), "k", "close #2")
			if !errors.Is(err, ErrIntentMismatch) {
				t.Fatalf("Claim with other intent: err = %v, want ErrIntentMismatch", err)
			}
			if got.State == ClaimAcquired {
				t.Fatal("a colliding key was acquired")
			}
		})
	}
}

func testClaim_RejectsBadInput(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		key  string
		want error
	}{
		{"empty key", t.Context(), "", ErrInvalid},
		{"huge key", t.Context(), strings.Repeat("x", maxKeyLen+1), ErrInvalid},
		{"cancelled context", cancelled, "k", context.Canceled},
	}
	for _, c := range cases {
		if _, err := ts.Claim(c.ctx, c.key, ""); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := ts.Lookup("k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a rejected Claim left a record: %v", err)
	}
}

func testComplete_NeverUndoesADoneWrite(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	mustClaim(t, ts, "k", "", ClaimAcquired)
	mustOK(t, ts.Complete("k", []byte("invoice 1")))

	if err := ts.Complete("k", []byte("invoice 1")); err != nil {
		t.Errorf("Complete again with the same outcome = %v, want nil", err)
	}
	if err := ts.Complete("k", []byte("invoice 2")); !errors.Is(err, ErrNotPending) {
		t.Errorf("Complete with another outcome = %v, want ErrNotPending", err)
	}
	if err := ts.Fail("k", "late error", true); !errors.Is(err, ErrNotPending) {
		t.Errorf("Fail after Complete = %v, want ErrNotPending", err)
	}
	c := mustClaim(t, ts, "k", "", ClaimDone)
	if string(c.Outcome) != "invoice 1" {
		t.Errorf("outcome = %q, want the first one", c.Outcome)
	}
}

func testCompleteAndFail_UnknownKeyIsNotFound(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if err := ts.Complete("nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Complete = %v, want ErrNotFound", err)
	}
	if err := ts.Fail("nope", "x", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("Fail = %v, want ErrNotFound", err)
	}
}

func testWait_RepeatLearnsTheFirstOutcome(t *testing.T, open backend) {
	t.Parallel()
	cases := []struct {
		name    string
		resolve func(ts *testStore) error
		want    ClaimState
	}{
		{"completed", func(ts *testStore) error { return ts.Complete("k", []byte("ok")) }, ClaimDone},
		{"failed", func(ts *testStore) error { return ts.Fail("k", "boom", false) }, ClaimFailed},
		{"store closed", func(ts *testStore) error { return ts.Close() }, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestStore(t, open)
			mustClaim(t, ts, "k", "", ClaimAcquired)
			mustClaim(t, ts, "k", "", ClaimInProgress)
			type result struct {
				c   Claim
				err error
			}
			got := make(chan result, 1)
			go func() {
				c, err := ts.Wait(t.Context(), "k")
				got <- result{c, err}
			}()
			mustOK(t, c.resolve(ts))
			r := <-got
			if c.want == 0 {
				if !errors.Is(r.err, ErrClosed) {
					t.Fatalf("Wait across Close = %v, want ErrClosed", r.err)
				}
				return
			}
			if r.err != nil || r.c.State != c.want {
				t.Fatalf("Wait = %v, %v; want %v", r.c.State, r.err, c.want)
			}
		})
	}
}

// testWait_BetweenClosesTwoStepsIsClosed: Close forgets this process's
// holders first and closes the database after; a Wait that starts its
// lookup in between reads the pending record with no holder. Its
// holder was at work, so the answer is ErrClosed, not unknown (the gap
// made "Wait across Close" return nil about once in twenty runs).
func testWait_BetweenClosesTwoStepsIsClosed(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	mustClaim(t, ts, "k", "", ClaimAcquired)
	h, ok := ts.testBackend.(interface{ closeAll() bool })
	if !ok {
		t.Fatalf("%T has no closeAll", ts.testBackend)
	}
	h.closeAll() // Close's first step only: the database is still open
	if c, err := ts.Wait(t.Context(), "k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait between Close's two steps = %v, %v; want ErrClosed", c.State, err)
	}
	reopenHolders(ts.testBackend)
}

func testWait_StopsWhenContextEnds(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	mustClaim(t, ts, "k", "", ClaimAcquired)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c, err := ts.Wait(ctx, "k")
	if !errors.Is(err, context.Canceled) || c.State != ClaimInProgress {
		t.Fatalf("Wait = %v, %v; want in progress, context.Canceled", c.State, err)
	}
}

func testWait_UnheldKeyReturnsAtOnce(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, err := ts.Wait(t.Context(), "never"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Wait on unknown key = %v, want ErrNotFound", err)
	}
	mustClaim(t, ts, "k", "", ClaimAcquired)
	ts.reopen()
	c, err := ts.Wait(t.Context(), "k")
	if err != nil || c.State != ClaimUnknown {
		t.Errorf("Wait on a claim left by a previous process = %v, %v; want unknown", c.State, err)
	}
}

func testSweep_ClaimsExpireAfterTTL(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	mustClaim(t, ts, "old", "", ClaimAcquired)
	mustOK(t, ts.Complete("old", []byte("x")))
	mustClaim(t, ts, "old-held", "", ClaimAcquired) // still held by this process
	ts.clk.Advance(6 * 24 * time.Hour)
	mustClaim(t, ts, "fresh", "", ClaimAcquired)
	mustOK(t, ts.Complete("fresh", []byte("y")))
	ts.clk.Advance(2 * 24 * time.Hour) // old: 8 days, fresh: 2 days

	n, err := ts.Sweep(ts.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n.Claims != 1 {
		t.Errorf("swept %d claims, want 1", n.Claims)
	}
	if _, err := ts.Lookup("old"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old claim after sweep: %v, want ErrNotFound", err)
	}
	for _, k := range []string{"fresh", "old-held"} {
		if _, err := ts.Lookup(k); err != nil {
			t.Errorf("%s claim after sweep: %v", k, err)
		}
	}
	// Open sweeps too: after a restart nobody holds "old-held" any more.
	ts.reopen()
	if _, err := ts.Lookup("old-held"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired claim survived the sweep at Open: %v", err)
	}
	// An expired key is a new request again.
	mustClaim(t, ts, "old", "", ClaimAcquired)
}

// TestSweep_ClaimsOfUnfinishedFlowsStay: a flow's step cut off mid-write
// (its claim left pending by a dead process) may wait weeks for Finish;
// its claim must still say "outcome unknown" then, so Finish reads Syncro
// back instead of writing again. A finished flow's claims expire as usual.
func testSweep_ClaimsOfUnfinishedFlowsStay(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for _, id := range []string{"unfinished", "finished"} {
		if _, _, err := ts.CreateFlow(billFlow(id, 7)); err != nil {
			t.Fatal(err)
		}
		mustClaim(t, ts, Key(id, "create_invoice"), "", ClaimAcquired)
	}
	mustOK(t, ts.Complete(Key("finished", "create_invoice"), []byte("{}")))
	if _, err := ts.AbandonFlow("finished", "done by hand"); err != nil {
		t.Fatal(err)
	}
	ts.reopen() // the process that held the claim died
	ts.clk.Advance(ClaimTTL + 24*time.Hour)
	if _, err := ts.Sweep(ts.clk.Now()); err != nil {
		t.Fatal(err)
	}
	ts.reopen() // Open sweeps too
	if c, err := ts.Lookup(Key("unfinished", "create_invoice")); err != nil || c.State != ClaimUnknown {
		t.Errorf("claim of the unfinished flow after the sweep = %v, %v; want outcome unknown", c.State, err)
	}
	if _, err := ts.Lookup(Key("finished", "create_invoice")); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim of the finished flow after the sweep: %v, want ErrNotFound", err)
	}
}

func mustClaim(t *testing.T, ts *testStore, key, intent string, want ClaimState) Claim {
	t.Helper()
	c, err := ts.Claim(t.Context(), key, intent)
	if err != nil {
		t.Fatalf("Claim(%s): %v", key, err)
	}
	if c.State != want {
		t.Fatalf("Claim(%s) = %v, want %v", key, c.State, want)
	}
	return c
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// benchBackends opens a store of each backend for a benchmark; the
// PostgreSQL one is skipped without TEST_DATABASE_URL (pgtest.URL).
var benchBackends = []struct {
	name string
	open func(b *testing.B) testBackend
}{
	{"bolt", func(b *testing.B) testBackend {
		s, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return s
	}},
	{"postgres", func(b *testing.B) testBackend {
		s, err := OpenPostgres(b.Context(), pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	}},
}

// forBackends runs bench on a fresh store of each backend.
func forBackends(b *testing.B, bench func(b *testing.B, s testBackend)) {
	for _, bb := range benchBackends {
		b.Run(bb.name, func(b *testing.B) {
			s := bb.open(b)
			defer s.Close()
			bench(b, s)
		})
	}
}

// BenchmarkClaimComplete measures one exactly-once write's bookkeeping: a
// Claim and a Complete, each a durable transaction (bbolt's fsync, or a
// PostgreSQL commit).
func BenchmarkClaimComplete(b *testing.B) {
	forBackends(b, func(b *testing.B, s testBackend) {
		claimCompleteLoop(b, s, []byte(`{"invoice_id":123456,"number":"INV-1001"}`))
	})
}

// claimCompleteLoop claims and completes a new key per iteration.
func claimCompleteLoop(b *testing.B, s Claims, outcome []byte) {
	ctx := context.Background()
	i := 0
	for b.Loop() {
		key := Key("bench", fmt.Sprint(i))
		i++
		if _, err := s.Claim(ctx, key, "bench"); err != nil {
			b.Fatal(err)
		}
		if err := s.Complete(key, outcome); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaimRepeat measures a repeat of a finished write.
func BenchmarkClaimRepeat(b *testing.B) {
	forBackends(b, func(b *testing.B, s testBackend) {
		ctx := context.Background()
		key := Key("bench")
		if _, err := s.Claim(ctx, key, "bench"); err != nil {
			b.Fatal(err)
		}
		if err := s.Complete(key, []byte("done")); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if c, err := s.Claim(ctx, key, "bench"); err != nil || c.State != ClaimDone {
				b.Fatal(c.State, err)
			}
		}
	})
}

// BenchmarkClaimCompleteNoSync shows how much of Claim+Complete is fsync.
// It switches bbolt's fsync off on the open database: production never
// does, so the store has no option for it.
func BenchmarkClaimCompleteNoSync(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.db.NoSync = true
	claimCompleteLoop(b, s, []byte("x"))
}
