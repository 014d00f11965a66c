package customers

import (
	"context"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// suggest answers the create form's customer search with Syncro's
// autocomplete: at most MaxSelectOptions options, text cut to 75
// characters, value the customer id.
//
// Syncro calls: 1 (customers/autocomplete).
func (c *feature) suggest(ctx context.Context, s commands.Suggestion) []*slack.OptionBlockObject {
	if s.ActionID != commands.ActionCustomerSearch && s.BlockID != commands.BlockCustomer {
		return nil
	}
	q := strings.TrimSpace(s.Query)
	if cmdline.RuneLen(q) < commands.CustomerMinQuery {
		return nil
	}
	custs, _, err := c.cfg.Syncro.Customers.Autocomplete(ctx, slackfmt.Truncate(q, cmdline.MaxShortTextLen))
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "customer search failed", "err", err)
		return nil
	}
	opts := []*slack.OptionBlockObject{}
	for _, cu := range custs {
		if len(opts) == slackfmt.MaxSelectOptions {
			break
		}
		label := commands.CustomerLabel(cu.BusinessName, cu.Fullname)
		if label == "" {
			label = cu.BusinessThenName
		}
		if label == "" {
			label = "Customer " + strconv.FormatInt(cu.ID, 10)
		}
		opts = append(opts, commands.Option(strconv.FormatInt(cu.ID, 10), label))
	}
	return opts
}
