// Package bot connects /syncro to Slack over Socket Mode: it acks every
// envelope at once, decodes it into the commands contract, runs the command
// handler in the background and sends the reply (response_url, ephemeral
// or channel messages, modals, notices).
//
// Data flows one way: Slack envelope → bot (ack, decode, who is asking) →
// commands (decide, call Syncro, build the reply) → bot (send). bot never
// calls Syncro; commands never sees a socket or a token.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Defaults for Config fields left zero. They live here so the reasons stay
// next to the numbers.
const (
	// DefaultMaxInFlight bounds handler goroutines running at once; past
	// it the bot answers "busy" instead of queueing work it cannot finish
	// in time.
	DefaultMaxInFlight = 128
	// DefaultMaxInFlightPerUser bounds one user's handlers running at
	// once (lanes.go): more than a person types in parallel, few enough
	// that one person's flood leaves the other slots to everyone else.
	DefaultMaxInFlightPerUser = 6
	// DefaultMaxQueuedPerUser bounds one user's commands waiting behind
	// their own running ones; past it they are told to try again.
	DefaultMaxQueuedPerUser = 200
	// DefaultQueueNoteAfter is how long a command waits behind its user's
	// own before they are told it is queued (at most once per
	// queueNoteEvery): long enough that a short wait says nothing.
	DefaultQueueNoteAfter = 3 * time.Second
	// DefaultShutdownGrace is how long work already talking to Syncro may
	// go on after Run's context ends (SIGTERM); work that has not reached
	// Syncro is answered "restarting" at once. docker stop kills 10 s after
	// SIGTERM (systemd waits 90 s): the grace, abandonWait for the last
	// replies of work cut off and socketCloseWait add up to 9 s, so the
	// bot is gone before that with a second to spare.
	DefaultShutdownGrace = 6 * time.Second
	// DefaultWorkTimeout bounds one handler run (Syncro calls included).
	DefaultWorkTimeout = 2 * time.Minute
	// DefaultNoticeInterval is Slack's chat.postMessage budget: about one
	// message per second per channel.
	DefaultNoticeInterval = time.Second
	// DefaultUserCacheTTL is how long users.info answers (email, name) are
	// reused; an email rarely changes within the hour.
	DefaultUserCacheTTL = time.Hour
	// DefaultChannelCacheTTL is how long a channel's shared flag is reused.
	DefaultChannelCacheTTL = 10 * time.Minute
	// DefaultGroupCacheTTL is how long a user group's members
	// (usergroups.users.list) are reused: someone removed from a group
	// loses access within this long.
	DefaultGroupCacheTTL = 5 * time.Minute
	// DefaultAPIURL is Slack's Web API base.
	DefaultAPIURL = "https://slack.com/api/"

	// suggestTimeout bounds a block_suggestion, whose options must be in
	// the ack: Slack gives up after 3 s.
	suggestTimeout = 2500 * time.Millisecond
	// ackTimeout bounds queueing one ack frame (the socket writer drains
	// the queue; it only fills while the socket is reconnecting).
	ackTimeout = 2 * time.Second
	// authTimeout bounds the auth.test made at start.
	authTimeout = 15 * time.Second
	// abandonWait is how long Run still waits, after the grace ran out
	// and work was cancelled, for handlers to notice and send their last
	// replies (each bounded by lastReplyTimeout).
	abandonWait = 2 * time.Second
	// lastReplyTimeout bounds sending the reply of work that shutdown or
	// its WorkTimeout cut off (or nearly); it stays under abandonWait,
	// which Run gives such work.
	lastReplyTimeout = 1500 * time.Millisecond
	// socketCloseWait bounds closing the Socket Mode connection at the end.
	socketCloseWait = time.Second
)

