// Package watcher announces tickets closed anywhere (in Syncro's web app, by
// e-mail rules, by the bot) to NOTIFY_CHANNEL, once each.
//
// # Source of truth: polling
//
// Every interval (SYNCRO_POLL_INTERVAL, default 60 s) the watcher lists
// GET /tickets?since_updated_at=<cursor − Overlap>. Syncro's filter is coarse
// (it may only honour the date), so results are filtered again on updated_at
// here and deduplicated by id; re-seeing a ticket is harmless. A ticket is
// announced when its status is one of the account's closed statuses (see
// below), it was closed (resolved_at, else updated_at) inside the watched
// window, and notice.Announcer's ClaimSeen reports this is the first
// announcement, at the first poll that lists it: within two intervals at
// any SYNCRO_POLL_INTERVAL.
//
// A ticket closed or billed from Slack is announced by the bot, crediting
// who did it. Its flow marks the ticket (notice.Announcer's Closing) before
// it writes the closed status, so the watcher, seeing the close however
// soon, leaves it to the bot (SeenClosing) without waiting; the flow then
// claims the ticket itself, or releases the mark if it ends without
// announcing. The cursor stops short of a close left to the bot, so the
// next poll lists it again and announces it if it was released; a restart
// drops every mark, so a crash cannot hide a close for good. Closes'
// ages (for Backlog) are measured on Syncro's clock (the Date of its
// answer), not the bot's, which may disagree with it by minutes.
//
// The cursor (the newest updated_at seen) and the announced set live in the
// store, so a restart announces nothing twice and closes that happened while
// the bot was down are announced when it comes back. Closes older than
// Backlog (24 h) at that point are folded into one summary line rather than
// one notice each. Notices are at most once: the mark is written before the
// notice is queued, so a crash in between loses a notice rather than
// doubling it.
//
// On the very first start (no cursor in the store) the cursor is set to now
// and nothing is announced: a fresh install must not flood the channel with
// the account's history.
//
// The same polls keep the open-ticket mirror (Config.Mirror) current: the
// listed tickets reach it through the client, and each complete listing
// tells it how current it is. Without Notify (no NOTIFY_CHANNEL) the polls
// run for the mirror alone and announce nothing.
//
// # Closed statuses
//
// Statuses are per account (Syncro API notes §4.5), so closed is a rule on
// the name, never a fixed list: a status is closed when its first word is
// Resolved, Closed, Invoiced, Completed or Complete, in any case
// ("Resolved - Pending" yes, "Unresolved" no); see syncro.IsClosedStatus, and
// Config.IsClosed to override it. The account's ticket settings (GET
// /tickets/settings), which the account package reads at start and hourly
// for the whole bot, are taken from Config.Account to log which of the
// account's statuses count as closed, to warn when none does, and to name
// technicians; the watcher never reads them itself.
//
// # Syncro budget
//
// Syncro allows 180 requests per minute per IP, shared with every person
// using the bot. The watcher spends, at the default 60 s interval:
//
//   - one GET /tickets listing per interval (one more page per 100 tickets
//     changed since the last poll, which only happens after downtime);
//   - one GET /tickets/{id} per webhook hint that claims a close of a ticket
//     not yet announced.
//
// That is about 1 request a minute, 0.6 % of the limit. Everything the
// watcher sends also goes through its own limiter of Budget requests per
// minute (default DefaultBudget = 6, 3.3 % of the limit; for an Interval
// under 10 s, the interval's own polls plus one): catching up after
// a long outage pages slowly instead of crowding out people, and webhook
// hints over the budget are dropped (the next poll finds the close anyway).
//
// # Webhooks
//
// Syncro's webhooks are unsigned (§4.12), so WebhookHandler accepts them only
// at a path carrying a secret token, treats the payload as a hint, and
// re-reads the ticket through the API before announcing anything. Payloads whose status is not closed (the event also
// fires for new tickets) cost no request.
package watcher
