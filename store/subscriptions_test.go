package store

import "testing"

func testSubscriptions_AddListRemoveAcrossReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	a, err := ts.AddSubscription(Subscription{Channel: "C0OPS", Customer: "Acme", Events: []string{"new"}})
	mustOK(t, err)
	b, err := ts.AddSubscription(Subscription{Channel: "C0DESK", Events: []string{"closed"}})
	mustOK(t, err)
	if a.ID == 0 || b.ID == a.ID {
		t.Fatalf("ids %d and %d; want two distinct", a.ID, b.ID)
	}
	ts.reopen()
	ops, err := ts.ChannelSubscriptions("C0OPS")
	if err != nil || len(ops) != 1 || ops[0].Customer != "Acme" || ops[0].ID != a.ID {
		t.Fatalf("C0OPS subscriptions after reopen = %+v, %v", ops, err)
	}
	if ok, err := ts.RemoveSubscription("C0OPS", b.ID); err != nil || ok {
		t.Errorf("#ops removed #desk's subscription: %v, %v", ok, err)
	}
	if ok, err := ts.RemoveSubscription("C0OPS", a.ID); err != nil || !ok {
		t.Errorf("removing #ops' own = %v, %v", ok, err)
	}
	if all, err := ts.AllSubscriptions(); err != nil || len(all) != 1 || all[0].ID != b.ID {
		t.Errorf("left = %+v, %v; want #desk's", all, err)
	}
}

func testMarkNotified_OnceAcrossReopen(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	for i, want := range []bool{true, false} {
		if i == 1 {
			ts.reopen()
		}
		if first, err := ts.MarkNotified(1, "new:42"); err != nil || first != want {
			t.Fatalf("MarkNotified #%d = %v, %v; want %v", i, first, err, want)
		}
	}
	if first, err := ts.MarkNotified(2, "new:42"); err != nil || !first {
		t.Errorf("another subscription's first = %v, %v", first, err)
	}
}
