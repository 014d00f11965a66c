package commands

import "context"

// Write-side handlers: modals and the writes behind them. (Stubs until built.)

func (c *Commands) create(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) update(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) close(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) comment(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) bill(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
func (c *Commands) log(ctx context.Context, r Request, inv Invocation) Reply {
	return Reply{Text: "Not implemented yet."}
}
