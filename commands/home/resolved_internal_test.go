package home

import (
	"testing"

	"github.com/syncrobot/syncrobot/syncro"
)

// TestLastPage: a list page is its list's last when empty, when meta
// says so, and, without meta, when shorter than the first page or
// holding nothing new (a list that ignores ?page=); a full page without
// meta is not, nor page 1 of one without meta (or without total_pages).
func TestLastPage(t *testing.T) {
	t.Parallel()
	meta := func(total int) *syncro.Response { return &syncro.Response{Meta: &syncro.Meta{TotalPages: total}} }
	bare := &syncro.Response{}
	for _, tc := range []struct {
		name                    string
		resp                    *syncro.Response
		page, got, first, fresh int
		want                    bool
	}{
		{"empty page", meta(3), 2, 0, 25, 0, true},
		{"meta: more pages", meta(3), 2, 25, 25, 25, false},
		{"meta: the last", meta(2), 2, 25, 25, 25, true},
		{"meta: one page, short", meta(1), 1, 3, 3, 3, true},
		{"no meta: page 1", bare, 1, 25, 25, 25, false},
		{"no meta: page 1, short", bare, 1, 3, 3, 3, false},
		{"no meta: full page 2", bare, 2, 25, 25, 25, false},
		{"no meta: short page 2", bare, 2, 7, 25, 7, true},
		{"no meta: page 2 repeats page 1", bare, 2, 25, 25, 0, true},
		{"meta without total_pages: full page 1", &syncro.Response{Meta: &syncro.Meta{Page: 1}}, 1, 25, 25, 25, false},
	} {
		if got := lastPage(tc.resp, tc.page, tc.got, tc.first, tc.fresh); got != tc.want {
			t.Errorf("%s: lastPage = %v, want %v", tc.name, got, tc.want)
		}
	}
}
