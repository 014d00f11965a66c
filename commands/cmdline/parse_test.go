package cmdline

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// inv builds an expected Invocation for a command name.
func inv(name string, ticket int64, text string, flags map[string]string, args ...string) Invocation {
	i := Invocation{Command: Lookup(name), Ticket: ticket, Text: text, Flags: flags}
	if len(args) > 0 {
		i.Args = args
	}
	return i
}

func withMinutes(i Invocation, m int) Invocation { i.Minutes = m; return i }

func TestParse_Valid(t *testing.T) {
	t.Parallel()
	long3000 := strings.Repeat("x", 2999) + "."
	tests := []struct {
		name string
		in   string
		want Invocation
	}{
		{"bare command lists open tickets", "", inv(NameOpenTickets, 0, "", nil)},
		{"white space only", "  \n ", inv(NameOpenTickets, 0, "", nil)},
		{"help", "help", inv(NameHelp, 0, "", nil)},
		{"help topic", "help customer create", inv(NameHelp, 0, "customer create", nil)},
		{"ticket", "ticket 32164", inv(NameTicket, 32164, "", nil)},
		{"ticket with hash", "ticket #32164", inv(NameTicket, 32164, "", nil)},
		{"mobile capitalised subcommand", "Ticket 32164", inv(NameTicket, 32164, "", nil)},
		{"leading zeros", "ticket 032164", inv(NameTicket, 32164, "", nil)},
		{"create opens a modal", "create", inv(NameCreate, 0, "", nil)},
		{"create with subject", "create Printer on fire", inv(NameCreate, 0, "Printer on fire", nil)},
		{"update without flags opens a modal", "update 32164", inv(NameUpdate, 32164, "", nil)},
		{"update all flags", `update 32164 --status "In Progress" --priority High --tech "Ann Lee" --due 2025-06-01`,
			inv(NameUpdate, 32164, "", map[string]string{"status": "In Progress", "priority": "High", "tech": "Ann Lee", "due": "2025-06-01"})},
		{"flag before ticket", "update --status Resolved 32164", inv(NameUpdate, 32164, "", map[string]string{"status": "Resolved"})},
		{"flag=value", `update 32164 --status=Resolved --tech="Ann Lee"`, inv(NameUpdate, 32164, "", map[string]string{"status": "Resolved", "tech": "Ann Lee"})},
		{"smart quotes", "update 32164 --status “In Progress” --tech ‘Ann Lee’", inv(NameUpdate, 32164, "", map[string]string{"status": "In Progress", "tech": "Ann Lee"})},
		{"single quotes", "update 32164 --tech 'Ann Lee'", inv(NameUpdate, 32164, "", map[string]string{"tech": "Ann Lee"})},
		{"backslash escapes in double quotes", `update 32164 --tech "Ann \"The Fixer\" Lee"`, inv(NameUpdate, 32164, "", map[string]string{"tech": `Ann "The Fixer" Lee`})},
		{"flag names ignore case", "update 32164 --STATUS Resolved", inv(NameUpdate, 32164, "", map[string]string{"status": "Resolved"})},
		{"close", "close #32164", inv(NameClose, 32164, "", nil)},
		{"comment", "comment 32164 Replaced the toner", inv(NameComment, 32164, "Replaced the toner", nil)},
		{"comment with time and labor", "comment 32164 --time 45m --labor onsite Replaced the toner",
			withMinutes(inv(NameComment, 32164, "Replaced the toner", map[string]string{"time": "45m", "labor": "onsite"}), 45)},
		{"time with a space inside", "comment 32164 --time 1h 30m Replaced the toner",
			withMinutes(inv(NameComment, 32164, "Replaced the toner", map[string]string{"time": "1h30m"}), 90)},
		{"time in words", "comment 32164 --time 2 hours on site all day",
			withMinutes(inv(NameComment, 32164, "on site all day", map[string]string{"time": "2h"}), 120)},
		{"bare number after time stays text", "comment 32164 --time 1h 30 printers",
			withMinutes(inv(NameComment, 32164, "30 printers", map[string]string{"time": "1h"}), 60)},
		{"flags after text", "comment 32164 Rebooted the server --hidden --no-email",
			inv(NameComment, 32164, "Rebooted the server", map[string]string{"hidden": "true", "no-email": "true"})},
		{"flag in the middle of text", "comment 32164 Rebooted --hidden the server",
			inv(NameComment, 32164, "Rebooted the server", map[string]string{"hidden": "true"})},
		{"flags before ticket", "comment --hidden --time=1.5h 32164 done",
			withMinutes(inv(NameComment, 32164, "done", map[string]string{"hidden": "true", "time": "1h30m"}), 90)},
		{"em dash from autocorrect", "comment 32164 —time 45m —hidden Fixed it — finally",
			withMinutes(inv(NameComment, 32164, "Fixed it — finally", map[string]string{"time": "45m", "hidden": "true"}), 45)},
		{"double dash ends flags", "comment 32164 --hidden -- --no-email is text",
			inv(NameComment, 32164, "--no-email is text", map[string]string{"hidden": "true"})},
		{"double dash inside text is text", "comment 32164 step one -- step two",
			inv(NameComment, 32164, "step one -- step two", nil)},
		{"comment text kept verbatim", "comment 32164 Customer's PC: ran \"sfc /scannow\"\n  in C:\\Windows\\System32",
			inv(NameComment, 32164, "Customer's PC: ran \"sfc /scannow\"\n  in C:\\Windows\\System32", nil)},
		{"quoted flag-like text is text", `comment 32164 "--hidden" is a flag`, inv(NameComment, 32164, `"--hidden" is a flag`, nil)},
		{"slack entities decoded", "comment 32164 R&amp;D &lt;!channel&gt; &amp;lt;", inv(NameComment, 32164, "R&D <!channel> &lt;", nil)},
		{"emoji", "comment 32164 🎉 fixed 👍🏽 👨‍👩‍👧", inv(NameComment, 32164, "🎉 fixed 👍🏽 👨‍👩‍👧", nil)},
		{"right-to-left text", "comment 32164 تم إصلاح الطابعة --hidden", inv(NameComment, 32164, "تم إصلاح الطابعة", map[string]string{"hidden": "true"})},
		{"3000-char comment", "comment 32164 " + long3000, inv(NameComment, 32164, long3000, nil)},
		{"10000-char comment", "comment 32164 " + strings.Repeat("é", MaxCommentLen), inv(NameComment, 32164, strings.Repeat("é", MaxCommentLen), nil)},
		{"non-breaking space separates", "comment\u00a032164\u00a0done", inv(NameComment, 32164, "done", nil)},
		{"bill", "bill 32164", inv(NameBill, 32164, "", nil)},
		{"search joins words", "search vpn   firewall", inv(NameSearch, 0, "vpn firewall", nil)},
		{"search unquotes", `search "Acme Ltd" vpn`, inv(NameSearch, 0, "Acme Ltd vpn", nil)},
		{"customers", "customers acme", inv(NameCustomers, 0, "acme", nil)},
		{"customers duplicates", "customers duplicates", inv(NameCustomersDuplicate, 0, "", nil)},
		{"customers named duplicates", `customers "duplicates"`, inv(NameCustomers, 0, "duplicates", nil)},
		{"customer by name", "customer Acme Ltd", inv(NameCustomer, 0, "Acme Ltd", nil)},
		{"customer by id", "customer 1234567", inv(NameCustomer, 0, "1234567", nil)},
		{"customer create", "Customer Create", inv(NameCustomerCreate, 0, "", nil)},
		{"customer called Create", `customer "Create"`, inv(NameCustomer, 0, "Create", nil)},
		{"customer edit", "customer edit 42", inv(NameCustomerEdit, 0, "", nil, "42")},
		{"customer merge", "customer merge 42 0043", inv(NameCustomerMerge, 0, "", nil, "42", "43")},
		{"contacts", "contacts Acme", inv(NameContacts, 0, "Acme", nil)},
		{"contact add", "contact add Acme Ltd", inv(NameContactAdd, 0, "Acme Ltd", nil)},
		{"contact edit", "contact edit 7", inv(NameContactEdit, 0, "", nil, "7")},
		{"contact delete", "contact delete 7", inv(NameContactDelete, 0, "", nil, "7")},
		{"mine", "mine", inv(NameMine, 0, "", nil)},
		{"log", "log 32164", inv(NameLog, 32164, "", nil)},
		{"audit", "audit #32164", inv(NameAudit, 32164, "", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
			again, err := Parse(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip via %q: %#v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		message string // exact UsageError.Message, or a prefix when it ends in "…"
		usage   string // command whose usage is attached; "" for none
	}{
		{"unknown subcommand suggests", "tcket 5", "Unknown subcommand `tcket`. Did you mean `ticket`?", NameTicket},
		{"transposed letters", "serach vpn", "Unknown subcommand `serach`. Did you mean `search`?", NameSearch},
		{"unknown subcommand, nothing close", "frobnicate", "Unknown subcommand `frobnicate`.", ""},
		{"number alone suggests ticket", "#32164", "Unknown subcommand `#32164`. Did you mean `ticket 32164`?", NameTicket},
		{"typo in second word", "contact ad Acme", "Unknown subcommand `contact ad`. Did you mean `contact add`?", NameContactAdd},
		{"typo in first word of two", "custmer create", "Unknown subcommand `custmer`. Did you mean `customer create`?", NameCustomerCreate},
		{"prefix only", "contact", "`contact` needs a second word: `contact add`, `contact edit` or `contact delete`.", ""},
		{"flag as subcommand", "--hidden", "Unknown subcommand `--hidden`.", ""},
		{"non-numeric ticket", "ticket abc", "`abc` isn't a ticket number — use the number techs see, like 32164 or #32164.", NameTicket},
		{"zero ticket", "ticket 0", "`0` isn't a ticket number — use the number techs see, like 32164 or #32164.", NameTicket},
		{"negative ticket", "close -5", "`-5` isn't a ticket number — use the number techs see, like 32164 or #32164.", NameClose},
		{"huge ticket", "ticket 99999999999999999999", "`99999999999999999999` isn't a ticket number…", NameTicket},
		{"missing ticket", "ticket", "`ticket` needs a ticket number, like 32164 or #32164.", NameTicket},
		{"missing comment text", "comment 32164", "`comment` needs TEXT: the comment to add.", NameComment},
		{"missing text after flags", "comment 32164 --time 30m --hidden", "`comment` needs TEXT: the comment to add.", NameComment},
		{"comment text too long", "comment 32164 " + strings.Repeat("a", MaxCommentLen+1), "TEXT is too long: 10,001 characters (the limit is 10,000).", NameComment},
		{"subject too long", "create " + strings.Repeat("a", 256), "SUBJECT is too long: 256 characters (the limit is 255).", NameCreate},
		{"missing search text", "search", "`search` needs TEXT: the words to search for.", NameSearch},
		{"extra argument", "ticket 5 6", "`6` is one argument too many for `ticket`.", NameTicket},
		{"unquoted value with spaces", "update 5 --status In Progress", "`Progress` is one argument too many for `update`. Put values with spaces in quotes, like `--status \"In Progress\"`.", NameUpdate},
		{"unknown flag suggests", "comment 5 --tme 30m fixed", "Unknown flag `--tme` for `comment`. Did you mean `--time`? To write it as text, put it in quotes or put `--` before the text.", NameComment},
		{"unknown flag=value", "update 5 --stauts=x", "Unknown flag `--stauts` for `update`. Did you mean `--status`?", NameUpdate},
		{"flag on a command without flags", "ticket 5 --hidden", "`ticket` takes no flags, so `--hidden` isn't one.", NameTicket},
		{"flag missing value at end", "update 5 --status", "`--status` needs a value: `--status S`.", NameUpdate},
		{"flag missing value before flag", "comment 5 --time --hidden x", "`--time` needs a value: `--time T`.", NameComment},
		{"empty flag value", `update 5 --tech=""`, "`--tech` needs a value: `--tech NAME`.", NameUpdate},
		{"bool flag given a value", "comment 5 --hidden=yes x", "`--hidden` doesn't take a value; just write `--hidden`.", NameComment},
		{"repeated flag", "comment 5 --time 5 --time 10 x", "`--time` was given twice.", NameComment},
		{"absurd time", "comment 5 --time 25h x", "Time can't be more than 24 hours (you gave 25h).", NameComment},
		{"zero time", "comment 5 --time 0 x", "Time must be more than 0 minutes.", NameComment},
		{"garbage time", "comment 5 --time soon x", "`soon` isn't a time. Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30.", NameComment},
		{"bad id", "customer edit acme", "`acme` isn't an ID — ID is the customer's Syncro ID, a number like 1234567.", NameCustomerEdit},
		{"missing second id", "customer merge 42", "`customer merge` needs DUPLICATE: the Syncro ID of the customer to merge away.", NameCustomerMerge},
		{"flag value too long", "update 5 --tech " + strings.Repeat("a", 256), "`--tech` is too long: 256 characters (the limit is 255).", NameUpdate},
		{"echoed input is escaped", "&lt;!channel&gt;", "Unknown subcommand `&lt;!channel&gt;`.", ""},
		{"echoed input is shortened", strings.Repeat("z", 100), "Unknown subcommand `" + strings.Repeat("z", 39) + "…`.", ""},
		{"invalid UTF-8", "ticket \xff", "That text isn't valid UTF-8; please type it again.", ""},
		{"whole input too long", "comment 5 " + strings.Repeat("a ", MaxInputLen), "That's too long for one command…", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) = %#v, %v; want *UsageError", tt.in, got, err)
			}
			if prefix, ok := strings.CutSuffix(tt.message, "…"); ok && !strings.HasSuffix(tt.message, "…`.") {
				if !strings.HasPrefix(ue.Message, prefix) {
					t.Errorf("message %q\nwant prefix %q", ue.Message, prefix)
				}
			} else if ue.Message != tt.message {
				t.Errorf("message\n got %q\nwant %q", ue.Message, tt.message)
			}
			switch {
			case tt.usage == "" && ue.Command != nil:
				t.Errorf("usage of %q attached, want none", ue.Command.Name)
			case tt.usage != "" && (ue.Command == nil || ue.Command.Name != tt.usage):
				t.Errorf("usage command = %v, want %q", ue.Command, tt.usage)
			}
		})
	}
}

