package store

import (
	"testing"
	"time"
)

// unfurlMarker marks links unfurled in s, failing t on an error, and
// says whether each was the first within the window.
func unfurlMarker(t *testing.T, s *testStore) func(channel, link string) bool {
	return func(channel, link string) bool {
		t.Helper()
		first, err := s.MarkUnfurled(channel, link)
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
}

// testMarkUnfurled_OncePerChannelWithinTheWindowAcrossARestart: a link
// is unfurled once per channel within UnfurlWindow, after a restart too;
// another channel or another link is its own; once the window has passed
// it may be unfurled again, and the sweep removes the old mark.
func testMarkUnfurled_OncePerChannelWithinTheWindowAcrossARestart(t *testing.T, open backend) {
	t.Parallel()
	s := newTestStore(t, open)
	mark := unfurlMarker(t, s)
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

// testReleaseUnfurl_TheNextPasteUnfurlsAgain: a released mark lets the
// link be unfurled again at once, after a restart too, while the same
// link in another channel keeps its mark; releasing what was never
// marked is no error, and a release without a channel is refused.
func testReleaseUnfurl_TheNextPasteUnfurlsAgain(t *testing.T, open backend) {
	t.Parallel()
	s := newTestStore(t, open)
	mark := unfurlMarker(t, s)
	const link = "tickets/108430087"
	if !mark("C0OPS", link) || !mark("C0DEV", link) {
		t.Fatal("first unfurls refused")
	}
	if err := s.ReleaseUnfurl("C0OPS", link); err != nil {
		t.Fatal(err)
	}
	s.reopen()
	if !mark("C0OPS", link) {
		t.Error("held back after its mark was released")
	}
	if mark("C0OPS", link) {
		t.Error("the mark taken again after the release does not hold")
	}
	if mark("C0DEV", link) {
		t.Error("releasing the mark in C0OPS released C0DEV's too")
	}
	if err := s.ReleaseUnfurl("C0OPS", "tickets/1"); err != nil {
		t.Errorf("releasing a link never marked: %v", err)
	}
	if err := s.ReleaseUnfurl("", link); err == nil {
		t.Error("a release without a channel was taken")
	}
}
