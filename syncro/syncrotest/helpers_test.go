package syncrotest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// resp is a raw answer from the fake.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// obj decodes the body as a JSON object.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// call sends method path (relative to the API base) with a JSON body and
// the Bearer key.
func call(t *testing.T, srv *syncrotest.Server, method, path string, body any) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+syncrotest.DefaultAPIKey)
	req.Header.Set("Accept", "application/json")
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// wantJSON checks the body equals want exactly (as decoded JSON).
func wantJSON(t *testing.T, r resp, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body not JSON: %v: %s", err, r.Body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body = %s\nwant   %s", r.Body, want)
	}
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func ticketID(t *testing.T, srv *syncrotest.Server, number int64) int64 {
	t.Helper()
	tk, ok := srv.TicketByNumber(number)
	if !ok {
		t.Fatalf("no seed ticket #%d", number)
	}
	return tk.ID
}

func itoa(n int64) string { return strings.TrimSpace(jsonNum(n)) }

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// newSrv starts a seeded fake with a fixed clock.
func newSrv(t *testing.T, opts ...syncrotest.Option) *syncrotest.Server {
	t.Helper()
	clock := syncrotest.NewManualClock(syncrotest.SeedNow)
	return syncrotest.NewServer(t, append([]syncrotest.Option{syncrotest.WithClock(clock.Now)}, opts...)...)
}
