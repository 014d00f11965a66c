package golden

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fakeT records a failure instead of ending the test, so Check's own
// failures can be checked.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

// Not parallel: it sets -update both ways, whatever the run was given.
func TestCheck_ComparesOrRewrites(t *testing.T) {
	was := *Update
	t.Cleanup(func() { *Update = was })
	*Update = false
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("want\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, got string
		fail      bool
	}{
		{path, "want\n", false},
		{path, "other\n", true},
		{path + ".missing", "want\n", true},
	} {
		ft := &fakeT{TB: t}
		Check(ft, tt.path, []byte(tt.got))
		if ft.failed != tt.fail {
			t.Errorf("Check(%s, %q) failed %v, want %v", filepath.Base(tt.path), tt.got, ft.failed, tt.fail)
		}
	}

	*Update = true
	ft := &fakeT{TB: t}
	Check(ft, path, []byte("new\n"))
	if got, _ := os.ReadFile(path); ft.failed || string(got) != "new\n" {
		t.Errorf("under -update Check failed %v and left %q, want the file rewritten", ft.failed, got)
	}
}

// TestEveryTestBinaryAcceptsUpdate: go test ./... -update (README) fails
// in any package whose test binary does not define -update, so every test
// binary of the module must link this package. go list answers without
// building anything, in a few seconds.
func TestEveryTestBinaryAcceptsUpdate(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	self := reflect.TypeFor[fakeT]().PkgPath()
	module, _, _ := strings.Cut(self, "/golden")
	out, err := exec.Command(goTool, "list", "-test", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	binaries := 0
	for line := range strings.Lines(string(out)) {
		pkg, deps, _ := strings.Cut(strings.TrimSpace(line), " ")
		if !strings.HasSuffix(pkg, ".test") {
			continue
		}
		binaries++
		if pkg != self+".test" && !slices.Contains(strings.Fields(deps), self) {
			t.Errorf("%s does not accept -update: add an update_test.go importing %s", strings.TrimSuffix(pkg, ".test"), self)
		}
	}
	if binaries == 0 {
		t.Fatalf("go list found no test binaries under %s", module)
	}
}