// commandHandler is what bot needs from package commands; *commands.Commands
// satisfies it, and tests pass a stub.
type commandHandler interface {
	Slash(ctx context.Context, r commands.Request) commands.Reply
	Quick(text string) (commands.Reply, bool)
	OpensModal(text string) bool
	Action(ctx context.Context, a commands.Action) commands.Reply
	ActionOpensModal(actionID string) bool
	// ActionIDs and CallbackIDs are the action_ids and view callback_ids
	// the commands registered: exactly the ones bot routes to them.
	ActionIDs() []string
	CallbackIDs() []string
	// IsLink reports a registered link button, acked with nothing.
	IsLink(actionID string) bool
	Validate(s commands.Submission) commands.FieldErrors
	Submit(ctx context.Context, s commands.Submission) commands.Reply
	Suggest(ctx context.Context, s commands.Suggestion) []*slack.OptionBlockObject
	// Startup returns what to tell whom once the bot is up (startup.go).
	Startup(ctx context.Context) []commands.Post
	// ShortcutIDs are the message shortcuts' callback_ids bot routes to
	// Shortcut (shortcuts.go).
	ShortcutIDs() []string
	ShortcutOpensModal(callbackID string) bool
	Shortcut(ctx context.Context, m commands.MessageAction) commands.Reply
	// HasHome and Home build a person's App Home tab (home.go).
	HasHome() bool
	Home(ctx context.Context, a commands.Actor) (slack.HomeTabViewRequest, bool)
	// Unfurl gives the previews of a message's links (unfurl.go).
	Unfurl(ctx context.Context, ls commands.LinkShared) commands.Previews
}

var _ commandHandler = (*commands.Commands)(nil)

// slackAPI lists the Slack Web API methods bot calls, so the rest of the
// package depends on these and nothing else (*slack.Client satisfies it).
type slackAPI interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	PushViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	UpdateViewContext(ctx context.Context, view slack.ModalViewRequest, externalID, hash, viewID string) (*slack.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
	GetPermalinkContext(ctx context.Context, params *slack.PermalinkParameters) (string, error)
	UnfurlMessageContext(ctx context.Context, channelID, timestamp string, unfurls map[string]slack.Attachment, options ...slack.MsgOption) (string, string, string, error)
}

