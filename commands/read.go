package commands

import "context"

// Read-side handlers: lists, ticket detail, search. (Stubs until built.)

func (c *Commands) openTickets(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) help(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: HelpText()}
}
func (c *Commands) ticket(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) search(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) customers(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) mine(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
