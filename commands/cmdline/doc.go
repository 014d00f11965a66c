// Package cmdline is the /syncro command table and its parser: the
// language a tech types, with no Slack connection or Syncro call in it.
//
// # The table
//
// Every subcommand is one Command entry in table.go: its name (one or two
// words, "ticket" or "customer create"), positional arguments, flags, help
// text and whether it needs billing permission. Parse, usage lines and help
// (HelpText, HelpBlocks) are all generated from it, so they cannot drift.
// The handlers live elsewhere (commands.Registry, docs/registry.md): a
// Slash entry names its command by a Name… constant, and registering a
// name that is not in the table panics at start-up.
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
// first so Syncro receives what the tech typed.
package cmdline
