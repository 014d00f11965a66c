package bot

import (
	"time"

	"github.com/syncrobot/syncrobot/commands"
)

// Observer receives the bot's operational events so a metrics package can
// count them without bot knowing about Prometheus. Every method must be
// fast and safe for concurrent use: they run on the event loop and on
// handler goroutines.
type Observer interface {
	// SocketState reports the Socket Mode connection: true once it is
	// connected, false when it is lost, reconnecting or closed.
	SocketState(connected bool)
	// EnvelopeAcked is called once per envelope with its type
	// (slash_commands, block_actions, view_submission, …) and the time
	// from receipt to ack; err is non-nil when the ack could not be sent.
	EnvelopeAcked(kind string, latency time.Duration, err error)
	// Submitted is called with the reply to each modal submission that
	// reached Commands.Submit, so outcomes (bill, close) can be counted.
	Submitted(callbackID string, reply commands.Reply)
	// NoticePosted is called after a notice reached its channel.
	NoticePosted()
}

// nopObserver is the Observer used when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) SocketState(bool)                           {}
func (nopObserver) EnvelopeAcked(string, time.Duration, error) {}
func (nopObserver) Submitted(string, commands.Reply)           {}
func (nopObserver) NoticePosted()                              {}
