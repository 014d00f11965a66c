package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncbuf"
)

const testTimeout = 20 * time.Second

var (
	alice    = slackfake.User{ID: "U0ALICE", Name: "alice", RealName: "Alice Tech", Email: "alice@home.example"}
	carol    = slackfake.User{ID: "U0CAROL", Name: "carol", Email: "carol@home.example"}
	bob      = slackfake.User{ID: "U0BOB", TeamID: "T0OTHER", Name: "bob", Email: "bob@other.example"}
	ops      = slackfake.Channel{ID: "C0OPS", Name: "ops"}
	ext      = slackfake.Channel{ID: "C0SHARED", Name: "shared-acme", IsExtShared: true}
	noticeCh = slackfake.Channel{ID: "C0NOTIFY", Name: "tickets"}
)

// stub is a commands handler whose methods tests replace; unset methods
// answer like an idle handler.
type stub struct {
	slash            func(ctx context.Context, r commands.Request) commands.Reply
	quick            func(text string) (commands.Reply, bool)
	opensModal       func(text string) bool
	action           func(ctx context.Context, a commands.Action) commands.Reply
	actionOpensModal func(actionID string) bool
	validate         func(s commands.Submission) commands.FieldErrors
	submit           func(ctx context.Context, s commands.Submission) commands.Reply
	suggest          func(ctx context.Context, s commands.Suggestion) []*slack.OptionBlockObject
	startup          func(ctx context.Context) []commands.Post
	// actionIDs and callbackIDs are the ids the stub registers; nil
	// means the ones these tests click and submit.
	actionIDs   []string
	callbackIDs []string
}

func (s *stub) ActionIDs() []string {
	if s.actionIDs == nil {
		return []string{"syncro_assign", "syncro_bill"}
	}
	return s.actionIDs
}

func (s *stub) IsLink(string) bool { return false }

func (s *stub) ShortcutIDs() []string          { return nil }
func (s *stub) ShortcutOpensModal(string) bool { return false }
func (s *stub) Shortcut(context.Context, commands.MessageAction) commands.Reply {
	return commands.Reply{}
}
func (s *stub) Unfurl(context.Context, commands.LinkShared) commands.Previews {
	return commands.Previews{}
}

func (s *stub) CallbackIDs() []string {
	if s.callbackIDs == nil {
		return []string{"syncro_create", "syncro_note", "syncro_bill_form"}
	}
	return s.callbackIDs
}

func (s *stub) Slash(ctx context.Context, r commands.Request) commands.Reply {
	if s.slash == nil {
		return commands.Reply{Text: "ok: " + r.Text}
	}
	return s.slash(ctx, r)
}

func (s *stub) Quick(text string) (commands.Reply, bool) {
	if s.quick == nil {
		return commands.Reply{}, false
	}
	return s.quick(text)
}

func (s *stub) OpensModal(text string) bool { return s.opensModal != nil && s.opensModal(text) }

func (s *stub) Action(ctx context.Context, a commands.Action) commands.Reply {
	if s.action == nil {
		return commands.Reply{Text: "clicked " + a.ActionID}
	}
	return s.action(ctx, a)
}

func (s *stub) ActionOpensModal(id string) bool {
	return s.actionOpensModal != nil && s.actionOpensModal(id)
}

func (s *stub) Validate(sub commands.Submission) commands.FieldErrors {
	if s.validate == nil {
		return nil
	}
	return s.validate(sub)
}

func (s *stub) Submit(ctx context.Context, sub commands.Submission) commands.Reply {
	if s.submit == nil {
		return commands.Reply{Text: "submitted"}
	}
	return s.submit(ctx, sub)
}

func (s *stub) Suggest(ctx context.Context, sug commands.Suggestion) []*slack.OptionBlockObject {
	if s.suggest == nil {
		return nil
	}
	return s.suggest(ctx, sug)
}

func (s *stub) Startup(ctx context.Context) []commands.Post {
	if s.startup == nil {
		return nil
	}
	return s.startup(ctx)
}

// harness is a Bot running against a slackfake.
type harness struct {
	fake *slackfake.Fake
	bot  *bot.Bot
	logs *syncbuf.Buffer
	stop context.CancelFunc
	done chan error
}

func newFake(t testing.TB, opts ...slackfake.Option) *slackfake.Fake {
	t.Helper()
	opts = append([]slackfake.Option{
		slackfake.WithUsers(alice, carol, bob), slackfake.WithChannels(ops, ext, noticeCh),
	}, opts...)
	return slackfake.NewServer(t, opts...)
}

// start runs a Bot with handler h against f until the test ends; edit
// changes the Config first.
func start(t testing.TB, f *slackfake.Fake, h *stub, edit func(*bot.Config)) *harness {
	t.Helper()
	logs := &syncbuf.Buffer{}
	cfg := bot.Config{
		BotToken:      config.NewSecret(f.BotToken()),
		AppToken:      config.NewSecret(f.AppToken()),
		APIURL:        f.APIURL(),
		Commands:      h,
		Logger:        slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownGrace: 10 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	b, err := bot.New(cfg)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{fake: f, bot: b, logs: logs, stop: cancel, done: make(chan error, 1)}
	go func() { hs.done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-hs.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(testTimeout):
			t.Errorf("Run did not return after cancel")
		}
		for _, tok := range []string{f.BotToken(), f.AppToken()} {
			if strings.Contains(logs.String(), tok) {
				t.Errorf("logs contain a token")
			}
		}
	})
	return hs
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitPosts waits until n response_url posts were made and returns them.
func waitPosts(ctx context.Context, t testing.TB, f *slackfake.Fake, n int) []slackfake.ResponsePost {
	t.Helper()
	if err := f.WaitUntil(ctx, func() bool { return len(f.ResponsePosts()) >= n }); err != nil {
		t.Fatalf("waiting for %d response_url posts (have %d): %v", n, len(f.ResponsePosts()), err)
	}
	return f.ResponsePosts()
}

// slash sends /syncro text as user in channel and fails the test unless
// it is acked in time.
func slash(ctx context.Context, t testing.TB, f *slackfake.Fake, user, channel, text string) slackfake.Ack {
	t.Helper()
	ack, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: user, ChannelID: channel, Text: text})
	if err != nil {
		t.Fatalf("/syncro %s: %v", text, err)
	}
	return ack
}

// ackText is the text of a slash-command ack payload ("" when none).
func ackText(t testing.TB, a slackfake.Ack) string {
	t.Helper()
	if a.Payload == nil {
		return ""
	}
	var m struct {
		Text string `json:"text"`
	}
	if err := a.Decode(&m); err != nil {
		t.Fatalf("decode ack: %v", err)
	}
	return m.Text
}

// runDone reports whether Run has returned, without waiting.
func (h *harness) runDone() (error, bool) {
	select {
	case err := <-h.done:
		h.done <- err
		return err, true
	default:
		return nil, false
	}
}

func secret(s string) config.Secret { return config.NewSecret(s) }

func (s *stub) HasHome() bool { return false }
func (s *stub) Home(context.Context, commands.Actor) (slack.HomeTabViewRequest, bool) {
	return slack.HomeTabViewRequest{}, false
}
