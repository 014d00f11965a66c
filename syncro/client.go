// Package syncro is a client for the Syncro MSP REST API v1.
//
// It is shaped like google/go-github: one Client owns a single
// NewRequest/Do path (headers, JSON, throttle, retries, error mapping) and
// thin typed services hang off it (client.Tickets, client.Customers, ...).
// Every method takes a context first and returns the decoded value, the
// *Response (throttle wait, attempts, paging meta) and an error that can be
// tested with errors.Is against ErrNotFound, ErrUnauthorized, ErrValidation,
// ErrRateLimited and ErrOutcomeUnknown.
//
// The API key is never put in a URL, and never printed: APIKey redacts itself
// in fmt, slog and JSON, and transport errors are rewritten so their URLs are
// key-free.
package syncro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Defaults that shape how the client treats Syncro; they live in one place
// so the reasons stay next to the numbers.
const (
	// DefaultRatePerMinute is Syncro's published limit: 180 requests per
	// minute per source IP (swagger info.description and the help page).
	DefaultRatePerMinute = 180

	// rateHeadroom is the fraction of the limit the limiter actually runs at.
	// Syncro counts requests when they arrive, and network jitter can bunch
	// our evenly spaced sends together; 2% headroom absorbs about a second of
	// bunching per minute at 180/min for a 2% throughput cost.
	rateHeadroom = 0.98

	// maxBurst is how many requests may go at once after a quiet spell: a
	// standup's burst of `ticket N` over 20 tickets is 20 distinct reads,
	// and with a burst of 3 the twentieth waited 5.8 s (BENCHMARKS.md).
	// The rate pays for it, so that no minute window can exceed the limit:
	// burst + rate*60s <= RatePerMinute*rateHeadroom (see newLimiter).
	// Syncro documents a limit per minute only (docs/syncro-api.md §2);
	// the "at most 3 requests/s" there is a recommendation derived from
	// it, which 20 at once departs from for the minute's sake.
	maxBurst = 20

	// burstShare bounds the burst to a ninth of the per-minute limit, so a
	// small limit keeps most of its budget for the steady rate: 20 at
	// 180/min, 6 at 60/min, 1 below 18/min.
	burstShare = 9

	// maxAttempts bounds every request: the first try plus two retries.
	maxAttempts = 3

	// defaultRetryAfter is used when a 429 carries no usable Retry-After;
	// a full minute is the only wait guaranteed to clear a per-minute window.
	defaultRetryAfter = 60 * time.Second

	// backoffBase and backoffCap shape the exponential backoff for 5xx and
	// network errors on idempotent requests.
	backoffBase = 500 * time.Millisecond
	backoffCap  = 8 * time.Second

	// maxErrorBody is how much of a non-JSON error body is kept (HTML pages
	// can be large; the head says enough).
	maxErrorBody = 2048

	// maxResponseBody guards against a runaway response filling memory.
	maxResponseBody = 32 << 20

	// defaultPerPage is what list calls ask for; Syncro may ignore it, so
	// paging always follows meta.total_pages instead of assuming a size.
	defaultPerPage = 100

	userAgent = "syncrobot-syncro/1"
)

// Config configures a Client. The zero value of every field but APIKey and
// one of Subdomain/BaseURL is usable.
type Config struct {
	// Subdomain is the account's subdomain: "acme" for
	// https://acme.syncromsp.com/api/v1/.
	Subdomain string
	// BaseURL, when set, overrides Subdomain with a full base URL such as
	// "http://127.0.0.1:8080/api/v1/" (tests, proxies). A missing trailing
	// slash is added.
	BaseURL string
	// APIKey is the Syncro API token; it is sent as "Authorization: Bearer".
	APIKey APIKey
	// RatePerMinute is the request budget shared by every goroutine using
	// this client; default DefaultRatePerMinute.
	RatePerMinute int
	// HTTPClient sends the requests; default a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger receives one debug line per attempt and warnings for retries;
	// default discards.
	Logger *slog.Logger
	// OnRateLimited, if set, is called before the client waits out a 429,
	// so a chat front end can say "Syncro is rate limiting, retrying in N s".
	OnRateLimited func(wait time.Duration)
	// UserAgent overrides the User-Agent header.
	UserAgent string
	// Observe, if set, is called once per attempt that was sent (or failed
	// in transport), so metrics can count requests without wrapping the
	// transport. It runs on the caller's goroutine and must be fast.
	Observe func(Attempt)
	// OnTickets, if set, is given every ticket record a call decoded from
	// Syncro (a list page, a ticket read, the answer to a create or an
	// update), so a mirror of the account stays current with whatever the
	// bot reads or writes. It runs on the caller's goroutine, before the
	// call returns, and must not keep or change the slice's tickets.
	OnTickets func([]Ticket)

	// Sleep is a test hook replacing the retry/backoff wait; it must return
	// ctx.Err() if ctx ends first. The throttle itself always uses real time.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter is a test hook mapping a backoff ceiling to the actual wait;
	// default picks uniformly in [d/2, d].
	Jitter func(d time.Duration) time.Duration
	// Now is a test hook for the clock used to read Retry-After dates.
	Now func() time.Time
}

