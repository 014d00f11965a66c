package tickets

// The write side of the command handlers: everything that changes Syncro.
//
//   - comment.go: /syncro comment, with optional time.
//   - timelog.go: how time is logged and read back (comment fields, then the
//     timer_entry fallback the account is remembered to need).
//   - create.go, update.go, close.go, bill.go, actions.go (log time): the
//     modals, each built as data (Reply.Modal) with a Callback… id and
//     Block… input ids from modals.go, and their submissions.
//   - submit.go: Validate (pure, per field), Submit, and the Dedup guard
//     that makes a double-submitted form write once.
//   - sessionlog_map.go: /syncro log and the session log a close writes.
//   - flow.go, resume.go: multi-step writes as recorded flows, and the ways
//     back to a flow that stopped half-way (Finish, also after a restart).
//
// Rules every write follows: no POST is retried blindly (an unknown
// outcome is read back first); when a multi-step write stops half-way the
// reply says what was done and what was not; time is never silently lost.
