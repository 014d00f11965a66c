package syncro

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// maxPages stops a runaway loop if a server ignores ?page= and keeps
// claiming more pages; 10,000 pages of 25 is far beyond any real account.
const maxPages = 10000

// listPage fetches one page of a {"<key>": [...], "meta": {...}} list.
func listPage[T any](ctx context.Context, c *Client, path, key string, q url.Values) ([]T, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, nil, err
	}
	var env map[string]json.RawMessage
	resp, err := c.Do(req, &env)
	if err != nil {
		return nil, resp, err
	}
	raw, ok := env[key]
	if !ok {
		// A 2xx without the list is no answer, not an empty list: a
		// read-back taking it for one would call a landed write missing.
		return nil, resp, resp.missing(key)
	}
	var items []T
	if !isNull(raw) {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, resp, fmt.Errorf("syncro: GET %s: decode %q: %w", path, key, err)
		}
	}
	return items, resp, nil
}

// pages walks a list from q's page (default 1) to meta.total_pages. A
// missing meta means a single page; an empty page ends the walk.
func pages[T any](ctx context.Context, c *Client, path, key string, q url.Values) iter.Seq2[T, error] {
	return pagesOf(ctx, func(ctx context.Context, q url.Values) ([]T, *Response, error) {
		return listPage[T](ctx, c, path, key, q)
	}, q)
}

// pagesOf is pages over any page reader, for lists whose pages are looked
// at before they are handed out (TicketsService.All).
func pagesOf[T any](ctx context.Context, read func(context.Context, url.Values) ([]T, *Response, error), q url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := cloneValues(q)
		page := 1
		if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 {
			page = p
		}
		for n := 0; n < maxPages; n++ {
			q.Set("page", strconv.Itoa(page))
			items, resp, err := read(ctx, q)
			if err != nil {
				var zero T
				yield(zero, fmt.Errorf("page %d: %w", page, err))
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || resp.Meta == nil || page >= resp.Meta.TotalPages {
				return
			}
			page++
		}
	}
}

// Collect gathers an iterator into a slice, stopping at the first error
// (the items read so far are returned with it).
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q)+2)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	if out.Get("per_page") == "" {
		out.Set("per_page", strconv.Itoa(defaultPerPage))
	}
	return out
}

// query builds url.Values from optional filters, skipping empty ones.
type query url.Values

func (q query) str(k, v string) {
	if v != "" {
		url.Values(q).Set(k, v)
	}
}

func (q query) id(k string, v int64) {
	if v != 0 {
		url.Values(q).Set(k, strconv.FormatInt(v, 10))
	}
}

func (q query) int(k string, v int) {
	if v != 0 {
		url.Values(q).Set(k, strconv.Itoa(v))
	}
}

func (q query) boolean(k string, v *bool) {
	if v != nil {
		url.Values(q).Set(k, strconv.FormatBool(*v))
	}
}

// ListOptions selects one page of a list. Zero means page 1 and
// per_page=100 (which Syncro may ignore; paging follows meta either way).
type ListOptions struct {
	// Page is 1-based.
	Page int
	// PerPage is the page size asked for; default 100.
	PerPage int
}

func (o ListOptions) apply(q query) {
	q.int("page", o.Page)
	if o.PerPage > 0 {
		q.int("per_page", o.PerPage)
	} else {
		q.int("per_page", defaultPerPage)
	}
}
