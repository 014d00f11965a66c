package store

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func testChannelLinks_LinkRelinkListUnlinkSurviveReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, ok, err := ts.ChannelLink("C0ACME"); err != nil || ok {
		t.Fatalf("ChannelLink before linking = %v, %v", ok, err)
	}
	if _, had, err := ts.LinkChannel(ChannelLink{Channel: "C0ACME", CustomerID: 7, CustomerName: "Zeta", LinkedBy: "U1"}); err != nil || had {
		t.Fatalf("first LinkChannel = had %v, %v", had, err)
	}
	mustLink(t, ts, ChannelLink{Channel: "C0BETA", CustomerID: 8, CustomerName: "alpha"})
	prev, had, err := ts.LinkChannel(ChannelLink{Channel: "C0ACME", CustomerID: 9, CustomerName: "Acme", Acknowledge: true, LinkedBy: "U2"})
	if err != nil || !had || prev.CustomerID != 7 {
		t.Fatalf("relink = previous %+v, had %v, %v", prev, had, err)
	}
	ts.reopen()
	l, ok, err := ts.ChannelLink("C0ACME")
	if err != nil || !ok || l.CustomerID != 9 || !l.Acknowledge || l.LinkedBy != "U2" || l.LinkedAt.IsZero() {
		t.Fatalf("ChannelLink after reopen = %+v, %v, %v", l, ok, err)
	}
	all, err := ts.ChannelLinks()
	if err != nil || len(all) != 2 || all[0].CustomerName != "Acme" || all[1].CustomerName != "alpha" {
		t.Fatalf("ChannelLinks = %+v, %v (want by customer name, case-blind)", all, err)
	}
	if gone, err := ts.UnlinkChannel("C0ACME"); err != nil || gone.CustomerID != 9 {
		t.Fatalf("UnlinkChannel = %+v, %v", gone, err)
	}
	if _, err := ts.UnlinkChannel("C0ACME"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second UnlinkChannel = %v, want ErrNotFound", err)
	}
	if _, _, err := ts.LinkChannel(ChannelLink{Channel: "C1"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("LinkChannel without customer = %v, want ErrInvalid", err)
	}
}

func mustLink(t *testing.T, ts *testStore, l ChannelLink) {
	t.Helper()
	if _, _, err := ts.LinkChannel(l); err != nil {
		t.Fatal(err)
	}
}

func testTicketThreads_ByTicketAndByMessage(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	th := TicketThread{TicketID: 501, Number: "32190", Channel: "C0ACME", TS: "1.000100", Shared: true, CreatedBy: "U1"}
	mustOK(t, ts.SetTicketThread(th))
	ts.reopen()
	got, ok, err := ts.TicketThread(501)
	if err != nil || !ok || got.TS != th.TS || !got.Shared || got.CreatedAt.IsZero() {
		t.Fatalf("TicketThread = %+v, %v, %v", got, ok, err)
	}
	if got, ok, err := ts.ThreadTicket("C0ACME", "1.000100"); err != nil || !ok || got.Number != "32190" {
		t.Fatalf("ThreadTicket = %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := ts.ThreadTicket("C0ACME", "2.000200"); err != nil || ok {
		t.Errorf("ThreadTicket of another message = %v, %v", ok, err)
	}
	// The ticket's thread moves: the old message no longer names it.
	th.TS = "3.000300"
	mustOK(t, ts.SetTicketThread(th))
	if _, ok, _ := ts.ThreadTicket("C0ACME", "1.000100"); ok {
		t.Error("the old message still names the ticket")
	}
	if err := ts.SetTicketThread(TicketThread{TicketID: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetTicketThread without a message = %v, want ErrInvalid", err)
	}
}

// A ticket made from a reply is the reply's (ThreadTicket by the reply's
// own ts, not by its parent's), its news goes to the parent's thread
// (TS), and it is the thread's ticket from the parent and every reply
// (TicketInThread), until a later ticket of the thread takes that over.
func testTicketThreads_AReplysTicketIsTheReplysAndTheThreads(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	const parent, reply, later = "1.000100", "1.000200", "1.000300"
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 501, Number: "32190", Channel: "C0ACME", TS: parent, MessageTS: reply}))
	ts.reopen()
	if got, ok, err := ts.ThreadTicket("C0ACME", reply); err != nil || !ok || got.Number != "32190" || got.TS != parent || got.MessageTS != reply {
		t.Errorf("ThreadTicket of the reply = %+v, %v, %v; want #32190, thread %s", got, ok, err, parent)
	}
	if got, ok, err := ts.ThreadTicket("C0ACME", parent); err != nil || ok {
		t.Errorf("ThreadTicket of the parent, which became no ticket = %+v, %v, %v", got, ok, err)
	}
	if got, ok, err := ts.TicketInThread("C0ACME", parent); err != nil || !ok || got.Number != "32190" {
		t.Errorf("TicketInThread of the parent = %+v, %v, %v; want #32190", got, ok, err)
	}
	if _, ok, err := ts.TicketInThread("C0ACME", reply); err != nil || ok {
		t.Errorf("TicketInThread of the reply's ts, a thread Slack never shows = %v, %v", ok, err)
	}
	if got, ok, err := ts.TicketThread(501); err != nil || !ok || got.TS != parent || got.MessageTS != reply {
		t.Errorf("TicketThread(501) = %+v, %v, %v; want thread %s, message %s", got, ok, err, parent, reply)
	}

	// A second reply's ticket is the thread's now; the first keeps its reply.
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 502, Number: "32191", Channel: "C0ACME", TS: parent, MessageTS: later}))
	if got, ok, err := ts.TicketInThread("C0ACME", parent); err != nil || !ok || got.Number != "32191" {
		t.Errorf("TicketInThread after a second reply's ticket = %+v, %v, %v; want #32191", got, ok, err)
	}
	if got, ok, err := ts.ThreadTicket("C0ACME", reply); err != nil || !ok || got.Number != "32190" {
		t.Errorf("ThreadTicket of the first reply after the second = %+v, %v, %v; want #32190", got, ok, err)
	}

	// A message of the channel: without MessageTS, its own ts is TS.
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 503, Number: "32192", Channel: "C0ACME", TS: "2.000100"}))
	if got, ok, err := ts.ThreadTicket("C0ACME", "2.000100"); err != nil || !ok || got.Number != "32192" || got.MessageTS != "2.000100" {
		t.Errorf("ThreadTicket of a channel message = %+v, %v, %v", got, ok, err)
	}
	if got, ok, err := ts.TicketInThread("C0ACME", "2.000100"); err != nil || !ok || got.Number != "32192" {
		t.Errorf("TicketInThread of a channel message = %+v, %v, %v", got, ok, err)
	}
}

