package customers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// ActionCustomerMerge is the Merge button of a duplicates group; its value
// is MergeButtonValue(primary, duplicate). The click shows the merge
// preview (what would move), never merges by itself.
const ActionCustomerMerge = "syncro_customer_merge"

// MergeButtonValue is the value of merge buttons: "primaryID:duplicateID".
func MergeButtonValue(primary, duplicate int64) string {
	return strconv.FormatInt(primary, 10) + ":" + strconv.FormatInt(duplicate, 10)
}

// ParseMergeButtonValue reads MergeButtonValue's output (with an optional
// trailing ":mode" that merge confirmations add).
func ParseMergeButtonValue(v string) (primary, duplicate int64, mode string, err error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, "", fmt.Errorf("merge button value %q: want primary:duplicate", v)
	}
	primary, err1 := strconv.ParseInt(parts[0], 10, 64)
	duplicate, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || primary <= 0 || duplicate <= 0 || primary == duplicate {
		return 0, 0, "", fmt.Errorf("merge button value %q: bad ids", v)
	}
	if len(parts) == 3 {
		mode = parts[2]
	}
	return primary, duplicate, mode, nil
}

// duplicateGroup is a set of customers that look like one, with the
// customer to keep first.
type duplicateGroup struct {
	Members []syncro.Customer // Members[0] is the suggested primary
	Reasons []string          // why they were grouped, for the tech to judge
}

// customerName is how a customer is named in replies: business, else person.
func customerName(c *syncro.Customer) string {
	for _, s := range []string{c.BusinessName, c.BusinessThenName, c.Fullname, strings.TrimSpace(c.Firstname + " " + c.Lastname)} {
		if s = strings.TrimSpace(s); s != "" && s != "(empty)" {
			return s
		}
	}
	return fmt.Sprintf("Customer %d", c.ID)
}