// Config configures a Bot. BotToken, AppToken and Commands are required.
type Config struct {
	// BotToken (xoxb-…) signs every Web API call; AppToken (xapp-…) opens
	// the Socket Mode connection. Both print as REDACTED.
	BotToken config.Secret
	AppToken config.Secret
	// APIURL is the Web API base ending in "/"; default DefaultAPIURL.
	// Tests point it at slackfake.
	APIURL string
	// HTTPClient sends Web API and response_url requests; default a client
	// with a 30 s timeout.
	HTTPClient *http.Client

	// Commands answers the interactions; pass a *commands.Commands.
	Commands commandHandler

	// NotifyChannel (C…/G…) receives Reply.Notices; empty drops them.
	// Whoever made a notice about a ticket has claimed it already
	// (notice.Announcer), so bot posts each as it comes.
	NotifyChannel string
	// AllowedUsers, when not empty, lists the only Slack users (U…/W…)
	// and user groups (S…) who may use the bot. BillingUsers and
	// AdminUsers decide Actor.CanBill and Actor.CanAdmin; empty means
	// everyone, and an empty AdminUsers falls back to BillingUsers. A
	// group's members come from usergroups.users.list (scope
	// usergroups:read), cached for GroupCacheTTL; a failed lookup counts
	// as "not a member".
	AllowedUsers []string
	BillingUsers []string
	AdminUsers   []string
	// AllowGuests lets multi- and single-channel guests use the bot (they
	// are refused by default, as are deactivated and bot users). Even
	// then a guest bills or administers only when BillingUsers or
	// AdminUsers names them: an empty list grants members only.
	AllowGuests bool

	// Logger receives the bot's logs; default discards. Tokens never reach it.
	Logger *slog.Logger
	// Observer receives socket, ack, submission and notice events for
	// metrics; nil means none.
	Observer Observer

	// MaxInFlight bounds concurrent handler runs; default DefaultMaxInFlight.
	MaxInFlight int
	// MaxInFlightPerUser bounds one user's concurrent handler runs; the
	// rest of a user's commands wait behind their own, FIFO, up to
	// MaxQueuedPerUser. Defaults DefaultMaxInFlightPerUser and
	// DefaultMaxQueuedPerUser.
	MaxInFlightPerUser int
	MaxQueuedPerUser   int
	// QueueNoteAfter is how long a queued command waits before its person
	// is told so; default DefaultQueueNoteAfter.
	QueueNoteAfter time.Duration
	// ShutdownGrace is how long Run lets work that has reached Syncro go
	// on once its context ends; default DefaultShutdownGrace.
	ShutdownGrace time.Duration
	// WorkTimeout bounds one handler run; default DefaultWorkTimeout.
	WorkTimeout time.Duration
	// MaxQueueWait is how long an interaction queued behind its user's
	// own work waits for its turn before it is not run; default
	// WorkTimeout. Its own run, once it has its turn, is bounded by
	// WorkTimeout alone.
	MaxQueueWait time.Duration
	// NoticeInterval is the minimum gap between two notices in one
	// channel; default DefaultNoticeInterval.
	NoticeInterval time.Duration
	// UserCacheTTL and ChannelCacheTTL bound how long users.info and
	// conversations.info answers are reused; defaults DefaultUserCacheTTL
	// and DefaultChannelCacheTTL.
	UserCacheTTL    time.Duration
	ChannelCacheTTL time.Duration
	// GroupCacheTTL bounds how long a user group's members are reused;
	// default DefaultGroupCacheTTL.
	GroupCacheTTL time.Duration
	// SharingChanged, when set, hears that Slack said a channel was
	// shared or unshared (channel_shared, channel_unshared): Slack tells
	// one replica, which passes it on to the others (they call
	// ForgetConversations). nil for a lone bot.
	SharingChanged func(ctx context.Context, channel string)
	// HomeKnown, when set, says whether a person has opened their Home
	// (on any replica, before any restart), so a form they save is
	// followed by their Home published again even where this process
	// did not publish it; nil: only this process's memory tells.
	HomeKnown func(slackUserID string) bool
	// HomeWrote, when set, records for every replica that a person ran a
	// slash command now, which may have written without a form;
	// HomeWroteSince says whether they did after a time. A Home built
	// before is then built again at their next visit, whichever replica
	// built it. nil: only this process's memory tells (both or neither).
	HomeWrote      func(slackUserID string)
	HomeWroteSince func(slackUserID string, t time.Time) bool
	// Clock times how long a queued interaction waits (MaxQueueWait,
	// QueueNoteAfter) and how long a shutdown waits (ShutdownGrace, then
	// for the last replies and the socket); nil means the real clock. A
	// handler's own run (WorkTimeout) is on the real clock whatever this is.
	Clock Clock
}

// Bot is a running /syncro Slack bot. Create it with New and call Run once.
type Bot struct {
	cfg    Config
	log    *slog.Logger
	api    slackAPI
	sock   *socketmode.Client
	cmds   commandHandler
	routes *router
	http   *http.Client

	allowed, billing, admin principals

	users  *ttlCache[userInfo]
	groups *ttlCache[groupMembers]
	// convs says who can read each conversation (conversations.go).
	convs *ttlCache[conversation]
	// cards maps a form's view id to the response_url of the message
	// whose button opened it (reply.go, replaceCard).
	cards *ttlCache[string]
	// homes holds when each person's Home tab was last published (home.go).
	homes   *ttlCache[time.Time]
	notices *notifier
	started chan struct{} // closed once Run has started the notice queues

	// Set once by Run before the first envelope is read.
	homeTeam, teamName string
	// identified is closed once Run has set homeTeam, so callers from
	// outside Slack's events (Who) read it after it is set.
	identified chan struct{}
	workCtx    context.Context

	running  atomic.Bool
	draining atomic.Bool
	lanes    *lanes
	wg       sync.WaitGroup
	// jobs are the admitted interactions' work, which shutdown stops or
	// lets finish depending on how far each got with Syncro.
	jobs jobs
}

