package store

import (
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
	"github.com/syncrobot/syncrobot/store/pgtest"
)

// The store's behaviour, run against every backend: each test of suite
// takes the backend to open, so bbolt and PostgreSQL pass the same
// specification (backend.go's interfaces and the claim protocol of
// doc.go).

// testBackend is what the suite calls on a store: the interfaces of
// backend.go and the few methods every backend has beside them.
type testBackend interface {
	Backend
	Lookup(key string) (Claim, error)
	Sweep(now time.Time) (Swept, error)
}

// backend makes a fresh, empty place for a test's data (a directory, a
// schema) and returns how to open a store on it; opening again after
// Close is a restart on the same data.
type backend func(t *testing.T) (open func(opts ...Option) (testBackend, error))

// boltBackend opens bbolt stores in a test directory.
func boltBackend(t *testing.T) func(opts ...Option) (testBackend, error) {
	dir := t.TempDir()
	return func(opts ...Option) (testBackend, error) { return Open(dir, opts...) }
}

// postgresBackend opens PostgreSQL stores in a schema of the test's own,
// or skips the test when no server is configured (pgtest.URL).
func postgresBackend(t *testing.T) func(opts ...Option) (testBackend, error) {
	url := pgtest.URL(t)
	return func(opts ...Option) (testBackend, error) { return OpenPostgres(t.Context(), url, opts...) }
}

// testStore is a store with a fake clock on a backend's data; reopen
// simulates a bot restart.
type testStore struct {
	testBackend
	t    *testing.T
	clk  *fakeclock.Manual
	opts []Option
	open func(opts ...Option) (testBackend, error)
}

func newTestStore(t *testing.T, b backend, opts ...Option) *testStore {
	t.Helper()
	ts := &testStore{t: t, clk: fakeclock.New(testStart), open: b(t)}
	ts.opts = append([]Option{WithClock(ts.clk.Now)}, opts...)
	ts.reopen()
	return ts
}

// reopen closes the store, if open, and opens it again on the same data.
func (ts *testStore) reopen() {
	ts.t.Helper()
	if ts.testBackend != nil {
		if err := ts.Close(); err != nil {
			ts.t.Fatalf("Close: %v", err)
		}
	}
	s, err := ts.open(ts.opts...)
	if err != nil {
		ts.t.Fatalf("open: %v", err)
	}
	ts.testBackend = s
	ts.t.Cleanup(func() { _ = s.Close() })
}

