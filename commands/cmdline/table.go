package cmdline

import (
	"fmt"
	"regexp"
	"strings"
)

// SlashCommand is the Slack slash command the table hangs off; help and
// usage lines start with it.
const SlashCommand = "/syncro"

// Subcommand names. Handlers and routing refer to these constants rather
// than string literals, so a rename is a compile error, not a silent miss.
const (
	NameOpenTickets        = "" // bare /syncro
	NameHelp               = "help"
	NameTicket             = "ticket"
	NameCreate             = "create"
	NameUpdate             = "update"
	NameClose              = "close"
	NameComment            = "comment"
	NameBill               = "bill"
	NameSearch             = "search"
	NameMine               = "mine"
	NameLog                = "log"
	NameAudit              = "audit"
	NameCustomers          = "customers"
	NameCustomersDuplicate = "customers duplicates"
	NameCustomer           = "customer"
	NameCustomerCreate     = "customer create"
	NameCustomerEdit       = "customer edit"
	NameCustomerMerge      = "customer merge"
	NameContacts           = "contacts"
	NameContactAdd         = "contact add"
	NameContactEdit        = "contact edit"
	NameContactDelete      = "contact delete"
	NameLink               = "link"
	NameUnlink             = "unlink"
	NameLinks              = "links"
	NameHere               = "here"
	NameSubscribe          = "subscribe"
	NameSubscriptions      = "subscriptions"
	NameUnsubscribe        = "unsubscribe"
	NameWhois              = "whois"
)

// Flag names, shared by the table and the handlers that read them.
const (
	FlagTime     = "time"
	FlagLabor    = "labor"
	FlagHidden   = "hidden"
	FlagNoEmail  = "no-email"
	FlagStatus   = "status"
	FlagPriority = "priority"
	FlagTech     = "tech"
	FlagMove     = "move"
	FlagDue      = "due"
	// FlagAcknowledge lets a linked shared channel hear that a ticket was
	// opened from one of its messages (link).
	FlagAcknowledge = "acknowledge"
	// FlagCustomer and FlagEvents filter a channel's subscription
	// (subscribe).
	FlagCustomer = "customer"
	FlagEvents   = "events"
)

// Bounds on user text, checked by Parse so a handler never sends Syncro (or
// Slack) something it will reject half-way through a write.
const (
	// MaxCommentLen is the longest comment body accepted, in characters.
	MaxCommentLen = 10000
	// MaxShortTextLen bounds one-line values: subjects, search terms,
	// customer names, statuses, tech names. Syncro's subject is a 255-char
	// string column.
	MaxShortTextLen = 255
	// MaxInputLen bounds the whole command text, after entity decoding: a
	// maximal comment plus room for flags. It keeps parsing cheap.
	MaxInputLen = MaxCommentLen*5/4 + 1000
)

// ArgKind says what a positional argument holds and how it is parsed.
type ArgKind int

const (
	// ArgTicket is a human ticket NUMBER ("32164" or "#32164"), never the
	// internal Syncro id. It lands in Invocation.Ticket.
	ArgTicket ArgKind = iota + 1
	// ArgID is a positive Syncro id (customer, contact), one token. It lands
	// in Invocation.Args in canonical decimal form.
	ArgID
	// ArgWords is the rest of the line as words: quotes removed, words joined
	// by single spaces. For search terms and names. It lands in
	// Invocation.Text.
	ArgWords
	// ArgText is the rest of the line kept exactly as typed (newlines,
	// quotes and all), for prose such as comment bodies. It lands in
	// Invocation.Text.
	ArgText
)

// rest reports whether the kind swallows the remaining positional tokens.
func (k ArgKind) rest() bool { return k == ArgWords || k == ArgText }

// ArgSpec describes one positional argument of a command.
type ArgSpec struct {
	// Name is the placeholder shown in usage, like "N" or "TEXT".
	Name string
	// Kind decides how the argument is parsed and where it lands.
	Kind ArgKind
	// Optional arguments may be left out; they are shown in [brackets].
	Optional bool
	// MaxLen bounds ArgWords/ArgText in characters (runes).
	MaxLen int
	// Help is a short noun phrase used in help and error messages, like
	// "the comment to add".
	Help string
}

