package sessionlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Layout of the log tree under Writer.Root.
const (
	clientsDir     = "clients"
	sessionLogsDir = "session-logs"
	// ownerFile inside a client folder holds the Syncro customer id that
	// owns the folder, so two customers whose names slug alike never share
	// one, and the mapping survives restarts.
	ownerFile = ".customer-id"
	// maxSameDay bounds the -2, -3… suffixes tried for one ticket and day.
	maxSameDay = 1000
	dirPerm    = 0o755
	filePerm   = 0o644
	// defaultGitTimeout bounds each git invocation when GitTimeout is zero.
	defaultGitTimeout = 30 * time.Second
)

// Writer files rendered session logs under Root and, optionally, commits
// them. A Writer must not be copied after first use; it is safe for
// concurrent use, and separate processes writing the same tree cannot
// overwrite each other's files.
type Writer struct {
	Root string // Base folder; logs go to Root/clients/<slug>/session-logs/.
	Git  bool   // Commit each new log when Root is inside a git work tree.
	// Now stamps Record.WrittenAt when it is zero; nil means time.Now.
	Now func() time.Time
	// GitTimeout bounds each git command; zero means 30 seconds.
	GitTimeout time.Duration
	// GitBinary is the git executable; empty means "git" from PATH.
	GitBinary string
	// Lock, when set, is held around each commit beside gitMu: bots that
	// share Root (replicas on one volume) pass a lock they share, so their
	// commits take git's index one at a time instead of failing on it.
	Lock func(ctx context.Context) (unlock func(), err error)

	gitMu sync.Mutex // git's index lock allows one commit at a time
}

// Result says where a log went and whether it was committed.
type Result struct {
	RelPath   string // Slash-separated path relative to Root, for the Slack reply.
	Committed bool
	// CommitErr is why the commit failed, when Git was requested. The file
	// is written regardless; the Slack side should tell the tech.
	CommitErr error
}

// Write renders rec and stores it as a new file named
// YYYY-MM-DD-ticket-<number>.md (then -2, -3… if that day's log of the
// ticket exists). An existing log is never overwritten and a failed write
// leaves no partial or temporary file behind. Commit failures do not fail
// the write: they are reported in Result.CommitErr.
func (w *Writer) Write(ctx context.Context, rec Record) (Result, error) {
	return w.write(ctx, rec, os.Link)
}

// linkFunc publishes a finished temporary file under its final name and
// fails with fs.ErrExist rather than replace a file; os.Link in production.
type linkFunc func(oldname, newname string) error

// write is Write publishing every file through link. Production always
// links with os.Link; link is a parameter rather than a Writer field so
// that only tests can pass one that refuses, as FAT, some network shares
// or a read-only remount do.
func (w *Writer) write(ctx context.Context, rec Record, link linkFunc) (Result, error) {
	return w.file(ctx, rec, link, "")
}

// Next returns the path, relative to Root and slash-separated, under which
// Write would file rec now: the first free name of its ticket and day. It
// claims rec's client folder as Write does. A caller that records the path
// before writing there with WriteAt can tell, after a crash, whether the
// log was written (Exists) instead of writing a second one.
func (w *Writer) Next(rec Record) (string, error) {
	w.stamp(&rec)
	err := w.check(rec)
	var loc location
	if err == nil {
		loc, err = w.locate(rec, os.Link)
	}
	if err != nil {
		return "", fmt.Errorf("session log for ticket #%s: %w", rec.displayNumber(), err)
	}
	for n := 1; n <= maxSameDay; n++ {
		name := loc.name(n)
		_, err := os.Lstat(filepath.Join(loc.dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return path.Join(clientsDir, loc.client, sessionLogsDir, name), nil
		}
		if err != nil {
			return "", fmt.Errorf("session log for ticket #%s: %w", rec.displayNumber(), err)
		}
	}
	return "", fmt.Errorf("session log for ticket #%s: %w", rec.displayNumber(), errNamesTaken)
}

// WriteAt is Write filing rec under relPath, a path Next returned for the
// same customer. It never overwrites: when a file is there already it
// fails with an error matching fs.ErrExist.
func (w *Writer) WriteAt(ctx context.Context, rec Record, relPath string) (Result, error) {
	return w.file(ctx, rec, os.Link, relPath)
}

// Exists reports whether a log is filed under relPath (relative to Root,
// as Next and Result.RelPath give it).
func (w *Writer) Exists(relPath string) (bool, error) {
	full, err := w.full(relPath)
	if err != nil {
		return false, err
	}
	_, err = os.Lstat(full)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("session log %s: %w", relPath, err)
}

// full is relPath (slash-separated, relative to Root) as a file path; a
// path leaving Root is refused.
func (w *Writer) full(relPath string) (string, error) {
	rel := filepath.FromSlash(relPath)
	if w.Root == "" || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("session log %q: %w: not a path under the session log folder", relPath, ErrInvalidRecord)
	}
	return filepath.Join(w.Root, rel), nil
}

