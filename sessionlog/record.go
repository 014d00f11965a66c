// Package sessionlog records what was done on a Syncro ticket as a Markdown
// file under ROOT/clients/<client-slug>/session-logs/, so a client's history
// can be read (and versioned in git) without logging into the PSA.
//
// Render is a pure function from a Record to bytes; Writer puts those bytes
// on disk atomically and optionally commits them. The package does not
// import the Syncro client: callers map tickets into Record, which keeps
// this package testable with plain values and free of API churn.
package sessionlog

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidRecord is wrapped by errors about a Record that cannot be
// rendered or filed; the Slack side can tell the tech to fix the input
// rather than retry.
var ErrInvalidRecord = errors.New("invalid session log record")

// Record is everything a session log says about one ticket.
type Record struct {
	TicketID int64  // Syncro's internal id.
	Number   string // The ticket number techs and clients quote, e.g. "32164".
	Subject  string
	Status   string

	Customer Customer
	Contact  string   // Contact person's name at the customer, if any.
	Techs    []string // Everyone who worked the ticket, in display order.

	Opened   time.Time
	Resolved time.Time // Zero when the ticket is still open (e.g. /syncro log N).
	// Location is the Syncro account's time zone: all times, and the date in
	// the file name, are shown in it so a log matches what the PSA shows.
	Location *time.Location

	InitialIssue string // May be HTML.
	Comments     []Comment
	Time         []TimeEntry
	Resolution   string   // May be HTML.
	FollowUps    []string // Plain text, one item each.

	Billable      bool
	InvoiceNumber string

	WrittenBy SlackUser // Who asked for the log.
	// WrittenAt is when the log was produced; Writer fills it from its
	// clock when zero. It dates the file of a ticket not yet resolved.
	WrittenAt time.Time
}

// Customer identifies the client a ticket belongs to.
type Customer struct {
	ID   int64
	Name string // Business name, or the person's full name.
}

// Comment is one ticket comment, shown in Work done.
type Comment struct {
	Author string
	At     time.Time
	Body   string // May be HTML.
	Hidden bool   // Internal comment, not visible to the customer.
	// Minutes and LaborType describe time logged with the comment. They are
	// shown next to the comment only: Syncro also records that time as a
	// timer entry, which the caller passes in Record.Time, so adding both
	// would count it twice.
	Minutes   int
	LaborType string
}

// TimeEntry is time worked on the ticket; totals come from these alone.
type TimeEntry struct {
	Tech      string
	LaborType string
	Minutes   int
	Billable  bool
}

// SlackUser is the Slack member who wrote the log; it becomes the git author.
type SlackUser struct {
	ID    string // Slack member id, e.g. "U024BE7LH".
	Name  string // Display or real name.
	Email string // Optional; a noreply address built from ID is used without it.
}

// validate reports what Render needs and the record lacks.
func (r *Record) validate() error {
	if r.Location == nil {
		return fmt.Errorf("%w: account time zone (Location) is required", ErrInvalidRecord)
	}
	if oneLine(r.Number) == "" && r.TicketID == 0 {
		return fmt.Errorf("%w: ticket number or id is required", ErrInvalidRecord)
	}
	return nil
}

// displayNumber is the number shown to people, falling back to the id
// when Syncro gave none (or only blanks).
func (r *Record) displayNumber() string {
	if n := oneLine(r.Number); n != "" {
		return n
	}
	return fmt.Sprint(r.TicketID)
}

// day is the date the log is filed under: the resolution date, or the
// writing date for a ticket that is not resolved, in the account zone.
func (r *Record) day() time.Time {
	t := r.Resolved
	if t.IsZero() {
		t = r.WrittenAt
	}
	return t.In(r.Location)
}
