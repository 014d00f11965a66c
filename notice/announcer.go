package notice

import (
	"time"

	"github.com/syncrobot/syncrobot/store"
)

// Announcer is the one writer of "this ticket was announced". The bot's own
// close and bill flows and the watcher (closes seen in Syncro) both claim a
// ticket before posting its notice, and only the caller that gets true
// posts, so a close is announced once whichever path sees it first. The
// claim is written before the notice is queued: a crash in between loses a
// notice rather than doubling it.
//
// The bot's flows also mark a ticket as being closed (Closing) before they
// write its closed status. The watcher yields to that mark (ClaimSeen says
// SeenClosing), so a close made from Slack is announced as done from Slack,
// crediting who did it, however soon the watcher sees it; the flow then
// claims the ticket itself (Claim) or, ending without the status write,
// releases it (Release) for the watcher.
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
// for the record. It settles a Closing mark. An error (the store's, which
// names the ticket) leaves the ticket's state unknown and the choice to the
// caller.
func (a *Announcer) Claim(ticketID int64, closedAt time.Time) (first bool, err error) {
	return a.set.MarkAnnounced(ticketID, closedAt)
}

// ClaimBill is Claim for a bill made from Slack: it reports whether this
// is the bill's first announcement, whether or not the ticket's close was
// announced before, and claims the close too (an invoiced ticket is
// closed), so the watcher does not announce it again.
func (a *Announcer) ClaimBill(ticketID int64, billedAt time.Time) (first bool, err error) {
	return a.set.MarkBillAnnounced(ticketID, billedAt)
}

// Seen is the watcher's verdict on a close it saw in Syncro.
type Seen int

const (
	// SeenFirst means the close is claimed for the watcher: post it.
	SeenFirst Seen = iota + 1
	// SeenBefore means the ticket was announced already: post nothing.
	SeenBefore
	// SeenClosing means the bot is closing the ticket and announces it
	// itself: post nothing now, and look again at the next poll (the
	// flow may end without announcing it).
	SeenClosing
)

// ClaimSeen is Claim for a close seen in Syncro: a ticket the bot is
// closing (Closing) is left to the bot.
func (a *Announcer) ClaimSeen(ticketID int64, closedAt time.Time) (Seen, error) {
	first, closing, err := a.set.MarkSeenClosed(ticketID, closedAt)
	switch {
	case err != nil:
		return 0, err
	case first:
		return SeenFirst, nil
	case closing:
		return SeenClosing, nil
	}
	return SeenBefore, nil
}

// Closing marks ticketID as about to be set to a closed status by flow;
// call it before the status write. A ticket announced already is left as
// it is.
func (a *Announcer) Closing(ticketID int64, flow string) error {
	return a.set.MarkClosing(ticketID, flow)
}

// Release drops flow's Closing mark on ticketID, when the flow ends without
// announcing the ticket (its status write failed or never ran, or its
// notice could not be made): the watcher announces the close then, if
// there is one.
func (a *Announcer) Release(ticketID int64, flow string) error {
	return a.set.ClearClosing(ticketID, flow)
}