// oldThreads are records as a bot from before MessageTS left them: a
// ticket from a channel message, and one from a reply, recorded under the
// parent's ts only (TS; threads_by_message keyed by it).
func oldThreads() []TicketThread {
	return []TicketThread{
		{TicketID: 601, Number: "40001", Channel: "C0ACME", TS: "5.000100", CreatedBy: "U1", CreatedAt: testStart},
		{TicketID: 602, Number: "40002", Channel: "C0ACME", TS: "6.000100", CreatedBy: "U1", CreatedAt: testStart},
	}
}

// wantOldThreadsRead checks that oldThreads read, after the upgrade, as
// made from their TS's message and as their thread's ticket.
func wantOldThreadsRead(t *testing.T, ts *testStore) {
	t.Helper()
	for _, old := range oldThreads() {
		if got, ok, err := ts.ThreadTicket(old.Channel, old.TS); err != nil || !ok || got.Number != old.Number || got.MessageTS != old.TS {
			t.Errorf("ThreadTicket(%s) after the upgrade = %+v, %v, %v; want #%s, message ts = ts", old.TS, got, ok, err, old.Number)
		}
		if got, ok, err := ts.TicketInThread(old.Channel, old.TS); err != nil || !ok || got.Number != old.Number {
			t.Errorf("TicketInThread(%s) after the upgrade = %+v, %v, %v; want #%s", old.TS, got, ok, err, old.Number)
		}
		if got, ok, err := ts.TicketThread(old.TicketID); err != nil || !ok || got.MessageTS != old.TS {
			t.Errorf("TicketThread(%d) after the upgrade = %+v, %v, %v; want message ts = ts", old.TicketID, got, ok, err)
		}
	}
}

func TestTicketThreads_BoltOpenReadsOldRecordsAsTheirThreadsMessage(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t, boltBackend)
	s := ts.testBackend.(*Store)
	// The file as a bot from before threads_by_parent left it.
	err := s.update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketThreadsByParent); err != nil {
			return err
		}
		for _, th := range oldThreads() {
			if err := putJSON(tx.Bucket(bucketTicketThreads), ticketKey(th.TicketID), th); err != nil {
				return err
			}
			if err := tx.Bucket(bucketThreadsByMessage).Put(messageKey(th.Channel, th.TS), ticketKey(th.TicketID)); err != nil {
				return err
			}
		}
		return nil
	})
	mustOK(t, err)
	ts.reopen()
	wantOldThreadsRead(t, ts)
}

func TestPostgres_MigrationReadsOldThreadRecordsAsTheirThreadsMessage(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t, postgresBackend)
	p := ts.testBackend.(*Postgres)
	ctx := t.Context()
	// The database as a bot from before 0009 left it.
	_, err := p.pool.Exec(ctx, `DROP TABLE threads_by_parent; DELETE FROM schema_migrations WHERE version = 9`)
	mustOK(t, err)
	for _, th := range oldThreads() {
		mustOK(t, p.pgPut(ctx, "ticket_threads", "ticket_id", th.TicketID, th))
		_, err := p.pool.Exec(ctx, `INSERT INTO threads_by_message (channel, ts, ticket_id) VALUES ($1, $2, $3)`, th.Channel, th.TS, th.TicketID)
		mustOK(t, err)
	}
	ts.reopen()
	wantOldThreadsRead(t, ts)
}

