package commands

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites golden files instead of comparing against them. It is
// defined once here for every golden test in the package.
var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites the file under
// -update. Rendering changes are reviewed as diffs of these files.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./commands -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./commands -update\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
