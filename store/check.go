package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// bbolt's on-disk header (go.etcd.io/bbolt internal/common: Page, Meta):
// the first two pages are meta pages, each a 16-byte page header followed
// by the meta fields below, in the machine's byte order. bbolt maps the
// file and reads the pages the meta names without checking that the file
// holds them, so a truncated file ends the process with SIGBUS instead of
// an error; checkFile reads the header itself first.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	metaOffset     = 16 // page header: id u64, flags u16, count u16, overflow u32
	metaSize       = 64 // magic, version, pageSize, flags u32; root (2×u64), freelist, pgid, txid, checksum u64
	metaChecksumAt = 56 // the checksum covers the meta bytes before it
	minPageSize    = 512
	maxPageSize    = 1 << 20
	// initPages is how many pages a new bbolt file starts with (two metas,
	// the freelist and the root leaf).
	initPages = 4
)

// ErrDamaged means DATA_DIR/syncrobot.db is not a whole database: cut
// short (a full disk, a copy taken mid-write, a first start that never
// finished) or not a bbolt file at all. The error's text names the file
// and what to do.
var ErrDamaged = errors.New("store: database file is damaged")

// boltMeta is the part of a meta page checkFile needs.
type boltMeta struct {
	pageSize uint64
	pgid     uint64 // high-water mark: pages the file must hold
	txid     uint64
}

// readMeta decodes and validates the meta at off of f.
func readMeta(f io.ReaderAt, off int64) (boltMeta, bool) {
	var b [metaSize]byte
	if _, err := f.ReadAt(b[:], off+metaOffset); err != nil {
		return boltMeta{}, false
	}
	e := binary.NativeEndian
	h := fnv.New64a()
	_, _ = h.Write(b[:metaChecksumAt])
	if e.Uint32(b[0:]) != boltMagic || e.Uint32(b[4:]) != boltVersion || e.Uint64(b[metaChecksumAt:]) != h.Sum64() {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: uint64(e.Uint32(b[8:])), pgid: e.Uint64(b[40:]), txid: e.Uint64(b[48:])}, true
}

// checkFile checks that the bbolt file at path is whole before bbolt maps
// it: a sane header, a size that is a multiple of the page size, and every
// page the newest valid meta counts present. The error wraps ErrDamaged
// and says what to do.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	size := uint64(fi.Size())
	why := ""
	m0, ok0 := readMeta(f, 0)
	var m1 boltMeta
	ok1 := false
	if ok0 && m0.pageSize >= minPageSize && m0.pageSize <= maxPageSize {
		m1, ok1 = readMeta(f, int64(m0.pageSize))
	}
	m := m0
	if !ok0 || (ok1 && m1.txid > m0.txid) {
		m = m1
	}
	switch {
	case size == 0:
		why = "it is empty"
	case !ok0 && !ok1:
		why = "its header is not a valid bbolt header"
	case m.pageSize < minPageSize || m.pageSize > maxPageSize || m.pageSize&(m.pageSize-1) != 0:
		why = fmt.Sprintf("its header names an impossible page size (%d)", m.pageSize)
	case size%m.pageSize != 0 || size < initPages*m.pageSize:
		why = fmt.Sprintf("its size (%d bytes) is not a whole number of %d-byte pages", size, m.pageSize)
	case m.pgid*m.pageSize > size:
		why = fmt.Sprintf("it is cut short: %d bytes of the %d its header counts", size, m.pgid*m.pageSize)
	}
	if why == "" {
		return nil
	}
	return fmt.Errorf("%w: %s: %s. Stop the bot, then restore %s from a backup, or move it aside (mv %s %s.damaged) and start again with an empty database",
		ErrDamaged, path, why, FileName, path, path)
}

// create makes a new database at path: it is initialised in a temporary
// file in the same directory and linked into place only once whole, so a
// start cut off by a full disk or a crash leaves no half-made file behind.
// The link refuses to replace a file another process created meanwhile;
// that one is used instead.
func create(path string, init func(*bolt.DB) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+FileName+".new-*")
	if err != nil {
		return fmt.Errorf("create store %s: %w", path, err)
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)
	db, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: LockTimeout, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("create store %s: %w", path, err)
	}
	if err := init(db); err != nil {
		_ = db.Close()
		return fmt.Errorf("create store %s: %w", path, err)
	}
	// bbolt syncs each commit; Close releases the file for the link.
	if err := db.Close(); err != nil {
		return fmt.Errorf("create store %s: %w", path, err)
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create store %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