// findDuplicateGroups groups customers sharing a normalized business name,
// a business email domain (not free-mail) or a phone number (transitively: A~B and B~C
// make one group). tickets counts tickets per customer and decides the
// primary: more tickets, then the older, then the lower id.
func findDuplicateGroups(customers []syncro.Customer, tickets map[int64]int) []duplicateGroup {
	parent := make([]int, len(customers))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	type keyed struct {
		why     string
		members []int
	}
	keys := map[string]*keyed{}
	link := func(i int, key, why string) {
		k, ok := keys[key]
		if !ok {
			keys[key] = &keyed{why: why, members: []int{i}}
			return
		}
		if ri, rj := find(i), find(k.members[0]); ri != rj {
			parent[ri] = rj
		}
		k.members = append(k.members, i)
	}
	for i := range customers {
		c := &customers[i]
		if c.BusinessName != "" {
			if n := NormalizeBusinessName(c.BusinessName); n != "" {
				link(i, "n:"+n, "same name once normalized (“"+n+"”)")
			}
		}
		// A domain only counts for businesses: people without a business
		// name who share one are on the same mail provider, not the same
		// customer.
		if d := EmailDomain(c.Email); d != "" && c.BusinessName != "" {
			link(i, "d:"+d, "same email domain ("+d+")")
		}
		for _, p := range []string{c.Phone, c.Mobile} {
			if d := phoneDigits(p); d != "" {
				link(i, "p:"+d, "same phone ("+d+")")
			}
		}
	}
	reasons := map[int]map[string]bool{} // group root → why it was grouped
	for _, k := range keys {
		if len(k.members) < 2 {
			continue
		}
		r := find(k.members[0])
		if reasons[r] == nil {
			reasons[r] = map[string]bool{}
		}
		reasons[r][k.why] = true
	}
	byRoot := map[int][]syncro.Customer{}
	for i := range customers {
		r := find(i)
		byRoot[r] = append(byRoot[r], customers[i])
	}
	var out []duplicateGroup
	for r, members := range byRoot {
		if len(members) < 2 {
			continue
		}
		slices.SortFunc(members, func(a, b syncro.Customer) int {
			if c := cmp.Compare(tickets[b.ID], tickets[a.ID]); c != 0 {
				return c
			}
			if c := a.CreatedAt.Time.Compare(b.CreatedAt.Time); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		var why []string
		for w := range reasons[r] {
			why = append(why, w)
		}
		slices.Sort(why)
		out = append(out, duplicateGroup{Members: members, Reasons: why})
	}
	slices.SortFunc(out, func(a, b duplicateGroup) int {
		return commands.CompareFold(customerName(&a.Members[0]), customerName(&b.Members[0]))
	})
	return out
}

// customersDuplicates answers "customers duplicates": an audit report of
// customers that look like duplicates, each group with Merge buttons.
//
// Syncro calls: one customers listing (all pages) and one tickets listing
// (all pages) to count tickets per customer; none per customer.
func (c *feature) customersDuplicates(ctx context.Context, r commands.Request, inv cmdline.Invocation) commands.Reply {
	customers, err := syncro.Collect(c.cfg.Syncro.Customers.All(ctx, nil))
	if err != nil {
		return c.cfg.Failure(ctx, fmt.Errorf("list customers: %w", err), "list the customers")
	}
	counts := map[int64]int{}
	note := ""
	for t, err := range c.cfg.Syncro.Tickets.All(ctx, &syncro.TicketListOptions{}) {
		if err != nil {
			// The report is still useful without counts; the primary is
			// then the older customer.
			counts, note = map[int64]int{}, "Ticket counts unavailable ("+commands.SyncroAnswer(err)+"); the suggested customer to keep is the older one."
			break
		}
		counts[t.CustomerID]++
	}
	return renderDuplicates(findDuplicateGroups(customers, counts), counts, len(customers), note)
}

// renderDuplicates renders the duplicates report. Customer data is
// personal data, so the reply is ephemeral.
func renderDuplicates(groups []duplicateGroup, counts map[int64]int, scanned int, note string) commands.Reply {
	if len(groups) == 0 {
		text := fmt.Sprintf("No likely duplicates among %s.", commands.CountNoun(scanned, "customer", "customers"))
		if note != "" {
			text += " " + note
		}
		return commands.Reply{Text: text}
	}
	title := fmt.Sprintf("%s of likely duplicate customers (%s checked)", commands.CountNoun(len(groups), "group", "groups"), commands.CountNoun(scanned, "customer", "customers"))
	head := []slack.Block{
		slack.NewHeaderBlock(commands.BoundedPlain(title, slackfmt.MaxHeaderText)),
		commands.NoteContext("Matched by business name (ignoring case, punctuation, &/and and suffixes like Inc or LLC), email domain (not free-mail) or phone. The first customer of each group is the one to keep: more tickets, else the older. Merging asks for confirmation first." + prefixSpace(slackfmt.EscapeMrkdwn(note))),
	}
	var msgs []commands.Message
	var blocks []slack.Block
	room := slackfmt.MaxBlocksPerMessage - len(head)
	for _, g := range groups {
		gb := duplicateGroupBlocks(g, counts)
		if len(blocks)+len(gb) > room && len(blocks) > 0 {
			msgs = append(msgs, commands.Message{Text: title, Blocks: blocks})
			blocks, room = nil, slackfmt.MaxBlocksPerMessage
		}
		blocks = append(blocks, gb...)
	}
	msgs = append(msgs, commands.Message{Text: title, Blocks: blocks})
	return commands.Reply{Text: title, Blocks: append(head, msgs[0].Blocks...), More: msgs[1:]}
}

// prefixSpace is " "+s, or "" for an empty s.
func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// duplicateGroupBlocks is one group: its customers, why they matched, and
// a Merge button per duplicate.
func duplicateGroupBlocks(g duplicateGroup, counts map[int64]int) []slack.Block {
	var lines []string
	for i := range g.Members {
		m := &g.Members[i]
		mark := "•"
		if i == 0 {
			mark = "★"
		}
		parts := []string{fmt.Sprintf("%s *%s* (ID %d)", mark, commands.InlineMrkdwn(customerName(m), commands.MaxCustomerLen), m.ID), commands.CountNoun(counts[m.ID], "ticket", "tickets")}
		if !m.CreatedAt.Time.IsZero() {
			parts = append(parts, "since "+m.CreatedAt.Time.Format("2006-01-02"))
		}
		if m.Email != "" {
			parts = append(parts, commands.InlineMrkdwn(m.Email, 120))
		}
		if m.Phone != "" {
			parts = append(parts, commands.InlineMrkdwn(m.Phone, 40))
		}
		lines = append(lines, strings.Join(parts, " · "))
	}
	blocks := []slack.Block{
		commands.TextSection(strings.Join(lines, "\n")),
		commands.NoteContext("Why: " + slackfmt.MrkdwnLiteral(strings.Join(g.Reasons, "; ")) + "."),
	}
	// One actions block per duplicate: an action id must be unique within
	// its block, and every Merge button shares ActionCustomerMerge.
	primary := &g.Members[0]
	for i := 1; i < len(g.Members) && i < slackfmt.MaxBlocksPerMessage-10; i++ {
		d := &g.Members[i]
		label := slackfmt.PlainText(fmt.Sprintf("Merge %s (%d) into %s (%d)", customerName(d), d.ID, customerName(primary), primary.ID), slackfmt.MaxButtonText)
		blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionCustomerMerge, MergeButtonValue(primary.ID, d.ID), commands.Plain(label))))
	}
	return blocks
}
