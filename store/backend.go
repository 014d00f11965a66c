package store

import (
	"context"
	"encoding/json"
	"time"
)

// The bot's durable state, one accessor per concern. Each interface names
// only the methods production calls, so a second storage backend implements
// these and nothing more; *Store (bbolt) implements them all. Consumers
// depend on the narrowest one they use. The types they exchange (Claim,
// Flow, AuditEntry) and the errors (ErrNotFound, ErrClosed, …) are the
// backend-neutral vocabulary every implementation speaks.

// Claims makes a write to Syncro happen once per key: across repeats,
// concurrent callers and restarts. See ClaimState for the protocol.
type Claims interface {
	// Claim records that the caller is about to perform the write under
	// key, unless an earlier caller already has.
	Claim(ctx context.Context, key, intent string) (Claim, error)
	// Complete records the outcome of the write claimed under key.
	Complete(key string, outcome []byte) error
	// Fail records that the write claimed under key did not happen.
	Fail(key, errMsg string, retryable bool) error
	// Wait blocks while key is held by a live caller, then returns its
	// record.
	Wait(ctx context.Context, key string) (Claim, error)
}

// Flows records multi-step writes (bill, close, comment) step by step, so a
// flow cut off half-way resumes where it stopped.
type Flows interface {
	// CreateFlow stores f, or returns the flow already stored under f.ID
	// with created false.
	CreateFlow(f Flow) (stored Flow, created bool, err error)
	// GetFlow returns the flow with id, or ErrNotFound.
	GetFlow(id string) (Flow, error)
	// UpdateStep moves one step to state with its result or error.
	UpdateStep(id, step string, state StepState, result json.RawMessage, errMsg string) (Flow, error)
	// PrepareStep records what a step saw in Syncro just before its
	// write.
	PrepareStep(id, step string, before json.RawMessage) (Flow, error)
	// AbandonFlow marks a flow as given up.
	AbandonFlow(id, reason string) (Flow, error)
	// FlowsForTicket returns a ticket's flows, newest first.
	FlowsForTicket(ticket int64) ([]Flow, error)
	// UnfinishedFlows returns the flows not yet finished, oldest first.
	UnfinishedFlows() ([]Flow, error)
	// OrphanedFlows returns the unfinished flows no other live replica
	// runs, oldest first: those whose owner a starting bot may tell.
	OrphanedFlows() ([]Flow, error)
	// AdoptFlow makes the unfinished flow id this replica's to tell its
	// owner of, if the replica that last stepped it is gone; of replicas
	// adopting one flow at once, one gets it (adopted).
	AdoptFlow(id string) (f Flow, adopted bool, err error)
	// MarkFlowTold records that a flow's owner was told of it as it stood
	// at updatedAt.
	MarkFlowTold(id string, updatedAt time.Time) (Flow, error)
}

// Audit is the trail of writes the bot made to Syncro, and for whom.
type Audit interface {
	// Audit appends an entry.
	Audit(e AuditEntry) error
	// AuditForTicket returns up to limit entries for a ticket, newest
	// first.
	AuditForTicket(number int64, limit int) ([]AuditEntry, error)
	// AuditByUser returns the entries of one Slack user made in
	// [from, to), oldest first; none older than AuditRetention.
	AuditByUser(slackUser string, from, to time.Time) ([]AuditEntry, error)
}

// Announcements is the set of tickets whose closed-ticket (or bill)
// notice was posted, so no close or bill is announced twice, and the marks of the tickets
// the bot is closing itself, so the watcher leaves those to the bot.
type Announcements interface {
	// MarkAnnounced adds ticketID and reports whether this call was the
	// first; it settles the ticket's closing mark.
	MarkAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error)
	// MarkBillAnnounced adds ticketID's bill (and its close) and
	// reports whether this call was the bill's first; it settles the
	// ticket's closing mark.
	MarkBillAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error)
	// MarkSeenClosed is MarkAnnounced for a close seen in Syncro; a
	// ticket with a closing mark is left alone and reported closing.
	MarkSeenClosed(ticketID int64, updatedAt time.Time) (first, closing bool, err error)
	// MarkClosing records that flow is about to set ticketID's closed
	// status; a restart keeps it only for an unfinished flow, and the
	// watcher ignores it after ClosingMarkTTL.
	MarkClosing(ticketID int64, flow string) error
	// ClearClosing removes ticketID's closing mark if flow made it.
	ClearClosing(ticketID int64, flow string) error
	// WasAnnounced reports whether ticketID is in the set.
	WasAnnounced(ticketID int64) (bool, error)
}

// Cursors holds named positions, such as the closed-ticket watcher's
// newest updated_at seen.
type Cursors interface {
	// Cursor returns the position saved under name, and false if none.
	Cursor(name string) (time.Time, bool, error)
	// SetCursor saves the position under name.
	SetCursor(name string, t time.Time) error
}

// Flags holds small settings the bot learned at run time, so a restart
// does not relearn them by trial.
type Flags interface {
	// SetFlag saves value under name.
	SetFlag(name, value string) error
	// Flag returns the value saved under name and whether there was one.
	Flag(name string) (string, bool, error)
}

// RecentWrites remembers the writes people completed in the last
// RecentWriteWindow, so the same write arriving again soon under a new
// request (a command retyped because its reply never came) is asked about
// before it is sent to Syncro a second time.
type RecentWrites interface {
	// RememberWrite records that the write under key completed now.
	RememberWrite(key string, w RecentWrite) error
	// RecentWrite returns the write under key, if it completed less than
	// RecentWriteWindow ago.
	RecentWrite(key string) (RecentWrite, bool, error)
}

// Sweeper removes records past their retention while the bot runs.
type Sweeper interface {
	// SweepEvery sweeps every interval until ctx is done.
	SweepEvery(ctx context.Context, interval time.Duration) error
}

// Backend is a whole store: every concern above, the conversation
// records (conversations.go) and Close. The bbolt Store (one bot, DATA_DIR)
// and Postgres (replicas sharing DATABASE_URL) are both one.
type Backend interface {
	Claims
	Flows
	Audit
	Announcements
	Cursors
	Flags
	RecentWrites
	Sweeper
	ChannelLinks
	TicketThreads
	Locks
	Unfurls
	Summaries
	Subscriptions
	TechMatches
	// Close releases the store; what is pending stays for the next open.
	Close() error
}

var (
	_ Backend = (*Store)(nil)
	_ Backend = (*Postgres)(nil)
)

// The bbolt Store is a complete backend.
var (
	_ Claims        = (*Store)(nil)
	_ Flows         = (*Store)(nil)
	_ Audit         = (*Store)(nil)
	_ Announcements = (*Store)(nil)
	_ Cursors       = (*Store)(nil)
	_ Flags         = (*Store)(nil)
	_ RecentWrites  = (*Store)(nil)
	_ Sweeper       = (*Store)(nil)
)
