package tickets

import (
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/customers"
)

// newCommands builds Commands on d with the ticket and customer features,
// and returns the ticket feature too, for tests that look inside it.
func newCommands(d commands.Deps) (*commands.Commands, *feature) {
	var tk *feature
	c := commands.New(d,
		func(r *commands.Registry, d commands.Deps) { tk = newFeature(d); tk.register(r) },
		customers.Register)
	return c, tk
}
