package notice

import "time"

// Marks is the announced set an Announcer writes to; *store.Store
// implements it.
type Marks interface {
	// MarkAnnounced records ticketID as announced and reports whether
	// this call was the first to do so.
	MarkAnnounced(ticketID int64, updatedAt time.Time) (first bool, err error)
}

// Announcer is the one writer of "this ticket was announced". The bot's
// notice queue (closes made from Slack) and the watcher (closes seen in
// Syncro) both Claim a ticket before posting its notice, and only the
// caller that gets true posts, so a close is announced once whichever path
// sees it first. The claim is written before the notice is queued: a crash
// in between loses a notice rather than doubling it.
type Announcer struct {
	marks Marks
}

// NewAnnouncer returns an Announcer writing to marks, which must not be nil.
func NewAnnouncer(marks Marks) *Announcer {
	if marks == nil {
		panic("notice: NewAnnouncer: nil Marks")
	}
	return &Announcer{marks: marks}
}

// Claim marks ticketID announced and reports whether this is its first
// announcement; closedAt is the close's time as the caller saw it, kept
// for the record. An error (the store's, which names the ticket) leaves
// the ticket's state unknown and the choice to the caller: a close a
// person just made is posted anyway, a poll retries at its next round.
func (a *Announcer) Claim(ticketID int64, closedAt time.Time) (first bool, err error) {
	return a.marks.MarkAnnounced(ticketID, closedAt)
}
