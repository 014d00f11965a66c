package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
)

// Fixtures in testdata (see testdata/README.md); the key is test-only.
const (
	fixtureYAML         = "testdata/syncro-key.sops.yaml"
	fixtureJSON         = "testdata/syncro-key.sops.json"
	fixtureKeyFile      = "testdata/age-test-key.txt"
	fixtureWrongKeyFile = "testdata/age-wrong-test-key.txt"
	fixtureKey          = "test-syncro-key-not-a-real-secret-0001"
)

// sopsEnv is validEnv with the API key taken from file.
func sopsEnv(file string, over map[string]string) map[string]string {
	env := with(map[string]string{"SYNCRO_API_KEY": unset, "SYNCRO_API_KEY_SOPS_FILE": file})
	for k, v := range over {
		env[k] = v
	}
	return env
}

// readFile returns a testdata file's content.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// identityLine returns the AGE-SECRET-KEY-1… line of an identity file.
func identityLine(t *testing.T, path string) string {
	t.Helper()
	for line := range strings.Lines(readFile(t, path)) {
		if strings.HasPrefix(line, "AGE-SECRET-KEY-1") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("%s holds no identity", path)
	return ""
}

// copyTo writes content to name in a fresh temp dir and returns its path.
func copyTo(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad_SOPSFileSuppliesTheAPIKey(t *testing.T) {
	t.Parallel()
	identity := readFile(t, fixtureKeyFile)
	tests := []struct {
		name string
		file string
		over map[string]string
		want string
	}{
		{"yaml, identity file", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile}, fixtureKey},
		{"json, identity file", fixtureJSON, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile}, fixtureKey},
		{"yaml, identity in SOPS_AGE_KEY", fixtureYAML, map[string]string{"SOPS_AGE_KEY": identity}, fixtureKey},
		{"json, identity in SOPS_AGE_KEY", fixtureJSON, map[string]string{"SOPS_AGE_KEY": identity}, fixtureKey},
		{"wrong and right identity", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureWrongKeyFile, "SOPS_AGE_KEY": identity}, fixtureKey},
		{"other path", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile, "SYNCRO_API_KEY_SOPS_PATH": "credentials.note"}, "fixture for config tests"},
		{"yaml without extension", copyTo(t, "syncro-key", readFile(t, fixtureYAML)), map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile}, fixtureKey},
		{"json with .enc extension", copyTo(t, "syncro-key.enc", readFile(t, fixtureJSON)), map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile}, fixtureKey},
		{".yml extension", copyTo(t, "syncro-key.yml", readFile(t, fixtureYAML)), map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile}, fixtureKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(t.Context(), getenvFrom(sopsEnv(tt.file, tt.over)))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := c.SyncroAPIKey.Reveal(); got != tt.want {
				t.Errorf("SyncroAPIKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoad_SOPSProblems(t *testing.T) {
	t.Parallel()
	yaml := readFile(t, fixtureYAML)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.sops.yaml")
	tamperedValue := copyTo(t, "value.sops.yaml", strings.Replace(yaml, "credential: ENC[AES256_GCM,data:", "credential: ENC[AES256_GCM,data:AA", 1))
	tamperedDate := copyTo(t, "date.sops.yaml", strings.Replace(yaml, `lastmodified: "20`, `lastmodified: "19`, 1))
	plain := copyTo(t, "plain.yaml", "credentials:\n  credential: plain-text-key\n")
	garbage := copyTo(t, "garbage.yaml", "credentials: [unclosed\n")
	garbageNoExt := copyTo(t, "garbage", "credentials: [unclosed\n")
	emptyKeyFile := copyTo(t, "empty-key.txt", "# nothing here\n")
	withKey := map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile}
	tests := []struct {
		name  string
		file  string
		over  map[string]string
		lines []string // want: line i starts with lines[i]
	}{
		{"wrong identity", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureWrongKeyFile},
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot decrypt testdata/syncro-key.sops.yaml (no matching age key: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to the identity for age1"}},
		{"wrong identity, json", fixtureJSON, map[string]string{"SOPS_AGE_KEY": readFile(t, fixtureWrongKeyFile)},
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot decrypt testdata/syncro-key.sops.json (no matching age key: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY"}},
		{"path not found", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile, "SYNCRO_API_KEY_SOPS_PATH": "credentials.password"},
			[]string{`SYNCRO_API_KEY_SOPS_PATH: "credentials.password" not found in testdata/syncro-key.sops.yaml`}},
		{"path through a string", fixtureJSON, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile, "SYNCRO_API_KEY_SOPS_PATH": "credentials.credential.value"},
			[]string{`SYNCRO_API_KEY_SOPS_PATH: "credentials.credential.value" not found in testdata/syncro-key.sops.json`}},
		{"path to a number", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile, "SYNCRO_API_KEY_SOPS_PATH": "credentials.retries"},
			[]string{`SYNCRO_API_KEY_SOPS_PATH: "credentials.retries" in testdata/syncro-key.sops.yaml is a number, want a non-empty string`}},
		{"path to a map", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile, "SYNCRO_API_KEY_SOPS_PATH": "credentials"},
			[]string{`SYNCRO_API_KEY_SOPS_PATH: "credentials" in testdata/syncro-key.sops.yaml is a map, want a non-empty string`}},
		{"file missing", missing, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot read " + missing + ": no such file or directory"}},
		{"file is a directory", dir, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot read " + dir + ": is a directory"}},
		{"not yaml", garbage, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot parse " + garbage + ": as SOPS YAML: "}},
		{"not yaml or json", garbageNoExt, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot parse " + garbageNoExt + ": as SOPS JSON: "}},
		{"not encrypted", plain, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot parse " + plain + ": as SOPS YAML: no sops metadata (not a SOPS-encrypted file?)"}},
		{"value tampered", tamperedValue, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot decrypt " + tamperedValue + ": a value does not decrypt"}},
		{"metadata tampered", tamperedDate, withKey,
			[]string{"SYNCRO_API_KEY_SOPS_FILE: cannot decrypt " + tamperedDate + ": integrity check (MAC) failed"}},
		{"SOPS_AGE_KEY malformed", fixtureYAML, map[string]string{"SOPS_AGE_KEY": "AGE-SECRET-KEY-1SECRETBUTBROKEN"},
			[]string{"SOPS_AGE_KEY: not a valid age identity (want AGE-SECRET-KEY-1…, one per line)"}},
		{"SOPS_AGE_KEY_FILE missing", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": missing},
			[]string{"SOPS_AGE_KEY_FILE: cannot read " + missing + ": no such file or directory"}},
		{"SOPS_AGE_KEY_FILE without identity", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": emptyKeyFile},
			[]string{"SOPS_AGE_KEY_FILE: " + emptyKeyFile + " holds no valid age identity"}},
		{"SOPS_AGE_KEY_FILE is the encrypted file", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureYAML},
			[]string{"SOPS_AGE_KEY_FILE: testdata/syncro-key.sops.yaml holds no valid age identity"}},
		{"with other problems", fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureWrongKeyFile, "SLACK_BOT_TOKEN": "", "LOG_FORMAT": "xml"},
			[]string{
				"SLACK_BOT_TOKEN: required",
				"SYNCRO_API_KEY_SOPS_FILE: cannot decrypt testdata/syncro-key.sops.yaml (no matching age key",
				"LOG_FORMAT: ",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := sopsEnv(tt.file, tt.over)
			c, err := Load(t.Context(), getenvFrom(env))
			if err == nil {
				t.Fatalf("Load succeeded with key %q…", c.SyncroAPIKey.Reveal()[:4])
			}
			got := errLines(err)
			ok := len(got) == len(tt.lines)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.lines[i])
			}
			if !ok {
				t.Errorf("error lines:\n%s\nwant lines starting with:\n%s", err, strings.Join(tt.lines, "\n"))
			}
			assertNoSecrets(t, err.Error(), env)
			for _, leak := range []string{identityLine(t, fixtureKeyFile), identityLine(t, fixtureWrongKeyFile), "SECRETBUTBROKEN", "plain-text-key"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error shows key material %q: %v", leak, err)
				}
			}
		})
	}
}

