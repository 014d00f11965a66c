package subscriptions

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncro"
)

func TestParseEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{"", AllEvents, false},
		{"  ", AllEvents, false},
		{"new", []string{"new"}, false},
		{"closed,NEW", []string{"new", "closed"}, false},
		{" status , status ", []string{"status"}, false},
		{"new,,closed", nil, true},
		{"opened", nil, true},
		{"new;closed", nil, true},
	} {
		got, err := ParseEvents(tc.in)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("ParseEvents(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

// FuzzParseEvents: nothing panics, and what parses is a non-empty list of
// known events, in order, that parses back to itself.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{"", "new", "closed,new", "status, closed", "NEW,new", "x", ",", "new,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := ParseEvents(s)
		if err != nil {
			return
		}
		if len(ev) == 0 || !slices.IsSortedFunc(ev, func(a, b string) int { return slices.Index(AllEvents, a) - slices.Index(AllEvents, b) }) {
			t.Fatalf("ParseEvents(%q) = %v", s, ev)
		}
		again, err := ParseEvents(strings.Join(ev, ","))
		if err != nil || !slices.Equal(again, ev) {
			t.Fatalf("round trip of %v = %v, %v", ev, again, err)
		}
	})
}

// FuzzSubscribeCommand: any /syncro subscribe text either is refused or
// gives a subscription whose events are known and whose filters are the
// flags as typed (trimmed).
func FuzzSubscribeCommand(f *testing.F) {
	for _, s := range []string{"subscribe", `subscribe --customer "Acme Corp" --events new,closed`, "subscribe --priority high --tech marcus", "subscribe --events bogus", `subscribe --status "Waiting on Customer"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := cmdline.Parse(s)
		if err != nil || inv.Command.Name != cmdline.NameSubscribe {
			return
		}
		sub, err := FromInvocation(inv)
		if err != nil {
			return
		}
		for _, e := range sub.Events {
			if !slices.Contains(AllEvents, e) {
				t.Fatalf("%q: unknown event %q", s, e)
			}
		}
		if v, _ := inv.Flag(cmdline.FlagCustomer); sub.Customer != strings.TrimSpace(v) {
			t.Fatalf("%q: customer %q from flag %q", s, sub.Customer, v)
		}
	})
}

func ticket(customer, priority, status, tech string) *syncro.Ticket {
	t := &syncro.Ticket{ID: 7, Number: "32190", CustomerBusinessThenName: customer, Priority: priority, Status: status}
	if tech != "" {
		t.User = &syncro.User{FullName: tech}
	}
	return t
}

func TestMatches_EachFilter(t *testing.T) {
	t.Parallel()
	tk := ticket("Acme Corp.", "1 High", "Waiting on Customer", "Marcus Oyelaran")
	for _, tc := range []struct {
		name string
		sub  store.Subscription
		want bool
	}{
		{"no filter", store.Subscription{}, true},
		{"customer, part and case", store.Subscription{Customer: "acme"}, true},
		{"customer, other", store.Subscription{Customer: "Smith"}, false},
		{"priority, part", store.Subscription{Priority: "high"}, true},
		{"priority, other", store.Subscription{Priority: "Low"}, false},
		{"status, whole", store.Subscription{Status: "waiting on customer"}, true},
		{"status, part is not enough", store.Subscription{Status: "Waiting"}, false},
		{"tech, part", store.Subscription{Tech: "marcus"}, true},
		{"tech, other", store.Subscription{Tech: "Priya"}, false},
		{"every filter must match", store.Subscription{Customer: "Acme", Tech: "Priya"}, false},
	} {
		if got := matches(tc.sub, tk); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
	if matches(store.Subscription{Tech: "marcus"}, ticket("Acme", "", "New", "")) {
		t.Error("a tech filter matched an unassigned ticket")
	}
}

func TestEventOf(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	at := func(m int) syncro.Timestamp { return syncro.Timestamp{Time: since.Add(time.Duration(m) * time.Minute)} }
	for _, tc := range []struct {
		name          string
		t             syncro.Ticket
		before        string
		known         bool
		want, wantKey string
	}{
		{"created in the window", syncro.Ticket{ID: 1, Status: "New", CreatedAt: at(1), UpdatedAt: at(1)}, "", false, EventNew, "new:1"},
		{"old ticket first seen", syncro.Ticket{ID: 2, Status: "New", CreatedAt: at(-600), UpdatedAt: at(1)}, "", false, "", ""},
		{"status changed", syncro.Ticket{ID: 3, Status: "Scheduled", CreatedAt: at(-600), UpdatedAt: at(2)}, "New", true, EventStatus, "status:3:scheduled:" + itoa(at(2))},
		{"same status", syncro.Ticket{ID: 4, Status: "New", CreatedAt: at(-600), UpdatedAt: at(2)}, "new", true, "", ""},
		{"closed", syncro.Ticket{ID: 5, Status: "Resolved", CreatedAt: at(-600), UpdatedAt: at(3), ResolvedAt: at(3)}, "In Progress", true, EventClosed, "closed:5:" + itoa(at(3))},
		{"closed before the window", syncro.Ticket{ID: 6, Status: "Resolved", CreatedAt: at(-600), UpdatedAt: at(3), ResolvedAt: at(-60)}, "", false, "", ""},
		{"still closed", syncro.Ticket{ID: 7, Status: "Invoiced", CreatedAt: at(-600), UpdatedAt: at(3), ResolvedAt: at(2)}, "Resolved", true, "", ""},
	} {
		ev, key := eventOf(&tc.t, tc.before, tc.known, since)
		if ev != tc.want || key != tc.wantKey {
			t.Errorf("%s: eventOf = %q %q, want %q %q", tc.name, ev, key, tc.want, tc.wantKey)
		}
	}
}

func itoa(ts syncro.Timestamp) string { return strconv.FormatInt(ts.Unix(), 10) }

// TestRender_GroupsPastThreeWithinSlacksLimits: up to three notices go
// one message each; more are lists of 25, each message within Block Kit's
// limits, every ticket named once.
func TestRender_GroupsPastThreeWithinSlacksLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, msgs int }{{1, 1}, {3, 3}, {4, 1}, {25, 1}, {26, 2}, {50, 2}, {200, 8}} {
		ns := make([]notice, tc.n)
		for i := range ns {
			tk := ticket("Acme Corp.", "", "New", "")
			tk.Number = syncro.Number(strconv.Itoa(40000 + i))
			ns[i] = notice{event: EventNew, t: tk}
		}
		msgs := render(ns)
		if len(msgs) != tc.msgs {
			t.Errorf("%d notices: %d messages, want %d", tc.n, len(msgs), tc.msgs)
		}
		all := ""
		for _, m := range msgs {
			if len(m.Blocks) > slackfmt.MaxBlocksPerMessage || m.Text == "" {
				t.Errorf("%d notices: a message of %d blocks, text %q", tc.n, len(m.Blocks), m.Text)
			}
			b, _ := json.Marshal(m.Blocks)
			all += string(b)
		}
		for i := range ns {
			if n := strings.Count(all, "#"+strconv.Itoa(40000+i)); n != 1 {
				t.Errorf("%d notices: #%d named %d times", tc.n, 40000+i, n)
			}
		}
	}
}
