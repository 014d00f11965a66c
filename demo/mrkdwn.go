package demo

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// emoji maps the Slack short codes the bot is likely to use to characters,
// so replies read as they would in Slack; unknown codes stay as typed.
var emoji = map[string]string{
	"white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌", "warning": "⚠️",
	"hourglass": "⌛", "hourglass_flowing_sand": "⏳", "clock1": "🕐", "stopwatch": "⏱️",
	"ticket": "🎫", "receipt": "🧾", "moneybag": "💰", "memo": "📝", "lock": "🔒",
	"bell": "🔔", "tada": "🎉", "wave": "👋", "mag": "🔍", "information_source": "ℹ️",
	"no_entry": "⛔", "no_entry_sign": "🚫", "rotating_light": "🚨", "fire": "🔥",
	"thumbsup": "👍", "+1": "👍", "eyes": "👀", "link": "🔗", "calendar": "📅",
	"red_circle": "🔴", "large_green_circle": "🟢", "large_yellow_circle": "🟡",
	"wrench": "🔧", "hammer_and_wrench": "🛠️", "bust_in_silhouette": "👤", "email": "📧",
}

// mrkdwn renders Slack mrkdwn to safe HTML. The bot has already escaped
// &, < and > as Slack requires, so those three entities are decoded and
// the text is escaped again for HTML: a Syncro subject "<img onerror=…>"
// arrives as "&lt;img onerror=…&gt;" and is shown literally. Angle-bracket
// sequences are Slack's links and mentions; anything else in angle brackets
// is shown as text, never passed through as markup.
func (r *renderer) mrkdwn(s string) string {
	// Fragments kept out of the formatting pass stand in the text as
	// placeholderOpen, their index, placeholderClose. Distinct markers keep
	// "0⟩1⟨1" of two placeholders around a digit from reading as
	// placeholder 1; the text loses any markers of its own first (control
	// characters, never shown).
	const placeholderOpen, placeholderClose = "\x00", "\x01"
	s = strings.NewReplacer(placeholderOpen, "", placeholderClose, "").Replace(s)
	var hold []string
	keep := func(frag string) string {
		hold = append(hold, frag)
		return placeholderOpen + strconv.Itoa(len(hold)-1) + placeholderClose
	}
	var b strings.Builder
	rest := s
	for rest != "" {
		// Code blocks and code spans first: nothing inside them is formatted.
		if strings.HasPrefix(rest, "```") {
			if end := strings.Index(rest[3:], "```"); end >= 0 {
				code := strings.Trim(rest[3:3+end], "\n")
				b.WriteString(keep("<pre>" + escapeSlack(code) + "</pre>"))
				rest = rest[3+end+3:]
				continue
			}
		}
		if rest[0] == '`' {
			if end := strings.IndexByte(rest[1:], '`'); end > 0 && !strings.Contains(rest[1:1+end], "\n") {
				b.WriteString(keep("<code>" + escapeSlack(rest[1:1+end]) + "</code>"))
				rest = rest[1+end+1:]
				continue
			}
		}
		if rest[0] == '<' {
			if end := strings.IndexByte(rest, '>'); end > 0 {
				b.WriteString(keep(r.angle(rest[1:end])))
				rest = rest[end+1:]
				continue
			}
		}
		next := strings.IndexAny(rest[1:], "`<")
		chunk := rest
		if next >= 0 {
			chunk = rest[:next+1]
		}
		b.WriteString(escapeSlack(chunk))
		rest = rest[len(chunk):]
	}
	out := b.String()
	out = emphasize(out, '*', "<b>", "</b>")
	out = emphasize(out, '_', "<i>", "</i>")
	out = emphasize(out, '~', "<s>", "</s>")
	out = emojify(out)
	out = quoteLines(out)
	out = strings.ReplaceAll(out, "\n", "<br>")
	// One pass puts the kept fragments back: a replace per fragment would
	// copy the whole text once per link or code span.
	var res strings.Builder
	for {
		i := strings.Index(out, placeholderOpen)
		if i < 0 {
			res.WriteString(out)
			return res.String()
		}
		res.WriteString(out[:i])
		out = out[i+len(placeholderOpen):]
		j := strings.Index(out, placeholderClose)
		if n, err := strconv.Atoi(out[:max(j, 0)]); j >= 0 && err == nil && n < len(hold) {
			res.WriteString(hold[n])
			out = out[j+len(placeholderClose):]
		}
	}
}

