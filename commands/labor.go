package commands

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DefaultLaborKind is the labor kind used when a tech logs time without
// --labor: most MSP work is remote.
const DefaultLaborKind = "remote"

// defaultLabor holds the Syncro product ids of this MSP's labor products.
// These magic numbers live here and nowhere else.
var defaultLabor = map[string]int64{
	"remote":    1190473,
	"onsite":    26118,
	"emergency": 26184,
	"project":   9269129,
	"internal":  9269124,
	"travel":    26117,
	"website":   68055,
}

// LaborMap maps a labor kind, as techs type it after --labor, to the Syncro
// product id billed for that time. Keys are lowercase.
type LaborMap map[string]int64

// DefaultLaborMap returns a fresh copy of the built-in labor products, so a
// caller that changes its map cannot change anyone else's.
func DefaultLaborMap() LaborMap {
	m := make(LaborMap, len(defaultLabor))
	for k, v := range defaultLabor {
		m[k] = v
	}
	return m
}

var laborKindRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ParseLaborMap reads a labor map from configuration text such as
// "remote=1190473,onsite=26118" (spaces allowed, kinds case-insensitive).
// It rejects duplicate kinds and duplicate product ids (which would make
// the reverse lookup ambiguous) and requires DefaultLaborKind, so a bad
// setting fails at start-up instead of on a tech's first time entry.
func ParseLaborMap(s string) (LaborMap, error) {
	m := LaborMap{}
	owner := map[int64]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !ok || !laborKindRE.MatchString(k) {
			return nil, fmt.Errorf("parse labor map: %q is not kind=product_id", pair)
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("parse labor map: product id for %q must be a positive number, not %q", k, v)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("parse labor map: kind %q given twice", k)
		}
		if other, dup := owner[id]; dup {
			return nil, fmt.Errorf("parse labor map: product id %d given for both %q and %q", id, other, k)
		}
		m[k], owner[id] = id, k
	}
	if _, ok := m[DefaultLaborKind]; !ok {
		return nil, fmt.Errorf("parse labor map: the default kind %q is missing", DefaultLaborKind)
	}
	return m, nil
}

// Kinds returns the labor kinds, sorted, for error messages and pickers.
func (m LaborMap) Kinds() []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Lookup returns the product id for a labor kind, ignoring case and
// surrounding space; an empty kind means DefaultLaborKind. An unknown kind is
// a *UsageError naming the closest kind and listing all valid ones.
func (m LaborMap) Lookup(kind string) (int64, error) {
	k := strings.ToLower(strings.TrimSpace(kind))
	if k == "" {
		k = DefaultLaborKind
	}
	if id, ok := m[k]; ok {
		return id, nil
	}
	kinds := m.Kinds()
	msg := fmt.Sprintf("Unknown labor kind %s.", Code(kind))
	if s, ok := Suggest(k, kinds); ok {
		msg += fmt.Sprintf(" Did you mean %s?", Code(s))
	}
	msg += " Valid kinds: " + strings.Join(kinds, ", ") + "."
	return 0, &UsageError{Message: msg}
}

// Kind is the reverse lookup: the labor kind billed as productID, for
// showing existing time entries by name.
func (m LaborMap) Kind(productID int64) (string, bool) {
	for k, id := range m {
		if id == productID {
			return k, true
		}
	}
	return "", false
}

// String renders the map in ParseLaborMap's format, sorted by kind, for
// logging the effective configuration.
func (m LaborMap) String() string {
	parts := make([]string, 0, len(m))
	for _, k := range m.Kinds() {
		parts = append(parts, k+"="+strconv.FormatInt(m[k], 10))
	}
	return strings.Join(parts, ",")
}
