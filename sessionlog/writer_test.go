package sessionlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// newWriter returns a Writer over a fresh root with a fixed clock.
func newWriter(t *testing.T) *Writer {
	t.Helper()
	loc := mustZone(t)
	return &Writer{Root: t.TempDir(), Now: func() time.Time { return at(loc, time.March, 6, 8, 0) }}
}

// listDir returns the names in dir, failing the test on error.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func assertNoTempFiles(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func TestWrite_FilesRenderedLogUnderClientFolder(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	res, err := w.Write(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if want := "clients/acme-corp/session-logs/2024-03-05-ticket-32164.md"; res.RelPath != want {
		t.Fatalf("RelPath = %q, want %q", res.RelPath, want)
	}
	if res.Committed || res.CommitErr != nil {
		t.Errorf("Git is off, yet Result = %+v", res)
	}
	got, err := os.ReadFile(filepath.Join(w.Root, filepath.FromSlash(res.RelPath)))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Render(rec)
	if !bytes.Equal(got, want) {
		t.Errorf("file content differs from Render:\n%s", got)
	}
	fi, _ := os.Stat(filepath.Join(w.Root, filepath.FromSlash(res.RelPath)))
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("file mode = %v, want 0644", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Join(w.Root, "clients", "acme-corp", "session-logs"))
	if di.Mode().Perm()&^0o755 != 0 || !di.IsDir() {
		t.Errorf("folder mode = %v, want at most 0755", di.Mode())
	}
	owner, err := os.ReadFile(filepath.Join(w.Root, "clients", "acme-corp", ".customer-id"))
	if err != nil || string(owner) != "1234\n" {
		t.Errorf(".customer-id = %q, %v; want \"1234\\n\"", owner, err)
	}
	assertNoTempFiles(t, w.Root)
}

func TestWrite_DateIsResolutionDayInAccountZone(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	// 07:30 UTC on the 6th is still the evening of the 5th in Los Angeles.
	rec.Resolved = time.Date(2024, time.March, 6, 7, 30, 0, 0, time.UTC)
	res, err := w.Write(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.RelPath, "/2024-03-05-ticket-32164.md") {
		t.Errorf("RelPath = %q, want the 5th", res.RelPath)
	}
}

func TestWrite_UnresolvedTicketIsDatedByClock(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	rec.Resolved, rec.WrittenAt = time.Time{}, time.Time{}
	res, err := w.Write(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.RelPath, "/2024-03-06-ticket-32164.md") {
		t.Errorf("RelPath = %q, want the clock's date", res.RelPath)
	}
	b, _ := os.ReadFile(filepath.Join(w.Root, filepath.FromSlash(res.RelPath)))
	if !bytes.Contains(b, []byte(`written_at: "2024-03-06T08:00:00-08:00"`)) || bytes.Contains(b, []byte("resolved:")) {
		t.Errorf("front matter should carry written_at from the clock and no resolved:\n%s", b)
	}
}

func TestWrite_SecondLogSameDayGetsSuffix(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	var paths []string
	for i := range 3 {
		r := rec
		r.Resolution = fmt.Sprintf("attempt %d", i)
		res, err := w.Write(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Base(res.RelPath))
	}
	want := []string{"2024-03-05-ticket-32164.md", "2024-03-05-ticket-32164-2.md", "2024-03-05-ticket-32164-3.md"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("names = %q, want %q", paths, want)
	}
	first, _ := os.ReadFile(filepath.Join(w.Root, "clients", "acme-corp", "session-logs", want[0]))
	if !bytes.Contains(first, []byte("attempt 0")) {
		t.Error("the first log was overwritten")
	}
}