// Client talks to one Syncro account. It is safe for concurrent use; all
// goroutines share its rate limiter, which serves the people waiting for
// it in turn and before background work (WithRequester).
type Client struct {
	baseURL *url.URL
	// key is behind a pointer so even a copied Client value printed with
	// %v shows an address, never the token.
	key           *APIKey
	userAgent     string
	http          *http.Client
	logger        *slog.Logger
	limiter       *rate.Limiter
	sched         *scheduler
	ratePerMinute int
	onRateLimited func(time.Duration)
	sleep         func(context.Context, time.Duration) error
	jitter        func(time.Duration) time.Duration
	now           func() time.Time
	observe       func(Attempt)
	onTickets     func([]Ticket)
	throttled     atomic.Int64 // cumulative nanoseconds spent in the limiter

	// Tickets covers /tickets, ticket comments and ticket line items.
	Tickets *TicketsService
	// Timers covers ticket timer entries and /ticket_timers.
	Timers *TimersService
	// Customers covers /customers.
	Customers *CustomersService
	// Contacts covers /contacts.
	Contacts *ContactsService
	// Invoices covers /invoices and their line items.
	Invoices *InvoicesService
	// Products covers /products.
	Products *ProductsService
	// Users covers /users and /me.
	Users *UsersService
	// Settings covers /settings and /tickets/settings.
	Settings *SettingsService
}

type service struct{ client *Client }

