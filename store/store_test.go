package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/syncrobot/syncrobot/fakeclock"
)

// testStart is where every test store's clock starts; tests move it with
// Advance instead of sleeping.
var testStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// boltStore is a bbolt store in its own directory with a fake clock, for
// the tests of what only bbolt has (the file, its lock, its buckets);
// reopen simulates a bot restart on the same DATA_DIR.
type boltStore struct {
	*Store
	t    *testing.T
	dir  string
	clk  *fakeclock.Manual
	opts []Option
}

func newBoltStore(t *testing.T, opts ...Option) *boltStore {
	t.Helper()
	ts := &boltStore{t: t, dir: t.TempDir(), clk: fakeclock.New(testStart)}
	ts.opts = append([]Option{WithClock(ts.clk.Now)}, opts...)
	ts.open()
	return ts
}

func (ts *boltStore) open() {
	ts.t.Helper()
	s, err := Open(ts.dir, ts.opts...)
	if err != nil {
		ts.t.Fatalf("Open: %v", err)
	}
	ts.Store = s
	ts.t.Cleanup(func() { _ = s.Close() })
}

func (ts *boltStore) reopen() {
	ts.t.Helper()
	if err := ts.Close(); err != nil {
		ts.t.Fatalf("Close: %v", err)
	}
	ts.open()
}

func TestOpen_CreatesPrivateDirAndFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "nested")
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for _, c := range []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700},
		{filepath.Join(dir, FileName), 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("%s mode = %o, want %o", c.path, got, c.want)
		}
	}
}

func TestOpen_TightensLooseFileMode(t *testing.T) {
	t.Parallel()
	ts := newBoltStore(t)
	ts.Close()
	if err := os.Chmod(filepath.Join(ts.dir, FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	ts.open()
	fi, err := os.Stat(filepath.Join(ts.dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode after reopen = %o, want 600", got)
	}
}

func TestOpen_SecondOpenOnSameDirFailsFast(t *testing.T) {
	t.Parallel()
	ts := newBoltStore(t)
	start := time.Now()
	s2, err := Open(ts.dir)
	elapsed := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open succeeded; two bots would share one DATA_DIR")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(ts.dir, FileName)) || !strings.Contains(err.Error(), "another syncrobot process") {
		t.Errorf("error %q should name the file and say another process holds it", err)
	}
	if elapsed > 5*LockTimeout {
		t.Errorf("second Open took %s, want about %s", elapsed, LockTimeout)
	}
	// Once the first store closes, the lock is free again.
	ts.reopen()
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ts := newBoltStore(t)
	err := ts.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketMeta), []byte("schema"), schemaVersion+1)
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Close()
	s, err := Open(ts.dir)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a file from a newer version")
	}
	if !errors.Is(err, ErrSchema) {
		t.Fatalf("Open error = %v, want ErrSchema", err)
	}
	// The refused open must release the lock.
	if _, err := Open(ts.dir); !errors.Is(err, ErrSchema) {
		t.Fatalf("second Open error = %v, want ErrSchema (not a lock timeout)", err)
	}
}

func TestOpen_RejectsEmptyDir(t *testing.T) {
	t.Parallel()
	if _, err := Open(""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open(\"\") error = %v, want ErrInvalid", err)
	}
}

func TestStore_UseAfterCloseIsErrClosed(t *testing.T) {
	t.Parallel()
	ts := newBoltStore(t)
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ts.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	calls := map[string]func() error{
		"Claim":     func() error { _, err := ts.Claim(t.Context(), "k", ""); return err },
		"Audit":     func() error { return ts.Audit(AuditEntry{Action: "x"}) },
		"GetFlow":   func() error { _, err := ts.GetFlow("f"); return err },
		"SetCursor": func() error { return ts.SetCursor("c", time.Now()) },
		"Flag":      func() error { _, _, err := ts.Flag("f"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestOpen_DropsRetiredBuckets(t *testing.T) {
	t.Parallel()
	ts := newBoltStore(t)
	err := ts.db.Update(func(tx *bolt.Tx) error {
		for _, name := range retiredBuckets {
			b, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			if err := b.Put([]byte("left-over"), []byte(`{}`)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.reopen()
	mustOK(t, ts.db.View(func(tx *bolt.Tx) error {
		for _, name := range retiredBuckets {
			if tx.Bucket(name) != nil {
				t.Errorf("bucket %s survived Open", name)
			}
		}
		return nil
	}))
	ts.reopen() // dropping is idempotent
}
