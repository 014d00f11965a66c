package customers

import (
	"strings"
	"unicode"
)

// Duplicate detection compares customers by keys that survive the ways the
// same business gets typed twice: "Acme Corp." and "ACME Corporation",
// "Smith & Sons" and "Smith and Sons LLC", "Café Rouge" and "Cafe Rouge".
// The rules are deliberately conservative (only legal-form suffixes and
// connectives are dropped) because a false match only costs a tech a look,
// while an over-eager rule would bury the real duplicates in noise.

// businessSuffixes are legal-form and filler words dropped from the end of a
// business name; repeated, so "Acme Holdings Group Inc" loses all three.
var businessSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true, "ltd": true,
	"limited": true, "corp": true, "corporation": true, "co": true, "company": true,
	"group": true, "pc": true, "pllc": true, "plc": true, "gmbh": true, "sa": true,
	"holdings": true, "enterprises": true, "the": true,
}

// connectives are words dropped anywhere: "&", "and" and "+" join names the
// same way, and a leading "the" is noise.
var connectives = map[string]bool{"and": true, "&": true, "+": true, "the": true}

// diacriticFold maps common accented Latin letters to their base letter.
// A table rather than Unicode decomposition keeps the package free of
// golang.org/x/text; it covers the Western European names MSP customers
// carry.
var diacriticFold = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ďđ", 'e': "èéêëēĕėęě", 'g': "ĝğġģ",
		'h': "ĥħ", 'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ", 'l': "ĺļľŀł", 'n': "ñńņňŉ",
		'o': "òóôõöøōŏő", 'r': "ŕŗř", 's': "śŝşšß", 't': "ţťŧ", 'u': "ùúûüũūŭůűų",
		'w': "ŵ", 'y': "ýÿŷ", 'z': "źżž",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// NormalizeBusinessName reduces a business name to the key duplicate
// detection compares: lower case, diacritics folded, punctuation removed,
// "&"/"and"/"+" dropped, trailing legal-form suffixes (Inc, LLC, Ltd, Corp,
// Corporation, Co, Company, Group, …) dropped and whitespace collapsed.
// Names that are nothing but suffixes keep their words, so "The Company"
// does not match every other blank key.
func NormalizeBusinessName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if f, ok := diacriticFold[r]; ok {
			r = f
		}
		switch {
		case r == '&' || r == '+':
			b.WriteString(" and ")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' || r == '’' || r == '.':
			// "Smith's" ~ "Smiths", "A.C.M.E." ~ "ACME": joined, not split.
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	var kept []string
	for _, w := range words {
		if !connectives[w] {
			kept = append(kept, w)
		}
	}
	for len(kept) > 1 && businessSuffixes[kept[len(kept)-1]] {
		kept = kept[:len(kept)-1]
	}
	if len(kept) == 0 {
		return strings.Join(words, " ")
	}
	return strings.Join(kept, " ")
}

// freeMailDomains are mailbox providers shared by unrelated people, so a
// shared domain among them says nothing about two customers being one.
var freeMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"live.com": true, "msn.com": true, "yahoo.com": true, "ymail.com": true, "aol.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "proton.me": true,
	"protonmail.com": true, "gmx.com": true, "gmx.net": true, "mail.com": true,
	"zoho.com": true, "comcast.net": true, "att.net": true, "verizon.net": true,
	"sbcglobal.net": true, "yahoo.co.uk": true, "hotmail.co.uk": true,
}

// EmailDomain is the lower-cased domain of an email, or "" when there is
// none or it is a free-mail provider (see freeMailDomains).
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	d := strings.ToLower(strings.TrimSpace(email[at+1:]))
	if d == "" || freeMailDomains[d] {
		return ""
	}
	return d
}

// phoneDigits is the number's digits without a leading US country code,
// or "" when fewer than 7 remain (too short to identify anyone). Syncro
// stores phones stripped of formatting, so digits are what compare.
func phoneDigits(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	if len(d) < 7 {
		return ""
	}
	return d
}