// NewClient validates cfg and returns a ready Client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("syncro: new client: APIKey is required")
	}
	base, err := baseURL(cfg)
	if err != nil {
		return nil, fmt.Errorf("syncro: new client: %w", err)
	}
	if cfg.RatePerMinute < 0 {
		return nil, fmt.Errorf("syncro: new client: RatePerMinute %d is negative", cfg.RatePerMinute)
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = DefaultRatePerMinute
	}
	c := &Client{
		baseURL:       base,
		key:           &cfg.APIKey,
		userAgent:     cfg.UserAgent,
		http:          cfg.HTTPClient,
		logger:        cfg.Logger,
		limiter:       newLimiter(cfg.RatePerMinute),
		ratePerMinute: cfg.RatePerMinute,
		onRateLimited: cfg.OnRateLimited,
		sleep:         cfg.Sleep,
		jitter:        cfg.Jitter,
		now:           cfg.Now,
		observe:       cfg.Observe,
		onTickets:     cfg.OnTickets,
	}
	c.sched = newScheduler(c.limiter)
	if c.userAgent == "" {
		c.userAgent = userAgent
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	// A copy, so the caller's client is left as it was.
	hc := *c.http
	hc.CheckRedirect = refuseRedirect
	c.http = &hc
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.jitter == nil {
		c.jitter = func(d time.Duration) time.Duration {
			if d <= 1 {
				return d
			}
			return d/2 + rand.N(d/2+1)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	s := service{c}
	c.Tickets = (*TicketsService)(&s)
	c.Timers = (*TimersService)(&s)
	c.Customers = (*CustomersService)(&s)
	c.Contacts = (*ContactsService)(&s)
	c.Invoices = (*InvoicesService)(&s)
	c.Products = (*ProductsService)(&s)
	c.Users = (*UsersService)(&s)
	c.Settings = (*SettingsService)(&s)
	return c, nil
}

func baseURL(cfg Config) (*url.URL, error) {
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil {
			// url.Parse errors quote the input; it may hold credentials.
			return nil, errors.New("BaseURL is not a valid URL")
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("BaseURL %q must be an absolute http(s) URL", redactURL(u))
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		u.RawPath = ""
		return u, nil
	}
	sub := strings.ToLower(strings.TrimSpace(cfg.Subdomain))
	if sub == "" {
		return nil, errors.New("Subdomain or BaseURL is required")
	}
	if !IsSubdomain(sub) {
		return nil, fmt.Errorf("subdomain %q is not a bare account name like \"acme\"", cfg.Subdomain)
	}
	return url.Parse(APIBaseURL(sub))
}

// newLimiter builds the shared token bucket. With burst b and rate r, any
// window of length T admits at most b + r*T requests, so r is chosen so that
// b + r*60s stays under the published per-minute limit by rateHeadroom: at
// 180/min a burst of 20, then 156.4 a minute (176.4 in any 60 s window).
func newLimiter(perMinute int) *rate.Limiter {
	burst := min(maxBurst, max(1, perMinute/burstShare))
	perMin := float64(perMinute)*rateHeadroom - float64(burst)
	if perMin <= 0 {
		perMin = float64(perMinute) / 2
	}
	return rate.NewLimiter(rate.Limit(perMin/60), burst)
}

// BaseURL returns the base every request path is resolved against.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// ThrottleWaited is the total time all callers have spent waiting for this
// client's rate limiter.
func (c *Client) ThrottleWaited() time.Duration { return time.Duration(c.throttled.Load()) }

// String describes the client without its key.
func (c *Client) String() string {
	return fmt.Sprintf("syncro.Client{BaseURL: %q, APIKey: %s, RatePerMinute: %d}", redactURL(c.baseURL), *c.key, c.ratePerMinute)
}

// GoString is String, so %#v cannot reach the key through unexported fields.
func (c *Client) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s, ...) print String.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the client without its key.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", redactURL(c.baseURL)), slog.Int("rate_per_minute", c.ratePerMinute))
}

// Response wraps the final *http.Response of a call with what the client
// learned on the way.
type Response struct {
	*http.Response
	// ThrottleWait is how long this call waited for the rate limiter,
	// summed over its attempts.
	ThrottleWait time.Duration
	// RetryWait is how long this call slept before retries (429 and backoff).
	RetryWait time.Duration
	// Attempts is how many requests were sent (or tried) for this call.
	Attempts int
	// Meta is the list envelope's paging info, nil when the body had none.
	Meta *Meta

	body []byte // the 2xx body, for calls whose shape is undocumented
	// method and path name the call, for errors about its 2xx body.
	method, path string
}

// Date is Syncro's clock when it answered: the answer's Date header (an
// HTTP server's own clock, RFC 9110 §6.6.1, to the second), zero when
// there is no answer or it carries no readable Date. Syncro stamps
// created_at with that clock, which may be minutes off the bot's.
func (r *Response) Date() time.Time {
	if r == nil || r.Response == nil {
		return time.Time{}
	}
	d, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return d
}

