package cmdline

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// UsageError is a mistake in what the tech typed. Its Message is a human
// sentence that is safe to post as mrkdwn (anything echoed from the input is
// escaped and shortened); Error adds the usage line of Command, or a pointer
// to help when no command is known. Check for it with errors.As and reply
// ephemerally; it is never worth logging as a failure.
type UsageError struct {
	// Message is what went wrong and, where possible, what to type instead.
	Message string
	// Command is the command whose usage to show (for an unknown subcommand,
	// the suggested one); nil when there is none.
	Command *Command
}

// Error returns the message followed by the usage line.
func (e *UsageError) Error() string {
	if e.Command != nil {
		return e.Message + "\nUsage: `" + UsageLine(e.Command) + "`"
	}
	return e.Message + "\nType `" + SlashCommand + " help` to see every subcommand."
}

// UsageLine returns the command's usage with the slash command in front,
// like "/syncro ticket N".
func UsageLine(c *Command) string {
	return strings.TrimSpace(SlashCommand + " " + c.Usage())
}

// Invocation is one parsed /syncro command: which command, and its
// arguments already checked and in canonical form. Handlers read it and
// never re-parse text.
type Invocation struct {
	// Command points into the table; compare with Lookup(Name…) or switch on
	// Command.Name.
	Command *Command
	// Ticket is the ticket NUMBER techs see (32164), never Syncro's internal
	// id; 0 when the command takes none. Resolve it with GET /tickets?number=.
	Ticket int64
	// Args are the ArgID arguments in table order, as canonical decimal
	// strings (for customer merge: PRIMARY, DUPLICATE). Nil when none.
	Args []string
	// Text is the free-text argument (ArgWords or ArgText); "" when absent.
	Text string
	// Flags holds the flags given, keyed by canonical name: "true" for
	// FlagBool, the value as typed for FlagString, FormatMinutes form for
	// FlagMinutes. Nil when no flag was given.
	Flags map[string]string
	// Minutes is the parsed FlagMinutes value (--time), 0 when absent.
	Minutes int
}

// Flag returns a flag's value and whether it was given.
func (inv Invocation) Flag(name string) (string, bool) {
	v, ok := inv.Flags[name]
	return v, ok
}

// Bool reports whether a flag was given; meant for FlagBool flags.
func (inv Invocation) Bool(name string) bool {
	_, ok := inv.Flags[name]
	return ok
}

// Parse reads the text Slack sends after /syncro.
//
// Grammar: the first one or two words name the subcommand (case-insensitive;
// two-word names such as "customer create" win over one-word ones, so a
// customer actually called "Create" must be quoted). After that come the
// positional arguments and flags in any order. A flag is --name, --name
// value or --name=value; the em and en dashes that phones and macOS
// substitute for "--" work too. A bare "--" before the free text ends the
// flags. Values with spaces are quoted with "…", '…', “…” or ‘…’; a quote
// only opens at the start of a word (or right after --name=) and only closes
// before a space or the end, so apostrophes as in "customer's" are just
// letters. Inside double quotes \" and \\ are escapes; elsewhere a backslash
// is literal, so Windows paths survive. A quoted word is never a flag or a
// subcommand word.
//
// Comment TEXT (ArgText) is kept exactly as typed, quotes and newlines
// included; search terms and names (ArgWords) are unquoted and joined with
// single spaces. Every failure is a *UsageError.
func Parse(text string) (Invocation, error) {
	if !utf8.ValidString(text) {
		return Invocation{}, &UsageError{Message: "That text isn't valid UTF-8; please type it again."}
	}
	// Slack sends &, < and > escaped; Syncro must get what the tech typed.
	src := slackfmt.UnescapeMrkdwn(text)
	if n := RuneLen(src); n > MaxInputLen {
		return Invocation{}, &UsageError{Message: fmt.Sprintf("That's too long for one command: %s characters (the limit is %s).", Commas(n), Commas(MaxInputLen))}
	}
	toks := tokenize(src)
	cmd, rest, err := resolve(toks)
	if err != nil {
		return Invocation{}, err
	}
	p := &parser{cmd: cmd, inv: Invocation{Command: cmd}, src: src}
	if err := p.run(rest); err != nil {
		return Invocation{}, err
	}
	return p.inv, nil
}

// token is one word of the input after quote removal.
type token struct {
	text       string // the word with quotes removed and escapes applied
	quoted     bool   // it opened with a quote, so it is literal text
	start, end int    // byte span of the raw word in the decoded input
}

