package notice

import (
	"time"

	"github.com/syncrobot/syncrobot/store"
)

// Announcer is the one writer of "this ticket was announced". The bot's
// notice queue (closes made from Slack) and the watcher (closes seen in
// Syncro) both Claim a ticket before posting its notice, and only the
// caller that gets true posts, so a close is announced once whichever path
// sees it first. The claim is written before the notice is queued: a crash
// in between loses a notice rather than doubling it.
type Announcer struct {
	set store.Announcements
}

// NewAnnouncer returns an Announcer writing to set, which must not be nil.
func NewAnnouncer(set store.Announcements) *Announcer {
	if set == nil {
		panic("notice: NewAnnouncer: nil announced set")
	}
	return &Announcer{set: set}
}

// Claim marks ticketID announced and reports whether this is its first
// announcement; closedAt is the close's time as the caller saw it, kept
// for the record. An error (the store's, which names the ticket) leaves
// the ticket's state unknown and the choice to the caller: a close a
// person just made is posted anyway, a poll retries at its next round.
func (a *Announcer) Claim(ticketID int64, closedAt time.Time) (first bool, err error) {
	return a.set.MarkAnnounced(ticketID, closedAt)
}
