package syncrotest

import (
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
)

// Option configures a Server built by New or NewServer.
type Option func(*config)

// TimeMode says what the account does with time fields on a ticket comment.
type TimeMode int

const (
	// TimeFromComments makes a comment carrying minutes_spent (with optional
	// product_id and bill_time_now) create a timer entry, charged at once when
	// bill_time_now is true: the way the seed's MSP logs time. It is the default.
	TimeFromComments TimeMode = iota
	// TimeIgnoredOnComments ignores product_id, minutes_spent and
	// bill_time_now on comments, as the swagger suggests.
	TimeIgnoredOnComments
)

// RetryAfterStyle says how a 429 answer carries Retry-After.
type RetryAfterStyle int

const (
	// RetryAfterSeconds sends Retry-After as a number of seconds (the default).
	RetryAfterSeconds RetryAfterStyle = iota
	// RetryAfterHTTPDate sends Retry-After as an HTTP date.
	RetryAfterHTTPDate
	// RetryAfterNone omits Retry-After.
	RetryAfterNone
)

// Endpoint names a list endpoint whose default page size can be set.
type Endpoint string

// List endpoints with their own default page size.
const (
	EndpointTickets      Endpoint = "tickets"       // GET /tickets, default 50
	EndpointComments     Endpoint = "comments"      // GET /tickets/{id}/comments, default 10
	EndpointTicketTimers Endpoint = "ticket_timers" // GET /ticket_timers, default 100
	EndpointCustomers    Endpoint = "customers"     // GET /customers, default 100
	EndpointContacts     Endpoint = "contacts"      // GET /contacts, default 50
	EndpointInvoices     Endpoint = "invoices"      // GET /invoices, default 25
)

// MaxPerPage is the largest per_page the Server honours.
const MaxPerPage = 100

// DefaultRateLimit is the default number of requests allowed per sliding
// 60-second window (Syncro's documented 180 per minute).
const DefaultRateLimit = 180

type config struct {
	apiKey     string
	seed       bool
	rateLimit  int
	retryAfter RetryAfterStyle
	pageSizes  map[Endpoint]int
	// maxPerPage caps per_page below MaxPerPage for some endpoints.
	maxPerPage map[Endpoint]int
	// noMeta are the list endpoints answering without paging info.
	noMeta map[Endpoint]bool
	// ticketsOldestFirst lists GET /tickets oldest first.
	ticketsOldestFirst bool
	loc                *time.Location
	now                func() time.Time
	timeMode           TimeMode
	invoiceStatus      string
	meUserID           int64
	// faultHeader makes the Server honour FaultHeader.
	faultHeader bool
	// currency is GET /settings' locale.currency_symbol.
	currency string
	// notClosedKeeps are closed statuses that "Not Closed" still returns.
	notClosedKeeps []string
	// faultWait is the Retry-After, in seconds, of the FaultRateLimit faults.
	faultWait int
	// priorities, when set, are GET /settings' ticket.priorities.
	priorities []string
}

func defaultConfig() config {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		loc = time.FixedZone("PST", -8*3600)
	}
	return config{
		apiKey:    DefaultAPIKey,
		seed:      true,
		rateLimit: DefaultRateLimit,
		faultWait: 30,
		pageSizes: map[Endpoint]int{
			EndpointTickets:      50,
			EndpointComments:     10,
			EndpointTicketTimers: 100,
			EndpointCustomers:    100,
			EndpointContacts:     50,
			EndpointInvoices:     25,
		},
		loc:      loc,
		now:      time.Now,
		meUserID: UserDana,
		currency: "$",
	}
}

// WithAPIKey sets the API key the Server accepts (default DefaultAPIKey).
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithSeed turns the deterministic seed data on (the default) or off.
func WithSeed(on bool) Option { return func(c *config) { c.seed = on } }

// WithRateLimit sets the requests allowed per sliding 60-second window;
// 0 turns rate limiting off. The default is DefaultRateLimit.
func WithRateLimit(perMinute int) Option { return func(c *config) { c.rateLimit = perMinute } }

// WithFaultRetryAfter sets the wait the FaultRateLimit faults announce in
// Retry-After (default 30 s), whole seconds of at least 1: a test of work
// Syncro slows down waits as long as it needs to, not 30 s.
func WithFaultRetryAfter(d time.Duration) Option {
	return func(c *config) { c.faultWait = max(1, int(d/time.Second)) }
}

// WithRetryAfter sets how rate-limit 429s carry Retry-After (default seconds).
func WithRetryAfter(style RetryAfterStyle) Option { return func(c *config) { c.retryAfter = style } }