// openers maps each opening quote to the quotes that may close it. Slack's
// clients turn straight quotes into smart ones, and pasted text mixes them.
var openers = map[rune]string{
	'"':      `"`,
	'\'':     `'`,
	'\u201c': "\u201d\u201c\"", // “ closed by ” (or “ or ")
	'\u2018': "\u2019\u2018'",  // ‘ closed by ’ (or ‘ or ')
}

// tokenize splits s into words at Unicode white space, honouring quotes.
// It never fails: a quote with no valid closing quote is an ordinary letter.
//
// Scanning is linear: once a quote of one kind finds no closing quote from
// some position, no later quote of that kind can either (a later opener
// starts a word, so the failed scan passed it in the same state), and
// failedFrom remembers that instead of rescanning to the end each time.
func tokenize(s string) []token {
	var toks []token
	failedFrom := map[rune]int{}
	i := 0
	for {
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
		if i >= len(s) {
			return toks
		}
		t := token{start: i}
		var b strings.Builder
	word:
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				break
			}
			if closers, ok := openers[r]; ok && (i == t.start || flagAwaitsValue(b.String())) {
				if f, seen := failedFrom[r]; !seen || i < f {
					if end, val, ok := scanQuoted(s, i+n, r, closers); ok {
						t.quoted = i == t.start
						b.WriteString(val)
						i = end
						break word
					}
					failedFrom[r] = i
				}
			}
			b.WriteString(s[i : i+n])
			i += n
		}
		t.text, t.end = b.String(), i
		toks = append(toks, t)
	}
}

// flagAwaitsValue reports whether sofar is "--name=" with nothing after the
// "=", where a quoted value may start.
func flagAwaitsValue(sofar string) bool {
	_, val, hasVal, ok := splitFlag(sofar)
	return ok && hasVal && val == "" && strings.Count(sofar, "=") == 1
}

// scanQuoted reads a quoted word starting at byte j, just past opener. The
// closing quote counts only if followed by white space or the end. Double
// quotes honour \\, \" and \<closer>. ok is false when no closing quote
// exists.
func scanQuoted(s string, j int, opener rune, closers string) (end int, val string, ok bool) {
	double := opener == '"' || opener == '\u201c'
	var b strings.Builder
	for k := j; k < len(s); {
		r, n := utf8.DecodeRuneInString(s[k:])
		if double && r == '\\' && k+n < len(s) {
			next, m := utf8.DecodeRuneInString(s[k+n:])
			if next == '\\' || next == '"' || strings.ContainsRune(closers, next) {
				b.WriteRune(next)
				k += n + m
				continue
			}
		}
		if strings.ContainsRune(closers, r) {
			after, _ := utf8.DecodeRuneInString(s[k+n:])
			if k+n == len(s) || unicode.IsSpace(after) {
				return k + n, b.String(), true
			}
		}
		b.WriteString(s[k : k+n])
		k += n
	}
	return 0, "", false
}

