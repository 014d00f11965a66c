package sessionlog

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Acme Corp", "acme-corp"},
		{"  Acme   Corp, Inc. ", "acme-corp-inc"},
		{"Café Crème", "cafe-creme"},
		{"Müller & Söhne GmbH", "muller-and-sohne-gmbh"},
		{"Straße", "strasse"},
		{"Smith&Wesson", "smith-and-wesson"},
		{"Bob's Plumbing", "bobs-plumbing"},
		{"Łódź Œuvre Ærø", "lodz-oeuvre-aero"},
		{"ＡＢＣ １２３", "abc-123"},
		{"---x---", "x"},
		{"../../etc/passwd", "etc-passwd"},
		{"/abs/path", "abs-path"},
		{`C:\Windows`, "c-windows"},
		{"a\x00b", "a-b"},
		{"CON", "con-customer"},
		{"com1", "com1-customer"},
		{"Lpt9", "lpt9-customer"},
		{"console", "console"},
		{"..", "customer"},
		{"...", "customer"},
		{"", "customer"},
		{"日本語", "customer"},
		{"\xff\xfe", "customer"},
		{strings.Repeat("long name ", 20), strings.TrimSuffix(strings.Repeat("long-name-", 6), "-")},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSlug_IsStable(t *testing.T) {
	t.Parallel()
	const name = "Ünïcode & Sons, Ltd."
	first := Slug(name)
	for range 100 {
		if got := Slug(name); got != first {
			t.Fatalf("Slug(%q) changed from %q to %q", name, first, got)
		}
	}
}

// checkSlug asserts the properties every folder name must have.
func checkSlug(t *testing.T, name, s string) {
	t.Helper()
	if s == "" || len(s) > maxSlugLen+len("-customer") {
		t.Fatalf("Slug(%q) = %q: empty or too long", name, s)
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			t.Fatalf("Slug(%q) = %q contains %q", name, s, c)
		}
	}
	if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		t.Fatalf("Slug(%q) = %q has stray dashes", name, s)
	}
	if windowsReserved[s] {
		t.Fatalf("Slug(%q) = %q is a Windows device name", name, s)
	}
	root := filepath.FromSlash("/srv/logs/clients")
	joined := filepath.Join(root, s)
	if rel, err := filepath.Rel(root, joined); err != nil || rel != s || filepath.Dir(joined) != root {
		t.Fatalf("Slug(%q) = %q leaves the root: %s", name, s, joined)
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"", ".", "..", "../x", "/etc", "con", "COM1", "a\x00b", "Ünï", "ß&æ", "\xff", strings.Repeat("é", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := Slug(name)
		checkSlug(t, name, s)
		if again := Slug(name); again != s {
			t.Fatalf("Slug(%q) not stable: %q then %q", name, s, again)
		}
		if s2, ok := slug(name, maxSlugLen); ok && s2 != s {
			t.Fatalf("slug and Slug disagree on %q: %q vs %q", name, s2, s)
		}
	})
}