// NewRequest builds a request for path, which is relative to the base URL
// and must not start with "/" (that would escape /api/v1/). A non-nil body
// is encoded as JSON.
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("syncro: %s %s: path must be relative to the base URL", method, path)
	}
	rel, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("syncro: %s %s: parse path: %w", method, path, err)
	}
	u := c.baseURL.ResolveReference(rel)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var buf []byte
	if body != nil {
		buf, err = json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("syncro: %s %s: encode body: %w", method, path, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("syncro: %s %s: %w", method, path, err)
	}
	if body == nil {
		req.Body = http.NoBody
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		req.ContentLength = 0
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		// Without it Syncro answers a 400 HTML page (S5).
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// Do sends req, throttled and retried as shouldRetry decides, and decodes a
// 2xx JSON body into v (if v is non-nil). Non-2xx answers become *Error; a
// 2xx body that does not decode into v is ErrOutcomeUnknown for a write.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	ctx := req.Context()
	path := req.URL.Path
	method := req.Method
	resp := &Response{method: method, path: path}
	for attempt := 1; ; attempt++ {
		resp.Attempts = attempt
		waitedBefore := resp.ThrottleWait
		if err := c.throttle(ctx, resp); err != nil {
			return resp, fmt.Errorf("syncro: %s %s: waiting for rate limiter: %w", method, path, err)
		}
		r := req.Clone(ctx)
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return resp, fmt.Errorf("syncro: %s %s: rewind body: %w", method, path, err)
			}
			r.Body = body
		}
		// Set here, not in NewRequest, so a request built elsewhere still
		// authenticates and the header never lingers on a shared value.
		r.Header.Set("Authorization", "Bearer "+string(*c.key))

		start := time.Now()
		httpResp, err := c.http.Do(r)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(httpResp.Body, maxResponseBody))
			httpResp.Body.Close()
			if err != nil {
				err = fmt.Errorf("read body: %w", err)
			}
			resp.Response = httpResp
		}
		err = c.sanitize(err)
		c.logAttempt(ctx, method, path, attempt, httpResp, err, time.Since(start))
		if c.observe != nil {
			c.observe(c.attemptOf(method, path, httpResp, time.Since(start), resp.ThrottleWait-waitedBefore))
		}

		if err == nil && httpResp.StatusCode >= 200 && httpResp.StatusCode < 300 {
			resp.body = body
			if err := decodeBody(body, v, resp); err != nil {
				return resp, unusableAnswer(method, path, err)
			}
			return resp, nil
		}

		var apiErr *Error
		if err == nil {
			apiErr = newError(method, path, httpResp, body)
			c.maskKey(apiErr)
			if httpResp.StatusCode == http.StatusTooManyRequests {
				apiErr.RetryAfter = retryAfter(httpResp.Header.Get("Retry-After"), c.now())
			}
		}
		retry, reason := shouldRetry(method, httpResp, err, attempt)
		if !retry {
			return resp, c.finalError(method, path, httpResp, apiErr, err)
		}

		var wait time.Duration
		if httpResp != nil && httpResp.StatusCode == http.StatusTooManyRequests {
			wait = apiErr.RetryAfter
			if c.onRateLimited != nil {
				c.onRateLimited(wait)
			}
			if f, ok := ctx.Value(rateLimitNoticeKey{}).(func(time.Duration)); ok {
				f(wait)
			}
		} else {
			wait = c.jitter(backoff(attempt))
		}
		c.logger.WarnContext(ctx, "syncro: retrying", "method", method, "path", path, "attempt", attempt, "reason", reason, "wait", wait)
		if serr := c.sleep(ctx, wait); serr != nil {
			last := c.finalError(method, path, httpResp, apiErr, err)
			return resp, fmt.Errorf("%w (gave up waiting to retry: %w)", last, serr)
		}
		resp.RetryWait += wait
	}
}

// throttle waits for the shared limiter, in turn with the other
// requesters (throttle.go), and records how long that took.
func (c *Client) throttle(ctx context.Context, resp *Response) error {
	start := time.Now()
	err := c.sched.wait(ctx, Requester(ctx))
	waited := time.Since(start)
	resp.ThrottleWait += waited
	c.throttled.Add(int64(waited))
	return err
}

// finalError turns the last attempt's outcome into the error callers see.
func (c *Client) finalError(method, path string, httpResp *http.Response, apiErr *Error, netErr error) error {
	if apiErr != nil {
		if method == http.MethodPost && httpResp.StatusCode >= 500 {
			// Syncro has no idempotency keys: a 5xx after the body was sent
			// may still have created the record.
			apiErr.OutcomeUnknown = true
		}
		return apiErr
	}
	if method == http.MethodPost && !notSent(netErr) {
		return fmt.Errorf("syncro: %s %s: %w: %w", method, path, ErrOutcomeUnknown, netErr)
	}
	return fmt.Errorf("syncro: %s %s: %w", method, path, netErr)
}