// FlagKind says what value a flag takes.
type FlagKind int

const (
	// FlagBool takes no value: present means true.
	FlagBool FlagKind = iota + 1
	// FlagString takes one value (quote it if it has spaces).
	FlagString
	// FlagMinutes takes a duration parsed by ParseMinutes; the result is
	// also put in Invocation.Minutes.
	FlagMinutes
)

// FlagSpec describes one --flag of a command.
type FlagSpec struct {
	// Name is the flag without dashes, like "time".
	Name string
	// Value is the placeholder shown in usage ("T", "KIND"); empty for
	// FlagBool.
	Value string
	// Kind decides whether the flag takes a value and how it is checked.
	Kind FlagKind
	// MaxLen bounds a FlagString value in characters.
	MaxLen int
	// Help is the one-line description shown in help.
	Help string
}

// Group sorts commands into sections of the help listing.
type Group int

const (
	// GroupTickets holds commands that read or change tickets.
	GroupTickets Group = iota + 1
	// GroupTime holds commands about time entries and invoicing.
	GroupTime
	// GroupCustomers holds customer and contact commands.
	GroupCustomers
	// GroupChannels holds the commands about channels linked to customers.
	GroupChannels
)

// String returns the group's heading in help.
func (g Group) String() string {
	switch g {
	case GroupTickets:
		return "Tickets"
	case GroupTime:
		return "Time & billing"
	case GroupCustomers:
		return "Customers & contacts"
	case GroupChannels:
		return "Channels"
	}
	return fmt.Sprintf("Group(%d)", int(g))
}

// groups lists the groups in the order help shows them.
var groups = []Group{GroupTickets, GroupTime, GroupCustomers, GroupChannels}

// Command is one entry of the /syncro command table: everything parsing and
// help need to know about a subcommand. The table is the single source of
// truth; usage lines and help are generated from it, so they cannot drift.
//
// Handlers are not part of Command on purpose: they are attached by name
// (see the package doc), which keeps this table free of dependencies on the
// Syncro client and avoids an initialization cycle when the help handler
// renders the table.
type Command struct {
	// Name is the subcommand, one or two lowercase words ("ticket",
	// "customer create"); "" is the bare /syncro.
	Name string
	// Description is the one-line summary shown in help.
	Description string
	// Group is the help section the command appears in.
	Group Group
	// Args are the positional arguments, in order. At most one ArgWords or
	// ArgText, and it must come last.
	Args []ArgSpec
	// Flags are the --flags the command accepts, in the order usage and
	// canonical rendering list them.
	Flags []FlagSpec
	// NeedsBilling marks commands that only techs with billing permission
	// may run; the handler layer enforces it, help shows it.
	NeedsBilling bool
}

// Usage returns the command's synopsis without the slash command, like
// "comment N [--time T] [--labor KIND] [--hidden] [--no-email] TEXT".
// Fixed arguments come first, then flags, then the free-text tail, which is
// the order techs type them in.
func (c *Command) Usage() string {
	parts := []string{}
	if c.Name != "" {
		parts = append(parts, c.Name)
	}
	var tail []string
	for _, a := range c.Args {
		s := a.Name
		if a.Optional {
			s = "[" + s + "]"
		}
		if a.Kind.rest() {
			tail = append(tail, s)
			continue
		}
		parts = append(parts, s)
	}
	for _, f := range c.Flags {
		s := "--" + f.Name
		if f.Kind != FlagBool {
			s += " " + f.Value
		}
		parts = append(parts, "["+s+"]")
	}
	parts = append(parts, tail...)
	return strings.Join(parts, " ")
}

// flag returns the command's flag spec by canonical name.
func (c *Command) flag(name string) (FlagSpec, bool) {
	for _, f := range c.Flags {
		if f.Name == name {
			return f, true
		}
	}
	return FlagSpec{}, false
}

