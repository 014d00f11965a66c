package watcher

import (
	"slices"

	"github.com/syncrobot/syncrobot/syncro"
)

// statusInfo is what the watcher takes from the account's ticket
// settings (GET /tickets/settings, read by Account's owner).
type statusInfo struct {
	from   *syncro.TicketSettings // the copy closed and users came from
	closed []string               // the account's statuses that are closed, for the log
	users  map[int64]string       // technician id → name, for "resolved by"
}

// refreshStatuses takes the account's ticket settings as Account last
// read them, sending no request of its own: the account package reads
// them at start and hourly for every command (docs/syncro-api.md §2's
// 180/min is shared). Each new copy shows (in the log) which of the
// account's statuses count as closed, with a warning when none does; its
// user list names the technician on a notice when the ticket carries only
// user_id. Until the first read, closes are judged by name alone and
// notices name no technician by id.
func (w *Watcher) refreshStatuses() {
	set, ok := w.cfg.Account.LastTicketSettings()
	w.mu.Lock()
	same := set == w.status.from
	w.mu.Unlock()
	if !ok || same {
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
	w.mu.Lock()
	changed := w.status.from == nil || !slices.Equal(w.status.closed, closed)
	w.status = statusInfo{from: set, closed: closed, users: users}
	w.mu.Unlock()
	if !changed {
		return
	}
	if len(closed) == 0 {
		w.log.Warn("none of the account's ticket statuses looks closed; no close will be announced", "statuses", set.TicketStatusList)
		return
	}
	w.log.Info("closed ticket statuses", "statuses", closed)
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
