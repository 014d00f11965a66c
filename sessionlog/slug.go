package sessionlog

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxSlugLen caps folder names: long enough to tell clients apart, short
// enough for Windows paths and terminal listings.
const maxSlugLen = 60

// fallbackSlug is what Slug returns for a name with nothing usable in it.
// Writer uses "customer-<id>" instead, which is unique.
const fallbackSlug = "customer"

// special transliterates letters that Unicode decomposition does not reduce
// to ASCII, plus "&", which reads as a word in company names.
var special = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d",
	'Ð': "d", 'þ': "th", 'Þ': "th", 'ı': "i", 'ħ': "h", 'Ħ': "h",
	'&': " and ", '@': " at ", '+': " plus ",
}

// windowsReserved are device names Windows refuses as file names, even
// with an extension; a client share synced to Windows must not hold them.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true,
	"com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true,
	"lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

// Slug turns a customer's name into a folder name: lower-case ASCII letters,
// digits and single dashes, at most 60 bytes, never a reserved or empty
// name. The result is a single path element that cannot leave its parent
// directory, and the same name always gives the same slug.
func Slug(name string) string {
	s, ok := slug(name, maxSlugLen)
	if !ok {
		return fallbackSlug
	}
	return s
}

// slug is Slug that reports whether the name had anything usable, so the
// caller can pick a unique fallback.
func slug(name string, max int) (string, bool) {
	var b strings.Builder
	dash := false
	emit := func(r rune) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '\'' || r == '’' || r == 'ʼ':
			// "Bob's Plumbing" is bobs-plumbing, not bob-s-plumbing.
		default:
			dash = true
		}
	}
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(name, "")) {
		if unicode.Is(unicode.Mn, r) {
			continue // accents split off by NFKD: é → e
		}
		if t, ok := special[r]; ok {
			for _, tr := range t {
				emit(tr)
			}
			continue
		}
		emit(unicode.ToLower(r))
		if b.Len() > max {
			break
		}
	}
	s := b.String()
	if len(s) > max {
		s = strings.TrimRight(s[:max], "-")
	}
	if s == "" {
		return "", false
	}
	if windowsReserved[s] {
		s += "-" + fallbackSlug
	}
	return s, true
}

// ticketPart is the ticket number as it appears in a file name.
func ticketPart(rec *Record) string {
	if s, ok := slug(rec.Number, 40); ok {
		return s
	}
	if s, ok := slug(strconv.FormatInt(rec.TicketID, 10), 40); ok {
		return s
	}
	return "unknown"
}
