package fakeclock

import (
	"testing"
	"time"
)

func TestManual_MovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)
	c := New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !c.Now().Equal(want) {
		t.Errorf("after Advance: %v, want %v", c.Now(), want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Errorf("after Set: %v, want %v", c.Now(), start)
	}
}

func TestManual_AfterFiresWhenTheClockGetsThere(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)
	c := New(start)
	now := c.After(0)
	later := c.After(time.Minute)
	other := c.After(2 * time.Minute)
	if got := <-now; !got.Equal(start) {
		t.Errorf("After(0) sent %v, want %v", got, start)
	}
	if n := c.Pending(); n != 2 {
		t.Fatalf("Pending = %d, want 2", n)
	}
	c.Advance(59 * time.Second)
	select {
	case got := <-later:
		t.Fatalf("After(1m) fired at %v, 59 s on", got)
	default:
	}
	c.Advance(time.Second)
	if got, want := <-later, start.Add(time.Minute); !got.Equal(want) {
		t.Errorf("After(1m) sent %v, want %v", got, want)
	}
	if n := c.Pending(); n != 1 {
		t.Errorf("Pending after one fired = %d, want 1", n)
	}
	c.Set(start.Add(time.Hour))
	if got, want := <-other, start.Add(time.Hour); !got.Equal(want) {
		t.Errorf("After(2m) sent %v after Set, want %v", got, want)
	}
	if n := c.Pending(); n != 0 {
		t.Errorf("Pending after all fired = %d, want 0", n)
	}
}

func TestManual_NextIsTheEarliestWaitingChannel(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)
	c := New(start)
	if at, ok := c.Next(); ok {
		t.Fatalf("Next with nothing waiting = %v, true", at)
	}
	c.After(2 * time.Minute)
	c.After(time.Minute)
	if at, ok := c.Next(); !ok || !at.Equal(start.Add(time.Minute)) {
		t.Errorf("Next = %v, %v; want %v", at, ok, start.Add(time.Minute))
	}
	c.Set(start.Add(time.Minute))
	if at, ok := c.Next(); !ok || !at.Equal(start.Add(2*time.Minute)) {
		t.Errorf("after the first fired, Next = %v, %v; want %v", at, ok, start.Add(2*time.Minute))
	}
	c.Advance(time.Minute)
	if at, ok := c.Next(); ok {
		t.Errorf("Next after both fired = %v, true", at)
	}
}