// stamp sets rec.WrittenAt to now when it is zero.
func (w *Writer) stamp(rec *Record) {
	if rec.WrittenAt.IsZero() {
		now := time.Now
		if w.Now != nil {
			now = w.Now
		}
		rec.WrittenAt = now()
	}
}

// location is where the logs of one record go.
type location struct {
	client   string // folder under clients/, owned by the record's customer
	newOwner bool   // locate wrote the folder's ownership marker
	dir      string // the folder the logs go in
	base     string // the day's log name without suffix and extension
}

// name is the n-th candidate file name: base.md, base-2.md, …
func (l location) name(n int) string {
	if n == 1 {
		return l.base + ".md"
	}
	return l.base + "-" + strconv.Itoa(n) + ".md"
}

// check refuses what no write of rec can file.
func (w *Writer) check(rec Record) error {
	if w.Root == "" {
		return errors.New("Writer.Root is empty")
	}
	if rec.Customer.ID <= 0 {
		return fmt.Errorf("%w: customer id is required to pick its folder", ErrInvalidRecord)
	}
	return nil
}

// locate finds (making them if needed) rec's client folder and
// session-logs folder.
func (w *Writer) locate(rec Record, link linkFunc) (location, error) {
	client, newOwner, err := w.clientFolder(rec.Customer, link)
	if err != nil {
		return location{}, err
	}
	dir := filepath.Join(w.Root, clientsDir, client, sessionLogsDir)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return location{}, fmt.Errorf("create folder: %w", err)
	}
	return location{client: client, newOwner: newOwner, dir: dir, base: rec.day().Format("2006-01-02") + "-ticket-" + ticketPart(&rec)}, nil
}

// file renders rec and publishes it: under relPath when given (a path
// Next returned), else under the first free name of its ticket and day.
func (w *Writer) file(ctx context.Context, rec Record, link linkFunc, relPath string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	w.stamp(&rec)
	fail := func(err error) (Result, error) {
		return Result{}, fmt.Errorf("session log for ticket #%s: %w", rec.displayNumber(), err)
	}
	if err := w.check(rec); err != nil {
		return fail(err)
	}
	data, err := Render(rec)
	if err != nil {
		return fail(err)
	}
	loc, err := w.locate(rec, link)
	if err != nil {
		return fail(err)
	}
	name := loc.name
	if relPath != "" {
		dir, file := path.Split(relPath)
		if dir != path.Join(clientsDir, loc.client, sessionLogsDir)+"/" || !filepath.IsLocal(file) || path.Ext(file) != ".md" {
			return fail(fmt.Errorf("%w: %s is not a log of customer %d's folder", ErrInvalidRecord, relPath, rec.Customer.ID))
		}
		name = func(n int) string {
			if n > 1 {
				return "" // that name or none
			}
			return file
		}
	}
	published, err := publish(loc.dir, data, link, name)
	if errors.Is(err, errNamesTaken) && relPath != "" {
		err = fmt.Errorf("%s: %w", relPath, fs.ErrExist)
	}
	if err != nil {
		return fail(err)
	}

	res := Result{RelPath: path.Join(clientsDir, loc.client, sessionLogsDir, published)}
	if w.Git {
		paths := []string{res.RelPath}
		if loc.newOwner || relPath != "" {
			// The ownership marker is part of what this write created
			// (with WriteAt, Next may have created it); committing it
			// keeps clones agreeing on folder ownership.
			paths = append(paths, path.Join(clientsDir, loc.client, ownerFile))
		}
		res.CommitErr = w.commit(ctx, paths, commitMessage(&rec), commitAuthor(rec.WrittenBy))
		res.Committed = res.CommitErr == nil
	}
	return res, nil
}

