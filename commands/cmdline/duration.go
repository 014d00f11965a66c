package cmdline

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// MaxMinutes is the most time one entry may log: a day. Anything longer is
// a typo (an extra zero) far more often than real work, and would bill a
// customer for it.
const MaxMinutes = 24 * 60

// durationHint ends every "isn't a time" message so the tech sees the forms
// that work.
const durationHint = "Use minutes or hours, like 45, 45m, 1h30m, 1.5h or 1:30."

var hourUnits = map[string]bool{"h": true, "hr": true, "hrs": true, "hour": true, "hours": true}
var minuteUnits = map[string]bool{"m": true, "min": true, "mins": true, "minute": true, "minutes": true}

// ParseMinutes reads the time a tech spent, as typed after --time or in a
// modal: "45" (minutes), "45m", "90min", "1h", "1h30m", "1h 30m", "1h30",
// "1.5h", "1:30". Case and spaces between parts don't matter. Fractional
// hours are rounded to the nearest minute. The result is between 1 and
// MaxMinutes; anything else is a *UsageError whose message says what to
// type instead.
func ParseMinutes(s string) (int, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return 0, &UsageError{Message: "Time is empty. " + durationHint}
	}
	if strings.HasPrefix(in, "-") || strings.HasPrefix(in, "−") {
		return 0, &UsageError{Message: "Time must be more than 0 minutes."}
	}
	toks, ok := durationTokens(in)
	if !ok {
		return 0, notATime(s)
	}
	var hours, mins float64
	isNum := func(i int) bool { return i < len(toks) && toks[i].num }
	isUnit := func(i int, units map[string]bool) bool { return i < len(toks) && !toks[i].num && units[toks[i].text] }
	wholeMinutes := func(t durTok) error {
		if strings.Contains(t.text, ".") {
			return &UsageError{Message: fmt.Sprintf("Minutes must be whole, like 90m; for part of an hour use h, like 1.5h (you gave %s).", Code(s))}
		}
		return nil
	}
	switch {
	case len(toks) == 1 && isNum(0):
		if strings.Contains(toks[0].text, ".") {
			return 0, &UsageError{Message: fmt.Sprintf("%s needs a unit: write %sh for hours, or whole minutes like 90m.", Code(s), toks[0].text)}
		}
		mins = toks[0].val
	case len(toks) == 3 && isNum(0) && toks[1].text == ":" && isNum(2):
		// h:mm, the way time sheets write it.
		if strings.Contains(toks[0].text, ".") || len(toks[2].text) != 2 || toks[2].val >= 60 {
			return 0, notATime(s)
		}
		hours, mins = toks[0].val, toks[2].val
	case len(toks) == 2 && isNum(0) && isUnit(1, minuteUnits):
		if err := wholeMinutes(toks[0]); err != nil {
			return 0, err
		}
		mins = toks[0].val
	case len(toks) >= 2 && isNum(0) && isUnit(1, hourUnits):
		hours = toks[0].val
		switch {
		case len(toks) == 2:
		case (len(toks) == 3 && isNum(2)) || (len(toks) == 4 && isNum(2) && isUnit(3, minuteUnits)):
			if err := wholeMinutes(toks[2]); err != nil {
				return 0, err
			}
			mins = toks[2].val
		default:
			return 0, notATime(s)
		}
	default:
		return 0, notATime(s)
	}
	total := hours*60 + mins
	if total > MaxMinutes {
		gave := strings.TrimSpace(s)
		if total < 1e7 {
			gave = FormatMinutes(int(math.Round(total)))
		}
		return 0, &UsageError{Message: fmt.Sprintf("Time can't be more than 24 hours (you gave %s).", slackfmt.EscapeMrkdwn(slackfmt.Truncate(gave, 20)))}
	}
	m := int(math.Round(total))
	if m < 1 {
		return 0, &UsageError{Message: "Time must be more than 0 minutes."}
	}
	return m, nil
}

// FormatMinutes writes minutes the way ParseMinutes reads them back: "45m",
// "2h", "1h30m". It is the canonical form used when re-rendering a command.
func FormatMinutes(m int) string {
	h, mm := m/60, m%60
	switch {
	case h == 0:
		return strconv.Itoa(mm) + "m"
	case mm == 0:
		return strconv.Itoa(h) + "h"
	default:
		return strconv.Itoa(h) + "h" + strconv.Itoa(mm) + "m"
	}
}

func notATime(s string) error {
	return &UsageError{Message: fmt.Sprintf("%s isn't a time. %s", Code(s), durationHint)}
}

// durTok is one piece of a duration: a number, a unit word, or ":".
type durTok struct {
	text string
	num  bool
	val  float64
}

// durationTokens splits lowercased s into numbers, unit words and ":",
// skipping spaces. ok is false on any other character or a malformed number.
func durationTokens(s string) (toks []durTok, ok bool) {
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == ':':
			toks = append(toks, durTok{text: ":"})
			i++
		case (r >= '0' && r <= '9') || r == '.':
			j := i
			for j < len(rs) && ((rs[j] >= '0' && rs[j] <= '9') || rs[j] == '.') {
				j++
			}
			text := string(rs[i:j])
			if strings.Count(text, ".") > 1 || strings.HasSuffix(text, ".") || text == "." {
				return nil, false
			}
			v, err := strconv.ParseFloat(text, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, false
			}
			// A huge number parses as +Inf with a range error; keep it so
			// the caller reports "more than 24 hours", not "isn't a time".
			toks = append(toks, durTok{text: text, num: true, val: v})
			i = j
		case r >= 'a' && r <= 'z':
			j := i
			for j < len(rs) && rs[j] >= 'a' && rs[j] <= 'z' {
				j++
			}
			toks = append(toks, durTok{text: string(rs[i:j])})
			i = j
		default:
			return nil, false
		}
	}
	return toks, len(toks) > 0
}