// ticketArg is the spec shared by every command that takes a ticket number.
var ticketArg = ArgSpec{Name: "N", Kind: ArgTicket, Help: "the ticket number, like 32164 or #32164"}

// definitions is the command table. Order is the order help lists commands
// within a group.
var definitions = []Command{
	// Tickets.
	{Name: NameOpenTickets, Group: GroupTickets, Description: "List open tickets."},
	{Name: NameMine, Group: GroupTickets, Description: "List your open tickets."},
	{Name: NameTicket, Group: GroupTickets, Description: "Show a ticket with its comments and time.", Args: []ArgSpec{ticketArg}},
	{Name: NameSearch, Group: GroupTickets, Description: "Find tickets matching the words.",
		Args: []ArgSpec{{Name: "TEXT", Kind: ArgWords, MaxLen: MaxShortTextLen, Help: "the words to search for"}}},
	{Name: NameCreate, Group: GroupTickets, Description: "Open a form to create a ticket (SUBJECT pre-fills it).",
		Args: []ArgSpec{{Name: "SUBJECT", Kind: ArgWords, Optional: true, MaxLen: MaxShortTextLen, Help: "the ticket subject"}}},
	{Name: NameUpdate, Group: GroupTickets, Description: "Change a ticket's fields; with no flags, open a form.",
		Args: []ArgSpec{ticketArg},
		Flags: []FlagSpec{
			{Name: FlagStatus, Value: "S", Kind: FlagString, MaxLen: MaxShortTextLen, Help: `new status, like "In Progress"`},
			{Name: FlagPriority, Value: "P", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "new priority"},
			{Name: FlagTech, Value: "NAME", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "assign to this tech"},
			{Name: FlagDue, Value: "DATE", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "new due date"},
		}},
	{Name: NameClose, Group: GroupTickets, Description: "Open a form to close a ticket.", Args: []ArgSpec{ticketArg}},
	{Name: NameLog, Group: GroupTickets, Description: "Write a session log for a ticket.", Args: []ArgSpec{ticketArg}},
	{Name: NameAudit, Group: GroupTickets, Description: "Show the changes this bot made to a ticket.", Args: []ArgSpec{ticketArg}},
	{Name: NameHelp, Group: GroupTickets, Description: "Show this list, or the details of one subcommand.",
		Args: []ArgSpec{{Name: "SUBCOMMAND", Kind: ArgWords, Optional: true, MaxLen: 40, Help: "the subcommand to explain"}}},

	// Time & billing.
	{Name: NameComment, Group: GroupTime, Description: "Add a comment to a ticket, optionally logging time.",
		Args: []ArgSpec{ticketArg, {Name: "TEXT", Kind: ArgText, MaxLen: MaxCommentLen, Help: "the comment to add"}},
		Flags: []FlagSpec{
			{Name: FlagTime, Value: "T", Kind: FlagMinutes, Help: "time spent, like 45m, 1h30m or 1.5h"},
			{Name: FlagLabor, Value: "KIND", Kind: FlagString, MaxLen: 40, Help: "labor kind for the time, like remote or onsite (default remote)"},
			{Name: FlagHidden, Kind: FlagBool, Help: "hide the comment from the customer"},
			{Name: FlagNoEmail, Kind: FlagBool, Help: "don't email the customer"},
		}},
	{Name: NameBill, Group: GroupTime, Description: "Open a form to invoice a ticket's time.", Args: []ArgSpec{ticketArg}, NeedsBilling: true},
	{Name: NameWhois, Group: GroupTime, Description: "Show which Syncro user a Slack user's time goes to; with SYNCRO-USER, set it (admins).",
		Args:  []ArgSpec{{Name: "@USER [SYNCRO-USER]", Kind: ArgWords, MaxLen: MaxShortTextLen, Help: "the Slack user, then the Syncro user's name or id to set"}},
		Flags: []FlagSpec{{Name: FlagMove, Kind: FlagBool, Help: "take SYNCRO-USER from the Slack user who has it (they are asked again at their next time entry)"}}},

	// Customers & contacts.
	{Name: NameCustomers, Group: GroupCustomers, Description: "Find customers matching the words (none: this channel's customer).",
		Args: []ArgSpec{{Name: "TEXT", Kind: ArgWords, Optional: true, MaxLen: MaxShortTextLen, Help: "the words to search for"}}},
	{Name: NameCustomersDuplicate, Group: GroupCustomers, Description: "List customers that look like duplicates."},
	{Name: NameCustomer, Group: GroupCustomers, Description: "Show a customer.",
		Args: []ArgSpec{{Name: "ID-or-name", Kind: ArgWords, MaxLen: MaxShortTextLen, Help: "the customer's Syncro ID or name"}}},
	{Name: NameCustomerCreate, Group: GroupCustomers, Description: "Open a form to create a customer."},
	{Name: NameCustomerEdit, Group: GroupCustomers, Description: "Open a form to edit a customer.",
		Args: []ArgSpec{{Name: "ID", Kind: ArgID, Help: "the customer's Syncro ID"}}},
	{Name: NameCustomerMerge, Group: GroupCustomers, Description: "Merge the DUPLICATE customer into PRIMARY.",
		Args: []ArgSpec{
			{Name: "PRIMARY", Kind: ArgID, Help: "the Syncro ID of the customer to keep"},
			{Name: "DUPLICATE", Kind: ArgID, Help: "the Syncro ID of the customer to merge away"},
		}},
	{Name: NameContacts, Group: GroupCustomers, Description: "List a customer's contacts.",
		Args: []ArgSpec{{Name: "CUSTOMER", Kind: ArgWords, MaxLen: MaxShortTextLen, Help: "the customer's Syncro ID or name"}}},
	{Name: NameContactAdd, Group: GroupCustomers, Description: "Open a form to add a contact to a customer.",
		Args: []ArgSpec{{Name: "CUSTOMER", Kind: ArgWords, MaxLen: MaxShortTextLen, Help: "the customer's Syncro ID or name"}}},
	{Name: NameContactEdit, Group: GroupCustomers, Description: "Open a form to edit a contact.",
		Args: []ArgSpec{{Name: "ID", Kind: ArgID, Help: "the contact's Syncro ID"}}},
	{Name: NameContactDelete, Group: GroupCustomers, Description: "Delete a contact (asks first).",
		Args: []ArgSpec{{Name: "ID", Kind: ArgID, Help: "the contact's Syncro ID"}}},

	// Channels.
	{Name: NameLink, Group: GroupChannels, Description: "Link this channel to a customer (admins).",
		Args:  []ArgSpec{{Name: "CUSTOMER", Kind: ArgWords, MaxLen: MaxShortTextLen, Help: "the customer's Syncro ID or name"}},
		Flags: []FlagSpec{{Name: FlagAcknowledge, Kind: FlagBool, Help: "in a shared channel, say in a message's thread that a ticket was opened from it"}}},
	{Name: NameUnlink, Group: GroupChannels, Description: "Unlink this channel from its customer (admins)."},
	{Name: NameLinks, Group: GroupChannels, Description: "List every channel linked to a customer."},
	{Name: NameHere, Group: GroupChannels, Description: "List the open tickets of this channel's customer."},
	{Name: NameSubscribe, Group: GroupChannels, Description: "Post notices of new, changed or closed tickets in this channel.",
		Flags: []FlagSpec{
			{Name: FlagCustomer, Value: "NAME", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "only this customer's tickets (part of the name)"},
			{Name: FlagPriority, Value: "P", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "only tickets of this priority"},
			{Name: FlagStatus, Value: "S", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "only tickets in (or moved to) this status"},
			{Name: FlagTech, Value: "NAME", Kind: FlagString, MaxLen: MaxShortTextLen, Help: "only tickets assigned to this tech (part of the name)"},
			{Name: FlagEvents, Value: "new,status,closed", Kind: FlagString, MaxLen: 40, Help: "which events (default all three)"},
		}},
	{Name: NameSubscriptions, Group: GroupChannels, Description: "List this channel's subscriptions."},
	{Name: NameUnsubscribe, Group: GroupChannels, Description: "Stop one of this channel's subscriptions.",
		Args: []ArgSpec{{Name: "ID", Kind: ArgID, Help: "the subscription's number, from subscriptions"}}},
}