// plain renders a plain_text object: no formatting, only escaping (and
// emoji codes, which Slack expands in plain_text with emoji:true).
func (r *renderer) plain(s string) string {
	return strings.ReplaceAll(emojify(html.EscapeString(s)), "\n", "<br>")
}

// escapeSlack turns Slack-escaped text into HTML-escaped text.
func escapeSlack(s string) string {
	return html.EscapeString(slackfmt.UnescapeMrkdwn(s))
}

// angle renders the inside of <…>: a link, a user, channel or special
// mention, or (when it is none of these) the literal text.
func (r *renderer) angle(inner string) string {
	target, label, hasLabel := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		name := target[1:]
		if u, ok := r.users[name]; ok {
			name = u
		}
		if hasLabel {
			name = strings.TrimPrefix(label, "@")
		}
		return `<span class="mention">@` + escapeSlack(name) + `</span>`
	case strings.HasPrefix(target, "#"):
		name := target[1:]
		if c, ok := r.channels[name]; ok {
			name = c
		}
		if hasLabel {
			name = label
		}
		return `<span class="mention">#` + escapeSlack(name) + `</span>`
	case strings.HasPrefix(target, "!"):
		if hasLabel { // <!date^…|fallback>, <!subteam^ID|@group>
			return `<span class="mention">` + escapeSlack(label) + `</span>`
		}
		word, _, _ := strings.Cut(target[1:], "^")
		return `<span class="mention">@` + escapeSlack(word) + `</span>`
	}
	if u, err := url.Parse(slackfmt.UnescapeMrkdwn(target)); err == nil && safeScheme(u.Scheme) && !strings.ContainsAny(target, " \n") {
		text := target
		if hasLabel {
			text = label
		}
		return `<a href="` + html.EscapeString(u.String()) + `" target="_blank" rel="noopener noreferrer">` + escapeSlack(text) + `</a>`
	}
	return escapeSlack("<" + inner + ">")
}

// safeScheme reports whether a link may be followed from the page; a
// javascript: or data: URL in Syncro text must stay text.
func safeScheme(s string) bool {
	switch strings.ToLower(s) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// emphasize wraps text between a pair of delim characters in open/close,
// following Slack's rule that markers sit at word boundaries: "*bold*"
// works, "2*3*4" and "snake_case_name" do not.
func emphasize(s string, delim byte, open, close string) string {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c != delim || !slackfmt.WordBoundaryBefore(s, i) || i+1 >= len(s) || isSpaceByte(s[i+1]) || s[i+1] == delim {
			b.WriteByte(c)
			i++
			continue
		}
		j := -1
		for k := i + 1; k < len(s) && s[k] != '\n'; k++ {
			if s[k] == delim && !isSpaceByte(s[k-1]) && slackfmt.WordBoundaryAfter(s, k+1) {
				j = k
				break
			}
		}
		if j < 0 {
			b.WriteByte(c)
			i++
			continue
		}
		b.WriteString(open)
		b.WriteString(s[i+1 : j])
		b.WriteString(close)
		i = j + 1
	}
	return b.String()
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }

// emojify replaces :short_code: with its character where known.
func emojify(s string) string {
	if !strings.Contains(s, ":") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i+1:], ':')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		if e, ok := emoji[s[i+1:i+1+j]]; ok {
			b.WriteString(s[:i])
			b.WriteString(e)
			s = s[i+j+2:]
			continue
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
	}
}

// quoteLines renders lines starting with "&gt;" (Slack's ">") as quotes.
// Consecutive quoted lines form one quote, as in Slack, so the bar runs
// unbroken past an empty quoted line. The quote is a block: it ends its
// own line, so the newline that followed it is dropped rather than drawn
// as an extra empty line.
func quoteLines(s string) string {
	if !strings.Contains(s, "&gt;") {
		return s
	}
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i := 0; i < len(lines); {
		if _, ok := quoted(lines[i]); !ok {
			b.WriteString(lines[i])
			if i+1 < len(lines) {
				b.WriteByte('\n')
			}
			i++
			continue
		}
		var run []string
		for ; i < len(lines); i++ {
			q, ok := quoted(lines[i])
			if !ok {
				break
			}
			run = append(run, q)
		}
		b.WriteString(`<blockquote class="quote">` + strings.Join(run, "\n") + `</blockquote>`)
	}
	return b.String()
}

// quoted returns the text of a quoted line without its marker.
func quoted(line string) (string, bool) {
	q, ok := strings.CutPrefix(line, "&gt;")
	return strings.TrimPrefix(q, " "), ok
}
