// Package commands answers what a tech does in Slack: a /syncro command, a
// click, a submitted form, a search in a select. It is the contract between
// package bot (Socket Mode, the Web API) and the features that call Syncro.
//
// # The registry
//
// Every interaction is one entry in a Registry (registry.go): a Slash
// entry per subcommand of the cmdline table, a Button per action_id, a
// Modal per callback_id, an ExternalSelect per select. The features
// (commands/tickets, commands/customers) register theirs with their
// Register function; cmd/bot hands them to New once. What bot routes,
// which requests open a "Loading…" modal first, and which buttons are mere
// links all come from the registry (docs/registry.md).
//
// # What the features share
//
// Deps names every collaborator a feature needs, filled once in cmd/bot;
// New refuses to start when a required one is missing. Deps.Failure turns
// an error into the sentence a tech reads; Deps.Once makes a write happen
// once per key (a redelivered envelope or a double click writes nothing
// twice). Submit runs a modal's handler under Once, keyed by the
// submission. The Block Kit helpers in blocks.go and modals.go are the
// pieces both features build replies and forms with.
//
// Every string from Syncro shown in mrkdwn goes through
// slackfmt.MrkdwnLiteral, slackfmt.MrkdwnText or InlineMrkdwn, so text
// stored in Syncro can never ping anyone nor break the bot's formatting.
package commands
