package home_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro"
)

// hostileSubject escapes to far more than its length: each <, > and &
// becomes an entity and the mention must never ping.
const hostileSubject = "<!channel> R&D <https://evil.example|click> *urgent* "

// summaryTicket is ticket n of a summary, its subject long and escaped.
func summaryTicket(n int) syncro.Ticket {
	user := int64(1)
	return syncro.Ticket{
		ID: int64(9000 + n), Number: syncro.Number(strconv.Itoa(30000 + n)), Status: "Resolved", UserID: &user,
		Subject:                  strings.Repeat(hostileSubject, 10),
		CustomerBusinessThenName: strings.Repeat("Acme & <Sons> ", 10),
	}
}

// summaryOf is a summary holding n tickets in each part, errs sentences
// from Syncro and labor labels.
func summaryOf(late bool, missing, resolved, byTicket, errs, labor int) home.Summary {
	s := home.Summary{Day: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), Late: late, CanBill: true, WebURL: "https://bayline.syncromsp.com"}
	for i := range labor {
		s.Time = append(s.Time, home.LaborMinutes{Label: fmt.Sprintf("Labor & <kind> %d %s", i, strings.Repeat("x", 70)), Minutes: 30})
	}
	for i := range byTicket {
		s.ByTicket = append(s.ByTicket, home.TicketMinutes{Ticket: summaryTicket(i), Minutes: 15})
	}
	if byTicket > 0 && labor == 0 {
		s.Time = []home.LaborMinutes{{Label: "remote", Minutes: 15 * byTicket}}
	}
	for i := range missing {
		s.Missing = append(s.Missing, summaryTicket(1000+i))
	}
	for i := range resolved {
		s.Resolved = append(s.Resolved, summaryTicket(2000+i))
	}
	for i := range errs {
		s.Errs = append(s.Errs, fmt.Sprintf("Sorry, I couldn't read part %d of your day. Something went wrong on our side (error id %08x).", i, i))
	}
	if errs > 0 { // the resolved list could not be told whole either
		s.ResolvedNote = "Sorry, I couldn't check 2 resolved tickets for an invoice. Something went wrong on our side (error id 0000abcd).\n" +
			"…and 4 more resolved tickets, and older ones, not looked at: see <" + s.WebURL + "/tickets|Syncro> for them."
	}
	if errs > 10 { // the timers too: no time is known
		s.Time, s.ByTicket = nil, nil
		s.TimeErr = "Sorry, Syncro can't be reached right now, so I couldn't read the day's time. Try again in a few minutes."
	}
	return s
}

// brokenMarkup finds an entity or a link cut in half: an & not starting
// one of Slack's three entities, a < not opening a whole <https://…|…>
// link, or a > closing nothing.
var (
	badAmp  = regexp.MustCompile(`&(?:[^alg]|a[^m]|am[^p]|amp[^;]|l[^t]|lt[^;]|g[^t]|gt[^;]|$|a$|am$|amp$|l$|lt$|g$|gt$)`)
	linkRun = regexp.MustCompile(`<https://[^<>|\s]+\|[^<>]+>`)
)

// checkMarkup fails when text holds a cut entity or link.
func checkMarkup(t *testing.T, where, text string) {
	t.Helper()
	if loc := badAmp.FindStringIndex(text); loc != nil {
		t.Errorf("%s: a cut or raw entity at %q", where, text[max(0, loc[0]-20):min(len(text), loc[1]+20)])
	}
	if rest := linkRun.ReplaceAllString(text, ""); strings.ContainsAny(rest, "<>") {
		i := strings.IndexAny(rest, "<>")
		t.Errorf("%s: a raw or cut link at %q", where, rest[max(0, i-30):min(len(rest), i+30)])
	}
}