// clientFolder returns the folder name under clients/ owned by c, claiming
// one if needed: the plain slug when free or already c's, else the slug
// with c's id appended. newOwner reports whether this call wrote the
// ownership marker.
func (w *Writer) clientFolder(c Customer, link linkFunc) (folder string, newOwner bool, err error) {
	id := strconv.FormatInt(c.ID, 10)
	clients := filepath.Join(w.Root, clientsDir)
	if err := os.MkdirAll(clients, dirPerm); err != nil {
		return "", false, fmt.Errorf("create clients folder: %w", err)
	}
	base, ok := slug(c.Name, maxSlugLen)
	candidates := []string{base, base + "-" + id}
	if !ok {
		candidates = []string{fallbackSlug + "-" + id}
	}
	for _, cand := range candidates {
		owner, created, err := w.claim(filepath.Join(clients, cand), c.ID, link)
		if err != nil {
			return "", false, err
		}
		if owner == c.ID {
			return cand, created, nil
		}
	}
	return "", false, fmt.Errorf("client folders %q belong to other customers", candidates)
}

// claim makes dir belong to id unless it already belongs to someone, and
// returns its owner. The marker is published with link semantics, so of
// two writers racing for a new folder exactly one wins and the other sees
// the winner's id.
func (w *Writer) claim(dir string, id int64, link linkFunc) (owner int64, created bool, err error) {
	if err := os.Mkdir(dir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return 0, false, fmt.Errorf("create client folder: %w", err)
	}
	marker := filepath.Join(dir, ownerFile)
	owner, err = readOwner(marker)
	if !errors.Is(err, fs.ErrNotExist) {
		return owner, false, err
	}
	_, err = publish(dir, []byte(strconv.FormatInt(id, 10)+"\n"), link, func(n int) string {
		if n > 1 {
			return "" // only one name: losing the race means reading the winner's
		}
		return ownerFile
	})
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, errNamesTaken) {
		return 0, false, fmt.Errorf("claim client folder: %w", err)
	}
	owner, err = readOwner(marker)
	return owner, false, err
}

func readOwner(marker string) (int64, error) {
	b, err := os.ReadFile(marker)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		// Guessing could mix two clients' logs; a human should look.
		return 0, fmt.Errorf("client folder owner file %s is corrupt: %w", marker, err)
	}
	return id, nil
}

// errNamesTaken means every candidate name already existed.
var errNamesTaken = errors.New("every candidate file name is taken")

// publish writes data to a temporary file in dir, flushes it to disk and
// gives it the first free name from name(1), name(2)… (an empty name ends
// the search). Publishing uses link, which fails rather than replace an
// existing file, so concurrent writers cannot clobber each other and
// readers never see a partial file. The temporary name is always removed.
func publish(dir string, data []byte, link linkFunc, name func(n int) string) (string, error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	tmpName := tmp.Name()
	// After a successful link the data lives on under the final name;
	// in every other case this removes the only copy of a partial file.
	defer os.Remove(tmpName)
	if err := writeSynced(tmp, data); err != nil {
		return "", fmt.Errorf("write temporary file: %w", err)
	}
	for n := 1; n <= maxSameDay; n++ {
		final := name(n)
		if final == "" {
			break
		}
		full := filepath.Join(dir, final)
		err := link(tmpName, full)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil && (errors.Is(err, errors.ErrUnsupported) || errors.Is(err, fs.ErrPermission)) {
			// Some file systems (FAT, some network shares) refuse hard
			// links; reserving the name exclusively and renaming over the
			// reservation keeps the no-clobber guarantee there.
			err = reserveAndRename(tmpName, full)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
		}
		if err != nil {
			return "", fmt.Errorf("publish %s: %w", final, err)
		}
		// The file is complete and visible; a failed directory sync only
		// weakens durability across power loss, and reporting it as a
		// failure would make the caller retry and write a duplicate.
		_ = syncDir(dir)
		return final, nil
	}
	return "", errNamesTaken
}

func writeSynced(f *os.File, data []byte) error {
	// CreateTemp makes 0o600 files; logs are meant to be read by others.
	err := f.Chmod(filePerm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func reserveAndRename(tmpName, full string) error {
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	f.Close()
	if err := os.Rename(tmpName, full); err != nil {
		os.Remove(full) // our own empty reservation
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
