package pgtest

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Server is a PostgreSQL server of one test's own, for a test that stops
// and starts the server under the bot (a database restart), which the
// server TEST_DATABASE_URL names, shared by every test, cannot be. It is
// Debian's postgresql package (.ci/run installs it), run in a temporary
// directory, reached only through a Unix socket there, and removed at
// cleanup.
type Server struct {
	t   testing.TB
	bin string // the package's bin directory: initdb, pg_ctl
	dir string // the data directory's parent, and the socket's directory
}

// serverPort names the socket file (.s.PGSQL.<port>); nothing listens on
// TCP, so no other process can hold it.
const serverPort = 5432

// NewServer initialises a cluster in a temporary directory, starts it and
// returns it; it is stopped and removed when the test ends. Without the
// server's binaries the test is skipped, as URL skips without
// TEST_DATABASE_URL (and fails under CI).
func NewServer(t testing.TB) *Server {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no PostgreSQL server binaries in /usr/lib/postgresql: .ci/run installs Debian's postgresql")
		}
		t.Skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): apt-get install postgresql, or run .ci/run")
	}
	slices.SortFunc(bins, func(a, b string) int { return versionOf(a) - versionOf(b) })
	dir, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: dir}
	t.Cleanup(func() {
		_ = s.pgCtl("-m", "immediate", "stop")
		_ = os.RemoveAll(dir)
	})
	if os.Getuid() == 0 {
		// The server refuses to run as root: it runs as the package's
		// postgres user, who must own the directory.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := s.command("initdb", "-D", s.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.Start()
	Exec(t, s.URL("postgres"), `CREATE DATABASE syncrobot`)
	return s
}

// versionOf is the major version in a path /usr/lib/postgresql/<v>/bin/….
func versionOf(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bin))))
	return v
}

// URL is the postgres:// URL of database db on s ("syncrobot" is made by
// NewServer).
func (s *Server) URL(db string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(serverPort)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Host: "localhost", Path: "/" + db, RawQuery: q.Encode()}).String()
}

// Stop stops the server as `pg_ctl stop -m fast` does: every session is
// ended and the server shut down cleanly, as an operator's restart does.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.pgCtl("-m", "fast", "-w", "stop"); err != nil {
		s.t.Fatalf("stop the test's PostgreSQL: %v", err)
	}
}

// Start starts the server (again) and waits until it takes connections.
func (s *Server) Start() {
	s.t.Helper()
	opts := "-c listen_addresses='' -k " + s.dir + " -p " + strconv.Itoa(serverPort) + " -c fsync=off -c max_connections=100"
	if err := s.pgCtl("-l", filepath.Join(s.dir, "server.log"), "-o", opts, "-w", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		s.t.Fatalf("start the test's PostgreSQL: %v\n%s", err, log)
	}
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// pgCtl runs pg_ctl on s's data directory with args.
func (s *Server) pgCtl(args ...string) error {
	out, err := s.command("pg_ctl", append([]string{"-D", s.data()}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// command is the server's program name with args, run as the postgres
// user when the test runs as root.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if os.Getuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}
