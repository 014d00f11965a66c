package config

import (
	"strings"
	"testing"
)

func TestUsage_ListsEveryVariableWithDefaultAndMeaning(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	Usage(&b)
	out := b.String()
	for _, f := range fields {
		if f.env == "" {
			t.Errorf("field %d has no envconfig tag", f.index)
			continue
		}
		entry := "\n  " + f.env
		if f.def != "" {
			entry += "  (default " + f.def + ")"
		}
		i := strings.Index(out, entry+"\n")
		if i < 0 {
			t.Errorf("usage lacks %q", entry)
			continue
		}
		desc, _, _ := strings.Cut(out[i+len(entry)+1:], "\n")
		if len(strings.TrimSpace(desc)) < 10 {
			t.Errorf("%s has no meaning line, got %q", f.env, desc)
		}
	}
	for _, want := range []string{"SOPS_AGE_KEY_FILE", "(default https://slack.com/api/)", "(default remote=1190473,onsite=26118,"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
}
