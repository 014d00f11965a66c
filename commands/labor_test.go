package commands

import (
	"errors"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
)

func TestLookupLabor(t *testing.T) {
	t.Parallel()
	m := labor.Default()
	for in, want := range map[string]int64{"": 1190473, "OnSite": 26118, " travel ": 26117} {
		if got, err := LookupLabor(m, in); err != nil || got != want {
			t.Errorf("LookupLabor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	_, err := LookupLabor(m, "onsit")
	var ue *cmdline.UsageError
	want := "Unknown labor kind `onsit`. Did you mean `onsite`? Valid kinds: emergency, internal, onsite, project, remote, travel, website."
	if !errors.As(err, &ue) || ue.Message != want {
		t.Errorf("LookupLabor(onsit) = %v\nwant %q", err, want)
	}
	_, err = LookupLabor(m, "<!channel>")
	if !errors.As(err, &ue) || strings.Contains(ue.Message, "<!") || strings.Contains(ue.Message, "Did you mean") {
		t.Errorf("LookupLabor(<!channel>) = %v; want escaped, no suggestion", err)
	}
}
