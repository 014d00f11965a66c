package commands

import (
	"fmt"
	"strings"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/labor"
)

// LookupLabor returns the product id billed for a labor kind as techs type
// it (labor.Products.Lookup: case and surrounding space ignored, empty means
// labor.DefaultKind). An unknown kind is a *UsageError naming the closest
// kind and listing all valid ones.
func LookupLabor(m labor.Products, kind string) (int64, error) {
	if id, ok := m.Lookup(kind); ok {
		return id, nil
	}
	k := strings.ToLower(strings.TrimSpace(kind))
	kinds := m.Kinds()
	msg := fmt.Sprintf("Unknown labor kind %s.", cmdline.Code(kind))
	if s, ok := cmdline.Suggest(k, kinds); ok {
		msg += fmt.Sprintf(" Did you mean %s?", cmdline.Code(s))
	}
	msg += " Valid kinds: " + strings.Join(kinds, ", ") + "."
	return 0, &cmdline.UsageError{Message: msg}
}
