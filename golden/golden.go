// Package golden compares what a test renders with a file under testdata,
// or rewrites the file when the tests run with -update.
//
// Importing it registers -update in a test binary. `go test ./... -update`
// (README) passes the flag to every package's tests, and a test binary
// that does not know a flag fails, so every package with tests imports
// golden: those with golden files call Check, the others import it for
// the flag alone (update_test.go). TestEveryTestBinaryAcceptsUpdate keeps
// it so.
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

// Update is -update: rewrite golden files instead of comparing with them.
var Update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Check compares got with the golden file at path, or rewrites the file
// under -update. Rendering changes are reviewed as diffs of these files.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./... -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./... -update and review the diff\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