// TestWriteAt_FilesWhereNextSaidAndNeverOverwrites: a caller records the
// path Next gives before writing there, so after a crash it can check
// whether the log was written instead of writing a -2.
func TestWriteAt_FilesWhereNextSaidAndNeverOverwrites(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	rel, err := w.Next(rec)
	if want := "clients/acme-corp/session-logs/2024-03-05-ticket-32164.md"; err != nil || rel != want {
		t.Fatalf("Next = %q, %v; want %q", rel, err, want)
	}
	if ok, err := w.Exists(rel); err != nil || ok {
		t.Fatalf("Exists before the write = %v, %v", ok, err)
	}
	first := rec
	first.Resolution = "the first"
	res, err := w.WriteAt(context.Background(), first, rel)
	if err != nil || res.RelPath != rel {
		t.Fatalf("WriteAt = %+v, %v; want %q", res, err, rel)
	}
	if ok, err := w.Exists(rel); err != nil || !ok {
		t.Errorf("Exists after the write = %v, %v", ok, err)
	}
	again := rec
	again.Resolution = "the second"
	if _, err := w.WriteAt(context.Background(), again, rel); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteAt on a written path = %v, want fs.ErrExist", err)
	}
	data, _ := os.ReadFile(filepath.Join(w.Root, filepath.FromSlash(rel)))
	if !bytes.Contains(data, []byte("the first")) {
		t.Error("the log was overwritten")
	}
	if next, err := w.Next(rec); err != nil || next != "clients/acme-corp/session-logs/2024-03-05-ticket-32164-2.md" {
		t.Errorf("Next after the write = %q, %v", next, err)
	}
	for _, bad := range []string{"../outside.md", "/etc/passwd", "clients/other/session-logs/x.md", "clients/acme-corp/session-logs/", "clients/acme-corp/session-logs/..", "clients/acme-corp/session-logs/.customer-id"} {
		if _, err := w.WriteAt(context.Background(), rec, bad); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("WriteAt(%q) = %v, want ErrInvalidRecord", bad, err)
		}
	}
	if _, err := w.Exists("../outside.md"); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("Exists outside the root = %v, want ErrInvalidRecord", err)
	}
	assertNoTempFiles(t, w.Root)
}

func TestWrite_ConcurrentWritersNeverClobber(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	rec := plainRecord(mustZone(t))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate Writers stand in for separate bot processes.
			w := &Writer{Root: root}
			r := rec
			r.Resolution = fmt.Sprintf("writer %d", i)
			_, err := w.Write(context.Background(), r)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, "clients", "acme-corp", "session-logs")
	names := listDir(t, dir)
	if len(names) != n {
		t.Fatalf("got %d files, want %d: %q", len(names), n, names)
	}
	seen := map[string]bool{}
	for _, name := range names {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		for i := range n {
			if bytes.Contains(b, []byte(fmt.Sprintf("writer %d\n", i))) {
				seen[fmt.Sprint(i)] = true
			}
		}
	}
	if len(seen) != n {
		t.Errorf("only %d of %d writers' logs survived", len(seen), n)
	}
}

func TestWrite_SameSlugCustomersGetDistinctStableFolders(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	loc := mustZone(t)
	a := plainRecord(loc)
	a.Customer = Customer{ID: 1, Name: "Acme Corp"}
	b := plainRecord(loc)
	b.Customer = Customer{ID: 2, Name: "ACME corp."}
	for run := range 2 {
		// A new Writer per run: ownership must come from disk, not memory.
		w := &Writer{Root: root}
		ra, err := w.Write(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := w.Write(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ra.RelPath, "clients/acme-corp/") || !strings.HasPrefix(rb.RelPath, "clients/acme-corp-2/") {
			t.Fatalf("run %d: paths %q and %q, want acme-corp and acme-corp-2", run, ra.RelPath, rb.RelPath)
		}
	}
	if got := listDir(t, filepath.Join(root, "clients")); strings.Join(got, " ") != "acme-corp acme-corp-2" {
		t.Errorf("client folders = %q", got)
	}
}

func TestWrite_ClaimsExistingFolderWithoutOwner(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	if err := os.MkdirAll(filepath.Join(w.Root, "clients", "acme-corp"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if err != nil || !strings.HasPrefix(res.RelPath, "clients/acme-corp/") {
		t.Fatalf("Write = %q, %v; want the existing folder claimed", res.RelPath, err)
	}
}

func TestWrite_CorruptOwnerFileIsAnError(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	dir := filepath.Join(w.Root, "clients", "acme-corp")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, ".customer-id"), []byte("garbage"), 0o644)
	if _, err := w.Write(context.Background(), plainRecord(mustZone(t))); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("err = %v, want a corrupt owner file error", err)
	}
}

