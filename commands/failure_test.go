package commands

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestFailure_UnexpectedErrorIsLoggedUnderErrWithTheUsersErrorID: the
// apology names an error id, and the log line holding the detail carries
// the same id and the error under the one key for errors, err
// (docs/conventions.md).
func TestFailure_UnexpectedErrorIsLoggedUnderErrWithTheUsersErrorID(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	d := Deps{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	r := d.Failure(t.Context(), errors.New("decode ticket: unexpected EOF"), "close ticket #32150")

	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log = %q: %v", logs.String(), err)
	}
	id, _ := line["error_id"].(string)
	if id == "" || !strings.Contains(r.Text, "(error id "+id+")") {
		t.Errorf("reply %q, logged error_id %q", r.Text, id)
	}
	if line["err"] != "decode ticket: unexpected EOF" || line["doing"] != "close ticket #32150" {
		t.Errorf("log line = %v", line)
	}
}
