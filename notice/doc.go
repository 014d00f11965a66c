// Package notice owns the closed-ticket notices posted to NOTIFY_CHANNEL:
// it renders every one of them, and its Announcer is the one writer of
// "this ticket was announced".
//
// Two paths announce closes: the bot's close and bill flows, for a close or
// bill made from Slack (commands renders the notice, crediting who did it
// with a mention, and bot queues it), and the watcher, for a close seen in
// Syncro. Both render here, so the same escaping and limits apply to both
// (a "<!channel>" in a subject pings nobody, in the blocks and in the
// fallback text alike), and both claim the ticket through an Announcer
// before posting, so a close is announced once whichever path sees it
// first. A flow marks the ticket it is closing before its status write, so
// the watcher leaves it to the flow without waiting.
//
// The package imports only slackfmt, store and slack-go, so commands, bot
// and watcher can all use it without an import cycle; its Notice is
// converted to commands.Message by the callers.
package notice
