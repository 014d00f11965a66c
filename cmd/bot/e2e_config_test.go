package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Syncro's API documentation writes the base as .../api/v1, without the
// trailing slash; the bot runs on either form, for Slack's base too.
func TestE2E_BaseURLsWithoutTheTrailingSlash(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["SYNCRO_BASE_URL"] = strings.TrimSuffix(env["SYNCRO_BASE_URL"], "/")
		env["SLACK_API_URL"] = strings.TrimSuffix(env["SLACK_API_URL"], "/")
	})
	b.slash(ctx, t, fmt.Sprintf("ticket %d", syncrotest.SeedTicketOwnCloud))
	if reply := replyText(b.waitReply(ctx, t, 1).Message); !strings.Contains(reply, "Own cloud thing again") {
		t.Errorf("reply %q does not show the ticket", reply)
	}
}