func TestUsageError_ErrorAddsUsageOrHelpPointer(t *testing.T) {
	t.Parallel()
	_, err := Parse("tcket 5")
	want := "Unknown subcommand `tcket`. Did you mean `ticket`?\nUsage: `/syncro ticket N`"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	_, err = Parse("frobnicate")
	if err == nil || !strings.HasSuffix(err.Error(), "\nType `/syncro help` to see every subcommand.") {
		t.Errorf("got %v, want a pointer to help", err)
	}
}

func TestInvocation_StringIsCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ticket #032164", "ticket 32164"},
		{"comment --hidden 5 --time 1h 30m fixed it", "comment 5 --time=1h30m --hidden fixed it"},
		{"update 5 --tech “Ann Lee”", `update 5 --tech="Ann Lee"`},
		{"comment 5 -- --hidden stuff", "comment 5 -- --hidden stuff"},
		{"comment 5 R&amp;D &lt;b&gt;", "comment 5 R&amp;D &lt;b&gt;"},
		{`customers "duplicates"`, `customers "duplicates"`},
		{`search "a \"b\""`, `search "a \"b\""`},
		{"customer merge 042 43", "customer merge 42 43"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if s := got.String(); s != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestInvocation_FlagAccessors(t *testing.T) {
	t.Parallel()
	got, err := Parse("comment 5 --labor Onsite --hidden x")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Flag(FlagLabor); !ok || v != "Onsite" {
		t.Errorf("Flag(labor) = %q, %v", v, ok)
	}
	if !got.Bool(FlagHidden) || got.Bool(FlagNoEmail) {
		t.Errorf("Bool(hidden)=%v Bool(no-email)=%v", got.Bool(FlagHidden), got.Bool(FlagNoEmail))
	}
}

func TestTable_UsageLines(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		NameOpenTickets:   "",
		NameComment:       "comment N [--time T] [--labor KIND] [--hidden] [--no-email] TEXT",
		NameUpdate:        "update N [--status S] [--priority P] [--tech NAME] [--due DATE]",
		NameCustomer:      "customer ID-or-name",
		NameCustomerMerge: "customer merge PRIMARY DUPLICATE",
		NameCreate:        "create [SUBJECT]",
		NameLink:          "link [--acknowledge] CUSTOMER",
		NameWhois:         "whois [--move] @USER [SYNCRO-USER]",
	}
	for name, u := range want {
		if got := Lookup(name).Usage(); got != u {
			t.Errorf("Usage(%q) = %q, want %q", name, got, u)
		}
	}
}

