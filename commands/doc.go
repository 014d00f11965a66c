// Package commands is the /syncro command table, its parser, and the
// command handlers that call Syncro and build Slack replies.
//
// # The table
//
// Every subcommand is one Command entry in table.go: its name (one or two
// words, "ticket" or "customer create"), positional arguments, flags, help
// text and whether it needs billing permission. Parse, usage lines and help
// (HelpText, HelpBlocks) are all generated from it, so they cannot drift.
// Adding a subcommand means adding an entry, a Name… constant, a handler and
// its golden file.
//
// # Handlers
//
// Handlers are attached by name, not stored in Command: a map keyed by the
// Name… constants, checked against Lookup at construction so a handler for
// a missing command panics at start-up. Keeping functions out of the table
// keeps it free of Syncro dependencies and avoids an initialization cycle
// (the help handler renders the table).
//
// # Parsing
//
// Parse turns the text Slack sends after /syncro into an Invocation whose
// values are already checked and canonical: the ticket NUMBER as int64,
// Syncro ids, bounded free text, flags, and --time as minutes. Mistakes come
// back as *UsageError with a sentence safe to post as mrkdwn, a "Did you
// mean" where a near miss exists, and the command's usage. Invocation.String
// renders canonical text that parses back to an equal Invocation; FuzzParse
// checks that, and FuzzParseMinutes checks durations.
//
// Slack escapes &, < and > in slash-command text as &amp;, &lt; and &gt;
// (so its <@U…> and <!channel> markup cannot be forged); Parse decodes them
// first so Syncro receives what the tech typed. Going the other way, every
// string from Syncro shown in mrkdwn goes through slackfmt.EscapeMrkdwn or
// slackfmt.MrkdwnText, so text stored in Syncro can never ping anyone.
// Slack's Block Kit limits are the named constants of package slackfmt
// (docs/slack-limits.md).
package commands