// tableIndex is the command table indexed for parsing. It is built once and
// never modified, so it is safe for concurrent use.
type tableIndex struct {
	list   []*Command
	byName map[string]*Command
	// firstWords holds every first word of a command name, so "contact"
	// (only ever followed by add/edit/delete) is recognised as a prefix.
	firstWords map[string][]string
}

// commandTable is the package's command table index, checked at init so a bad table
// entry fails every test instead of confusing a tech at runtime.
var commandTable = indexTable(definitions)

var nameRE = regexp.MustCompile(`^([a-z]+( [a-z]+)?)?$`)
var flagNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// indexTable indexes defs and panics on a malformed table (duplicate names
// or flags, a free-text argument that is not last, …), like slack-go's
// handler registration panics on a duplicate action_id.
func indexTable(defs []Command) *tableIndex {
	r := &tableIndex{byName: map[string]*Command{}, firstWords: map[string][]string{}}
	for i := range defs {
		c := &defs[i]
		if !nameRE.MatchString(c.Name) {
			panic(fmt.Sprintf("commands: bad command name %q: want one or two lowercase words", c.Name))
		}
		if _, dup := r.byName[c.Name]; dup {
			panic(fmt.Sprintf("commands: duplicate command %q", c.Name))
		}
		if c.Description == "" || c.Group == 0 {
			panic(fmt.Sprintf("commands: command %q needs a Description and a Group", c.Name))
		}
		for j, a := range c.Args {
			if a.Name == "" || a.Kind == 0 || a.Help == "" {
				panic(fmt.Sprintf("commands: command %q: arg %d needs Name, Kind and Help", c.Name, j))
			}
			if a.Kind.rest() && j != len(c.Args)-1 {
				panic(fmt.Sprintf("commands: command %q: free-text arg %s must be last", c.Name, a.Name))
			}
			if a.Kind.rest() && a.MaxLen <= 0 {
				panic(fmt.Sprintf("commands: command %q: free-text arg %s needs MaxLen", c.Name, a.Name))
			}
			if a.Optional && j != len(c.Args)-1 {
				panic(fmt.Sprintf("commands: command %q: only the last arg may be optional", c.Name))
			}
		}
		seen := map[string]bool{}
		for _, f := range c.Flags {
			if !flagNameRE.MatchString(f.Name) || seen[f.Name] {
				panic(fmt.Sprintf("commands: command %q: bad or duplicate flag %q", c.Name, f.Name))
			}
			seen[f.Name] = true
			if f.Help == "" || f.Kind == 0 || (f.Kind == FlagBool) != (f.Value == "") {
				panic(fmt.Sprintf("commands: command %q: flag %q needs Help, Kind, and a Value placeholder iff it takes a value", c.Name, f.Name))
			}
			if f.Kind == FlagString && f.MaxLen <= 0 {
				panic(fmt.Sprintf("commands: command %q: flag %q needs MaxLen", c.Name, f.Name))
			}
		}
		r.list = append(r.list, c)
		r.byName[c.Name] = c
		if first, second, ok := strings.Cut(c.Name, " "); ok {
			r.firstWords[first] = append(r.firstWords[first], second)
		} else if c.Name != "" {
			r.firstWords[c.Name] = append(r.firstWords[c.Name], "")
		}
	}
	return r
}

// Table returns every command in help order. The pointers are shared with
// the parser (Invocation.Command points into the same table); callers must
// not modify them.
func Table() []*Command {
	return append([]*Command(nil), commandTable.list...)
}

// Lookup returns the command with the given canonical name, or nil. Names
// are matched case-insensitively, as Parse does.
func Lookup(name string) *Command {
	return commandTable.byName[strings.ToLower(name)]
}
