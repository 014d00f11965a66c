package home_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// viewJSON is v as views.publish sends it, indented for a golden file.
func viewJSON(t *testing.T, v slack.HomeTabViewRequest) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// messageJSON is m's blocks, indented for a golden file.
func messageJSON(t *testing.T, m commands.Message) []byte {
	t.Helper()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// danaHome is Dana's Home as the seeded Syncro holds her day.
func danaHome(t *testing.T, a commands.Actor) (slack.HomeTabViewRequest, *commandstest.Fixture) {
	t.Helper()
	f := commandstest.NewFixture(t, []commands.Feature{tickets.Register, home.Register})
	v, ok := f.C.Home(t.Context(), a)
	if !ok {
		t.Fatal("no Home registered")
	}
	return v, f
}

func TestHome_SeededDay(t *testing.T) {
	t.Parallel()
	a := commandstest.Dana
	a.TimeZone = "America/Los_Angeles"
	v, _ := danaHome(t, a)
	commandstest.Golden(t, "home_dana.golden", viewJSON(t, v))
}

// TestHome_TodaysTimeIsTheTechsOwnSinceTheirMidnight: the total is
// Dana's timers created since midnight in her zone, none of the others'.
func TestHome_TodaysTimeIsTheTechsOwnSinceTheirMidnight(t *testing.T) {
	t.Parallel()
	a := commandstest.Dana
	a.TimeZone = "America/Los_Angeles"
	v, f := danaHome(t, a)
	loc, _ := time.LoadLocation(a.TimeZone)
	now := syncrotest.SeedNow.In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	want, others := 0, 0
	for _, tk := range f.Srv.Tickets() {
		for _, tm := range f.Srv.Timers(tk.ID) {
			if !tm.CreatedAt.After(midnight) {
				continue
			}
			if tm.UserID == syncrotest.UserDana {
				want += tm.Minutes()
			} else {
				others += tm.Minutes()
			}
		}
	}
	shown := string(viewJSON(t, v))
	if want == 0 {
		if !strings.Contains(shown, "No time logged today.") {
			t.Errorf("Dana logged nothing today; the Home says otherwise:\n%s", shown)
		}
		return
	}
	if !strings.Contains(shown, fmt.Sprintf("Total: *%s*", formatMinutes(want))) {
		t.Errorf("want Dana's %d minutes today (others logged %d):\n%s", want, others, shown)
	}
}

// formatMinutes is how the Home writes minutes.
func formatMinutes(m int) string {
	switch h, mm := m/60, m%60; {
	case h == 0:
		return fmt.Sprintf("%dm", mm)
	case mm == 0:
		return fmt.Sprintf("%dh", h)
	default:
		return fmt.Sprintf("%dh%dm", h, mm)
	}
}

func TestHome_WithoutAnEmailSaysWhy(t *testing.T) {
	t.Parallel()
	a := commandstest.Dana
	a.Email = ""
	v, f := danaHome(t, a)
	if n := len(f.Srv.Requests()); n != 0 {
		t.Errorf("the Home made %d Syncro requests for a tech it cannot match", n)
	}
	if !strings.Contains(string(viewJSON(t, v)), "users:read.email") {
		t.Errorf("the Home does not say why it shows nothing:\n%s", viewJSON(t, v))
	}
}

func TestHome_UnknownEmailSaysWhy(t *testing.T) {
	t.Parallel()
	a := commandstest.Dana
	a.Email = "nobody@example.com"
	v, _ := danaHome(t, a)
	if !strings.Contains(string(viewJSON(t, v)), "No Syncro user has your Slack email (nobody@example.com)") {
		t.Errorf("the Home does not say the email matched no one:\n%s", viewJSON(t, v))
	}
}

// TestHome_SyncroDownIsSaidNotShownAsNothing: a part Syncro did not
// answer says so; it never reads as "no time today".
func TestHome_SyncroDownIsSaidNotShownAsNothing(t *testing.T) {
	t.Parallel()
	f := commandstest.NewFixture(t, []commands.Feature{tickets.Register, home.Register})
	f.Srv.Fail("GET", "/ticket_timers", 10, syncrotest.FaultServerError)
	v, _ := f.C.Home(t.Context(), commandstest.Dana)
	shown := string(viewJSON(t, v))
	if strings.Contains(shown, "No time logged today") || !strings.Contains(shown, "Your time today") {
		t.Errorf("a failed read of today's time reads as no time:\n%s", shown)
	}
}

func openTickets(n int, status string) []syncro.Ticket {
	out := make([]syncro.Ticket, n)
	user := syncrotest.UserDana
	for i := range out {
		out[i] = syncro.Ticket{ID: int64(1000 + i), Number: syncro.Number(fmt.Sprint(40000 + i)), Subject: "Backup check", Status: status, UserID: &user}
	}
	return out
}

// TestRender_BoundedToSlacksBlocks: however many tickets, the Home holds
// at most 100 blocks with unique block ids, and says how many it left out.
func TestRender_BoundedToSlacksBlocks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ open, resolved int }{{0, 0}, {1, 1}, {45, 0}, {46, 0}, {500, 0}, {0, 500}, {500, 25}, {3, 60}} {
		t.Run(fmt.Sprintf("%d_open_%d_resolved", tc.open, tc.resolved), func(t *testing.T) {
			d := home.Day{Now: syncrotest.SeedNow, Open: openTickets(tc.open, "In Progress"), Resolved: openTickets(tc.resolved, "Resolved"), CanBill: true, WebURL: "https://bayline.syncromsp.com"}
			v := home.Render(d)
			blocks := v.Blocks.BlockSet
			if len(blocks) > slackfmt.MaxBlocksPerModal {
				t.Fatalf("%d blocks; Slack takes %d", len(blocks), slackfmt.MaxBlocksPerModal)
			}
			ids := map[string]bool{}
			shownTickets := 0
			for _, b := range blocks {
				if ab, ok := b.(*slack.ActionBlock); ok {
					if ids[ab.BlockID] {
						t.Errorf("block id %s twice", ab.BlockID)
					}
					ids[ab.BlockID] = true
					if strings.HasPrefix(ab.BlockID, "home_open_") || strings.HasPrefix(ab.BlockID, "home_resolved_") {
						shownTickets++
					}
				}
			}
			left := tc.open + tc.resolved - shownTickets
			shown := string(viewJSON(t, v))
			if left > 0 && !strings.Contains(shown, "…and ") {
				t.Errorf("%d tickets left out without a word:\n%s", left, shown)
			}
			if left == 0 && strings.Contains(shown, "…and ") {
				t.Errorf("every ticket shown, yet a 'more' line:\n%s", shown)
			}
		})
	}
}

