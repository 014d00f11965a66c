package tickets

import (
	"testing"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/customers"
)

// newCommands builds Commands on d with the ticket and customer features,
// and returns the ticket feature too, for tests that look inside it.
func newCommands(t *testing.T, d commands.Deps) (*commands.Commands, *feature) {
	t.Helper()
	var tk *feature
	c := commandstest.MustNew(t, d,
		func(r *commands.Registry, d commands.Deps) { tk = newFeature(d); tk.register(r) },
		customers.Register)
	return c, tk
}
