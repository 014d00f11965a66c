package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// TicketNotFoundError says a ticket number does not exist in Syncro; it
// keeps the number so the sentence can name it.
type TicketNotFoundError struct{ Number int64 }

func (e *TicketNotFoundError) Error() string {
	return fmt.Sprintf("ticket #%d not found", e.Number)
}

func (e *TicketNotFoundError) Unwrap() error { return syncro.ErrNotFound }

// Failure turns an error into the sentence a tech sees. Errors a tech can
// act on (not found, Syncro's validation messages, a bad key, rate
// limiting) are said plainly; a 5xx from Syncro, or an answer that is
// not JSON, is said to be Syncro's;
// anything else gets a short apology. Those two carry an error id that is
// also logged with the full detail. doing completes "Sorry, I couldn't …",
// like "close ticket #32164".
func (d Deps) Failure(ctx context.Context, err error, doing string) Reply {
	var nf *TicketNotFoundError
	var se *syncro.Error
	switch {
	case errors.As(err, &nf):
		return Reply{Text: fmt.Sprintf("Ticket #%d doesn't exist in Syncro.", nf.Number)}
	case errors.Is(err, syncro.ErrUnauthorized):
		return Reply{Text: "Syncro rejected the API key — ask whoever runs the bot."}
	case errors.Is(err, syncro.ErrRateLimited):
		return Reply{Text: "Syncro is rate limiting us right now; nothing was changed. Try again in a minute."}
	case errors.Is(err, syncro.ErrValidation) && errors.As(err, &se) && len(se.Messages) > 0:
		return Reply{Text: fmt.Sprintf("Syncro refused to %s: %s", doing, slackfmt.EscapeMrkdwn(se.UserMessage()))}
	case isUnreachable(err):
		return Reply{Text: fmt.Sprintf("Sorry, Syncro can't be reached right now, so I couldn't %s. Try again in a few minutes.", doing)}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Reply{Text: fmt.Sprintf("Sorry, Syncro didn't answer in time, so I couldn't %s. Try again in a moment.", doing)}
	}
	id := NewErrorID()
	d.Logger.ErrorContext(ctx, "command failed", slog.String("error_id", id), slog.String("doing", doing), slog.Any("err", err))
	if errors.As(err, &se) && se.StatusCode >= http.StatusInternalServerError {
		// Syncro's own fault (after the client's retries): saying it was
		// ours would send the tech to whoever runs the bot.
		return Reply{Text: fmt.Sprintf("Sorry, I couldn't %s. Syncro had a problem on its side (it answered %d); try again in a few minutes (error id %s).", doing, se.StatusCode, id)}
	}
	if errors.As(err, new(*json.SyntaxError)) {
		// A success whose body is no JSON at all (a sign-in or error page
		// in its place) or was cut off on the way: Syncro's side too.
		return Reply{Text: fmt.Sprintf("Sorry, I couldn't %s. Syncro's answer could not be read (not its usual data, or cut off); try again in a few minutes (error id %s).", doing, id)}
	}
	return Reply{Text: fmt.Sprintf("Sorry, I couldn't %s. Something went wrong on our side (error id %s).", doing, id)}
}

// NewErrorID returns a short random id that ties the apology a user reads
// to the log line holding the details. Every "error id" shown to users,
// by commands or by bot, comes from here.
func NewErrorID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isUnreachable reports a connection that never reached Syncro (refused,
// no route, DNS): the tech should hear that Syncro is down, not that the
// bot broke. A write that failed this way was not sent.
func isUnreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// SyncroAnswer says briefly what Syncro answered, for "what was not done"
// sentences ("Syncro answered 500").
func SyncroAnswer(err error) string {
	var se *syncro.Error
	if errors.As(err, &se) {
		if errors.Is(err, syncro.ErrValidation) && len(se.Messages) > 0 {
			return "Syncro said: " + slackfmt.EscapeMrkdwn(se.UserMessage())
		}
		return fmt.Sprintf("Syncro answered %d", se.StatusCode)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "Syncro didn't answer in time"
	}
	return "the request failed"
}
