package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/slackfake"
)

// fuzzSeeds are frames shaped like what Slack sends, and like what it
// must never send: each kind the bot routes, with the fields a handler
// reads missing, null or of the wrong type.
var fuzzSeeds = []struct {
	typ     string
	payload string
	raw     bool
}{
	{"slash_commands", `{"command":"/syncro","text":"help","user_id":"U0ALICE","team_id":"T0HOME","channel_id":"C0OPS","response_url":"http://127.0.0.1:1/r"}`, false},
	{"slash_commands", `{"command":"/syncro","text":"t 1","user_id":"","team_id":""}`, false},
	{"slash_commands", `{"command":7}`, false},
	{"interactive", `{"type":"block_actions","user":{"id":"U0ALICE","team_id":"T0HOME"},"team":{"id":"T0HOME"},"actions":[{"action_id":"syncro_assign","value":"1"}]}`, false},
	{"interactive", `{"type":"block_actions","user":{"id":"U0ALICE"},"actions":[]}`, false},
	{"interactive", `{"type":"block_actions","actions":[{"action_id":"syncro_bill","url":"x"}]}`, false},
	{"interactive", `{"type":"view_submission","user":{"id":"U0ALICE","team_id":"T0HOME"},"view":{"callback_id":"syncro_create"}}`, false},
	{"interactive", `{"type":"view_submission","view":{"callback_id":"syncro_note","state":null,"blocks":null}}`, false},
	{"interactive", `{"type":"view_submission","view":{"callback_id":"syncro_note","state":{"values":{"a":{"b":{"type":"plain_text_input","value":null}}}}}}`, false},
	{"interactive", `{"type":"view_submission","view":{"callback_id":"nobody","blocks":[{"type":"input","block_id":"x"}]}}`, false},
	{"interactive", `{"type":"block_suggestion","user":{"id":"U0ALICE"},"action_id":"customer","value":"ac"}`, false},
	{"interactive", `{"type":"view_closed","view":{}}`, false},
	{"interactive", `{"type":"shortcut","callback_id":"x"}`, false},
	{"interactive", `{"type":"view_submission","view":"not an object"}`, false},
	{"interactive", `null`, false},
	{"events_api", `{"type":"event_callback","event":{"type":"app_mention","text":"<@U0BOT> hi"}}`, false},
	{"events_api", `{"type":"event_callback","event":null}`, false},
	{"events_api", `{"type":"url_verification","challenge":7}`, false},
	{"hello", `{}`, false},
	{"disconnect", `{"reason":"warning"}`, false},
	{"", `{}`, false},
	{"brand_new_type", `{"text":"secret words","response_url":"https://hooks.slack.com/actions/T/1/x"}`, false},
	{"", `{"envelope_id":"e1","type":"interactive","payload":"{not json"}`, true},
	{"", `{"envelope_id":"e2","type":"slash_commands","payload":[1,2,3]}`, true},
	{"", `{"envelope_id":7}`, true},
	{"", `[]`, true},
	{"", `"just a string"`, true},
	{"", `{"type":"interactive"`, true},
	{"", ``, true},
	{"", "\x00\xff", true},
}

// FuzzDispatch feeds arbitrary Socket Mode frames through a running bot's
// real socket and event loop (slack-go's reader and parser, the dispatch,
// the admission chain, the handlers) and checks after each one that the
// process is alive and still answers a person's /syncro. A frame is
// either raw bytes, or an envelope of type typ whose payload is the input
// (as JSON when it is JSON, else as a JSON string).
func FuzzDispatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.typ, []byte(s.payload), s.raw)
	}
	fake := newFake(f)
	start(f, fake, &stub{}, nil)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, typ string, payload []byte, raw bool) {
		ctx := testCtx(t)
		frame := payload
		if !raw {
			var p json.RawMessage = payload
			if !json.Valid(payload) {
				p, _ = json.Marshal(string(payload))
			}
			var err error
			frame, err = json.Marshal(map[string]any{
				"envelope_id": fmt.Sprintf("fuzz-%d", n.Add(1)), "type": typ,
				"accepts_response_payload": true, "payload": p,
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		conns := fake.TotalConnections()
		if err := fake.SendRaw(ctx, frame); err != nil {
			t.Fatal(err)
		}
		// A disconnect frame (as slack-go reads it) makes the bot move to
		// a new socket, as Slack asks it to; a person's next command goes
		// out there.
		var req socketmode.Request
		if json.Unmarshal(frame, &req) == nil && req.Type == socketmode.RequestTypeDisconnect {
			if err := fake.WaitConnections(ctx, conns+1); err != nil {
				t.Fatalf("after a disconnect frame the bot did not reconnect: %v", err)
			}
		}
		// A person's command after the frame: its ack proves the event
		// loop (and the socket, reconnected if the frame asked for it)
		// still serves. "busy" is an answer too.
		ack, err := fake.SlashCommand(ctx, slackfake.SlashCommand{UserID: alice.ID, ChannelID: ops.ID, Text: "alive"})
		if err != nil {
			t.Fatalf("after frame %q the bot no longer answers: %v", frame, err)
		}
		if got := ackText(t, ack); got != "" && !strings.Contains(got, "busy") {
			t.Errorf("after frame %q: ack %q, want an empty ack (reply follows) or busy", frame, got)
		}
	})
}
