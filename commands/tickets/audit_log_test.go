package tickets

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
)

// TestAudit_EveryWriteIsALogLineAndARecord: the audit trail is in the
// logs (who, which tech, ticket, action, outcome) even when the store also
// keeps it for /syncro audit.
func TestAudit_EveryWriteIsALogLineAndARecord(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var logs syncbuf.Buffer
	_, tk := newCommands(t, commands.Deps{Store: st, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	tk.audit(t.Context(), marcus, 32150, "status", "→ Resolved", errors.New("syncro: PUT /tickets/1: 500"))

	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil {
		t.Fatalf("log = %q: %v", logs.String(), err)
	}
	for k, want := range map[string]any{"msg": "syncro write", "ticket": float64(32150), "action": "status",
		"outcome": "failed", "slack_user": "U0MARCUS", "syncro_tech": "Marcus", "err": "syncro: PUT /tickets/1: 500"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	entries, err := st.AuditForTicket(32150, 10)
	if err != nil || len(entries) != 1 || entries[0].Action != "status" {
		t.Errorf("store audit = %+v, %v", entries, err)
	}
}