// WithPageSize sets the default page size of one list endpoint.
func WithPageSize(e Endpoint, n int) Option {
	return func(c *config) {
		if n > 0 {
			c.pageSizes[e] = n
		}
	}
}

// WithMaxPerPage makes one list endpoint honour per_page only up to n
// (default MaxPerPage), as an endpoint that pages more finely than asked:
// a client must follow total_pages, not assume one page holds what it
// asked for.
func WithMaxPerPage(e Endpoint, n int) Option {
	return func(c *config) {
		if n > 0 {
			if c.maxPerPage == nil {
				c.maxPerPage = map[Endpoint]int{}
			}
			c.maxPerPage[e] = n
		}
	}
}

// WithoutMeta makes one list endpoint answer with "meta": null, as the
// examples of several of Syncro's lists show no meta at all
// (docs/syncro-api.md, Pagination: UNCONFIRMED whether live lists ever
// do): a client cannot tell from the answer whether a later page exists.
func WithoutMeta(e Endpoint) Option {
	return func(c *config) {
		if c.noMeta == nil {
			c.noMeta = map[Endpoint]bool{}
		}
		c.noMeta[e] = true
	}
}

// WithTicketsOldestFirst makes GET /tickets list oldest first: Syncro's
// lists come newest first in practice, but their order is UNCONFIRMED
// (docs/syncro-api.md, Pagination), so a client must not depend on it.
func WithTicketsOldestFirst() Option { return func(c *config) { c.ticketsOldestFirst = true } }

// WithLocation sets the account time zone used in every timestamp
// (default America/Los_Angeles).
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc != nil {
			c.loc = loc
		}
	}
}

// WithClock sets the Server's clock (default time.Now); it drives created_at
// and updated_at of new records and the rate-limit window.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithTimeMode sets what comments do with time fields (default TimeFromComments).
func WithTimeMode(m TimeMode) Option { return func(c *config) { c.timeMode = m } }

// WithInvoiceSetsStatus makes POST /invoices with a ticket_id set that
// ticket's status to status. By default ("") the ticket status is left alone,
// since whether Syncro changes it is unconfirmed; the bot sets Invoiced itself.
func WithInvoiceSetsStatus(status string) Option {
	return func(c *config) { c.invoiceStatus = status }
}

// WithNotClosedReturning makes the "Not Closed" status filter return
// tickets in these closed statuses too, as real accounts have been seen to
// do with Invoiced (docs/syncro-api.md): the client must not trust the
// filter alone.
func WithNotClosedReturning(statuses ...string) Option {
	return func(c *config) { c.notClosedKeeps = append(c.notClosedKeeps, statuses...) }
}

// WithMe sets the user the API key belongs to (default UserDana): the
// subject of GET /me and the default author of comments and timers.
func WithMe(userID int64) Option { return func(c *config) { c.meUserID = userID } }

// WithFaultHeader makes the Server answer a request carrying FaultHeader
// with the fault it names.
func WithFaultHeader() Option { return func(c *config) { c.faultHeader = true } }

// WithCurrency sets the account's currency symbol (GET /settings'
// locale.currency_symbol; default "$").
func WithCurrency(symbol string) Option { return func(c *config) { c.currency = symbol } }

// WithPriorities sets the account's ticket priorities (GET /settings'
// ticket.priorities; default "", "0 Urgent", "1 High", "2 Normal", "3 Low").
func WithPriorities(priorities ...string) Option {
	return func(c *config) { c.priorities = priorities }
}

// SetCurrency changes the account's currency symbol, as an admin would in
// Syncro's settings.
func (s *Server) SetCurrency(symbol string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.currency = symbol
}

// SetTimeMode switches what comments do with time fields.
func (s *Server) SetTimeMode(m TimeMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.timeMode = m
}

// SetRateLimit changes the requests allowed per sliding 60-second window
// (0 = off) and forgets the requests counted so far.
func (s *Server) SetRateLimit(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.rateLimit = perMinute
	s.hits = nil
}

// SetRetryAfter changes how rate-limit 429s carry Retry-After.
func (s *Server) SetRetryAfter(style RetryAfterStyle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.retryAfter = style
}

// Location returns the account time zone.
func (s *Server) Location() *time.Location {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.loc
}

// ManualClock is a clock for tests that moves only when told (shared with
// slackfake); pass its Now to WithClock. It is safe for concurrent use.
type ManualClock = fakeclock.Manual

// NewManualClock returns a ManualClock reading t.
func NewManualClock(t time.Time) *ManualClock { return fakeclock.New(t) }