// New checks cfg and builds the Slack clients; it makes no network call.
func New(cfg Config) (*Bot, error) {
	var errs []error
	if cfg.BotToken.IsZero() {
		errs = append(errs, errors.New("BotToken is required"))
	}
	if cfg.AppToken.IsZero() {
		errs = append(errs, errors.New("AppToken is required"))
	}
	if cfg.Commands == nil {
		errs = append(errs, errors.New("Commands is required"))
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		errs = append(errs, fmt.Errorf("APIURL %q must end in /", cfg.APIURL))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("bot: new: %w", errors.Join(errs...))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.HTTPClient == nil {
		// Replies fan out to one host (slack.com): keep more than the
		// default two idle connections, or a burst of replies opens and
		// closes a TCP connection each.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	orDefault(&cfg.MaxInFlight, DefaultMaxInFlight)
	orDefault(&cfg.MaxInFlightPerUser, DefaultMaxInFlightPerUser)
	orDefault(&cfg.MaxQueuedPerUser, DefaultMaxQueuedPerUser)
	orDefault(&cfg.QueueNoteAfter, DefaultQueueNoteAfter)
	orDefault(&cfg.ShutdownGrace, DefaultShutdownGrace)
	orDefault(&cfg.WorkTimeout, DefaultWorkTimeout)
	orDefault(&cfg.MaxQueueWait, cfg.WorkTimeout)
	orDefault(&cfg.NoticeInterval, DefaultNoticeInterval)
	orDefault(&cfg.UserCacheTTL, DefaultUserCacheTTL)
	orDefault(&cfg.ChannelCacheTTL, DefaultChannelCacheTTL)
	orDefault(&cfg.GroupCacheTTL, DefaultGroupCacheTTL)
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if len(cfg.AdminUsers) == 0 {
		cfg.AdminUsers = cfg.BillingUsers
	}
	log := cfg.Logger.With("component", "bot")
	for _, list := range [][]string{cfg.AllowedUsers, cfg.BillingUsers, cfg.AdminUsers} {
		for _, id := range list {
			if isGroupID(id) {
				log.Info("user group in a user list; its members are read with usergroups.users.list (scope "+groupScope+")", "group", id)
			}
		}
	}

	sl := newSlogAdapter(cfg.Logger.With("component", "slack-go"))
	api := slack.New(cfg.BotToken.Reveal(),
		slack.OptionAppLevelToken(cfg.AppToken.Reveal()),
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
		slack.OptionLog(sl),
	)
	sock := socketmode.New(api, socketmode.OptionLog(sl))

	b := &Bot{
		cfg:        cfg,
		log:        log,
		api:        &sock.Client,
		sock:       sock,
		cmds:       cfg.Commands,
		http:       cfg.HTTPClient,
		allowed:    newPrincipals(cfg.AllowedUsers),
		billing:    newPrincipals(cfg.BillingUsers),
		admin:      newPrincipals(cfg.AdminUsers),
		users:      newTTLCache[userInfo](cfg.UserCacheTTL),
		identified: make(chan struct{}),
		groups:     newTTLCache[groupMembers](cfg.GroupCacheTTL),
		convs:      newTTLCache[conversation](cfg.ChannelCacheTTL),
		cards:      newTTLCache[string](slackfmt.ResponseURLLifetime),
		homes:      newTTLCache[time.Time](homeKeep),
		lanes:      newLanes(cfg.MaxInFlight, cfg.MaxInFlightPerUser, cfg.MaxQueuedPerUser, cfg.Clock),
		started:    make(chan struct{}),
	}
	b.routes = b.wireRoutes()
	b.notices = newNotifier(b.api, log, cfg.NoticeInterval)
	b.notices.posted = cfg.Observer.NoticePosted
	b.notices.share = b.conversation
	return b, nil
}

// orDefault sets *v to def when it is zero or negative (a Config field
// left unset).
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Run learns the home workspace (auth.test), connects Socket Mode and
// serves until ctx ends. Then it stops taking new work (new envelopes are
// acked with "restarting"), stops the work that has not reached Syncro yet
// (its people are told "restarting"), waits up to ShutdownGrace for the
// rest and for queued notices, then stops what is left: reads are told
// "restarting", writes send their own reply (a recorded flow's Finish
// message). It closes the socket and returns nil. It returns an error
// only when Slack refuses the tokens or the connection fails for good.
func (b *Bot) Run(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return errors.New("bot: Run called twice")
	}
	authCtx, cancelAuth := context.WithTimeout(ctx, authTimeout)
	at, err := b.api.AuthTestContext(authCtx)
	cancelAuth()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("bot: auth.test: %w", err)
	}
	b.homeTeam, b.teamName = at.TeamID, at.Team
	if b.teamName == "" {
		b.teamName = "this workspace"
	}
	close(b.identified)
	b.log.Info("slack identity", "team_id", at.TeamID, "team", at.Team, "bot_user_id", at.UserID)
	checkCtx, cancelCheck := context.WithTimeout(ctx, authTimeout)
	b.checkNotifyChannel(checkCtx)
	cancelCheck()

	// Work and the socket outlive ctx: in-flight handlers finish and new
	// envelopes still get a "restarting" ack during the grace.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	sockCtx, stopSock := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSock()
	b.workCtx = workCtx
	b.notices.start(workCtx)
	close(b.started)
	b.startup()

	sockErr := make(chan error, 1)
	go func() { sockErr <- b.sock.RunContext(sockCtx) }()

	// The shutdown's waits read the Clock, so a test moves it past the
	// grace rather than waiting for it (README, Stopping and restarting:
	// they add up to less than the 9 s promised).
	clk := b.cfg.Clock
	var (
		done     = ctx.Done()
		idle     chan struct{}
		grace    <-chan time.Time
		deadline time.Time
		fatal    error
	)
loop:
	for {
		select {
		case evt := <-b.sock.Events:
			b.dispatch(evt)
		case err := <-sockErr:
			sockErr = nil
			if err != nil && !errors.Is(err, context.Canceled) {
				fatal = fmt.Errorf("bot: socket mode: %w", err)
				b.log.Error("socket mode stopped", "err", err)
				break loop
			}
		case <-done:
			done = nil
			b.draining.Store(true)
			b.lanes.close()
			// On the event loop, so no job is added meanwhile.
			stopped, left := b.jobs.stop(false)
			deadline = clk.Now().Add(b.cfg.ShutdownGrace)
			grace = clk.After(b.cfg.ShutdownGrace)
			idle = make(chan struct{})
			go func(idle chan struct{}) { b.wg.Wait(); close(idle) }(idle)
			// restarting counts work stopped before it reached Syncro.
			b.log.Info("shutting down; waiting for in-flight work",
				"grace", b.cfg.ShutdownGrace, "restarting", stopped, "in_flight", left)
		case <-idle:
			break loop
		case <-grace:
			b.log.Warn("shutdown grace over")
			break loop
		}
	}
	b.draining.Store(true)
	b.lanes.close()
	// What still runs is cut off: reads are answered "restarting", writes
	// are cancelled below and send their own reply.
	if stopped, left := b.jobs.stop(true); stopped+left > 0 {
		b.log.Warn("stopping work still running; reads are answered restarting, writes cancelled",
			"restarting", stopped, "still_running", left)
	}
	b.cfg.Observer.SocketState(false)
	if fatal != nil {
		deadline = clk.Now().Add(abandonWait)
	}
	// Queued notices (closed-ticket messages) go out before the socket
	// closes, within what is left of the grace.
	b.notices.close()
	b.notices.wait(clk.After(deadline.Sub(clk.Now())))
	stopWork()
	b.waitWork(clk.After(abandonWait))
	stopSock()
	if sockErr != nil {
		select {
		case <-sockErr:
		case <-clk.After(socketCloseWait):
		}
	}
	if fatal != nil {
		return fatal
	}
	b.log.Info("stopped")
	return nil
}

// waitWork waits for handler goroutines until over fires.
func (b *Bot) waitWork(over <-chan time.Time) {
	ch := make(chan struct{})
	go func() { b.wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-over:
		b.log.Warn("abandoning handlers that ignored cancellation")
	}
}
