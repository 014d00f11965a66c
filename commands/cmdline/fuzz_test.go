package cmdline

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// parseSeeds are realistic /syncro texts (as Slack sends them, entities
// escaped) plus the awkward ones: smart quotes, emoji, right-to-left text,
// Windows paths, dashes autocorrected to em dashes, very long text.
var parseSeeds = []string{
	"",
	"help",
	"help comment",
	"ticket 32164",
	"ticket #32164",
	"Ticket 32164",
	"create Printer on fire",
	"update 32164 --status \"In Progress\" --tech “Ann Lee” --due 2025-06-01",
	"update --priority=High 32164",
	"close #32164",
	"comment 32164 --time 1h 30m --labor onsite Replaced the toner. Customer's happy &amp; so am I",
	"comment 32164 Rebooted the server --hidden --no-email",
	"comment #32164 —time 45m —hidden Fixed it — finally",
	"comment 32164 -- --hidden is not a flag here",
	"comment 32164 Ran \"sfc /scannow\" in C:\\Windows\\System32 &lt;-- see log",
	"comment 32164 Line one\nLine two\n\n– bullet",
	"comment 32164 🎉🔥 printer fixed 👍🏽 👨‍👩‍👧",
	"comment 32164 تم إصلاح الطابعة",
	"comment 32164 שלום עולם --time 15m",
	"comment 32164 " + strings.Repeat("long text ", 300),
	"comment 32164 'twas broken ‘again’ \"quoted \\\" inside\"",
	"bill 32164",
	"search vpn &amp; firewall",
	"search \"Acme Ltd\"",
	"customers acme",
	"customers duplicates",
	"customers \"duplicates\"",
	"customer Acme Ltd",
	"customer 1234567",
	"customer create",
	"customer edit 42",
	"customer merge 42 43",
	"contacts Acme",
	"contact add Acme Ltd",
	"contact edit 7",
	"contact delete 7",
	"mine",
	"log 32164",
	"audit 32164",
	"tcket 5",
	"comment 5 --tme 5 x",
	"update 5 --status In Progress",
	"comment 5 --time=25h x",
	"&lt;!channel&gt;",
	"comment 5 \u00a0nbsp\u2003em space\u200bzero width",
	"search --",
	"update 5 --tech=\"\"",
}

// FuzzParse proves Parse never panics, that every error is a *UsageError,
// and that whatever parses re-renders (String) to text that parses to the
// same invocation, which renders to the same text again.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		inv, err := Parse(text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) error %T is not *UsageError: %v", text, err, err)
			}
			if ue.Message == "" {
				t.Fatalf("Parse(%q): empty error message", text)
			}
			return
		}
		if inv.Command == nil {
			t.Fatalf("Parse(%q): nil Command without error", text)
		}
		canon := inv.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v\nrendered %q, which fails to parse: %v", text, inv, canon, err)
		}
		if !reflect.DeepEqual(inv, again) {
			t.Fatalf("round trip changed the invocation\ninput:    %q\nfirst:    %#v\nrendered: %q\nsecond:   %#v", text, inv, canon, again)
		}
		if canon2 := again.String(); canon2 != canon {
			t.Fatalf("rendering is not stable: %q then %q", canon, canon2)
		}
		for _, a := range inv.Command.Args {
			if a.Kind.rest() && utf8.RuneCountInString(inv.Text) > a.MaxLen {
				t.Fatalf("Parse(%q): Text longer than %d accepted", text, a.MaxLen)
			}
		}
		if inv.Minutes < 0 || inv.Minutes > MaxMinutes {
			t.Fatalf("Parse(%q): Minutes %d out of range", text, inv.Minutes)
		}
	})
}

// FuzzParseMinutes proves ParseMinutes never panics, accepts only 1..1440,
// and that FormatMinutes writes what it reads back.
func FuzzParseMinutes(f *testing.F) {
	for _, s := range []string{"45", "45m", "1h30m", "1h 30m", "1.5h", "90min", "1:30", "0", "-5", "25h",
		"1441", "abc", "1.5", "1.5m", ".5h", "24h", "2 hours", "1H30M", "99999999999999999999h", "1h30", "0.001h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMinutes(s)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Message == "" {
				t.Fatalf("ParseMinutes(%q): error %v is not a *UsageError with a message", s, err)
			}
			return
		}
		if m < 1 || m > MaxMinutes {
			t.Fatalf("ParseMinutes(%q) = %d, outside 1..%d", s, m, MaxMinutes)
		}
		if back, err := ParseMinutes(FormatMinutes(m)); err != nil || back != m {
			t.Fatalf("FormatMinutes(%d) = %q reads back as %d, %v", m, FormatMinutes(m), back, err)
		}
	})
}