func TestTable_EveryNameConstantIsRegistered(t *testing.T) {
	t.Parallel()
	names := []string{NameOpenTickets, NameHelp, NameTicket, NameCreate, NameUpdate, NameClose, NameComment, NameBill,
		NameSearch, NameMine, NameLog, NameAudit, NameCustomers, NameCustomersDuplicate, NameCustomer, NameCustomerCreate,
		NameCustomerEdit, NameCustomerMerge, NameContacts, NameContactAdd, NameContactEdit, NameContactDelete,
		NameLink, NameUnlink, NameLinks, NameHere, NameSubscribe, NameSubscriptions, NameUnsubscribe, NameWhois}
	if len(names) != len(Table()) {
		t.Errorf("%d name constants, %d table entries", len(names), len(Table()))
	}
	for _, n := range names {
		if Lookup(n) == nil {
			t.Errorf("Lookup(%q) = nil", n)
		}
	}
	if !Lookup(NameBill).NeedsBilling || Lookup(NameComment).NeedsBilling {
		t.Error("only bill needs billing permission")
	}
}

func TestNewRegistry_PanicsOnBadTable(t *testing.T) {
	t.Parallel()
	ok := Command{Name: "x", Description: "d", Group: GroupTickets}
	tests := map[string][]Command{
		"duplicate name":     {ok, ok},
		"bad name":           {{Name: "X Y Z", Description: "d", Group: GroupTickets}},
		"no description":     {{Name: "x", Group: GroupTickets}},
		"text not last":      {{Name: "x", Description: "d", Group: GroupTickets, Args: []ArgSpec{{Name: "T", Kind: ArgText, MaxLen: 5, Help: "h"}, ticketArg}}},
		"text without limit": {{Name: "x", Description: "d", Group: GroupTickets, Args: []ArgSpec{{Name: "T", Kind: ArgText, Help: "h"}}}},
		"duplicate flag":     {{Name: "x", Description: "d", Group: GroupTickets, Flags: []FlagSpec{{Name: "a", Kind: FlagBool, Help: "h"}, {Name: "a", Kind: FlagBool, Help: "h"}}}},
		"bool with value":    {{Name: "x", Description: "d", Group: GroupTickets, Flags: []FlagSpec{{Name: "a", Value: "V", Kind: FlagBool, Help: "h"}}}},
	}
	for name, defs := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("indexTable did not panic")
				}
			}()
			indexTable(defs)
		})
	}
}
