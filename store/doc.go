// Package store is the bot's durable state in DATA_DIR: idempotency claims
// for writes to Syncro, resumable step sequences (bill, close, comment), the
// audit trail, the closed-ticket watcher's state, a few learned flags and
// the writes people completed in the last minutes.
//
// Everything lives in one file, DATA_DIR/syncrobot.db, managed by
// go.etcd.io/bbolt. bbolt was chosen because:
//
//   - it is pure Go, so the bot stays a static binary with no cgo toolchain;
//   - it is a single file, which is easy to back up, move and inspect;
//   - every write transaction is ACID and fsync'd before Commit returns, and
//     the copy-on-write B+tree with two meta pages means a kill -9 or power
//     loss leaves either the old or the new state, never a torn record. For a
//     bot that bills customers this is the property that matters: a time
//     entry acknowledged to a technician is on disk, and a half-done invoice
//     is never mistaken for a finished one;
//   - it is well kept: etcd depends on it, and it has a consistency checker.
//
// bbolt takes an exclusive flock on the file, so exactly one process may open
// a DATA_DIR; a second Open (from this or another process) fails within the
// lock timeout with ErrLocked instead of hanging.
//
// # Exactly-once writes to Syncro
//
// A person-triggered write (log time, invoice, close) goes through a claim,
// so a redelivered Slack interaction, a double click or a restart mid-write
// never bills twice:
//
//	key := store.Key(teamID, actionTS, "bill", strconv.FormatInt(ticket, 10))
//	c, err := st.Claim(ctx, key, "bill #1234 1.5h")
//	switch c.State {
//	case store.ClaimAcquired:   // do the write, then st.Complete or st.Fail
//	case store.ClaimDone:       // show c.Outcome; write nothing
//	case store.ClaimInProgress: // st.Wait(ctx, key), or say "already running"
//	case store.ClaimUnknown:    // read Syncro back, then Complete or Fail(retryable)
//	case store.ClaimFailed:     // show c.Failure; write nothing
//	}
//
// # Retention
//
// Records are kept for ClaimTTL (the claims of an unfinished flow's steps
// until it finishes), FlowRetention (finished flows only), AuditRetention,
// AnnouncedRetention and RecentWriteWindow. Open sweeps once; the bot runs
// SweepEvery every SweepInterval so retention holds while it runs for
// months.
//
// # Backends
//
// Only the code that opens the store holds a *Store; everything else
// depends on the small interfaces in backend.go (Claims, Flows, Audit,
// Announcements, Cursors, Flags, RecentWrites, Sweeper), so a second
// backend needs to implement only what production calls.
//
// All values are JSON so the file can be read with bbolt's own tools when
// something goes wrong at a customer's site. Every exported method is safe for
// concurrent use; each write is one bbolt transaction.
package store
