package store

import (
	"testing"
	"time"
)

// testMarkUnfurled_OncePerChannelWithinTheWindowAcrossARestart: a link
// is unfurled once per channel within UnfurlWindow, after a restart too;
// another channel or another link is its own; once the window has passed
// it may be unfurled again, and the sweep removes the old mark.
func testMarkUnfurled_OncePerChannelWithinTheWindowAcrossARestart(t *testing.T, open backend) {
	t.Parallel()
	s := newTestStore(t, open)
	mark := func(channel, link string) bool {
		t.Helper()
		first, err := s.MarkUnfurled(channel, link)
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	const link = "tickets/108430087"
	if !mark("C0OPS", link) {
		t.Fatal("first unfurl refused")
	}
	s.clk.Advance(UnfurlWindow - time.Second)
	s.reopen()
	if mark("C0OPS", link) {
		t.Error("unfurled again inside the window, after a restart")
	}
	if !mark("C0DEV", link) || !mark("C0OPS", "tickets/1") {
		t.Error("another channel or another link was held back")
	}
	if n, err := s.Sweep(s.clk.Now()); err != nil || n.Unfurls != 0 {
		t.Errorf("sweep inside the window = %+v, %v; want nothing swept", n, err)
	}
	s.clk.Advance(time.Second)
	if n, err := s.Sweep(s.clk.Now()); err != nil || n.Unfurls != 1 {
		t.Errorf("sweep after the window = %+v, %v; want the first mark swept", n, err)
	}
	if !mark("C0OPS", link) {
		t.Error("held back after the window ended")
	}
	if _, err := s.MarkUnfurled("", link); err == nil {
		t.Error("a mark without a channel was taken")
	}
}
