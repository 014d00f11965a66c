package sessionlog

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// frontMatterLine is the whole grammar Render may use between the ---
// lines: a key with a bare scalar, quoted string, [] or {}; a key opening a
// block; a quoted list item; or a quoted key with an integer.
var frontMatterLine = regexp.MustCompile(`^(?:[a-z_]+: (?:-?[0-9]+|true|false|\[\]|\{\}|"(?:[^"\\]|\\.)*")|[a-z_]+:|  - "(?:[^"\\]|\\.)*"|  "(?:[^"\\]|\\.)*": -?[0-9]+)$`)

// checkFrontMatter asserts that out starts with a front matter block that
// follows the line grammar, closes exactly once at the expected place, and
// parses as YAML. It returns the parsed map.
func checkFrontMatter(t testing.TB, out []byte) map[string]any {
	t.Helper()
	s := string(out)
	if !strings.HasPrefix(s, "---\n") {
		t.Fatalf("output does not open with ---:\n%s", s)
	}
	end := strings.Index(s[4:], "\n---\n")
	if end < 0 {
		t.Fatalf("front matter never closes:\n%s", s)
	}
	block := s[4 : 4+end]
	for _, line := range strings.Split(block, "\n") {
		if !frontMatterLine.MatchString(line) {
			t.Fatalf("front matter line %q is not key: value or a list item", line)
		}
	}
	// The body must not contain another delimiter that a front matter
	// parser could take for the end (or a new document).
	body := s[4+end+5:]
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimRight(line, " ") == "---" || strings.HasPrefix(line, "---") {
			t.Fatalf("body line %q could be read as a front matter delimiter", line)
		}
	}
	var m map[string]any
	dec := yaml.NewDecoder(bytes.NewReader([]byte(block)))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("front matter is not YAML: %v\n%s", err, block)
	}
	return m
}