// splitFlag recognises --name, --name=value, and the same with an em or en
// dash (autocorrect's version of "--"). The name must start with an ASCII
// letter, so "-->" and "--5" are ordinary words. name is lowercased.
func splitFlag(s string) (name, val string, hasVal, ok bool) {
	var body string
	switch {
	case strings.HasPrefix(s, "--"):
		body = s[2:]
	case strings.HasPrefix(s, "\u2014"): // —
		body = s[len("\u2014"):]
	case strings.HasPrefix(s, "\u2013"): // –
		body = s[len("\u2013"):]
	default:
		return "", "", false, false
	}
	if body == "" || !isASCIILetter(body[0]) {
		return "", "", false, false
	}
	name, val, hasVal = strings.Cut(body, "=")
	return strings.ToLower(name), val, hasVal, true
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// flagLike reports whether an unquoted token would be read as a flag or as
// the "--" end-of-flags marker.
func (t token) flagLike() bool {
	if t.quoted {
		return false
	}
	_, _, _, ok := splitFlag(t.text)
	return ok || t.text == "--"
}

// resolve finds the command named by the first one or two tokens.
func resolve(toks []token) (*Command, []token, error) {
	if len(toks) == 0 {
		return commandTable.byName[NameOpenTickets], nil, nil
	}
	w0 := strings.ToLower(toks[0].text)
	if w0 != "" && !toks[0].flagLike() {
		if len(toks) > 1 && !toks[1].quoted {
			if c := commandTable.byName[w0+" "+strings.ToLower(toks[1].text)]; c != nil {
				return c, toks[2:], nil
			}
		}
		if c := commandTable.byName[w0]; c != nil {
			return c, toks[1:], nil
		}
		if seconds := commandTable.firstWords[w0]; len(seconds) > 0 {
			// A prefix of two-word commands only, like "contact".
			var names []string
			for _, s := range seconds {
				names = append(names, Code(w0+" "+s))
			}
			if len(toks) == 1 {
				return nil, nil, &UsageError{Message: fmt.Sprintf("%s needs a second word: %s.", Code(w0), OrList(names))}
			}
			msg := fmt.Sprintf("Unknown subcommand %s.", Code(w0+" "+toks[1].text))
			if s, ok := Suggest(toks[1].text, seconds); ok {
				c := commandTable.byName[w0+" "+s]
				return nil, nil, &UsageError{Message: msg + fmt.Sprintf(" Did you mean %s?", Code(c.Name)), Command: c}
			}
			return nil, nil, &UsageError{Message: msg + " Try " + OrList(names) + "."}
		}
	}
	msg := fmt.Sprintf("Unknown subcommand %s.", Code(toks[0].text))
	if n, ok := parseTicket(toks[0].text); ok {
		c := commandTable.byName[NameTicket]
		return nil, nil, &UsageError{Message: msg + fmt.Sprintf(" Did you mean %s?", Code(fmt.Sprintf("ticket %d", n))), Command: c}
	}
	var firsts []string
	for _, c := range commandTable.list {
		if first, _, _ := strings.Cut(c.Name, " "); first != "" && !slices.Contains(firsts, first) {
			firsts = append(firsts, first)
		}
	}
	if s, ok := Suggest(w0, firsts); ok && !toks[0].flagLike() {
		var c *Command
		if len(toks) > 1 {
			c = commandTable.byName[s+" "+strings.ToLower(toks[1].text)]
		}
		if c == nil {
			c = commandTable.byName[s]
		}
		if c == nil {
			c = commandTable.byName[s+" "+commandTable.firstWords[s][0]]
		}
		return nil, nil, &UsageError{Message: msg + fmt.Sprintf(" Did you mean %s?", Code(c.Name)), Command: c}
	}
	return nil, nil, &UsageError{Message: msg}
}

// parser holds the state of parsing one command's arguments and flags.
type parser struct {
	cmd         *Command
	inv         Invocation
	argIdx      int      // next fixed ArgSpec to fill
	words       []string // ArgWords collected so far
	runs        [][2]int // ArgText byte spans collected so far
	src         string   // decoded input, for ArgText spans
	lastText    int      // index of the last ArgText token, to extend runs
	textStarted bool     // a free-text token has been read
	prevValue   string   // flag whose value was the previous token, for hints
}

func (p *parser) run(toks []token) error {
	flagsOn := true
	p.lastText = -2
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if flagsOn && !t.quoted && t.text == "--" && !p.textStarted {
			flagsOn = false
			continue
		}
		if flagsOn && !t.quoted {
			if name, val, hasVal, ok := splitFlag(t.text); ok {
				used, err := p.flag(t.text, name, val, hasVal, toks[i+1:])
				if err != nil {
					return err
				}
				i += used
				continue
			}
		}
		if err := p.positional(t, i); err != nil {
			return err
		}
		p.prevValue = ""
	}
	return p.finish()
}

// flag handles one flag token; used is how many following tokens it took
// as its value.
func (p *parser) flag(raw, name, val string, hasVal bool, next []token) (used int, err error) {
	c := p.cmd
	spec, ok := c.flag(name)
	if !ok {
		return 0, p.unknownFlag(raw, name)
	}
	if _, dup := p.inv.Flags[name]; dup {
		return 0, p.errorf("%s was given twice.", Code("--"+name))
	}
	if spec.Kind == FlagBool {
		if hasVal {
			return 0, p.errorf("%s doesn't take a value; just write %s.", Code("--"+name), Code("--"+name))
		}
		p.setFlag(name, "true")
		return 0, nil
	}
	if !hasVal && len(next) > 0 && !next[0].flagLike() {
		val, used = next[0].text, 1
		if spec.Kind == FlagMinutes {
			// "--time 1h 30m" is one time, not 1h and a comment starting
			// "30m"; join unit-bearing pieces while they still parse.
			for used < len(next) && used < 4 && !next[used].quoted && isDurationPiece(next[used].text) {
				joined := val + " " + next[used].text
				if _, err := ParseMinutes(joined); err != nil {
					break
				}
				val, used = joined, used+1
			}
		}
	}
	if val == "" {
		return 0, p.errorf("%s needs a value: %s.", Code("--"+name), Code("--"+name+" "+spec.Value))
	}
	switch spec.Kind {
	case FlagMinutes:
		m, err := ParseMinutes(val)
		if err != nil {
			var ue *UsageError
			if errors.As(err, &ue) {
				return 0, &UsageError{Message: ue.Message, Command: c}
			}
			return 0, err
		}
		p.inv.Minutes = m
		p.setFlag(name, FormatMinutes(m))
	default:
		if n := RuneLen(val); n > spec.MaxLen {
			return 0, p.errorf("%s is too long: %s characters (the limit is %s).", Code("--"+name), Commas(n), Commas(spec.MaxLen))
		}
		p.setFlag(name, val)
	}
	if used > 0 {
		p.prevValue = name
	}
	return used, nil
}

