package syncro

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
)

func TestPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pages map[int]string // page -> body
		want  []int64
		calls int
	}{
		{"three pages", map[int]string{
			1: `{"tickets":[{"id":1},{"id":2}],"meta":{"total_pages":3,"page":1}}`,
			2: `{"tickets":[{"id":3}],"meta":{"total_pages":3,"page":2}}`,
			3: `{"tickets":[{"id":4}],"meta":{"total_pages":3,"page":3,"total_entries":4,"per_page":100}}`,
		}, []int64{1, 2, 3, 4}, 3},
		{"missing meta is one page", map[int]string{
			1: `{"tickets":[{"id":1},{"id":2}]}`,
			2: `{"tickets":[{"id":99}]}`,
		}, []int64{1, 2}, 1},
		{"meta without total_pages is one page", map[int]string{
			1: `{"tickets":[{"id":1}],"meta":{"page":1}}`,
		}, []int64{1}, 1},
		{"empty page stops", map[int]string{
			1: `{"tickets":[{"id":1}],"meta":{"total_pages":5,"page":1}}`,
			2: `{"tickets":[],"meta":{"total_pages":5,"page":2}}`,
			3: `{"tickets":[{"id":99}],"meta":{"total_pages":5,"page":3}}`,
		}, []int64{1}, 2},
		{"empty first page", map[int]string{
			1: `{"tickets":[],"meta":{"total_pages":0,"page":1}}`,
		}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var n counter
			mux.HandleFunc("/tickets", func(w http.ResponseWriter, r *http.Request) {
				n.inc()
				p, _ := strconv.Atoi(r.URL.Query().Get("page"))
				check(t, r, expect{method: "GET", query: q("status", "Not Closed", "page", strconv.Itoa(p), "per_page", "100")})
				reply(w, 200, tt.pages[p])
			})
			got, err := Collect(c.Tickets.All(t.Context(), &TicketListOptions{Status: StatusNotClosed}))
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, tk := range got {
				ids = append(ids, tk.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) || n.get() != tt.calls {
				t.Errorf("ids %v calls %d, want %v %d", ids, n.get(), tt.want, tt.calls)
			}
		})
	}
}

func TestPagingStopsEarlyAndReportsErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var n counter
	mux.HandleFunc("/customers", func(w http.ResponseWriter, r *http.Request) {
		if n.inc() == 2 {
			reply(w, 401, `{"error":"Not authorized"}`)
			return
		}
		reply(w, 200, `{"customers":[{"id":1},{"id":2}],"meta":{"total_pages":9,"page":1}}`)
	})
	for cu, err := range c.Customers.All(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if cu.ID == 1 {
			break // the caller stops: no more requests
		}
	}
	got, err := Collect(c.Customers.All(t.Context(), nil))
	if err == nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want the 401", got, err)
	}
	if n.get() != 2 {
		t.Errorf("requests = %d", n.get())
	}
}

// TestPaging_AnswerWithoutTheListIsAnError: a 2xx whose body lacks the
// list (a "{}" from a proxy, a cut-off page that still parses) is no
// answer, not an empty list: a read-back that took it for one would
// decide a write that landed did not, and write it again.
func TestPaging_AnswerWithoutTheListIsAnError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{"meta":{"total_pages":1,"page":1}}`} {
		c, mux, _ := setup(t)
		mux.HandleFunc("/tickets/7/comments", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, body) })
		got, err := Collect(c.Tickets.AllComments(t.Context(), 7, nil))
		if !errors.Is(err, errMissing) || len(got) != 0 {
			t.Errorf("%s: got %v, %v; want the missing list as an error", body, got, err)
		}
	}
	c, mux, _ := setup(t)
	mux.HandleFunc("/tickets/7/comments", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"comments":[],"meta":{"total_pages":1,"page":1}}`)
	})
	if got, err := Collect(c.Tickets.AllComments(t.Context(), 7, nil)); err != nil || len(got) != 0 {
		t.Errorf("an empty list: %v, %v", got, err)
	}
}