// suite is every test of the shared specification.
var suite = []struct {
	name string
	test func(*testing.T, backend)
}{
	{"Claim_SecondCallerSeesFirstCallersState", testClaim_SecondCallerSeesFirstCallersState},
	{"Claim_ConcurrentSameKeyExactlyOnePerforms", testClaim_ConcurrentSameKeyExactlyOnePerforms},
	{"Claim_DistinctKeysDoNotBlockEachOther", testClaim_DistinctKeysDoNotBlockEachOther},
	{"Claim_DifferentIntentForSameKeyWritesNothing", testClaim_DifferentIntentForSameKeyWritesNothing},
	{"Claim_RejectsBadInput", testClaim_RejectsBadInput},
	{"Complete_NeverUndoesADoneWrite", testComplete_NeverUndoesADoneWrite},
	{"CompleteAndFail_UnknownKeyIsNotFound", testCompleteAndFail_UnknownKeyIsNotFound},
	{"Wait_RepeatLearnsTheFirstOutcome", testWait_RepeatLearnsTheFirstOutcome},
	{"Wait_BetweenClosesTwoStepsIsClosed", testWait_BetweenClosesTwoStepsIsClosed},
	{"Wait_StopsWhenContextEnds", testWait_StopsWhenContextEnds},
	{"Wait_UnheldKeyReturnsAtOnce", testWait_UnheldKeyReturnsAtOnce},
	{"Sweep_ClaimsExpireAfterTTL", testSweep_ClaimsExpireAfterTTL},
	{"Sweep_ClaimsOfUnfinishedFlowsStay", testSweep_ClaimsOfUnfinishedFlowsStay},
	{"CreateFlow_SameIDTwiceKeepsTheFirst", testCreateFlow_SameIDTwiceKeepsTheFirst},
	{"CreateFlow_RejectsMalformedFlows", testCreateFlow_RejectsMalformedFlows},
	{"UpdateStep_TransitionsPersistAcrossReopen", testUpdateStep_TransitionsPersistAcrossReopen},
	{"UpdateStep_Rejects", testUpdateStep_Rejects},
	{"PrepareStep_MarksInDoubtAndKeepsBeforeUntilPreparedAgain", testPrepareStep_MarksInDoubtAndKeepsBeforeUntilPreparedAgain},
	{"Finished_DoneOrAbandonedAcrossReopen", testFinished_DoneOrAbandonedAcrossReopen},
	{"UnfinishedFlows_OldestFirstAfterReopen", testUnfinishedFlows_OldestFirstAfterReopen},
	{"MarkFlowTold_UntilTheFlowChangesAcrossReopen", testMarkFlowTold_UntilTheFlowChangesAcrossReopen},
	{"AdoptFlow_AfterARestartTheUnfinishedOnly", testAdoptFlow_AfterARestartTheUnfinishedOnly},
	{"FlowsForTicket_OnlyThatTicketNewestFirst", testFlowsForTicket_OnlyThatTicketNewestFirst},
	{"Sweep_FinishedFlowsExpireUnfinishedStay", testSweep_FinishedFlowsExpireUnfinishedStay},
	{"Cursor_RoundTripsAndSurvivesReopen", testCursor_RoundTripsAndSurvivesReopen},
	{"MarkAnnounced_ConcurrentCallersExactlyOneFirst", testMarkAnnounced_ConcurrentCallersExactlyOneFirst},
	{"MarkAnnounced_ExpiresAfterRetention", testMarkAnnounced_ExpiresAfterRetention},
	{"MarkClosing_WatcherYieldsUntilTheFlowAnnounces", testMarkClosing_WatcherYieldsUntilTheFlowAnnounces},
	{"ClearClosing_OnlyTheMarkingFlowClears", testClearClosing_OnlyTheMarkingFlowClears},
	{"MarkClosing_OpenKeepsOnlyUnfinishedFlowsMarks", testMarkClosing_OpenKeepsOnlyUnfinishedFlowsMarks},
	{"MarkClosing_ACrashLeftoverIsDroppedAtOpen", testMarkClosing_ACrashLeftoverIsDroppedAtOpen},
	{"MarkBillAnnounced_OncePerBillAlsoAfterTheClose", testMarkBillAnnounced_OncePerBillAlsoAfterTheClose},
	{"AuditForTicket_NewestFirstOnlyThatTicket", testAuditForTicket_NewestFirstOnlyThatTicket},
	{"Sweep_AuditKeepsRetentionWindow", testSweep_AuditKeepsRetentionWindow},
	{"AuditByUser_OneUsersEntriesInTheRangeOldestFirst", testAuditByUser_OneUsersEntriesInTheRangeOldestFirst},
	{"ChannelLinks_LinkRelinkListUnlinkSurviveReopen", testChannelLinks_LinkRelinkListUnlinkSurviveReopen},
	{"TicketThreads_ByTicketAndByMessage", testTicketThreads_ByTicketAndByMessage},
	{"TicketThreads_AReplysTicketIsTheReplysAndTheThreads", testTicketThreads_AReplysTicketIsTheReplysAndTheThreads},
	{"TicketThreads_TheThreadsLatestIsTheLastRecordedWhateverTheClocks", testTicketThreads_TheThreadsLatestIsTheLastRecordedWhateverTheClocks},
	{"RecentWrite_RememberedForTheWindowAcrossARestart", testRecentWrite_RememberedForTheWindowAcrossARestart},
	{"RecentWrite_ALaterWriteRestartsTheWindow", testRecentWrite_ALaterWriteRestartsTheWindow},
	{"Flag_RoundTripsAndSurvivesReopen", testFlag_RoundTripsAndSurvivesReopen},
	{"Lock_OneHolderAtATimeAndContextEndsTheWait", testLock_OneHolderAtATimeAndContextEndsTheWait},
	{"MarkUnfurled_OncePerChannelWithinTheWindowAcrossARestart", testMarkUnfurled_OncePerChannelWithinTheWindowAcrossARestart},
	{"ReleaseUnfurl_TheNextPasteUnfurlsAgain", testReleaseUnfurl_TheNextPasteUnfurlsAgain},
	{"Summaries_SettingsRoundTripAndSurviveReopen", testSummaries_SettingsRoundTripAndSurviveReopen},
	{"ClaimSummary_OncePerDayAcrossReopenAndNeverAnEarlierDay", testClaimSummary_OncePerDayAcrossReopenAndNeverAnEarlierDay},
	{"ReleaseSummary_TheDayCanBeClaimedAgainButNeverALaterOne", testReleaseSummary_TheDayCanBeClaimedAgainButNeverALaterOne},
	{"Subscriptions_AddListRemoveAcrossReopen", testSubscriptions_AddListRemoveAcrossReopen},
	{"MarkNotified_OnceAcrossReopen", testMarkNotified_OnceAcrossReopen},
	{"MarkNotified_ABatchMarksEachFirstOnce", testMarkNotified_ABatchMarksEachFirstOnce},
	{"TechMatch_SurvivesReopenAndIsReplacedNotDuplicated", testTechMatch_SurvivesReopenAndIsReplacedNotDuplicated},
	{"TechMatch_ConcurrentSetsOfOneSyncroUserExactlyOneWins", testTechMatch_ConcurrentSetsOfOneSyncroUserExactlyOneWins},
	{"TechMatch_MoveTakesItDropOnlyWhileStillThatUser", testTechMatch_MoveTakesItDropOnlyWhileStillThatUser},
}

// runSuite runs the suite on b.
func runSuite(t *testing.T, b backend) {
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) { c.test(t, b) })
	}
}

func TestSuite_Bolt(t *testing.T) {
	t.Parallel()
	runSuite(t, boltBackend)
}

func TestSuite_Postgres(t *testing.T) {
	t.Parallel()
	runSuite(t, postgresBackend)
}

// reopenHolders undoes closeAll alone, so a test that stopped a store
// between Close's two steps can still close it (and its database) whole.
func reopenHolders(b testBackend) {
	switch s := b.(type) {
	case *Store:
		s.holders.mu.Lock()
		s.holders.closed = false
		s.holders.mu.Unlock()
	case *Postgres:
		s.holders.mu.Lock()
		s.holders.closed = false
		s.holders.mu.Unlock()
	}
}
