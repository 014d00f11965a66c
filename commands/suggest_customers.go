package commands

import (
	"context"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// customerLabel is how a customer reads in the picker: "Business (Name)",
// or the person's name for customers without a business.
func customerLabel(business, fullname string) string {
	business, fullname = strings.TrimSpace(business), strings.TrimSpace(fullname)
	if fullname == "(empty)" {
		fullname = "" // Syncro's placeholder for a blank name
	}
	switch {
	case business != "" && fullname != "":
		return business + " (" + fullname + ")"
	case business != "":
		return business
	}
	return fullname
}

// suggest answers the create form's customer search with Syncro's
// autocomplete: at most slackfmt.MaxSelectOptions options, text cut to 75
// characters, value the customer id.
//
// Syncro calls: 1 (customers/autocomplete).
func (c *Commands) suggest(ctx context.Context, s Suggestion) []*slack.OptionBlockObject {
	if s.ActionID != ActionCustomerSearch && s.BlockID != BlockCustomer {
		return nil
	}
	q := strings.TrimSpace(s.Query)
	if runeLen(q) < customerMinQuery {
		return nil
	}
	custs, _, err := c.cfg.Syncro.Customers.Autocomplete(ctx, slackfmt.Truncate(q, MaxShortTextLen))
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "customer search failed", "error", err)
		return nil
	}
	opts := []*slack.OptionBlockObject{}
	for _, cu := range custs {
		if len(opts) == slackfmt.MaxSelectOptions {
			break
		}
		label := customerLabel(cu.BusinessName, cu.Fullname)
		if label == "" {
			label = cu.BusinessThenName
		}
		if label == "" {
			label = "Customer " + strconv.FormatInt(cu.ID, 10)
		}
		opts = append(opts, option(strconv.FormatInt(cu.ID, 10), label))
	}
	return opts
}
