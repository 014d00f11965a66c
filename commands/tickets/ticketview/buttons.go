package ticketview

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Action ids of the buttons under a ticket's detail (/syncro ticket N).
// The read side renders them; the write side routes clicks on them. They
// are defined once here so a rename is a compile error on both sides.
const (
	// ActionLogTime opens the log-time form for the ticket.
	ActionLogTime = "ticket_log_time"
	// ActionClose opens the close form for the ticket.
	ActionClose = "ticket_close"
	// ActionBill opens the invoice form for the ticket's charged time.
	ActionBill = "ticket_bill"
	// ActionOpenInSyncro is the URL button to the ticket in Syncro's web app.
	// Slack still sends a block_actions event for URL buttons; it needs
	// only an empty ack.
	ActionOpenInSyncro = "ticket_open_in_syncro"
)

// ticketActionsBlockID is the block id of the buttons under a ticket.
const ticketActionsBlockID = "ticket_actions"

// TicketButtonValue is the value of a ticket's buttons: "<id>:<number>",
// like "108430087:32150". The id saves the write side a number lookup; the
// number is what its replies and forms show.
func TicketButtonValue(id, number int64) string {
	return strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(number, 10)
}

// errBadButtonValue says a button value was not made by TicketButtonValue;
// Slack only sends back what we rendered, so this means a forged or stale
// payload.
var errBadButtonValue = errors.New("not a ticket button value")

// ParseTicketButtonValue reads a value made by TicketButtonValue back into
// the ticket's Syncro id and number.
func ParseTicketButtonValue(v string) (id, number int64, err error) {
	a, b, ok := strings.Cut(v, ":")
	if !ok {
		return 0, 0, fmt.Errorf("parse button value %q: %w", v, errBadButtonValue)
	}
	id, err1 := strconv.ParseInt(a, 10, 64)
	number, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || number <= 0 {
		return 0, 0, fmt.Errorf("parse button value %q: %w", v, errBadButtonValue)
	}
	return id, number, nil
}
