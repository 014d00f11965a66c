package syncro

import (
	"net/http"
	"testing"
	"time"
)

// TestResponse_DateIsTheServersClock: Date reads the answer's Date
// header, to the second; an answer without one, or with one that does
// not parse, has no date (the caller falls back), and so has no answer.
func TestResponse_DateIsTheServersClock(t *testing.T) {
	t.Parallel()
	syncroNow := time.Date(2026, 11, 20, 16, 29, 41, 0, time.UTC)
	for _, tc := range []struct {
		name, header string
		want         time.Time
	}{
		{"set", syncroNow.Format(http.TimeFormat), syncroNow},
		{"absent", "", time.Time{}},
		{"unreadable", "yesterday", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/tickets/7", func(w http.ResponseWriter, r *http.Request) {
				// net/http adds its own Date unless the handler sets the
				// header, or sets it to nil.
				w.Header()["Date"] = nil
				if tc.header != "" {
					w.Header().Set("Date", tc.header)
				}
				_, _ = w.Write([]byte(`{"ticket":{"id":7,"number":1001}}`))
			})
			_, resp, err := c.Tickets.Get(t.Context(), 7)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Date(); !got.Equal(tc.want) {
				t.Errorf("Date() = %v, want %v", got, tc.want)
			}
		})
	}
	var none *Response
	if !none.Date().IsZero() {
		t.Error("a nil response has a date")
	}
}