// shownTexts is every mrkdwn and plain text of a message's blocks.
func shownTexts(t *testing.T, m commands.Message) []string {
	t.Helper()
	raw, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok && v["type"] != "button" {
				out = append(out, s)
			}
			for k, x := range v {
				if k != "url" && k != "value" {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var blocks any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	walk(blocks)
	return out
}

// TestRenderSummary_WithinSlacksLimitsInEveryCombination: whatever the
// summary holds (late or not, 0 to 20 failed parts, 0 to 30 tickets
// missing time or to invoice, 0 to 500 tickets with time, long escaped
// subjects), it is one message Slack takes (slackfake's check of
// chat.postMessage), every failed part is said, each list counts what it
// leaves out, and no entity or link is cut.
func TestRenderSummary_WithinSlacksLimitsInEveryCombination(t *testing.T) {
	t.Parallel()
	for _, late := range []bool{false, true} {
		for _, errs := range []int{0, 2, 20} {
			for _, missing := range []int{0, 11, 30} {
				for _, resolved := range []int{0, 1, 30} {
					for _, byTicket := range []int{0, 11, 500} {
						for _, labor := range []int{0, 60} {
							name := fmt.Sprintf("late=%v errs=%d missing=%d resolved=%d byTicket=%d labor=%d", late, errs, missing, resolved, byTicket, labor)
							checkSummary(t, name, summaryOf(late, missing, resolved, byTicket, errs, labor))
						}
					}
				}
			}
		}
	}
}

// checkSummary checks one rendered summary as the combinations test says.
func checkSummary(t *testing.T, name string, s home.Summary) {
	t.Helper()
	m := home.RenderSummary(s)
	raw, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if code := slackfake.MessageBlocksError(raw); code != "" {
		t.Errorf("%s: Slack answers %s (%d blocks)", name, code, len(m.Blocks))
		return
	}
	all := strings.Join(shownTexts(t, m), "\n")
	checkMarkup(t, name, all)
	if s.TimeErr != "" && (!strings.Contains(all, s.TimeErr) || strings.Contains(all, "None.")) {
		t.Errorf("%s: the day's time, unread, is not said to be unknown", name)
	}
	for _, e := range s.Errs {
		if !strings.Contains(all, e) {
			t.Errorf("%s: the failed part %q is not said", name, e)
		}
	}
	if s.ResolvedNote != "" && !strings.Contains(all, s.ResolvedNote) {
		t.Errorf("%s: what the resolved list could not tell is not said", name)
	}
	if want := "Total: *"; len(s.Time) > 0 && !strings.Contains(all, want) {
		t.Errorf("%s: no total", name)
	}
	for _, list := range []struct {
		title string
		ts    []syncro.Ticket
	}{{"Missing time?", s.Missing}, {"Resolved, not invoiced yet", s.Resolved}} {
		if len(list.ts) == 0 {
			continue
		}
		shown := 0
		for _, tk := range list.ts {
			if strings.Contains(string(raw), fmt.Sprintf("_%d\"", tk.ID)) {
				shown++
			}
		}
		if !strings.Contains(all, list.title) {
			t.Errorf("%s: %q missing its title", name, list.title)
		}
		if left := len(list.ts) - shown; left > 0 && !strings.Contains(all, fmt.Sprintf("…and %s in <", commands.CountNoun(left, "more ticket", "more tickets"))) {
			t.Errorf("%s: %q shows %d of %d tickets without counting the %d left", name, list.title, shown, len(list.ts), left)
		}
	}
	if len(s.ByTicket) > 0 {
		lines := 0
		for _, tm := range s.ByTicket {
			if strings.Contains(all, "• #"+tm.Ticket.Number.String()+" ") {
				lines++
			}
		}
		if left := len(s.ByTicket) - lines; left > 0 && !strings.Contains(all, "…and "+commands.CountNoun(left, "more ticket", "more tickets")+" (") {
			t.Errorf("%s: by ticket shows %d of %d without counting the %d left", name, lines, len(s.ByTicket), left)
		}
	}
}

// FuzzRenderSummary_WithinSlacksLimits: any subjects, customers and
// counts render to a message Slack takes, with no entity or link cut.
func FuzzRenderSummary_WithinSlacksLimits(f *testing.F) {
	f.Add(hostileSubject, "Acme & <Sons>", uint16(500), uint8(11), uint8(11), uint8(3), true)
	f.Add("&amp;&lt;", "<@U123>", uint16(0), uint8(0), uint8(30), uint8(0), false)
	f.Fuzz(func(t *testing.T, subject, customer string, byTicket uint16, missing, resolved, errs uint8, late bool) {
		s := summaryOf(late, int(missing%40), int(resolved%40), int(byTicket%600), int(errs%25), 1)
		for _, ts := range [][]syncro.Ticket{s.Missing, s.Resolved} {
			for i := range ts {
				ts[i].Subject = strings.Repeat(subject, 1+i%5)
				ts[i].CustomerBusinessThenName = customer
			}
		}
		for i := range s.ByTicket {
			s.ByTicket[i].Ticket.Subject = strings.Repeat(subject, 1+i%5)
		}
		m := home.RenderSummary(s)
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if code := slackfake.MessageBlocksError(raw); code != "" {
			t.Fatalf("Slack answers %s (%d blocks)", code, len(m.Blocks))
		}
		checkMarkup(t, "fuzzed", strings.Join(shownTexts(t, m), "\n"))
	})
}

// TestRenderSummary_Goldens: the summary's Block Kit when two parts of
// Syncro failed on a late summary with both lists full, and when 500
// tickets carry time.
func TestRenderSummary_Goldens(t *testing.T) {
	t.Parallel()
	commandstest.Golden(t, "summary_late_two_failures_full_lists.golden", messageJSON(t, home.RenderSummary(summaryOf(true, 30, 30, 3, 2, 2))))
	commandstest.Golden(t, "summary_500_tickets_with_time.golden", messageJSON(t, home.RenderSummary(summaryOf(false, 0, 0, 500, 0, 0))))
}

// TestRenderSummary_UncheckedIsSaidWithinSlacksLimits: tickets left
// unchecked for time are said beside lists cut to Slack's limits, and a
// summary with none to ask about says what it did not check without
// heading an empty list "You worked on these".
func TestRenderSummary_UncheckedIsSaidWithinSlacksLimits(t *testing.T) {
	t.Parallel()
	for _, missing := range []int{0, 11, 30} {
		for _, resolved := range []int{0, 30} {
			for _, errs := range []int{0, 3} {
				name := fmt.Sprintf("missing=%d resolved=%d errs=%d unchecked=2", missing, resolved, errs)
				s := summaryOf(true, missing, resolved, 500, errs, 60)
				s.Unchecked = 2
				checkSummary(t, name, s)
				all := strings.Join(shownTexts(t, home.RenderSummary(s)), "\n")
				if !strings.Contains(all, "I did not check 2 more of that day's tickets for your time") {
					t.Errorf("%s: the 2 tickets not checked are not said", name)
				}
				if missing == 0 && strings.Contains(all, "You worked on these") {
					t.Errorf("%s: no ticket to ask about, yet the summary says %q over an empty list:\n%s", name, "You worked on these", all)
				}
			}
		}
	}
}
