// Package slackfake is an in-process fake of the Slack platform for tests and
// the offline demo: a Web API under /api/, a Socket Mode WebSocket under
// /link/ and per-interaction response URLs under /response/.
//
// slack-go's socketmode client connects to it unmodified when built with
// slack.OptionAPIURL(fake.APIURL()). Tests drive the bot the way Slack does
// (SlashCommand, BlockAction, ViewSubmission, BlockSuggestion, Shortcut,
// Post with its link_shared, Disconnect, DropConnections) and then inspect
// what the bot did (Calls, Messages, Thread, Ephemerals, Views,
// ResponsePosts, Unfurls), waiting with WaitCall or WaitUntil
// instead of sleeping.
package slackfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/fakeclock"
)

// Defaults used when no Option overrides them. They mirror Slack's limits
// (see docs/slack-platform.md §5).
const (
	DefaultTeamID       = "T0HOME"
	DefaultTeamDomain   = "home"
	DefaultTeamName     = "Home MSP"
	DefaultAppID        = "A0SYNCRO"
	DefaultBotUserID    = "U0SYNCROBOT"
	DefaultBotID        = "B0SYNCRO"
	DefaultBotName      = "syncro"
	DefaultBotToken     = "xoxb-fake-bot-token"
	DefaultAppToken     = "xapp-fake-app-token"
	DefaultPingInterval = 5 * time.Second
	// DefaultAckDeadline is how long Slack waits for an envelope's ack.
	DefaultAckDeadline = 3 * time.Second
	// DefaultTriggerTTL is how long a trigger_id stays usable.
	DefaultTriggerTTL = 3 * time.Second
	// ResponseURLMaxPosts is how many posts one response_url accepts.
	ResponseURLMaxPosts = 5
	// ResponseURLTTL is how long a response_url stays usable.
	ResponseURLTTL = 30 * time.Minute
	// ViewStackLimit is the number of views a modal stack may hold.
	ViewStackLimit = 3
	// MaxHomeBlocks is the most blocks a published Home tab may hold.
	MaxHomeBlocks = 100
	// DisconnectGrace is how long a socket told to disconnect may stay open
	// before the fake closes it.
	DisconnectGrace = 5 * time.Second
)

// ErrAckTimeout is returned when the bot did not ack an envelope within the
// ack deadline.
var ErrAckTimeout = errors.New("slackfake: envelope not acked within deadline")

// ErrClosed is returned by operations on a closed Fake.
var ErrClosed = errors.New("slackfake: closed")

// Clock tells the fake what time it is; used for trigger_id and response_url
// expiry, message timestamps and call times.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that only moves when told to (shared with
// syncrotest). Safe for concurrent use.
type ManualClock = fakeclock.Manual

// NewManualClock returns a ManualClock showing t.
func NewManualClock(t time.Time) *ManualClock { return fakeclock.New(t) }

// User is a Slack user the fake knows about (users.info).
type User struct {
	ID       string
	TeamID   string // empty means the home team; another id makes a Slack Connect user
	Name     string
	RealName string
	Email    string
	IsBot    bool
	IsAdmin  bool
	Deleted  bool
	TZ       string
	// IsRestricted marks a multi-channel guest, IsUltraRestricted a
	// single-channel guest (users.info is_restricted, is_ultra_restricted).
	IsRestricted      bool
	IsUltraRestricted bool
}

// Channel is a conversation the fake knows about (conversations.info).
type Channel struct {
	ID        string
	Name      string
	IsPrivate bool
	IsIM      bool
	// IsExtShared marks a channel shared with another workspace (Slack
	// Connect), IsPendingExtShared one invited to be and not accepted
	// yet, IsOrgShared one shared across the workspaces of an Enterprise
	// Grid org. IsShared marks a channel shared some other way; Slack
	// sets is_shared for ext- and org-shared channels too.
	IsExtShared        bool
	IsPendingExtShared bool
	IsOrgShared        bool
	IsShared           bool
	// IsMpIM marks a group DM; User is the other person of a DM (IsIM).
	IsMpIM bool
	User   string
	// BotNotInChannel makes chat.postMessage to this channel fail with
	// not_in_channel.
	BotNotInChannel bool
}

type config struct {
	teamID, teamDomain, teamName string
	appID                        string
	botUserID, botID, botName    string
	botToken, appToken           string
	clock                        Clock
	pingInterval                 time.Duration
	ackDeadline                  time.Duration
	triggerTTL                   time.Duration
	baseURL                      string
	users                        []User
	channels                     []Channel
	userGroups                   map[string][]string
	unfurlDomains                []string
	spread                       bool
}

// Option configures a Fake.
type Option func(*config)

// WithTeam sets the home workspace id, domain and name.
func WithTeam(id, domain, name string) Option {
	return func(c *config) { c.teamID, c.teamDomain, c.teamName = id, domain, name }
}

// WithAppID sets the app id reported in payloads and hello frames.
func WithAppID(id string) Option { return func(c *config) { c.appID = id } }

// WithBotUser sets the bot's user id, bot id and name (auth.test).
func WithBotUser(userID, botID, name string) Option {
	return func(c *config) { c.botUserID, c.botID, c.botName = userID, botID, name }
}

// WithBotToken sets the xoxb- token the Web API accepts.
func WithBotToken(tok string) Option { return func(c *config) { c.botToken = tok } }

// WithAppToken sets the xapp- token apps.connections.open accepts.
func WithAppToken(tok string) Option { return func(c *config) { c.appToken = tok } }

// WithClock injects the clock used for expiry and timestamps.
func WithClock(clk Clock) Option { return func(c *config) { c.clock = clk } }

