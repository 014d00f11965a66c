// Package slackfmt makes text safe and small enough for Slack: it escapes
// text read from Syncro for mrkdwn, prepares one-line plain_text, truncates
// without splitting a character or an entity, and names every Slack limit
// the bot renders against.
//
// Anything read from Syncro (subjects, comments, names) and shown as mrkdwn
// or as a message's text must go through MrkdwnLiteral, MrkdwnText or
// MrkdwnLine: unescaped, "<!channel>" in a ticket subject would notify a
// whole channel and "<@U123>" would ping a person, and "*urgent" would pair
// with the bot's own bold. EscapeMrkdwn alone is for the bot's text, whose
// formatting is meant. plain_text is not parsed for mentions,
// so PlainText only folds whitespace and truncates.
//
// The package imports nothing of this repository's, so commands, bot,
// watcher and notice can all depend on it.
package slackfmt