// TestSettings_ChangesShowOnTheHomeAndBadValuesChangeNothing: the Home's
// controls save the summary's on/off, hour and days; a value the Home
// never offered changes nothing.
func TestSettings_ChangesShowOnTheHomeAndBadValuesChangeNothing(t *testing.T) {
	t.Parallel()
	f := commandstest.NewFixture(t, []commands.Feature{tickets.Register, home.Register})
	a := commandstest.Dana
	a.TimeZone = "America/Chicago"
	shown := func() string {
		v, _ := f.C.Home(t.Context(), a)
		return string(viewJSON(t, v))
	}
	if s := shown(); !strings.Contains(s, "*17:00* (America/Chicago), Mon–Fri") {
		t.Fatalf("the default is not 17:00 Mon–Fri in Dana's zone:\n%s", s)
	}
	click := func(id, value string) commands.Reply {
		return f.C.Action(t.Context(), commands.Action{Actor: a, ActionID: id, Value: value})
	}
	for _, step := range []struct {
		id, value, want string
		refused         bool
	}{
		{home.ActionSummaryHour, "9", "*09:00* (America/Chicago), Mon–Fri", false},
		{home.ActionSummaryDays, "127", "*09:00* (America/Chicago), Every day", false},
		{home.ActionSummaryHour, "24", "*09:00* (America/Chicago), Every day", true},
		{home.ActionSummaryDays, "0", "*09:00* (America/Chicago), Every day", true},
		{home.ActionSummaryToggle, "off", "Off. Turn it on", false},
		{home.ActionSummaryToggle, "maybe", "Off. Turn it on", true},
		{home.ActionSummaryToggle, "on", "*09:00* (America/Chicago), Every day", false},
	} {
		r := click(step.id, step.value)
		if refused := r.Text != ""; refused != step.refused {
			t.Errorf("%s=%s: reply %q, refused %v want %v", step.id, step.value, r.Text, refused, step.refused)
		}
		if s := shown(); !strings.Contains(s, step.want) {
			t.Errorf("after %s=%s the Home does not show %q:\n%s", step.id, step.value, step.want, s)
		}
	}
}
