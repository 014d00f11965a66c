package syncro

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// shouldRetry decides, without side effects, whether attempt (1-based) may
// be followed by another, and says why. resp is nil when err is a transport
// error.
//
//   - 429: retried for every method, POST included: Syncro refused it
//     before doing anything.
//   - 5xx and network errors: retried for GET, HEAD, PUT and DELETE only.
//     A POST may have been applied, and Syncro has no idempotency keys.
//   - Context cancellation is never retried.
func shouldRetry(method string, resp *http.Response, err error, attempt int) (bool, string) {
	if attempt >= maxAttempts {
		return false, "attempts exhausted"
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false, "context done"
		}
		if !idempotent(method) {
			return false, "network error on non-idempotent " + method
		}
		return true, "network error"
	}
	if resp == nil {
		return false, "no response"
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, "rate limited (429)"
	case resp.StatusCode >= 500:
		if !idempotent(method) {
			return false, "server error on non-idempotent " + method
		}
		return true, "server error (" + strconv.Itoa(resp.StatusCode) + ")"
	}
	return false, "not retryable status " + strconv.Itoa(resp.StatusCode)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// backoff is the ceiling of the wait after attempt: base*2^(attempt-1),
// capped; the client's jitter picks the actual wait below it.
func backoff(attempt int) time.Duration {
	d := backoffBase
	for i := 1; i < attempt && d < backoffCap; i++ {
		d *= 2
	}
	return min(d, backoffCap)
}

// retryAfter reads a Retry-After header as seconds or an HTTP date, falling
// back to defaultRetryAfter when it is absent or unusable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return defaultRetryAfter
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return defaultRetryAfter
		}
		if secs > 3600 {
			secs = 3600 // a garbage huge value should not park the bot for days
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			return 0
		}
		return min(d, time.Hour)
	}
	return defaultRetryAfter
}

// notSent reports whether a transport error happened before any byte of the
// request left (a failed dial), so the server cannot have acted on it.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
