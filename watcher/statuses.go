package watcher

import (
	"context"
	"slices"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
)

// statusInfo is what the watcher keeps from GET /tickets/settings.
type statusInfo struct {
	closed []string         // the account's statuses that are closed, for the log
	users  map[int64]string // technician id → name, for "resolved by"
	tried  time.Time        // last attempt, so failures are not retried every poll
}

// refreshStatuses rereads /tickets/settings when the copy is older than
// StatusRefresh. The account's status list shows (in the log) which of its
// statuses count as closed and warns when none does; the user list names
// the technician on a notice when the ticket carries only user_id. A
// failure keeps the old copy and is retried after StatusRefresh too, so an
// outage does not double the watcher's request rate.
func (w *Watcher) refreshStatuses(ctx context.Context) {
	now := w.now()
	w.mu.Lock()
	stale := w.status.tried.IsZero() || now.Sub(w.status.tried) >= StatusRefresh
	if stale {
		w.status.tried = now
	}
	w.mu.Unlock()
	if !stale {
		return
	}
	if err := w.spend(ctx); err != nil {
		return
	}
	set, _, err := w.cfg.Syncro.Tickets.Settings(ctx)
	if err != nil {
		w.log.Warn("ticket settings not read; closed statuses are judged by name alone", "err", err)
		return
	}
	var closed []string
	for _, s := range set.TicketStatusList {
		if w.isClosed(s) {
			closed = append(closed, s)
		}
	}
	users := make(map[int64]string, len(set.Users))
	for _, u := range set.Users {
		users[u.ID] = u.Name
	}
	if len(closed) == 0 {
		w.log.Warn("none of the account's ticket statuses looks closed; no close will be announced", "statuses", set.TicketStatusList)
	}
	w.mu.Lock()
	changed := !slices.Equal(w.status.closed, closed)
	w.status.closed, w.status.users = closed, users
	w.mu.Unlock()
	if changed {
		w.log.Info("closed ticket statuses", "statuses", closed)
	}
}

// isClosed reports whether status is closed for this account: Config.IsClosed
// when set, else syncro.IsClosedStatus (what the ticket list uses too).
func (w *Watcher) isClosed(status string) bool {
	if w.cfg.IsClosed != nil {
		return w.cfg.IsClosed(status)
	}
	return syncro.IsClosedStatus(status)
}

// userName is a technician's name from the settings' user list ("" when
// unknown).
func (w *Watcher) userName(id int64) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status.users[id]
}
