package store

import (
	"errors"
	"testing"
)

func testChannelLinks_LinkRelinkListUnlinkSurviveReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, ok, err := ts.ChannelLink("C0ACME"); err != nil || ok {
		t.Fatalf("ChannelLink before linking = %v, %v", ok, err)
	}
	if _, had, err := ts.LinkChannel(ChannelLink{Channel: "C0ACME", CustomerID: 7, CustomerName: "Zeta", LinkedBy: "U1"}); err != nil || had {
		t.Fatalf("first LinkChannel = had %v, %v", had, err)
	}
	mustLink(t, ts, ChannelLink{Channel: "C0BETA", CustomerID: 8, CustomerName: "alpha"})
	prev, had, err := ts.LinkChannel(ChannelLink{Channel: "C0ACME", CustomerID: 9, CustomerName: "Acme", Acknowledge: true, LinkedBy: "U2"})
	if err != nil || !had || prev.CustomerID != 7 {
		t.Fatalf("relink = previous %+v, had %v, %v", prev, had, err)
	}
	ts.reopen()
	l, ok, err := ts.ChannelLink("C0ACME")
	if err != nil || !ok || l.CustomerID != 9 || !l.Acknowledge || l.LinkedBy != "U2" || l.LinkedAt.IsZero() {
		t.Fatalf("ChannelLink after reopen = %+v, %v, %v", l, ok, err)
	}
	all, err := ts.ChannelLinks()
	if err != nil || len(all) != 2 || all[0].CustomerName != "Acme" || all[1].CustomerName != "alpha" {
		t.Fatalf("ChannelLinks = %+v, %v (want by customer name, case-blind)", all, err)
	}
	if gone, err := ts.UnlinkChannel("C0ACME"); err != nil || gone.CustomerID != 9 {
		t.Fatalf("UnlinkChannel = %+v, %v", gone, err)
	}
	if _, err := ts.UnlinkChannel("C0ACME"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second UnlinkChannel = %v, want ErrNotFound", err)
	}
	if _, _, err := ts.LinkChannel(ChannelLink{Channel: "C1"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("LinkChannel without customer = %v, want ErrInvalid", err)
	}
}

func mustLink(t *testing.T, ts *testStore, l ChannelLink) {
	t.Helper()
	if _, _, err := ts.LinkChannel(l); err != nil {
		t.Fatal(err)
	}
}

func testTicketThreads_ByTicketAndByMessage(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	th := TicketThread{TicketID: 501, Number: "32190", Channel: "C0ACME", TS: "1.000100", Shared: true, CreatedBy: "U1"}
	mustOK(t, ts.SetTicketThread(th))
	ts.reopen()
	got, ok, err := ts.TicketThread(501)
	if err != nil || !ok || got.TS != th.TS || !got.Shared || got.CreatedAt.IsZero() {
		t.Fatalf("TicketThread = %+v, %v, %v", got, ok, err)
	}
	if got, ok, err := ts.ThreadTicket("C0ACME", "1.000100"); err != nil || !ok || got.Number != "32190" {
		t.Fatalf("ThreadTicket = %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := ts.ThreadTicket("C0ACME", "2.000200"); err != nil || ok {
		t.Errorf("ThreadTicket of another message = %v, %v", ok, err)
	}
	// The ticket's thread moves: the old message no longer names it.
	th.TS = "3.000300"
	mustOK(t, ts.SetTicketThread(th))
	if _, ok, _ := ts.ThreadTicket("C0ACME", "1.000100"); ok {
		t.Error("the old message still names the ticket")
	}
	if err := ts.SetTicketThread(TicketThread{TicketID: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetTicketThread without a message = %v, want ErrInvalid", err)
	}
}
