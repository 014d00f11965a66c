package watcher

import (
	"fmt"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/notice"
	"github.com/syncrobot/syncrobot/syncro"
)

// notice is one ticket's closed notice, rendered by package notice like the
// bot's own: the ticket (linked when WebURL is set), customer, status and
// technician.
func (w *Watcher) notice(t *syncro.Ticket) commands.Message {
	n := notice.ClosedInSyncro(w.noticeTicket(t), t.Status, w.techName(t))
	return commands.Message(n) // notice.Notice has exactly Message's fields
}

// summaryNotice folds closes older than Backlog into one line listing their
// numbers.
func summaryNotice(ts []syncro.Ticket) commands.Message {
	numbers := make([]string, len(ts))
	for i := range ts {
		numbers[i] = ticketNumber(&ts[i])
	}
	return commands.Message(notice.OfflineSummary(numbers))
}

// noticeTicket is what a notice names of t.
func (w *Watcher) noticeTicket(t *syncro.Ticket) notice.Ticket {
	return notice.Ticket{
		ID: t.ID, Number: ticketNumber(t), Subject: t.Subject,
		Customer: t.CustomerBusinessThenName, URL: syncro.TicketURL(w.cfg.WebURL, t.ID),
	}
}

// ticketNumber is the number technicians know; the id when Syncro sent none.
func ticketNumber(t *syncro.Ticket) string {
	if t.Number != "" {
		return string(t.Number)
	}
	return fmt.Sprint(t.ID)
}

// techName is the ticket's technician: the embedded user, else the name
// from the settings' user list.
func (w *Watcher) techName(t *syncro.Ticket) string {
	if t.User != nil && t.User.FullName != "" {
		return t.User.FullName
	}
	if t.UserID != nil {
		return w.userName(*t.UserID)
	}
	return ""
}