func (p *parser) setFlag(name, val string) {
	if p.inv.Flags == nil {
		p.inv.Flags = map[string]string{}
	}
	p.inv.Flags[name] = val
}

func (p *parser) unknownFlag(raw, name string) error {
	c := p.cmd
	flagText := Code(raw)
	if i := strings.IndexByte(raw, '='); i >= 0 {
		flagText = Code(raw[:i])
	}
	if len(c.Flags) == 0 {
		return p.errorf("%s takes no flags, so %s isn't one.", Code(displayName(c)), flagText)
	}
	var names []string
	for _, f := range c.Flags {
		names = append(names, f.Name)
	}
	msg := fmt.Sprintf("Unknown flag %s for %s.", flagText, Code(displayName(c)))
	if s, ok := Suggest(name, names); ok {
		msg += fmt.Sprintf(" Did you mean %s?", Code("--"+s))
	}
	if n := len(c.Args); n > 0 && c.Args[n-1].Kind.rest() {
		msg += " To write it as text, put it in quotes or put `--` before the text."
	}
	return &UsageError{Message: msg, Command: c}
}

// positional assigns one non-flag token to the next argument.
func (p *parser) positional(t token, i int) error {
	c := p.cmd
	if p.argIdx >= len(c.Args) {
		msg := fmt.Sprintf("%s is one argument too many for %s.", Code(t.text), Code(displayName(c)))
		if p.prevValue != "" {
			v := p.inv.Flags[p.prevValue]
			msg += fmt.Sprintf(" Put values with spaces in quotes, like %s.", Code(fmt.Sprintf(`--%s "%s %s"`, p.prevValue, v, t.text)))
		}
		return &UsageError{Message: msg, Command: c}
	}
	spec := c.Args[p.argIdx]
	switch spec.Kind {
	case ArgTicket:
		n, ok := parseTicket(t.text)
		if !ok {
			return p.errorf("%s isn't a ticket number — use the number techs see, like 32164 or #32164.", Code(t.text))
		}
		p.inv.Ticket = n
		p.argIdx++
	case ArgID:
		n, ok := parsePositive(t.text)
		if !ok {
			return p.errorf("%s isn't an ID — %s is %s, a number like 1234567.", Code(t.text), spec.Name, spec.Help)
		}
		p.inv.Args = append(p.inv.Args, strconv.FormatInt(n, 10))
		p.argIdx++
	case ArgWords:
		if t.text != "" {
			p.words = append(p.words, t.text)
		}
		p.textStarted = true
	case ArgText:
		if len(p.runs) > 0 && p.lastText == i-1 {
			p.runs[len(p.runs)-1][1] = t.end
		} else {
			p.runs = append(p.runs, [2]int{t.start, t.end})
		}
		p.lastText = i
		p.textStarted = true
	}
	return nil
}

// finish assembles the free text and checks required arguments and bounds.
func (p *parser) finish() error {
	c := p.cmd
	for j := p.argIdx; j < len(c.Args); j++ {
		spec := c.Args[j]
		if spec.Kind.rest() {
			p.inv.Text = p.restText(spec)
			if p.inv.Text == "" && !spec.Optional {
				return p.errorf("%s needs %s: %s.", Code(displayName(c)), spec.Name, spec.Help)
			}
			if n := RuneLen(p.inv.Text); n > spec.MaxLen {
				return p.errorf("%s is too long: %s characters (the limit is %s).", spec.Name, Commas(n), Commas(spec.MaxLen))
			}
			continue
		}
		if spec.Optional {
			continue
		}
		if spec.Kind == ArgTicket {
			return p.errorf("%s needs a ticket number, like 32164 or #32164.", Code(displayName(c)))
		}
		return p.errorf("%s needs %s: %s.", Code(displayName(c)), spec.Name, spec.Help)
	}
	return nil
}

func (p *parser) restText(spec ArgSpec) string {
	if spec.Kind == ArgWords {
		return strings.Join(p.words, " ")
	}
	parts := make([]string, len(p.runs))
	for i, r := range p.runs {
		parts[i] = p.src[r[0]:r[1]]
	}
	return strings.Join(parts, " ")
}

