package sessionlog

import (
	"strings"
	"testing"
	"time"
)

// FuzzRender feeds hostile text into every free-text field and checks that
// Render never panics, the front matter stays parseable and round-trips,
// and nothing in the body can open a section, raw HTML or a delimiter.
func FuzzRender(f *testing.F) {
	f.Add("32164", "Acme", "Printer", "<p>hi</p>", "- a\n---\n# b", "Bob", "Remote", "TODO: x")
	f.Add("\"\\\n", "---\n", "## Work done", "<script>x</script>", "```\n|a|b|\n", "# x #", "\x00\x1b", "\u2028\ufeff")
	f.Add("", "..", "", "&lt;script&gt;", "    code\n\t\ttab", "", "", "")
	f.Add("1.", "a: b", "x #", "<ul><li># h</li></ul>", "text\n===\n> q", "<b>", "a\nb", "Follow-up")
	loc := time.FixedZone("UTC-7", -7*3600)
	f.Fuzz(func(t *testing.T, number, customer, subject, commentBody, resolution, author, labor, followUp string) {
		rec := Record{
			TicketID: 1, Number: number, Subject: subject, Status: subject,
			Customer: Customer{ID: 2, Name: customer}, Contact: author,
			Techs: []string{author, customer}, Location: loc,
			Opened:       time.Date(2024, 1, 2, 3, 4, 5, 0, loc),
			InitialIssue: commentBody,
			Comments: []Comment{
				{Author: author, Body: commentBody, Minutes: 5, LaborType: labor, Hidden: true},
				{Author: labor, Body: resolution},
			},
			Time:          []TimeEntry{{Tech: author, LaborType: labor, Minutes: 5}, {LaborType: subject, Minutes: 1, Billable: true}},
			Resolution:    resolution,
			FollowUps:     []string{followUp},
			InvoiceNumber: followUp,
			WrittenBy:     SlackUser{ID: author, Name: customer},
		}
		out, err := Render(rec)
		if err != nil {
			t.Fatal(err)
		}
		m := checkFrontMatter(t, out)
		for key, want := range map[string]string{"customer": customer, "contact": author, "status": subject, "written_by": customer} {
			if got, _ := m[key].(string); got != strings.ToValidUTF8(want, "\uFFFD") {
				t.Fatalf("front matter %s = %q, want %q", key, got, want)
			}
		}
		s := string(out)
		body := s[strings.Index(s[4:], "\n---\n")+9:]
		var sections []string
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "# ") {
				sections = append(sections, line)
			}
		}
		if len(sections) != 5 || !strings.HasPrefix(sections[0], "# Ticket #") ||
			strings.Join(sections[1:], "|") != strings.Join([]string{headingProblem, headingWorkDone, headingResolution, headingFollowUps}, "|") {
			t.Fatalf("user text changed the section structure: %q", sections)
		}
		for i := 0; i < len(body); i++ {
			if body[i] == '<' && !escapedAt(body, i) {
				t.Fatalf("unescaped < at %d in body:\n%s", i, body)
			}
		}
	})
}

// escapedAt reports whether s[i] is preceded by an odd number of
// backslashes, i.e. is a Markdown backslash escape.
func escapedAt(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
