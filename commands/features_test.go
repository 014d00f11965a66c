package commands

// newCommands builds Commands on d with the ticket and customer features,
// and returns the ticket feature too, for tests that look inside it.
func newCommands(d Deps) (*Commands, *ticketsFeature) {
	var tk *ticketsFeature
	c := New(d,
		func(r *Registry, d Deps) { tk = newTicketsFeature(d); tk.register(r) },
		registerCustomers)
	return c, tk
}
