// Package syncbuf is the concurrency-safe buffer tests hand to loggers and
// to run's stdout and stderr: the code under test writes from its own
// goroutines while the test reads, and a test can wait for a line instead
// of sleeping.
package syncbuf

import (
	"bytes"
	"context"
	"fmt"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent writes and reads. The zero
// value is an empty buffer ready to use; a Buffer must not be copied after
// first use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// grew is closed, and replaced, by each Write, waking WaitFor.
	grew chan struct{}
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.b.Write(p)
	if b.grew != nil {
		close(b.grew)
		b.grew = nil
	}
	return n, err
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Bytes returns a copy of everything written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// WaitFor returns once the buffer holds s, or an error naming s when ctx
// ends first. It wakes on writes, so it never polls.
func (b *Buffer) WaitFor(ctx context.Context, s string) error {
	for {
		b.mu.Lock()
		if bytes.Contains(b.b.Bytes(), []byte(s)) {
			b.mu.Unlock()
			return nil
		}
		if b.grew == nil {
			b.grew = make(chan struct{})
		}
		grew := b.grew
		b.mu.Unlock()
		select {
		case <-grew:
		case <-ctx.Done():
			return fmt.Errorf("wait for %q in the output: %w", s, ctx.Err())
		}
	}
}
