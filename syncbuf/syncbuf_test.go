package syncbuf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestBuffer_ConcurrentWritesAllArrive(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { fmt.Fprintf(&b, "line %d\n", i) })
	}
	for range 20 {
		wg.Go(func() { _ = b.String() })
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 20 {
		t.Errorf("%d lines, want 20:\n%s", n, b.String())
	}
}

func TestBuffer_BytesIsACopy(t *testing.T) {
	t.Parallel()
	var b Buffer
	b.Write([]byte("abc"))
	got := b.Bytes()
	got[0] = 'x'
	if b.String() != "abc" {
		t.Errorf("buffer changed through Bytes: %q", b.String())
	}
}

func TestBuffer_WaitForWakesOnTheWriteThatCompletesIt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var b Buffer
		done := make(chan error, 1)
		go func() { done <- b.WaitFor(t.Context(), "msg=ready") }()
		// Halves of the line arrive in separate writes, as a logger's may.
		b.Write([]byte("level=INFO msg=rea"))
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("WaitFor returned (%v) on half the line", err)
		default:
		}
		b.Write([]byte("dy\n"))
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatal("WaitFor still waits after the line arrived")
		}
		// Already there: returns at once.
		if err := b.WaitFor(t.Context(), "msg=ready"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBuffer_WaitForStopsWithTheContext(t *testing.T) {
	t.Parallel()
	var b Buffer
	b.Write([]byte("something else\n"))
	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	err := b.WaitFor(ctx, "never")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `"never"`) {
		t.Errorf("err = %v", err)
	}
}
