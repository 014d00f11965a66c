// Package labor maps the kinds of labor technicians log (remote, onsite,
// …) to the Syncro products billed for them. It holds the one rule set for
// LABOR_PRODUCTS, so the configuration, `bot -check` and the commands accept
// exactly the same maps, and the built-in map, written once.
package labor

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DefaultKind is the labor kind used when a tech logs time without naming
// one: most MSP work is remote. Every map Parse accepts has it.
const DefaultKind = "remote"

// DefaultSpec is this MSP's labor products in LABOR_PRODUCTS syntax, in the
// order the README lists them. These product ids are written here and
// nowhere else; Default parses them.
const DefaultSpec = "remote=1190473,onsite=26118,emergency=26184,project=9269129,internal=9269124,travel=26117,website=68055"

// example is the hint appended to every parse error.
const example = "want kind=product_id,… e.g. remote=1190473,onsite=26118"

// Products maps a labor kind, as techs type it after --labor, to the
// Syncro product id billed for that time. In a map from Parse or Default
// every kind is a lower-case word, every id is positive and names one kind
// only (so Kind is unambiguous), and DefaultKind is present.
type Products map[string]int64

// kindRE is a lower-case word: what a technician types after --labor.
var kindRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// defaults is DefaultSpec parsed once; Default hands out copies.
var defaults = func() Products {
	p, err := Parse(DefaultSpec)
	if err != nil {
		panic("labor: DefaultSpec does not parse: " + err.Error())
	}
	return p
}()

// Default returns a fresh copy of the built-in labor products, so a caller
// that changes its map cannot change anyone else's.
func Default() Products { return maps.Clone(defaults) }

// Parse reads a labor map from configuration text such as
// "remote=1190473,onsite=26118". Spaces around entries, kinds and ids are
// ignored, and so are empty entries (a trailing comma). It refuses kinds that
// are not lower-case words, ids that are not positive integers, a kind or an
// id given twice (the reverse lookup would be ambiguous) and a map without
// DefaultKind, reporting every problem in the one error, so a bad setting
// fails at start-up instead of on a tech's first time entry.
func Parse(s string) (Products, error) {
	p := Products{}
	owner := map[int64]string{}
	var problems []string
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		kind, id, ok := strings.Cut(entry, "=")
		kind, id = strings.TrimSpace(kind), strings.TrimSpace(id)
		if !ok {
			problems = append(problems, fmt.Sprintf("%q is not kind=product_id", entry))
			continue
		}
		var bad []string
		if !kindRE.MatchString(kind) {
			bad = append(bad, fmt.Sprintf("kind %q is not a lower-case word", kind))
		} else if _, dup := p[kind]; dup {
			bad = append(bad, fmt.Sprintf("kind %q appears twice", kind))
		}
		n, err := strconv.ParseInt(id, 10, 64)
		switch {
		case err != nil || n <= 0:
			bad = append(bad, fmt.Sprintf("product id %q of %q is not a positive integer", id, kind))
		case owner[n] != "" && owner[n] != kind:
			bad = append(bad, fmt.Sprintf("product id %d is given for both %q and %q", n, owner[n], kind))
		}
		if len(bad) > 0 {
			problems = append(problems, bad...)
			continue
		}
		p[kind], owner[n] = n, kind
	}
	switch {
	case len(problems) > 0:
		return nil, fmt.Errorf("%s (%s)", strings.Join(problems, "; "), example)
	case len(p) == 0:
		return nil, fmt.Errorf("no kind=product_id entries (%s)", example)
	case p[DefaultKind] == 0:
		return nil, fmt.Errorf("the default kind %q is missing (%s)", DefaultKind, example)
	}
	return p, nil
}

// Decode parses value with Parse into p, leaving p unchanged on error; it
// implements envconfig.Decoder, so config reads LABOR_PRODUCTS with the
// same rules.
func (p *Products) Decode(value string) error {
	parsed, err := Parse(value)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

// Lookup returns the product id billed for kind, ignoring case and
// surrounding space; an empty kind means DefaultKind.
func (p Products) Lookup(kind string) (productID int64, ok bool) {
	k := strings.ToLower(strings.TrimSpace(kind))
	if k == "" {
		k = DefaultKind
	}
	productID, ok = p[k]
	return productID, ok
}

// Kind is the reverse lookup: the labor kind billed as productID, for
// showing existing time entries by name.
func (p Products) Kind(productID int64) (kind string, ok bool) {
	for k, id := range p {
		if id == productID {
			return k, true
		}
	}
	return "", false
}

// Kinds returns the labor kinds, sorted, for error messages and pickers.
func (p Products) Kinds() []string { return slices.Sorted(maps.Keys(p)) }

// String renders the map in Parse's syntax, sorted by kind, for logging
// the effective configuration.
func (p Products) String() string {
	parts := make([]string, 0, len(p))
	for _, k := range p.Kinds() {
		parts = append(parts, k+"="+strconv.FormatInt(p[k], 10))
	}
	return strings.Join(parts, ",")
}
