package sessionlog

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/htmltext"
)

// Section headings, in document order. Tools that parse logs rely on them.
const (
	headingProblem    = "## Problem"
	headingWorkDone   = "## Work done"
	headingResolution = "## Resolution"
	headingFollowUps  = "## Follow-ups"
)

// unknownLaborType labels time entered without a labor type.
const unknownLaborType = "unspecified"

// commentTimeLayout is how comment times read in Work done headings.
const commentTimeLayout = "2006-01-02 15:04 MST"

// Render returns the Markdown session log for rec: YAML front matter, then
// Problem, Work done, Resolution and Follow-ups sections. It is pure: the
// same record always renders to the same bytes.
func Render(rec Record) ([]byte, error) {
	if err := rec.validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	writeFrontMatter(&b, &rec)

	title := "Ticket #" + escapeInline(oneLine(rec.displayNumber()))
	if s := oneLine(rec.Subject); s != "" {
		title += ": " + escapeInline(s)
	}
	b.WriteString("# " + escapeHeadingEnd(title) + "\n\n")

	b.WriteString(headingProblem + "\n\n")
	if s := oneLine(rec.Subject); s != "" {
		fmt.Fprintf(&b, "**Subject:** %s\n\n", escapeInline(s))
	}
	if body := markdownBody(htmltext.ToText(rec.InitialIssue)); body != "" {
		b.WriteString(body + "\n")
	} else {
		b.WriteString("_No initial issue recorded._\n\n")
	}

	b.WriteString(headingWorkDone + "\n\n")
	writeComments(&b, &rec)
	if line := timeSummary(rec.Time); line != "" {
		b.WriteString(line + "\n\n")
	}

	b.WriteString(headingResolution + "\n\n")
	resolution := htmltext.ToText(rec.Resolution)
	if body := markdownBody(resolution); body != "" {
		b.WriteString(body + "\n")
	} else {
		b.WriteString("_No resolution note._\n\n")
	}

	b.WriteString(headingFollowUps + "\n\n")
	if items := followUps(rec.FollowUps, resolution); len(items) > 0 {
		for _, it := range items {
			b.WriteString("- " + escapeBlockStart(it) + "\n")
		}
	} else {
		b.WriteString("_None._\n")
	}
	return b.Bytes(), nil
}

// writeFrontMatter writes the YAML header. Strings are always
// double-quoted (see yamlString); numbers and booleans come from strconv
// and cannot carry text, so they are written bare to keep their type.
func writeFrontMatter(b *bytes.Buffer, rec *Record) {
	kv := func(k, v string) { b.WriteString(k + ": " + v + "\n") }
	b.WriteString("---\n")
	kv("ticket", yamlString(rec.displayNumber()))
	kv("ticket_id", strconv.FormatInt(rec.TicketID, 10))
	kv("customer", yamlString(rec.Customer.Name))
	kv("customer_id", strconv.FormatInt(rec.Customer.ID, 10))
	kv("contact", yamlString(rec.Contact))
	if len(rec.Techs) == 0 {
		kv("techs", "[]")
	} else {
		b.WriteString("techs:\n")
		for _, t := range rec.Techs {
			b.WriteString("  - " + yamlString(t) + "\n")
		}
	}
	kv("status", yamlString(rec.Status))
	if !rec.Opened.IsZero() {
		kv("opened", yamlString(rec.Opened.In(rec.Location).Format(time.RFC3339)))
	}
	if !rec.Resolved.IsZero() {
		kv("resolved", yamlString(rec.Resolved.In(rec.Location).Format(time.RFC3339)))
	}
	byType, total, billable := minutes(rec.Time)
	if len(byType) == 0 {
		kv("minutes_by_labor_type", "{}")
	} else {
		b.WriteString("minutes_by_labor_type:\n")
		for _, lt := range sortedKeys(byType) {
			b.WriteString("  " + yamlString(lt) + ": " + strconv.Itoa(byType[lt]) + "\n")
		}
	}
	if byTech := minutesByTech(rec.Time); len(byTech) > 0 {
		b.WriteString("minutes_by_tech:\n")
		for _, t := range sortedKeys(byTech) {
			b.WriteString("  " + yamlString(t) + ": " + strconv.Itoa(byTech[t]) + "\n")
		}
	}
	kv("minutes_total", strconv.Itoa(total))
	kv("minutes_billable", strconv.Itoa(billable))
	kv("billable", strconv.FormatBool(rec.Billable))
	if rec.InvoiceNumber != "" {
		kv("invoice", yamlString(rec.InvoiceNumber))
	}
	kv("written_by", yamlString(rec.WrittenBy.Name))
	if rec.WrittenBy.ID != "" {
		kv("written_by_slack_id", yamlString(rec.WrittenBy.ID))
	}
	if !rec.WrittenAt.IsZero() {
		kv("written_at", yamlString(rec.WrittenAt.In(rec.Location).Format(time.RFC3339)))
	}
	b.WriteString("---\n\n")
}