// A ticket the version before threads_by_parent records from a reply
// after the index exists (its replica still running during a rolling
// upgrade, or the bot rolled back to it): the record under the parent's
// ts, in the message index only. TicketInThread still finds it, and
// takes it over the thread index's when it is the later; writeOld writes
// as that version does.
func wantTicketInThreadFindsTheOldVersionsRecord(t *testing.T, ts *testStore, writeOld func(TicketThread)) {
	t.Helper()
	const parent, other = "7.000100", "8.000100"
	writeOld(TicketThread{TicketID: 701, Number: "41001", Channel: "C0ACME", TS: parent, CreatedBy: "U1", CreatedAt: testStart})
	if got, ok, err := ts.TicketInThread("C0ACME", parent); err != nil || !ok || got.Number != "41001" {
		t.Errorf("TicketInThread of the thread the old version recorded = %+v, %v, %v; want #41001", got, ok, err)
	}

	// The parent became a ticket on this version; then the old version
	// made one from a reply.
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 702, Number: "41002", Channel: "C0ACME", TS: other, CreatedAt: testStart}))
	writeOld(TicketThread{TicketID: 703, Number: "41003", Channel: "C0ACME", TS: other, CreatedBy: "U1", CreatedAt: testStart.Add(time.Minute)})
	if got, ok, err := ts.TicketInThread("C0ACME", other); err != nil || !ok || got.Number != "41003" {
		t.Errorf("TicketInThread after the old version's later ticket = %+v, %v, %v; want #41003", got, ok, err)
	}
	// And this version's later ticket from a reply is the thread's again.
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 704, Number: "41004", Channel: "C0ACME", TS: other, MessageTS: "8.000300",
		CreatedAt: testStart.Add(2 * time.Minute)}))
	if got, ok, err := ts.TicketInThread("C0ACME", other); err != nil || !ok || got.Number != "41004" {
		t.Errorf("TicketInThread after this version's later ticket = %+v, %v, %v; want #41004", got, ok, err)
	}
}

func TestTicketThreads_BoltTicketInThreadFindsWhatTheOldVersionWroteAfterTheUpgrade(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t, boltBackend)
	s := ts.testBackend.(*Store)
	wantTicketInThreadFindsTheOldVersionsRecord(t, ts, func(th TicketThread) {
		mustOK(t, s.update(func(tx *bolt.Tx) error {
			if err := putJSON(tx.Bucket(bucketTicketThreads), ticketKey(th.TicketID), th); err != nil {
				return err
			}
			return tx.Bucket(bucketThreadsByMessage).Put(messageKey(th.Channel, th.TS), ticketKey(th.TicketID))
		}))
	})
}

func TestPostgres_TicketInThreadFindsWhatTheOldVersionWroteAfterTheMigration(t *testing.T) {
	t.Parallel()
	ts := newTestStore(t, postgresBackend)
	p := ts.testBackend.(*Postgres)
	ctx := t.Context()
	wantTicketInThreadFindsTheOldVersionsRecord(t, ts, func(th TicketThread) {
		mustOK(t, p.pgPut(ctx, "ticket_threads", "ticket_id", th.TicketID, th))
		_, err := p.pool.Exec(ctx, `INSERT INTO threads_by_message (channel, ts, ticket_id) VALUES ($1, $2, $3)
			ON CONFLICT (channel, ts) DO UPDATE SET ticket_id = excluded.ticket_id`, th.Channel, th.TS, th.TicketID)
		mustOK(t, err)
	})
}

// Two replicas whose clocks disagree: the parent becomes a ticket on
// one whose clock runs ahead, then a reply becomes one on the other. The
// reply's, recorded last, is the thread's latest, though its CreatedAt is
// the earlier.
func testTicketThreads_TheThreadsLatestIsTheLastRecordedWhateverTheClocks(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	const parent, reply = "9.000100", "9.000200"
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 801, Number: "42001", Channel: "C0ACME", TS: parent, CreatedAt: testStart.Add(time.Minute)}))
	mustOK(t, ts.SetTicketThread(TicketThread{TicketID: 802, Number: "42002", Channel: "C0ACME", TS: parent, MessageTS: reply, CreatedAt: testStart}))
	if got, ok, err := ts.TicketInThread("C0ACME", parent); err != nil || !ok || got.Number != "42002" {
		t.Errorf("TicketInThread = %+v, %v, %v; want #42002, recorded last", got, ok, err)
	}
}
