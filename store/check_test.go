package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// openChildEnv names the DATA_DIR TestOpenHelperProcess opens.
const openChildEnv = "SYNCROBOT_STORE_OPEN_DIR"

// TestOpenHelperProcess is the child of TestOpen_DamagedFileIsRefusedWithASentence:
// it opens the store, reads it whole and prints what happened, so a crash
// inside bbolt (SIGBUS on a truncated file) kills the child, not the test
// binary.
func TestOpenHelperProcess(t *testing.T) {
	dir := os.Getenv(openChildEnv)
	if dir == "" {
		t.Skip("helper process for TestOpen_DamagedFileIsRefusedWithASentence")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(0)
	}
	// Read every value, as a running bot eventually does.
	n := 0
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
		})
	})
	s.Close()
	fmt.Println("opened; read", n, "bytes:", err)
	os.Exit(0)
}

// grownStore makes a DATA_DIR whose file spans many pages and returns
// the file's path and size.
func grownStore(t *testing.T) (path string, size int64) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if err := s.SetFlag(fmt.Sprintf("pad-%d", i), strings.Repeat("p", 8000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, FileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, fi.Size()
}

// TestOpen_DamagedFileIsRefusedWithASentence: a file cut short, emptied or
// not a database is refused with an error naming the file and what to do,
// instead of crashing the process (bbolt maps the file and dies with
// SIGBUS reading a page past its end).
func TestOpen_DamagedFileIsRefusedWithASentence(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	page := int64(os.Getpagesize())
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, size int64)
		why    string
	}{
		{"cut to half its pages", func(t *testing.T, path string, size int64) {
			truncate(t, path, (size/2/page)*page)
		}, "cut short"},
		{"cut mid-page", func(t *testing.T, path string, size int64) {
			truncate(t, path, size-page/2)
		}, "not a whole number"},
		{"cut inside the header", func(t *testing.T, path string, _ int64) {
			truncate(t, path, 100)
		}, "not a whole number"},
		{"emptied", func(t *testing.T, path string, _ int64) {
			truncate(t, path, 0)
		}, "empty"},
		{"not a database", func(t *testing.T, path string, size int64) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not bbolt ", int(size)/10)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not a valid bbolt header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, size := grownStore(t)
			tc.damage(t, path, size)
			cmd := exec.Command(os.Args[0], "-test.run=^TestOpenHelperProcess$")
			cmd.Env = append(os.Environ(), openChildEnv+"="+filepath.Dir(path))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("opening the damaged file killed the process (%v):\n%s", err, out)
			}
			got := string(out)
			for _, want := range []string{"error:", path, tc.why, "restore", "from a backup", "move it aside"} {
				if !strings.Contains(got, want) {
					t.Errorf("Open's error does not say %q:\n%s", want, got)
				}
			}
		})
	}
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_DamagedFileIsErrDamaged(t *testing.T) {
	t.Parallel()
	path, _ := grownStore(t)
	truncate(t, path, 0)
	if _, err := Open(filepath.Dir(path)); !errors.Is(err, ErrDamaged) {
		t.Errorf("Open = %v, want ErrDamaged", err)
	}
}

// TestCreate_CutOffLeavesNoFile: a first start whose initialisation fails
// (a full disk, say) leaves neither syncrobot.db nor a temporary file, so
// the next start creates the database afresh instead of finding half of one.
func TestCreate_CutOffLeavesNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full := errors.New("no space left on device")
	err := create(filepath.Join(dir, FileName), func(*bolt.DB) error { return full })
	if !errors.Is(err, full) {
		t.Errorf("create = %v, want the init error", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a cut-off create left %v", left)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("the next start: %v", err)
	}
	s.Close()
	if left, _ := os.ReadDir(dir); len(left) != 1 || left[0].Name() != FileName {
		t.Errorf("after Open the directory holds %v, want only %s", left, FileName)
	}
}
