package syncrotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// params are a request's parameters: the JSON body's fields, plus query
// parameters the body does not have (Rails merges both).
type params map[string]any

// readParams decodes r's JSON object body (if any) and merges the query.
func readParams(r *http.Request) (params, error) {
	p := params{}
	body, _ := io.ReadAll(r.Body)
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
	}
	for k, v := range r.URL.Query() {
		k = strings.TrimSuffix(k, "[]")
		if _, ok := p[k]; !ok && len(v) > 0 && k != "api_key" {
			p[k] = v[0]
		}
	}
	return p, nil
}

func (p params) has(k string) bool {
	_, ok := p[k]
	return ok
}

// setStr copies parameter k, trimmed, into dst when the request has it
// (a partial update leaves absent fields alone).
func (p params) setStr(k string, dst *string) {
	if p.has(k) {
		*dst = strings.TrimSpace(p.str(k))
	}
}

// str returns the parameter as text; numbers and booleans are formatted.
func (p params) str(k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (p params) blank(k string) bool { return strings.TrimSpace(p.str(k)) == "" }

// id returns the parameter as an integer; ok is false if absent or not one.
func (p params) id(k string) (int64, bool) {
	s := strings.TrimSpace(p.str(k))
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) {
			return 0, false
		}
		n = int64(f)
	}
	return n, true
}

func (p params) num(k string) (float64, bool) {
	s := strings.TrimSpace(p.str(k))
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// boolean reads true/false, "true"/"false", "1"/"0".
func (p params) boolean(k string) (val, ok bool) {
	switch v := p[k].(type) {
	case bool:
		return v, true
	case string, json.Number:
		switch strings.ToLower(p.str(k)) {
		case "true", "1", "t", "yes", "on":
			return true, true
		case "false", "0", "f", "no", "off", "":
			return false, true
		}
	}
	return false, false
}

func (p params) flag(k string) bool {
	v, _ := p.boolean(k)
	return v
}

// stringMap reads an object of custom fields; values become strings.
func (p params) stringMap(k string) (map[string]string, bool) {
	m, ok := p[k].(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for kk := range m {
		out[kk] = params(m).str(kk)
	}
	return out, true
}

func (p params) stringList(k string) ([]string, bool) {
	switch v := p[k].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for i := range v {
			out = append(out, params{"x": v[i]}.str("x"))
		}
		return out, true
	case string:
		var out []string
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		return out, true
	}
	return nil, false
}

// objects reads an array of objects, or a Rails-style {"0":{…},"1":{…}} hash.
func (p params) objects(k string) []params {
	var out []params
	switch v := p[k].(type) {
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				out = append(out, params(m))
			}
		}
	case map[string]any:
		for i := 0; ; i++ {
			m, ok := v[strconv.Itoa(i)].(map[string]any)
			if !ok {
				break
			}
			out = append(out, params(m))
		}
	}
	return out
}

// parseTime reads an RFC 3339 timestamp, or a bare date or local date-time
// taken in loc.
func parseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (p params) time(k string, loc *time.Location) (time.Time, bool) {
	return parseTime(p.str(k), loc)
}

// echo returns the parameters as an object for error bodies' "params".
func (p params) echo() obj {
	out := obj{}
	for k, v := range p {
		out[k] = v
	}
	return out
}
