package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// LaborProduct maps a kind of labor (remote, onsite, …) to the Syncro
// product billed for it.
type LaborProduct struct {
	Kind      string
	ProductID int64
}

// LaborProducts is the ordered labor map from LABOR_PRODUCTS
// ("remote=1190473,onsite=26118"); order is kept for menus.
type LaborProducts []LaborProduct

// laborKind is a lower-case word: what a technician types after /syncro bill.
var laborKind = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Lookup returns the product id billed for kind.
func (l LaborProducts) Lookup(kind string) (productID int64, ok bool) {
	for _, p := range l {
		if p.Kind == kind {
			return p.ProductID, true
		}
	}
	return 0, false
}

// Kinds returns the labor kinds in configured order.
func (l LaborProducts) Kinds() []string {
	kinds := make([]string, len(l))
	for i, p := range l {
		kinds[i] = p.Kind
	}
	return kinds
}

// String formats the map the way LABOR_PRODUCTS spells it.
func (l LaborProducts) String() string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = p.Kind + "=" + strconv.FormatInt(p.ProductID, 10)
	}
	return strings.Join(parts, ",")
}

// Decode parses "kind=id,kind=id"; it implements envconfig.Decoder. Every bad
// entry is reported in the one error. Empty entries (a trailing comma) are
// skipped.
func (l *LaborProducts) Decode(value string) error {
	var out LaborProducts
	var problems []string
	seen := map[string]bool{}
	for entry := range strings.SplitSeq(value, ",") {
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
		if !laborKind.MatchString(kind) {
			bad = append(bad, fmt.Sprintf("kind %q is not a lower-case word", kind))
		} else if seen[kind] {
			bad = append(bad, fmt.Sprintf("kind %q appears twice", kind))
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			bad = append(bad, fmt.Sprintf("product id %q of %q is not a positive integer", id, kind))
		}
		if len(bad) > 0 {
			problems = append(problems, bad...)
			continue
		}
		seen[kind] = true
		out = append(out, LaborProduct{Kind: kind, ProductID: n})
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s (want kind=product_id,… e.g. remote=1190473,onsite=26118)", strings.Join(problems, "; "))
	}
	if len(out) == 0 {
		return errors.New("no kind=product_id entries (e.g. remote=1190473,onsite=26118)")
	}
	*l = out
	return nil
}
