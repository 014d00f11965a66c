package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The break pass (issue 15) through the real bot: payloads Slack could
// send, from a member in the home workspace, aimed at every registered
// button, form, suggestion and shortcut with values no form of the bot
// ever made (empty, garbage, negative, huge, half JSON), and events with
// missing fields. Whatever arrives is acked, nothing panics, nothing is
// written to Syncro, and Dana is still served.

// craftedIDs are the action and callback ids the bot registers.
var craftedIDs = []string{
	"customer_open_in_syncro", "flow_dont_log_again", "flow_log_again", "syncro_add_to_ticket",
	"syncro_add_to_ticket_form", "syncro_bill", "syncro_close", "syncro_contact_add",
	"syncro_contact_delete_confirm", "syncro_contact_edit", "syncro_create", "syncro_create_from_message",
	"syncro_customer_create", "syncro_customer_create_anyway", "syncro_customer_edit",
	"syncro_customer_fix_form", "syncro_customer_merge_confirm", "syncro_customer_show",
	"syncro_log_time", "syncro_ticket_from_message", "syncro_update", "ticket_bill", "ticket_close",
	"ticket_log_time", "ticket_open_in_syncro", "customer", "ticket", "nobody_registered_this",
}

// craftedValues are what a forged or corrupted payload may carry where
// the bot put a value or private_metadata.
var craftedValues = []string{
	"", "x", "-1", "99999999999999999999:1", "{", `{"t":-1,"n":-1}`, "\u0000\ufffd",
	strings.Repeat("9", 4000), strings.Repeat("<!channel>", 500),
}

// TestE2E_CraftedPayloadsAtEveryIDAreAckedAndWriteNothing: found a
// message shortcut whose forged ts overflowed the form's metadata and
// panicked three handlers (Create ticket, Add to ticket, from a message).
func TestE2E_CraftedPayloadsAtEveryIDAreAckedAndWriteNothing(t *testing.T) {
	t.Parallel()
	// A few thousand envelopes: more than testTimeout on a loaded machine.
	ctx, cancel := context.WithTimeout(t.Context(), 3*testTimeout)
	defer cancel()
	b := startE2EBot(ctx, t, nil)
	b.waitLog(ctx, t, "open-ticket mirror filled")
	b.srv.ResetLog()
	user := map[string]any{"id": e2eUser, "team_id": b.f.TeamID(), "name": "dana"}
	team := map[string]any{"id": b.f.TeamID()}
	respURL := b.f.BaseURL() + "nowhere"

	send := func(typ string, payload any) {
		t.Helper()
		raw, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.f.Send(ctx, slackfake.Envelope{Type: typ, AcceptsResponsePayload: typ != slackfake.EnvelopeEventsAPI, Payload: raw}); err != nil {
			t.Fatalf("%s %s not acked: %v", typ, raw[:min(len(raw), 300)], err)
		}
	}
	for _, id := range craftedIDs {
		for _, v := range craftedValues {
			send(slackfake.EnvelopeInteractive, map[string]any{
				"type": "block_actions", "user": user, "team": team, "channel": map[string]any{"id": e2eChannel},
				"trigger_id": b.f.IssueTrigger(e2eUser), "response_url": respURL,
				"container": map[string]any{"type": "message", "channel_id": e2eChannel, "message_ts": "1.000001"},
				"actions": []any{map[string]any{"action_id": id, "block_id": v, "value": v, "type": "button",
					"selected_option": map[string]any{"value": v}}},
			})
			for _, kind := range []string{"view_submission", "view_closed"} {
				send(slackfake.EnvelopeInteractive, map[string]any{
					"type": kind, "user": user, "team": team, "trigger_id": b.f.IssueTrigger(e2eUser),
					"view": map[string]any{"id": "V0FORGED", "callback_id": id, "private_metadata": v,
						"state": map[string]any{"values": map[string]any{"minutes": map[string]any{"minutes": map[string]any{"type": "plain_text_input", "value": v}}}}},
				})
			}
			send(slackfake.EnvelopeInteractive, map[string]any{
				"type": "block_suggestion", "user": user, "team": team, "action_id": id, "block_id": id, "value": v,
				"view": map[string]any{"id": "V0FORGED", "callback_id": id, "private_metadata": v},
			})
			send(slackfake.EnvelopeInteractive, map[string]any{
				"type": "message_action", "callback_id": id, "user": user, "team": team, "trigger_id": b.f.IssueTrigger(e2eUser),
				"channel": map[string]any{"id": e2eChannel}, "response_url": respURL,
				"message": map[string]any{"ts": v, "text": v, "user": e2eUser},
			})
		}
		send(slackfake.EnvelopeInteractive, map[string]any{"type": "message_action", "callback_id": id, "user": user, "team": team})
		send(slackfake.EnvelopeInteractive, map[string]any{"type": "shortcut", "callback_id": id, "user": user, "team": team})
	}
	for _, ev := range []map[string]any{
		{"type": "link_shared", "channel": e2eChannel, "user": e2eUser, "message_ts": "1.2",
			"links": []any{map[string]any{"url": "https://bayline.syncromsp.com/tickets/-1"}, map[string]any{"url": "%zz"}, map[string]any{}}},
		{"type": "link_shared", "channel": e2eChannel, "user": e2eUser, "links": nil},
		{"type": "app_home_opened", "tab": "home"},
		{"type": "app_home_opened", "user": e2eUser, "tab": "home"},
		{"type": "message", "channel": e2eChannel, "text": strings.Repeat("x", 40000)},
		{"type": "app_mention"},
	} {
		send(slackfake.EnvelopeEventsAPI, map[string]any{"type": "event_callback", "team_id": b.f.TeamID(), "event": ev})
	}

	n := itoa64(syncrotest.SeedTicketPrinter)
	seen := len(b.f.Ephemerals(e2eUser))
	b.slash(ctx, t, "ticket "+n)
	b.waitReply(ctx, t, seen, "#"+n)
	for _, r := range b.srv.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("a crafted payload wrote to Syncro: %s %s %s", r.Method, r.Path, r.Body)
		}
	}
	if strings.Contains(b.stderr.String(), "panicked") {
		t.Errorf("a crafted payload made a handler panic:\n%s", b.stderr.String())
	}
}
