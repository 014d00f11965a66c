package commands_test

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/sessionlog"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

// TestNew_RefusesToStartWithoutARequiredCollaborator: commands.New with
// the Syncro client, the store or the session-log writer missing refuses,
// with a sentence naming the setting that provides it; "missing" includes
// a nil *store.Store in the Store interface and a writer with no folder.
func TestNew_RefusesToStartWithoutARequiredCollaborator(t *testing.T) {
	t.Parallel()
	client, err := syncro.NewClient(syncro.Config{BaseURL: "http://127.0.0.1:1/api/v1/", APIKey: "unused"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	full := func() commands.Deps {
		return commands.Deps{Syncro: client, Store: st, SessionLogs: &sessionlog.Writer{Root: t.TempDir()}}
	}
	if _, err := commands.New(full(), tickets.Register, customers.Register); err != nil {
		t.Fatalf("complete deps refused: %v", err)
	}
	for _, tt := range []struct {
		name, setting string
		edit          func(*commands.Deps)
	}{
		{"no Syncro", "SYNCRO_", func(d *commands.Deps) { d.Syncro = nil }},
		{"no store", "DATA_DIR", func(d *commands.Deps) { d.Store = nil }},
		{"nil *store.Store", "DATA_DIR", func(d *commands.Deps) { d.Store = (*store.Store)(nil) }},
		{"no session-log writer", "SESSION_LOG_DIR", func(d *commands.Deps) { d.SessionLogs = nil }},
		{"session-log writer without a folder", "SESSION_LOG_DIR", func(d *commands.Deps) { d.SessionLogs = &sessionlog.Writer{} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := full()
			tt.edit(&d)
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("New panicked instead of naming %s: %v", tt.setting, r)
				}
			}()
			c, err := commands.New(d, tickets.Register, customers.Register)
			if err == nil {
				t.Fatalf("New started (%v) with %s", c != nil, tt.name)
			}
			if !strings.Contains(err.Error(), tt.setting) {
				t.Errorf("error %q does not name %s", err, tt.setting)
			}
		})
	}
}
