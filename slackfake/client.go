package slackfake

import (
	"context"
	"errors"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// StartClient plays the bot's side by hand: it runs slack-go's real
// Socket Mode client against f with f's tokens and hands every event to
// handle, one at a time on one goroutine, as a bot's event loop does.
// When t ends the client stops and its loop returns, before a Fake from
// NewServer(t) closes (cleanups run last registered first). opts go to
// slack.New after f's own, so a test can reach f elsewhere
// (slack.OptionAPIURL for a Handler mounted on another server). Deliveries
// wait for the socket by themselves; WaitConnections waits for it before
// anything else.
func (f *Fake) StartClient(t testing.TB, handle func(*socketmode.Client, socketmode.Event), opts ...slack.Option) *socketmode.Client {
	t.Helper()
	api := slack.New(f.BotToken(), append([]slack.Option{slack.OptionAppLevelToken(f.AppToken()), slack.OptionAPIURL(f.APIURL())}, opts...)...)
	client := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- client.RunContext(ctx) }()
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		for {
			select {
			case evt := <-client.Events:
				handle(client, evt)
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-runDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("socketmode Run: %v", err)
		}
		<-loopDone
	})
	return client
}

// AckAll is a StartClient handler that acks every envelope with no
// payload, for tests that need a connected client and nothing more.
func AckAll(c *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		_ = c.Ack(*evt.Request)
	}
}