// unusableAnswer is the error for a 2xx whose body is of no use: it does not
// decode, or lacks the record. A write answered that way was most likely
// applied: Syncro said 2xx (a create read as failed is how duplicates were
// made, docs/syncro-api.md §4.1; an update read as failed told a tech
// "couldn't" about a change Syncro held). So for any write (POST, PUT,
// PATCH, DELETE) its outcome is unknown and the caller reads back before
// telling or writing again. A read changed nothing, so for it the error is
// an ordinary one.
func unusableAnswer(method, path string, err error) error {
	if writes(method) {
		return fmt.Errorf("syncro: %s %s: %w: %w", method, path, ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("syncro: %s %s: %w", method, path, err)
}

// writes reports whether method may change what Syncro holds.
func writes(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func (c *Client) logAttempt(ctx context.Context, method, path string, attempt int, resp *http.Response, err error, took time.Duration) {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{"method", method, "path", path, "attempt", attempt, "took", took}
	if resp != nil {
		attrs = append(attrs, "status", resp.StatusCode)
	}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	c.logger.DebugContext(ctx, "syncro: request", attrs...)
}

// Attempt describes one request attempt for Config.Observe. It carries no
// key, query or raw id, so it is safe to turn into metric labels.
type Attempt struct {
	// Endpoint is the path template below the base URL with ids replaced,
	// e.g. "/tickets/:id/comment".
	Endpoint string
	Method   string
	// Status is the HTTP status, 0 when the attempt failed in transport.
	Status int
	// Duration is how long the attempt took on the wire (throttle excluded).
	Duration time.Duration
	// ThrottleWait is how long the attempt waited for the rate limiter.
	ThrottleWait time.Duration
	// RateLimited is true when Syncro answered 429.
	RateLimited bool
}

// literalSegment is a path segment kept as is in an endpoint template
// ("tickets", "add_line_item"); anything else (ids, invoice numbers) is an
// id, so raw record ids never become metric labels.
var literalSegment = regexp.MustCompile(`^[a-z][a-z_]*$`)

// EndpointTemplate turns a request path (absolute, under base path
// basePath) into its template: "/api/v1/tickets/123/comment" with base
// "/api/v1/" is "/tickets/:id/comment".
func EndpointTemplate(basePath, path string) string {
	rest := strings.Trim(strings.TrimPrefix(path, strings.TrimSuffix(basePath, "/")), "/")
	if rest == "" {
		return "/"
	}
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		if !literalSegment.MatchString(s) {
			segs[i] = ":id"
		}
	}
	return "/" + strings.Join(segs, "/")
}

func (c *Client) attemptOf(method, path string, resp *http.Response, took, throttled time.Duration) Attempt {
	a := Attempt{Endpoint: EndpointTemplate(c.baseURL.Path, path), Method: method, Duration: took, ThrottleWait: throttled}
	if resp != nil {
		a.Status = resp.StatusCode
		a.RateLimited = resp.StatusCode == http.StatusTooManyRequests
	}
	return a
}

// decodeBody decodes a 2xx body into v and picks up the list meta. A body
// that is empty is fine when the caller wants nothing from it, and so is
// a read's that is not JSON (Syncro answers GET /callerid with the plain
// text "Disabled", docs/syncro-api.md §4.11); a write's that is not JSON
// is an error.
func decodeBody(body []byte, v any, resp *Response) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var env struct {
			Meta *Meta `json:"meta"`
		}
		if json.Unmarshal(trimmed, &env) == nil {
			resp.Meta = env.Meta
		}
	}
	if v == nil {
		// No record is read, but a write's body that is not JSON at all
		// (a sign-in page, a body cut off) is not Syncro's answer: a
		// DELETE answered so was told done while Syncro still held the
		// record.
		if len(trimmed) > 0 && writes(resp.method) && !json.Valid(trimmed) {
			return errors.New("decode response: not JSON")
		}
		return nil
	}
	if len(trimmed) == 0 {
		return errors.New("decode response: empty body")
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Ptr returns a pointer to v, for the optional fields of request structs.
func Ptr[T any](v T) *T { return &v }

// rateLimitNoticeKey carries a per-call rate-limit callback in a context.
type rateLimitNoticeKey struct{}

// WithRateLimitNotice returns a context whose Syncro calls report each 429
// wait to notice before waiting it out, so the person whose command is
// being slowed down can be told ("Syncro is rate limiting, retrying in
// 30 s") while Config.OnRateLimited serves process-wide uses like metrics.
func WithRateLimitNotice(ctx context.Context, notice func(wait time.Duration)) context.Context {
	return context.WithValue(ctx, rateLimitNoticeKey{}, notice)
}