// TestLoad_SOPSWithoutIdentity leaves the age identity to sops' own lookup
// (process environment, ~/.config/sops/age/keys.txt), which has none here.
func TestLoad_SOPSWithoutIdentity(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD"} {
		if os.Getenv(v) != "" {
			t.Skipf("%s is set in the process environment", v)
		}
	}
	_, err := Load(t.Context(), getenvFrom(sopsEnv(fixtureYAML, nil)))
	want := "SYNCRO_API_KEY_SOPS_FILE: cannot decrypt testdata/syncro-key.sops.yaml (no matching age key: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to the identity for age1"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("Load = %v\nwant one line starting %s", err, want)
	}
}

func TestLookupPath_WalksMapsAndLists(t *testing.T) {
	t.Parallel()
	tree := sops.TreeBranch{
		{Key: sops.Comment{Value: "credentials"}, Value: nil},
		{Key: "credentials", Value: sops.TreeBranch{
			{Key: "credential", Value: "k"},
			{Key: "retries", Value: 3},
		}},
		{Key: "keys", Value: []any{"first", sops.TreeBranch{{Key: "id", Value: "second"}}}},
	}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"credentials.credential", "k", true},
		{"credentials.retries", 3, true},
		{"keys.0", "first", true},
		{"keys.1.id", "second", true},
		{"keys.2", nil, false},
		{"keys.-1", nil, false},
		{"keys.x", nil, false},
		{"credentials.credential.deeper", nil, false},
		{"credentials.missing", nil, false},
		{"missing", nil, false},
	}
	for _, tt := range tests {
		got, ok := lookupPath(tree, tt.path)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lookupPath(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