func TestWrite_NamelessCustomerUsesID(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	rec.Customer = Customer{ID: 55, Name: "../.."}
	res, err := w.Write(context.Background(), rec)
	if err != nil || !strings.HasPrefix(res.RelPath, "clients/customer-55/") {
		t.Fatalf("Write = %q, %v; want clients/customer-55/", res.RelPath, err)
	}
}

func TestWrite_RejectsBadInput(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	rec.Customer.ID = 0
	if _, err := w.Write(context.Background(), rec); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("no customer id: err = %v, want ErrInvalidRecord", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Write(ctx, plainRecord(mustZone(t))); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled ctx: err = %v", err)
	}
	if got := listDir(t, w.Root); len(got) != 0 {
		t.Errorf("rejected writes created %q", got)
	}
}

func TestWrite_UnwritableRootFailsClearlyAndLeavesNothing(t *testing.T) {
	t.Parallel()
	// Root below a regular file cannot be created even by root, unlike a
	// chmod 0555 folder, so this fails the same way everywhere.
	parent := t.TempDir()
	blocker := filepath.Join(parent, "not-a-dir")
	os.WriteFile(blocker, []byte("x"), 0o644)
	w := &Writer{Root: filepath.Join(blocker, "logs")}
	_, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if !errors.Is(err, syscall.ENOTDIR) || !strings.Contains(err.Error(), "ticket #32164") {
		t.Fatalf("err = %v, want ENOTDIR naming the ticket", err)
	}
	if got := listDir(t, parent); len(got) != 1 {
		t.Errorf("parent now holds %q", got)
	}
}

func TestWrite_ReadOnlyFileSystemLeavesNoTempFile(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	// The temp file is written, then publishing it fails the way a
	// read-only remount would.
	_, err := w.write(context.Background(), plainRecord(mustZone(t)), refuseLinks(syscall.EROFS))
	if !errors.Is(err, syscall.EROFS) {
		t.Fatalf("err = %v, want EROFS", err)
	}
	if got := listDir(t, filepath.Join(w.Root, "clients")); len(got) != 1 {
		t.Fatalf("clients/ = %q", got)
	}
	assertNoTempFiles(t, w.Root)
	// The owner marker could not be published either, so nothing at all
	// was written inside the client folder.
	if got := listDir(t, filepath.Join(w.Root, "clients", "acme-corp")); len(got) != 0 {
		t.Errorf("client folder holds %q", got)
	}
}

func TestWrite_ReadOnlyFolderAsNonRoot(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions; see TestWrite_ReadOnlyFileSystemLeavesNoTempFile")
	}
	w := newWriter(t)
	if err := os.Chmod(w.Root, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(w.Root, 0o755) })
	if _, err := w.Write(context.Background(), plainRecord(mustZone(t))); !errors.Is(err, os.ErrPermission) {
		t.Fatalf("err = %v, want permission denied", err)
	}
	assertNoTempFiles(t, w.Root)
}

func TestWrite_FallsBackWhenLinksUnsupported(t *testing.T) {
	t.Parallel()
	w := newWriter(t)
	rec := plainRecord(mustZone(t))
	for _, want := range []string{"2024-03-05-ticket-32164.md", "2024-03-05-ticket-32164-2.md"} {
		res, err := w.write(context.Background(), rec, refuseLinks(syscall.EPERM))
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(res.RelPath) != want {
			t.Errorf("got %q, want %q", res.RelPath, want)
		}
	}
	assertNoTempFiles(t, w.Root)
}

// refuseLinks is a link that fails with errno, as os.Link does on a file
// system that refuses hard links (EPERM) or has gone read-only (EROFS).
func refuseLinks(errno syscall.Errno) linkFunc {
	return func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: errno}
	}
}

