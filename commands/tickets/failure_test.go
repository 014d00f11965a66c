package tickets

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
)

// TestFailure_SyncroUnreachableSaysSo: with nothing listening where Syncro
// should be, the tech hears Syncro can't be reached, not "something went
// wrong on our side".
func TestFailure_SyncroUnreachableSaysSo(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client, err := syncro.NewClient(syncro.Config{BaseURL: "http://" + addr + "/api/v1/", APIKey: "k",
		Sleep: func(_ context.Context, _ time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newCommands(t, commands.Deps{Syncro: client})
	r := c.Slash(t.Context(), commands.Request{Actor: marcus, ChannelID: "C0TECHS", Text: "ticket 32150", EnvelopeID: "env-down"})
	if !strings.HasPrefix(r.Text, "Sorry, Syncro can't be reached right now, so I couldn't") {
		t.Errorf("reply = %q, want the unreachable sentence", r.Text)
	}
}
