package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"
)

// Message is a message the bot made visible in a channel (chat.postMessage,
// an in_channel response_url post or slash-command ack).
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string
	User        string // author: the bot's user id
	Text        string
	Blocks      json.RawMessage // as sent; nil when none
	Attachments json.RawMessage
	Metadata    json.RawMessage
	Source      string // "chat.postMessage", "response_url" or "ack"
	Updates     int    // how many times chat.update or replace_original changed it
	Deleted     bool
	Time        time.Time

	// Team, Files, BotID and BotName are set on messages people (or
	// other apps' bots) posted with Post (conversation.go); Source is then
	// SourcePerson and User the author.
	Team    string
	Files   []File
	BotID   string
	BotName string
	// Unfurls are the previews the bot attached with chat.unfurl: link →
	// attachment as sent.
	Unfurls map[string]json.RawMessage
}

// Ephemeral is a message shown to one user only (chat.postEphemeral, an
// ephemeral response_url post or slash-command ack payload).
type Ephemeral struct {
	Message
	To string // the user who sees it
}

// View is a modal or App Home view the bot opened, pushed, updated or
// published.
type View struct {
	ID              string
	ExternalID      string
	Hash            string
	Type            string // "modal" or "home"
	CallbackID      string
	PrivateMetadata string
	UserID          string
	TeamID          string
	RootViewID      string
	PreviousViewID  string
	JSON            json.RawMessage // the view as Slack would return it
	Updates         int
	Closed          bool
	OpenedAt        time.Time
}

// ResponsePost is one POST the bot made to a response_url.
type ResponsePost struct {
	ResponseID      string // the id in /response/<id>
	URL             string
	Body            json.RawMessage
	Text            string
	Blocks          json.RawMessage
	ResponseType    string
	ReplaceOriginal bool
	DeleteOriginal  bool
	Error           string // why it was refused ("used_url", "expired_url", "not_found"), if it was
	Time            time.Time
}

// Call is one Web API request the fake received.
type Call struct {
	Seq    int
	Method string // e.g. "chat.postMessage"
	Time   time.Time
	Token  string // from the token field or the Bearer header
	Format string // "form" or "json"
	Form   url.Values
	Body   json.RawMessage // raw body of a JSON call
	// Params is the decoded request: form fields as strings (blocks,
	// attachments and metadata decoded from their JSON strings) or the JSON
	// body as decoded by encoding/json.
	Params map[string]any
	Error  string // the error code when the fake answered ok:false
	Status int    // HTTP status of the answer
}