// gitRepo makes a repository with an identity in t.TempDir.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	run(t, dir, "init", "-q")
	run(t, dir, "config", "user.name", "Syncrobot Test")
	run(t, dir, "config", "user.email", "bot@example.com")
	run(t, dir, "config", "commit.gpgsign", "false")
	return dir
}

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestWrite_CommitsOnlyTheNewLog(t *testing.T) {
	t.Parallel()
	root := gitRepo(t)
	// Someone else's staged work must not ride along in our commit.
	os.WriteFile(filepath.Join(root, "other.txt"), []byte("wip"), 0o644)
	run(t, root, "add", "other.txt")

	w := &Writer{Root: root, Git: true}
	res, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Committed || res.CommitErr != nil {
		t.Fatalf("Result = %+v, want committed", res)
	}
	if got := run(t, root, "log", "-1", "--format=%an <%ae>|%s"); got != "Bob Tech <U024BE7LH@users.noreply.slack>|session log: #32164 Acme Corp — Printer offline\n" {
		t.Errorf("commit = %q", got)
	}
	files := run(t, root, "show", "--name-only", "--format=", "HEAD")
	if files != "clients/acme-corp/.customer-id\n"+res.RelPath+"\n" {
		t.Errorf("commit holds %q", files)
	}
	if st := run(t, root, "status", "--porcelain"); st != "A  other.txt\n" {
		t.Errorf("status after commit = %q, want other.txt still staged only", st)
	}

	// The second log for the client commits just itself.
	res2, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if err != nil || !res2.Committed {
		t.Fatalf("second write: %+v, %v", res2, err)
	}
	if files := run(t, root, "show", "--name-only", "--format=", "HEAD"); files != res2.RelPath+"\n" {
		t.Errorf("second commit holds %q", files)
	}
}

func TestWriteAt_CommitsTheLogAndTheFolderNextClaimed(t *testing.T) {
	t.Parallel()
	root := gitRepo(t)
	w := &Writer{Root: root, Git: true}
	rec := plainRecord(mustZone(t))
	rel, err := w.Next(rec) // claims the client folder
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.WriteAt(context.Background(), rec, rel)
	if err != nil || !res.Committed {
		t.Fatalf("WriteAt = %+v, %v; want committed", res, err)
	}
	if files := run(t, root, "show", "--name-only", "--format=", "HEAD"); files != "clients/acme-corp/.customer-id\n"+rel+"\n" {
		t.Errorf("commit holds %q", files)
	}
}

func TestWrite_CommitOutsideRepoKeepsFileAndReports(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	w := newWriter(t)
	w.Git = true
	// t.TempDir is not inside a work tree (unless TMPDIR is, which would
	// make this test meaningless).
	if exec.Command("git", "-C", w.Root, "rev-parse").Run() == nil {
		t.Skip("TMPDIR is inside a git work tree")
	}
	res, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || !errors.Is(res.CommitErr, ErrNotGitRepo) {
		t.Fatalf("Result = %+v, want CommitErr = ErrNotGitRepo", res)
	}
	if _, err := os.Stat(filepath.Join(w.Root, filepath.FromSlash(res.RelPath))); err != nil {
		t.Fatalf("file gone after failed commit: %v", err)
	}
}

func TestWrite_FailingHookKeepsFileAndReports(t *testing.T) {
	t.Parallel()
	root := gitRepo(t)
	hook := filepath.Join(root, ".git", "hooks", "pre-commit")
	os.MkdirAll(filepath.Dir(hook), 0o755)
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'hook says no' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := &Writer{Root: root, Git: true}
	res, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.CommitErr == nil || !strings.Contains(res.CommitErr.Error(), "hook says no") {
		t.Fatalf("Result = %+v, want CommitErr carrying the hook's message", res)
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(res.RelPath)))
	if err != nil || !bytes.Contains(b, []byte("# Ticket #32164")) {
		t.Fatalf("file lost or empty after failed commit: %v", err)
	}
}

func TestWrite_GitTimeoutIsReported(t *testing.T) {
	t.Parallel()
	root := gitRepo(t)
	hook := filepath.Join(root, ".git", "hooks", "pre-commit")
	os.MkdirAll(filepath.Dir(hook), 0o755)
	// exec replaces the shell so the kill on timeout reaches the sleeper.
	os.WriteFile(hook, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755)
	w := &Writer{Root: root, Git: true, GitTimeout: 300 * time.Millisecond}
	res, err := w.Write(context.Background(), plainRecord(mustZone(t)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || !errors.Is(res.CommitErr, context.DeadlineExceeded) {
		t.Fatalf("Result = %+v, want a deadline error", res)
	}
}