func (p *parser) errorf(format string, args ...any) error {
	return &UsageError{Message: fmt.Sprintf(format, args...), Command: p.cmd}
}

// parseTicket reads a ticket number: digits, optionally after "#".
func parseTicket(s string) (int64, bool) {
	return parsePositive(strings.TrimPrefix(s, "#"))
}

// parsePositive reads ASCII digits as a number above zero.
func parsePositive(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// isDurationPiece matches the second half of a time typed with a space,
// like the "30m" of "1h 30m" or the "hours" of "2 hours". A unit is
// required so a bare number is never swallowed from the comment text.
func isDurationPiece(s string) bool {
	s = strings.ToLower(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	unit := s[i:]
	return hourUnits[unit] || minuteUnits[unit]
}

// String re-renders the invocation as canonical command text, in the form
// Slack sends it (&, < and > escaped), so Parse(inv.String()) returns an
// equal Invocation and the text is safe to show in a message. Fixed
// arguments come first, then flags in table order as --name=value, then the
// free text (after "--" if it could be mistaken for flags).
func (inv Invocation) String() string {
	c := inv.Command
	if c == nil {
		return ""
	}
	var parts []string
	if c.Name != "" {
		parts = append(parts, c.Name)
	}
	argI := 0
	var rest *ArgSpec
	for k, a := range c.Args {
		switch a.Kind {
		case ArgTicket:
			if inv.Ticket > 0 {
				parts = append(parts, strconv.FormatInt(inv.Ticket, 10))
			}
		case ArgID:
			if argI < len(inv.Args) {
				parts = append(parts, quoteWord(inv.Args[argI]))
				argI++
			}
		default:
			rest = &c.Args[k]
		}
	}
	for _, f := range c.Flags {
		v, ok := inv.Flags[f.Name]
		switch {
		case !ok:
		case f.Kind == FlagBool:
			parts = append(parts, "--"+f.Name)
		default:
			parts = append(parts, "--"+f.Name+"="+quoteWord(v))
		}
	}
	if rest != nil && inv.Text != "" {
		oneWord := !strings.Contains(c.Name, " ") && len(parts) == 1
		switch rest.Kind {
		case ArgWords:
			w := quoteWord(inv.Text)
			if oneWord && commandTable.byName[c.Name+" "+strings.ToLower(w)] != nil {
				w = forceQuote(inv.Text) // "customers duplicates" vs customers named Duplicates
			}
			parts = append(parts, w)
		case ArgText:
			if textNeedsDashes(c, inv.Text, oneWord) {
				parts = append(parts, "--")
			}
			parts = append(parts, inv.Text)
		}
	}
	return slackfmt.EscapeMrkdwn(strings.Join(parts, " "))
}

// textNeedsDashes reports whether verbatim text must be preceded by "--" to
// be read back as text: it holds a flag-like word, or its first word would
// join the command name into a two-word command.
func textNeedsDashes(c *Command, text string, oneWord bool) bool {
	toks := tokenize(text)
	for _, t := range toks {
		if t.flagLike() {
			return true
		}
	}
	return oneWord && len(toks) > 0 && !toks[0].quoted && commandTable.byName[c.Name+" "+strings.ToLower(toks[0].text)] != nil
}

// quoteWord renders s so tokenize reads it back as one word with text s.
func quoteWord(s string) string {
	if s == "" || s == "--" || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return forceQuote(s)
	}
	r, _ := utf8.DecodeRuneInString(s)
	if _, ok := openers[r]; ok {
		return forceQuote(s)
	}
	if _, _, _, ok := splitFlag(s); ok {
		return forceQuote(s)
	}
	return s
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func forceQuote(s string) string { return `"` + quoteEscaper.Replace(s) + `"` }

// displayName is how a command is named in messages; the bare command is
// "/syncro".
func displayName(c *Command) string {
	if c.Name == "" {
		return SlashCommand
	}
	return c.Name
}

// Code shows a piece of user input inside a message: in backticks, cut to
// 40 characters, with backticks and line breaks neutralised and &, <, >
// escaped so an echoed "<!channel>" notifies nobody.
func Code(s string) string {
	if s == "" {
		return "`\"\"`"
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '`':
			return '\''
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
	return "`" + slackfmt.EscapeMrkdwn(slackfmt.Truncate(s, 40)) + "`"
}

// OrList joins items as "a, b or c".
func OrList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// commas formats n with thousands separators, as people read limits.
func Commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
