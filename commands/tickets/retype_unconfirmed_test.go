package tickets

import (
	"net/http"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// The retype the issue names (issue 13, "Lost ack, retyped command"):
// Slack showed Dana an error, so she types the command again. Here her
// first write landed but Syncro never confirmed it (the POST answered 500
// and the read-back failed too), so its flow is unfinished, not
// completed: the retype must not write the same comment and minutes a
// second time without asking.
func TestRetype_AfterAnUnconfirmedWriteDoesNotWriteSilently(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	f.onClient(t, &afterTransport{method: http.MethodPost, suffix: "/comment", after: func() {
		f.Srv.Fail("GET", "/tickets/*/comments", 100, syncrotest.FaultServerError)
		f.Srv.Fail("GET", "/tickets/*", 100, syncrotest.FaultServerError)
	}})
	const body = "Swapped a disk."
	c0, m0 := f.holds(t, body)
	f.Srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultCommitThenFail)
	first := retypeSlash("comment 32145 --time 30m "+body)(t, f, 1)
	f.Srv.ClearFaults()
	// The comment landed unconfirmed; its time, an entry of its own, was
	// not sent yet.
	c1, m1 := f.holds(t, body)
	if c1 != c0+1 || m1 != m0 {
		t.Fatalf("the first write left %d comments, %d min (before %d, %d): %q", c1, m1, c0, m0, first.Text)
	}
	if finishButton(first) == "" {
		t.Fatalf("first reply %q offers no Finish; want the outcome unknown", first.Text)
	}

	r := retypeSlash("comment 32145 --time 30m "+body)(t, f, 2)
	if c, m := f.holds(t, body); c != c1 || m != m1 {
		t.Errorf("the retype wrote again without asking: %d comments, %d min, want %d, %d; reply %q", c, m, c1, m1, r.Text)
	}
	if !strings.Contains(r.Text, "didn't confirm it") || buttonValue(r.Blocks, ActionDontLogAgain) == "" {
		t.Fatalf("retype answered %q; want it asked about, saying the first write is unconfirmed", r.Text)
	}
	// Dana answers Don't, then finishes the first write: it is found in
	// Syncro, and nothing is written twice.
	f.press(t, r, ActionDontLogAgain, "ts-dont")
	done := f.finish(t, finishButton(first), "ts-finish")
	if c, m := f.holds(t, body); c != c1 || m != m1+30 || !strings.Contains(done.Text, "30 min logged") {
		t.Errorf("after Don't and Finish: %d comments, %d min, want %d, %d; Finish said %q", c, m, c1, m1+30, done.Text)
	}
}

// A first write that Syncro refused, read back and not there, was told as
// not saved: typing it again just writes it, unasked.
func TestRetype_AfterAWriteThatFailedWritesUnasked(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	const body = "Swapped a disk."
	c0, m0 := f.holds(t, body)
	f.Srv.Fail("POST", "/tickets/*/comment", 1, syncrotest.FaultServerError)
	first := retypeSlash("comment 32145 --time 30m "+body)(t, f, 1)
	if c, m := f.holds(t, body); c != c0 || m != m0 || finishButton(first) != "" {
		t.Fatalf("the refused write left %d comments, %d min (before %d, %d), reply %q", c, m, c0, m0, first.Text)
	}
	r := retypeSlash("comment 32145 --time 30m "+body)(t, f, 2)
	if c, m := f.holds(t, body); c != c0+1 || m != m0+30 {
		t.Errorf("the retype left %d comments, %d min, want %d, %d; reply %q", c, m, c0+1, m0+30, r.Text)
	}
}