// WithPingInterval sets how often the fake sends WebSocket pings.
func WithPingInterval(d time.Duration) Option { return func(c *config) { c.pingInterval = d } }

// WithAckDeadline sets how long envelope senders wait for an ack; 0 waits
// only on the caller's context.
func WithAckDeadline(d time.Duration) Option { return func(c *config) { c.ackDeadline = d } }

// WithTriggerTTL sets how long a trigger_id stays valid (measured on the Clock).
func WithTriggerTTL(d time.Duration) Option { return func(c *config) { c.triggerTTL = d } }

// WithBaseURL sets the absolute URL (ending in "/") at which Handler is
// mounted, for use without Start; it is used to mint WebSocket and
// response URLs. Without it, a mounted fake learns its base from the Host
// of the first Web API request.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithSpreadEnvelopes delivers each envelope to the next usable socket in
// turn, as Slack spreads envelopes across an app's connections, instead
// of always to the newest: with two bots connected, two clicks in a row
// reach different bots.
func WithSpreadEnvelopes() Option { return func(c *config) { c.spread = true } }

// WithUsers seeds users for users.info.
func WithUsers(users ...User) Option {
	return func(c *config) { c.users = append(c.users, users...) }
}

// WithChannels seeds channels for conversations.info.
func WithChannels(chs ...Channel) Option {
	return func(c *config) { c.channels = append(c.channels, chs...) }
}

// Fake is a fake Slack: Web API, Socket Mode and response URLs. Create it
// with New or NewServer; all methods are safe for concurrent use.
type Fake struct {
	cfg     config
	handler http.Handler

	srv *http.Server
	ln  net.Listener
	wg  sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool
	done    chan struct{} // closed by Close
	seq     int           // source of ids and timestamps
	st      state
}

// New returns a Fake configured by opts. Call Start to listen on loopback,
// or mount Handler yourself (then pass WithBaseURL).
func New(opts ...Option) *Fake {
	cfg := config{
		teamID: DefaultTeamID, teamDomain: DefaultTeamDomain, teamName: DefaultTeamName,
		appID:     DefaultAppID,
		botUserID: DefaultBotUserID, botID: DefaultBotID, botName: DefaultBotName,
		botToken: DefaultBotToken, appToken: DefaultAppToken,
		clock:        systemClock{},
		pingInterval: DefaultPingInterval,
		ackDeadline:  DefaultAckDeadline,
		triggerTTL:   DefaultTriggerTTL,
	}
	for _, o := range opts {
		o(&cfg)
	}
	f := &Fake{cfg: cfg, changed: make(chan struct{}), done: make(chan struct{})}
	f.st.init(cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", f.serveAPI)
	mux.HandleFunc("/link/", f.serveSocket)
	mux.HandleFunc("/response/", f.serveResponseURL)
	f.handler = mux
	return f
}

// NewServer starts a Fake on loopback and closes it when t ends.
func NewServer(t testing.TB, opts ...Option) *Fake {
	t.Helper()
	f := New(opts...)
	if err := f.Start(); err != nil {
		t.Fatalf("slackfake: start: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// Start listens on 127.0.0.1 on a free port and serves Handler.
func (f *Fake) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("slackfake: listen: %w", err)
	}
	f.mu.Lock()
	f.ln = ln
	f.srv = &http.Server{Handler: f.handler, ReadHeaderTimeout: 10 * time.Second}
	f.cfg.baseURL = "http://" + ln.Addr().String() + "/"
	srv := f.srv
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		_ = srv.Serve(ln)
	}()
	return nil
}

// Handler serves /api/, /link/ and /response/; a demo can mount it.
func (f *Fake) Handler() http.Handler { return f.handler }

// BaseURL is the absolute URL the fake is served at, ending in "/".
func (f *Fake) BaseURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg.baseURL
}

// APIURL is the Web API base for slack.OptionAPIURL, ending in "/api/".
func (f *Fake) APIURL() string { return f.BaseURL() + "api/" }

// TeamID is the home workspace id.
func (f *Fake) TeamID() string { return f.cfg.teamID }

// BotToken is the xoxb- token the fake accepts.
func (f *Fake) BotToken() string { return f.cfg.botToken }

// AppToken is the xapp- token the fake accepts.
func (f *Fake) AppToken() string { return f.cfg.appToken }

// BotUserID is the bot's user id.
func (f *Fake) BotUserID() string { return f.cfg.botUserID }

// Close stops the server, closes every socket and waits for the fake's
// goroutines. It is safe to call more than once.
func (f *Fake) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	close(f.done)
	srv := f.srv
	conns := f.st.liveConns()
	f.bumpLocked()
	f.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
	for _, c := range conns {
		c.close()
	}
	f.wg.Wait()
}

// bumpLocked wakes every waiter; f.mu must be held.
func (f *Fake) bumpLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// nextSeqLocked returns a fresh sequence number; f.mu must be held.
func (f *Fake) nextSeqLocked() int {
	f.seq++
	return f.seq
}

// WaitUntil blocks until cond returns true or ctx ends. cond is re-checked
// after every change to the fake's state (calls, acks, connections,
// messages), so it may call the fake's accessors; it must not block.
func (f *Fake) WaitUntil(ctx context.Context, cond func() bool) error {
	for {
		f.mu.Lock()
		ch, closed := f.changed, f.closed
		f.mu.Unlock()
		if cond() {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("slackfake: wait: %w", ctx.Err())
		}
	}
}

// responseBase returns the absolute base for response URLs.
func (f *Fake) responseBaseLocked() string {
	base := f.cfg.baseURL
	if base == "" {
		base = "http://slackfake.invalid/"
	}
	return base + "response/"
}