// minutes totals time entries by labor type (labels flattened to one line
// so that two spellings of the same label do not become two keys).
func minutes(entries []TimeEntry) (byType map[string]int, total, billable int) {
	byType = map[string]int{}
	for _, e := range entries {
		lt := oneLine(e.LaborType)
		if lt == "" {
			lt = unknownLaborType
		}
		byType[lt] += e.Minutes
		total += e.Minutes
		if e.Billable {
			billable += e.Minutes
		}
	}
	return byType, total, billable
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// timeSummary is the human-readable line under Work done.
func timeSummary(entries []TimeEntry) string {
	if len(entries) == 0 {
		return ""
	}
	byType, total, billable := minutes(entries)
	parts := make([]string, 0, len(byType))
	for _, lt := range sortedKeys(byType) {
		parts = append(parts, fmt.Sprintf("%s %d min", escapeInline(lt), byType[lt]))
	}
	line := fmt.Sprintf("**Time logged:** %d min, %d billable (%s)", total, billable, strings.Join(parts, ", "))
	if byTech := minutesByTech(entries); len(byTech) > 0 {
		var techs []string
		for _, t := range sortedKeys(byTech) {
			techs = append(techs, fmt.Sprintf("%s %d min", escapeInline(t), byTech[t]))
		}
		line += "\\\n**By tech:** " + strings.Join(techs, ", ")
	}
	return line
}

// minutesByTech sums the entries by the tech whose time each is (the
// Syncro user it is credited to); entries naming no tech are left out.
func minutesByTech(entries []TimeEntry) map[string]int {
	byTech := map[string]int{}
	for _, e := range entries {
		if t := oneLine(e.Tech); t != "" {
			byTech[t] += e.Minutes
		}
	}
	return byTech
}

// writeComments writes Work done: comments oldest first, each under a
// heading with its time, author and logged minutes.
func writeComments(b *bytes.Buffer, rec *Record) {
	if len(rec.Comments) == 0 {
		b.WriteString("_No comments._\n\n")
		return
	}
	comments := slices.Clone(rec.Comments)
	slices.SortStableFunc(comments, func(x, y Comment) int { return x.At.Compare(y.At) })
	for _, c := range comments {
		head := []string{}
		if !c.At.IsZero() {
			head = append(head, c.At.In(rec.Location).Format(commentTimeLayout))
		}
		author := oneLine(c.Author)
		if author == "" {
			author = "unknown author"
		}
		head = append(head, escapeInline(author))
		if c.Minutes != 0 {
			m := fmt.Sprintf("%d min", c.Minutes)
			if lt := oneLine(c.LaborType); lt != "" {
				m += " " + escapeInline(lt)
			}
			head = append(head, m)
		}
		if c.Hidden {
			head = append(head, "internal")
		}
		fmt.Fprintf(b, "### %s\n\n", escapeHeadingEnd(strings.Join(head, " · ")))
		if body := markdownBody(htmltext.ToText(c.Body)); body != "" {
			b.WriteString(body + "\n")
		} else {
			b.WriteString("_(empty comment)_\n\n")
		}
	}
}

// followUpLine matches resolution lines that ask for more work.
var followUpLine = regexp.MustCompile(`(?i)^(todo|follow[- ]?ups?)\b`)

// followUps returns the given follow-ups plus resolution lines starting
// with TODO or Follow-up (ignoring case and any list marker), one line each
// and without duplicates, so nothing a tech flagged gets lost.
func followUps(given []string, resolution string) []string {
	var items []string
	seen := map[string]bool{}
	add := func(s string) {
		s = oneLine(s)
		key := strings.ToLower(s)
		if s == "" || seen[key] {
			return
		}
		seen[key] = true
		items = append(items, s)
	}
	for _, g := range given {
		add(g)
	}
	for _, line := range strings.Split(resolution, "\n") {
		s := strings.TrimSpace(line)
		if _, rest, ok := listMarker(s); ok {
			s = rest
		}
		if followUpLine.MatchString(s) {
			add(s)
		}
	}
	return items
}
