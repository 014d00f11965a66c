package store

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

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
		if first, err := ts.MarkNotified([]NoticeMark{{1, "new:42"}}); err != nil || !slices.Equal(first, []bool{want}) {
			t.Fatalf("MarkNotified #%d = %v, %v; want [%v]", i, first, err, want)
		}
	}
	if first, err := ts.MarkNotified([]NoticeMark{{2, "new:42"}}); err != nil || !slices.Equal(first, []bool{true}) {
		t.Errorf("another subscription's first = %v, %v", first, err)
	}
}

// testMarkNotified_ABatchMarksEachFirstOnce: one call marks a poll's
// 5,000 (subscription, event) pairs; a pair held before, or repeated in
// the batch, is first once; after a restart none is first again; and a
// batch with a bad key records nothing.
func testMarkNotified_ABatchMarksEachFirstOnce(t *testing.T, open backend) {
	t.Parallel()
	ts := newTestStore(t, open)
	if _, err := ts.MarkNotified([]NoticeMark{{7, "new:3"}}); err != nil {
		t.Fatal(err)
	}
	var marks []NoticeMark
	for sub := range int64(100) {
		for tk := range 50 {
			marks = append(marks, NoticeMark{sub + 1, "new:" + strconv.Itoa(tk)})
		}
	}
	marks = append(marks, NoticeMark{1, "new:0"})
	first, err := ts.MarkNotified(marks)
	if err != nil || len(first) != len(marks) {
		t.Fatalf("MarkNotified of %d = %d answers, %v", len(marks), len(first), err)
	}
	for i, m := range marks {
		want := i < len(marks)-1 && m != (NoticeMark{7, "new:3"})
		if first[i] != want {
			t.Errorf("mark %d %+v first = %v; want %v", i, m, first[i], want)
		}
	}
	ts.reopen()
	first, err = ts.MarkNotified(marks[:10])
	if err != nil || slices.Contains(first, true) {
		t.Errorf("after a restart = %v, %v; want none first", first, err)
	}
	bad := []NoticeMark{{200, "new:1"}, {200, ""}}
	if _, err := ts.MarkNotified(bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("batch with an empty key: %v; want ErrInvalid", err)
	}
	if first, err := ts.MarkNotified(bad[:1]); err != nil || !slices.Equal(first, []bool{true}) {
		t.Errorf("after a refused batch, its good mark = %v, %v; want first", first, err)
	}
}