// Param returns the named parameter as a string ("" when absent; non-string
// values are returned as JSON).
func (c Call) Param(key string) string {
	v, ok := c.Params[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// JSON returns the named parameter re-encoded as JSON (nil when absent).
func (c Call) JSON(key string) json.RawMessage {
	v, ok := c.Params[key]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

func (c Call) clone() Call {
	c.Form = url.Values(cloneValues(c.Form))
	c.Body = slices.Clone(c.Body)
	c.Params = deepCopy(c.Params).(map[string]any)
	return c
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

type trigger struct {
	id       string
	userID   string
	teamID   string
	viewID   string // root view of the modal the interaction came from
	issuedAt time.Time
	used     bool
}

type responseURL struct {
	id        string
	url       string
	channelID string
	userID    string
	messageTS string // the message a block action came from
	issuedAt  time.Time
	posts     int
}

type state struct {
	// spreadNext counts deliveries, to pick the next socket in turn
	// (WithSpreadEnvelopes).
	spreadNext int
	users      map[string]User
	channels   map[string]Channel
	messages   []*Message
	ephemerals []*Ephemeral
	views      []*View
	home       map[string]*View
	responses  map[string]*responseURL
	posts      []ResponsePost
	triggers   map[string]*trigger
	tickets    map[string]bool // WebSocket tickets: false = unused
	calls      []Call
	conns      []*conn
	totalConns int
	envelopes  []Envelope
	acks       []Ack
	pending    map[string][]*delivery
	sent       map[string]Envelope // last sent version per envelope id
	faults     map[string][]Fault
	holds      []*hold             // calls a Fault with Hold holds now, oldest first
	userGroups map[string][]string // usergroups.users.list: group id → member ids
	unfurls    []Unfurl            // chat.unfurl, oldest first
}

func (s *state) init(cfg config) {
	s.users = map[string]User{}
	for _, u := range cfg.users {
		s.users[u.ID] = u
	}
	s.channels = map[string]Channel{}
	for _, c := range cfg.channels {
		s.channels[c.ID] = c
	}
	s.userGroups = map[string][]string{}
	for id, members := range cfg.userGroups {
		s.userGroups[id] = slices.Clone(members)
	}
	s.home = map[string]*View{}
	s.responses = map[string]*responseURL{}
	s.triggers = map[string]*trigger{}
	s.tickets = map[string]bool{}
	s.pending = map[string][]*delivery{}
	s.sent = map[string]Envelope{}
}

func (s *state) liveConns() []*conn {
	return slices.Clone(s.conns)
}

func (s *state) findMessage(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

// findEphemeral is the ephemeral shown to user in channel at ts, if any.
func (s *state) findEphemeral(channel, ts, user string) *Ephemeral {
	if ts == "" {
		return nil
	}
	for _, e := range s.ephemerals {
		if e.Channel == channel && e.TS == ts && e.To == user {
			return e
		}
	}
	return nil
}

func (s *state) findView(id string) *View {
	for _, v := range s.views {
		if v.ID == id {
			return v
		}
	}
	for _, v := range s.home {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// tsLocked mints a unique Slack timestamp from the clock.
func (f *Fake) tsLocked() string {
	n := f.nextSeqLocked()
	return fmt.Sprintf("%d.%06d", f.cfg.clock.Now().Unix(), n%1000000)
}

// AddUser adds or replaces a user for users.info.
func (f *Fake) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.users[u.ID] = u
	f.bumpLocked()
}

// AddChannel adds or replaces a channel for conversations.info.
func (f *Fake) AddChannel(c Channel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.channels[c.ID] = c
	f.bumpLocked()
}

// Calls returns every Web API call received so far, oldest first.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Call, len(f.st.calls))
	for i, c := range f.st.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsTo returns the calls to one Web API method, oldest first.
func (f *Fake) CallsTo(method string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.st.calls {
		if c.Method == method {
			out = append(out, c.clone())
		}
	}
	return out
}

// WaitCall waits until a call to method for which match returns true (nil
// matches any) has been received, and returns the first such call.
func (f *Fake) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var found Call
	err := f.WaitUntil(ctx, func() bool {
		for _, c := range f.CallsTo(method) {
			if match == nil || match(c) {
				found = c
				return true
			}
		}
		return false
	})
	if err != nil {
		return Call{}, fmt.Errorf("wait for %s: %w", method, err)
	}
	return found, nil
}

// Messages returns the messages in a channel (thread replies included),
// oldest first.
func (f *Fake) Messages(channel string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, m := range f.st.messages {
		if m.Channel == channel {
			out = append(out, m.clone())
		}
	}
	return out
}

// AllMessages returns every channel message, oldest first.
func (f *Fake) AllMessages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Message, len(f.st.messages))
	for i, m := range f.st.messages {
		out[i] = m.clone()
	}
	return out
}

// MessageAt returns the message with timestamp ts in channel.
func (f *Fake) MessageAt(channel, ts string) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.st.findMessage(channel, ts)
	if m == nil {
		return Message{}, false
	}
	return m.clone(), true
}

// Ephemerals returns the ephemeral messages shown to a user, oldest first.
func (f *Fake) Ephemerals(userID string) []Ephemeral {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Ephemeral
	for _, e := range f.st.ephemerals {
		if e.To == userID {
			out = append(out, Ephemeral{Message: e.Message.clone(), To: e.To})
		}
	}
	return out
}

// Views returns every modal view ever opened or pushed (closed ones too),
// in opening order.
func (f *Fake) Views() []View {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]View, len(f.st.views))
	for i, v := range f.st.views {
		out[i] = v.clone()
	}
	return out
}

// View returns the view (modal or home) with the given id.
func (f *Fake) View(id string) (View, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.st.findView(id)
	if v == nil {
		return View{}, false
	}
	return v.clone(), true
}

// OpenViews returns a user's open modals, bottom of the stack first.
func (f *Fake) OpenViews(userID string) []View {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []View
	for _, v := range f.st.views {
		if v.UserID == userID && !v.Closed {
			out = append(out, v.clone())
		}
	}
	return out
}

// HomeView returns the App Home view published for a user.
func (f *Fake) HomeView(userID string) (View, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.st.home[userID]
	if !ok {
		return View{}, false
	}
	return v.clone(), true
}

// ResponsePosts returns every POST to any response_url, refused ones too.
func (f *Fake) ResponsePosts() []ResponsePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]ResponsePost, len(f.st.posts))
	for i, p := range f.st.posts {
		p.Body = slices.Clone(p.Body)
		p.Blocks = slices.Clone(p.Blocks)
		out[i] = p
	}
	return out
}

func (m *Message) clone() Message {
	c := *m
	c.Blocks = slices.Clone(m.Blocks)
	c.Attachments = slices.Clone(m.Attachments)
	c.Metadata = slices.Clone(m.Metadata)
	c.Files = slices.Clone(m.Files)
	c.Unfurls = maps.Clone(m.Unfurls)
	return c
}

func (v *View) clone() View {
	c := *v
	c.JSON = slices.Clone(v.JSON)
	return c
}
