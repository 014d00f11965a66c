package demo

import (
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/commands/tickets"
	"github.com/syncrobot/syncrobot/slackfake"
)

//go:embed assets
var assets embed.FS

// Limits of the page's server, in one place.
const (
	// interactionTimeout bounds one browser action: waiting for the bot's
	// socket plus Slack's 3 s ack deadline, with room to spare.
	interactionTimeout = 10 * time.Second
	// maxRequestBody bounds a browser request; a modal's state is a few KB.
	maxRequestBody = 1 << 20
	// botAuthor is how bot messages are labelled, as Slack shows the app.
	botAuthor = "syncro"
)

// webUI is the page's server: it serves the embedded page, exposes the fake
// Slack's state as JSON and turns browser actions into fake Slack
// interactions. Safe for concurrent use.
type webUI struct {
	slack *slackfake.Fake
	log   *slog.Logger
	mux   *http.ServeMux

	info func() []infoJSON // where the demo keeps things, and whether it could

	mu        sync.Mutex
	local     []localItem     // what the person typed, and errors Slack itself would show
	dismissed map[string]bool // views the person closed in the page
}

// localItem is a line the page shows that the bot did not send: the
// person's own command, or Slack's complaint that the app did not answer.
type localItem struct {
	Channel string
	Kind    string // "you" or "system"
	Text    string
	Time    time.Time
}

func newWebUI(f *slackfake.Fake, log *slog.Logger, info func() []infoJSON) *webUI {
	w := &webUI{slack: f, log: log, info: info, dismissed: map[string]bool{}}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/state", w.serveState)
	mux.HandleFunc("POST /api/command", w.post(w.command))
	mux.HandleFunc("POST /api/action", w.post(w.action))
	mux.HandleFunc("POST /api/submit", w.post(w.submit))
	mux.HandleFunc("POST /api/suggest", w.post(w.suggest))
	mux.HandleFunc("POST /api/close", w.post(w.closeView))
	mux.HandleFunc("POST /api/shortcut", w.post(w.shortcut))
	w.mux = mux
	return w
}

func (w *webUI) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	rw.Header().Set("Cache-Control", "no-store")
	w.mux.ServeHTTP(rw, r)
}

// post wraps a JSON endpoint. Requiring a JSON content type (and refusing
// cross-site fetches) keeps other web pages from driving the demo: a
// cross-origin JSON POST needs a CORS preflight this server never grants.
func (w *webUI) post(h func(ctx context.Context, body []byte) (any, int)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			writeJSON(rw, http.StatusUnsupportedMediaType, errorBody("send application/json from the demo page"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxRequestBody))
		if err != nil {
			writeJSON(rw, http.StatusRequestEntityTooLarge, errorBody("request too large"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), interactionTimeout)
		defer cancel()
		v, status := h(ctx, body)
		writeJSON(rw, status, v)
	}
}

type errorJSON struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

func errorBody(msg string) errorJSON { return errorJSON{Error: msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (w *webUI) addLocal(it localItem) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.local = append(w.local, it)
}

// ackProblem turns a failed delivery into the sentence Slack would show.
func ackProblem(err error) string {
	switch {
	case errors.Is(err, slackfake.ErrAckTimeout):
		return "syncro didn't respond in time (operation_timeout). Is the bot still running?"
	case errors.Is(err, context.DeadlineExceeded):
		return "syncro is not connected (dispatch_failed): the bot is not running or still starting."
	case errors.Is(err, slackfake.ErrClosed):
		return "the demo is shutting down."
	}
	return "syncro failed: " + err.Error()
}

// commandRequest is the page typing into a channel.
type commandRequest struct {
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

// command handles a line typed into the composer. "/syncro …" becomes a
// slash command; other text gets Slack's hint, since the bot only listens
// to its command.
func (w *webUI) command(ctx context.Context, body []byte) (any, int) {
	var req commandRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return errorBody("bad request: " + err.Error()), http.StatusBadRequest
	}
	if req.Channel == "" {
		req.Channel = SupportChannel
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		return errorBody("type /syncro to talk to the bot"), http.StatusBadRequest
	}
	cmd, args, _ := strings.Cut(text, " ")
	if !strings.HasPrefix(cmd, "/") {
		// A message like any person's: its "…" menu has the bot's
		// shortcuts, and a ticket link in it gets the bot's preview.
		if _, _, err := w.slack.Post(ctx, slackfake.PersonMessage{Channel: req.Channel, User: UserID, Text: text}); err != nil {
			msg := ackProblem(err)
			w.addLocal(localItem{Channel: req.Channel, Kind: "system", Text: "The link preview failed: " + msg, Time: time.Now()})
			return errorBody(msg), http.StatusOK
		}
		return errorJSON{OK: true}, http.StatusOK
	}
	w.addLocal(localItem{Channel: req.Channel, Kind: "you", Text: text, Time: time.Now()})
	if cmd != "/syncro" {
		w.addLocal(localItem{Channel: req.Channel, Kind: "system", Text: cmd + " is not a valid command. In this demo, try /syncro.", Time: time.Now()})
		return errorJSON{OK: true}, http.StatusOK
	}
	_, err := w.slack.SlashCommand(ctx, slackfake.SlashCommand{
		UserID: UserID, ChannelID: req.Channel, Command: cmd, Text: strings.TrimSpace(args),
	})
	if err != nil {
		msg := ackProblem(err)
		w.addLocal(localItem{Channel: req.Channel, Kind: "system", Text: "/syncro failed: " + msg, Time: time.Now()})
		return errorBody(msg), http.StatusOK
	}
	return errorJSON{OK: true}, http.StatusOK
}

// optionJSON is a select option as the page sends and receives it.
type optionJSON struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

func (o *optionJSON) fake() *slackfake.SelectOption {
	if o == nil {
		return nil
	}
	return &slackfake.SelectOption{Text: o.Text, Value: o.Value}
}

// inputJSON is one element's state as the page collects it from a modal.
type inputJSON struct {
	Type            string       `json:"type"`
	Value           string       `json:"value"`
	SelectedOption  *optionJSON  `json:"selected_option"`
	SelectedOptions []optionJSON `json:"selected_options"`
	SelectedDate    string       `json:"selected_date"`
	SelectedUser    string       `json:"selected_user"`
}

// values converts the page's view state to slackfake's.
func values(in map[string]map[string]inputJSON) slackfake.Values {
	out := slackfake.Values{}
	for block, actions := range in {
		out[block] = map[string]slackfake.Input{}
		for action, v := range actions {
			fi := slackfake.Input{Type: v.Type, Value: v.Value, SelectedOption: v.SelectedOption.fake(), SelectedDate: v.SelectedDate, SelectedUser: v.SelectedUser}
			if v.SelectedOptions != nil {
				fi.SelectedOptions = []slackfake.SelectOption{}
				for _, o := range v.SelectedOptions {
					fi.SelectedOptions = append(fi.SelectedOptions, *o.fake())
				}
			}
			out[block][action] = fi
		}
	}
	return out
}

// actionRequest is a click or choice on an element of a message or modal.
type actionRequest struct {
	Channel   string `json:"channel"`
	TS        string `json:"ts"`
	Ephemeral bool   `json:"ephemeral"`
	ViewID    string `json:"view_id"`
	// UnfurlURL is set for a click in the bot's preview of that link.
	UnfurlURL string `json:"unfurl_url"`
	Action    struct {
		Type           string      `json:"type"`
		ActionID       string      `json:"action_id"`
		BlockID        string      `json:"block_id"`
		Value          string      `json:"value"`
		SelectedOption *optionJSON `json:"selected_option"`
		SelectedDate   string      `json:"selected_date"`
		SelectedUser   string      `json:"selected_user"`
	} `json:"action"`
	State map[string]map[string]inputJSON `json:"state"`
}

func (w *webUI) action(ctx context.Context, body []byte) (any, int) {
	var req actionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return errorBody("bad request: " + err.Error()), http.StatusBadRequest
	}
	a := req.Action
	ba := slackfake.BlockAction{
		UserID: UserID, ChannelID: req.Channel, MessageTS: req.TS, IsEphemeral: req.Ephemeral, ViewID: req.ViewID, UnfurlURL: req.UnfurlURL,
		Actions: []slackfake.Action{{Type: a.Type, ActionID: a.ActionID, BlockID: a.BlockID, Value: a.Value,
			SelectedOption: a.SelectedOption.fake(), SelectedDate: a.SelectedDate, SelectedUser: a.SelectedUser}},
	}
	if req.ViewID != "" {
		ba.State = values(req.State)
	}
	if _, err := w.slack.BlockAction(ctx, ba); err != nil {
		msg := ackProblem(err)
		if req.ViewID == "" {
			w.addLocal(localItem{Channel: req.Channel, Kind: "system", Text: msg, Time: time.Now()})
		}
		return errorBody(msg), http.StatusOK
	}
	return errorJSON{OK: true}, http.StatusOK
}

// Shortcuts are the entries of a message's "…" menu: the manifest's
// message shortcuts (manifest.yaml), by callback_id.
var Shortcuts = []ShortcutEntry{
	{CallbackID: tickets.ShortcutCreateFromMessage, Name: "Create Syncro ticket"},
	{CallbackID: tickets.ShortcutAddToTicket, Name: "Add to ticket"},
}

// ShortcutEntry is one entry of the "…" menu.
type ShortcutEntry struct {
	CallbackID string `json:"callback_id"`
	Name       string `json:"name"`
}

// shortcutRequest is the person picking an entry of a message's menu.
type shortcutRequest struct {
	Channel    string `json:"channel"`
	TS         string `json:"ts"`
	CallbackID string `json:"callback_id"`
}

// shortcut sends the message shortcut the person picked, as Slack does.
func (w *webUI) shortcut(ctx context.Context, body []byte) (any, int) {
	var req shortcutRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Channel == "" || req.TS == "" ||
		!slices.ContainsFunc(Shortcuts, func(e ShortcutEntry) bool { return e.CallbackID == req.CallbackID }) {
		return errorBody("bad request: want channel, ts and one of the menu's callback_ids"), http.StatusBadRequest
	}
	if _, err := w.slack.Shortcut(ctx, slackfake.Shortcut{UserID: UserID, CallbackID: req.CallbackID, ChannelID: req.Channel, MessageTS: req.TS}); err != nil {
		msg := ackProblem(err)
		w.addLocal(localItem{Channel: req.Channel, Kind: "system", Text: msg, Time: time.Now()})
		return errorBody(msg), http.StatusOK
	}
	return errorJSON{OK: true}, http.StatusOK
}

// submitRequest is the person pressing a modal's submit button.
type submitRequest struct {
	ViewID string                          `json:"view_id"`
	State  map[string]map[string]inputJSON `json:"state"`
}

// submitResponse tells the page what Slack would do next: close the
// modal, keep it open with errors under fields, or show the updated view.
type submitResponse struct {
	OK             bool              `json:"ok"`
	Error          string            `json:"error,omitempty"`
	ResponseAction string            `json:"response_action,omitempty"`
	Errors         map[string]string `json:"errors,omitempty"`
}

func (w *webUI) submit(ctx context.Context, body []byte) (any, int) {
	var req submitRequest
	if err := json.Unmarshal(body, &req); err != nil || req.ViewID == "" {
		return errorBody("bad request: want view_id and state"), http.StatusBadRequest
	}
	va, err := w.slack.ViewSubmission(ctx, slackfake.ViewSubmission{UserID: UserID, ViewID: req.ViewID, Values: values(req.State)})
	if err != nil {
		return submitResponse{Error: ackProblem(err)}, http.StatusOK
	}
	return submitResponse{OK: true, ResponseAction: va.ResponseAction, Errors: va.Errors}, http.StatusOK
}

// suggestRequest is the person typing into an external_select.
type suggestRequest struct {
	ViewID   string `json:"view_id"`
	ActionID string `json:"action_id"`
	BlockID  string `json:"block_id"`
	Value    string `json:"value"`
}

type groupJSON struct {
	Label   string       `json:"label"`
	Options []optionJSON `json:"options"`
}

type suggestResponse struct {
	OK           bool         `json:"ok"`
	Error        string       `json:"error,omitempty"`
	Options      []optionJSON `json:"options"`
	OptionGroups []groupJSON  `json:"option_groups,omitempty"`
}

func (w *webUI) suggest(ctx context.Context, body []byte) (any, int) {
	var req suggestRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return errorBody("bad request: " + err.Error()), http.StatusBadRequest
	}
	sa, err := w.slack.BlockSuggestion(ctx, slackfake.BlockSuggestion{
		UserID: UserID, ViewID: req.ViewID, ActionID: req.ActionID, BlockID: req.BlockID, Value: req.Value,
	})
	if err != nil {
		return suggestResponse{Error: ackProblem(err), Options: []optionJSON{}}, http.StatusOK
	}
	out := suggestResponse{OK: true, Options: []optionJSON{}}
	for _, o := range sa.Options {
		out.Options = append(out.Options, optionJSON{Text: o.Text, Value: o.Value})
	}
	for _, g := range sa.OptionGroups {
		gj := groupJSON{Label: g.Label}
		for _, o := range g.Options {
			gj.Options = append(gj.Options, optionJSON{Text: o.Text, Value: o.Value})
		}
		out.OptionGroups = append(out.OptionGroups, gj)
	}
	return out, http.StatusOK
}

// closeView handles Cancel or Esc on the top modal. slackfake has no
// "user closed the view" call, so the page forgets the view itself and,
// if the bot asked for notify_on_close, sends the view_closed Slack would.
func (w *webUI) closeView(ctx context.Context, body []byte) (any, int) {
	var req struct {
		ViewID string `json:"view_id"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.ViewID == "" {
		return errorBody("bad request: want view_id"), http.StatusBadRequest
	}
	v, ok := w.slack.View(req.ViewID)
	if !ok {
		return errorBody("no such view"), http.StatusNotFound
	}
	w.mu.Lock()
	w.dismissed[req.ViewID] = true
	w.mu.Unlock()
	var spec struct {
		NotifyOnClose bool `json:"notify_on_close"`
	}
	_ = json.Unmarshal(v.JSON, &spec)
	if spec.NotifyOnClose {
		var view map[string]any
		_ = json.Unmarshal(v.JSON, &view)
		payload, _ := json.Marshal(map[string]any{
			"type": "view_closed", "team": map[string]any{"id": w.slack.TeamID()},
			"user": map[string]any{"id": UserID, "username": UserName, "team_id": w.slack.TeamID()},
			"view": view, "is_cleared": false, "api_app_id": slackfake.DefaultAppID,
		})
		if _, err := w.slack.Send(ctx, slackfake.Envelope{Type: slackfake.EnvelopeInteractive, Payload: payload}); err != nil {
			w.log.Warn("demo: view_closed not acked", "err", err)
		}
	}
	return errorJSON{OK: true}, http.StatusOK
}

// pageState is what the page polls: everything it shows.
type pageState struct {
	Version   string          `json:"version"`
	Connected bool            `json:"connected"`
	User      string          `json:"user"`
	Channels  []channelJSON   `json:"channels"`
	Shortcuts []ShortcutEntry `json:"shortcuts"`
	Modal     *modalJSON      `json:"modal"`
	Info      []infoJSON      `json:"info"`
}

// infoJSON is one labelled line of what the page says about the demo
// itself: where its data and session logs are, and how it started.
type infoJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type channelJSON struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Notify bool       `json:"notify"`
	Items  []itemJSON `json:"items"`
}

// itemJSON is one line of a channel. HTML was rendered (and escaped) by
// the server; Text is for the page to set with textContent.
type itemJSON struct {
	Kind   string `json:"kind"` // "message", "person", "ephemeral", "you", "system"
	TS     string `json:"ts,omitempty"`
	Author string `json:"author"`
	Time   string `json:"time"`
	HTML   string `json:"html,omitempty"`
	Text   string `json:"text,omitempty"`
	Edited bool   `json:"edited,omitempty"`
	// Unfurls are the bot's previews of the message's links.
	Unfurls   []unfurlJSON `json:"unfurls,omitempty"`
	sortTime  time.Time
	sortOrder int
}

// unfurlJSON is one preview: the link and its blocks, rendered.
type unfurlJSON struct {
	URL  string `json:"url"`
	HTML string `json:"html"`
}

type modalJSON struct {
	ID     string `json:"id"`
	Hash   string `json:"hash"`
	Title  string `json:"title"`
	Submit string `json:"submit"`
	Close  string `json:"close"`
	HTML   string `json:"html"`
	Depth  int    `json:"depth"`
}

// state builds the page's view of the fake Slack.
func (w *webUI) state() pageState {
	r := &renderer{
		users:    map[string]string{UserID: UserReal, ClientUser: ClientUserReal, w.slack.BotUserID(): botAuthor},
		channels: map[string]string{SupportChannel: SupportChannelName, NotifyChannel: NotifyChannelName, ClientChannel: ClientChannelName},
	}
	st := pageState{Connected: w.slack.Connections() > 0, User: UserReal, Info: w.info(), Shortcuts: Shortcuts}
	chans := []channelJSON{
		{ID: SupportChannel, Name: SupportChannelName},
		{ID: NotifyChannel, Name: NotifyChannelName, Notify: true},
		{ID: ClientChannel, Name: ClientChannelName},
	}
	index := map[string]int{SupportChannel: 0, NotifyChannel: 1, ClientChannel: 2}
	ch := func(id string) *channelJSON {
		if i, ok := index[id]; ok {
			return &chans[i]
		}
		index[id] = len(chans)
		name := id
		if strings.HasPrefix(id, "D") {
			name = "syncro (direct message)"
		}
		chans = append(chans, channelJSON{ID: id, Name: name})
		return &chans[len(chans)-1]
	}
	order := 0
	add := func(channel string, it itemJSON) {
		order++
		it.sortOrder = order
		it.Time = it.sortTime.Format("15:04")
		c := ch(channel)
		c.Items = append(c.Items, it)
	}
	for _, m := range w.slack.AllMessages() {
		if m.Deleted {
			continue
		}
		it := itemJSON{Kind: "message", TS: m.TS, Author: botAuthor, HTML: r.Message(m.Text, m.Blocks), Edited: m.Updates > 0, sortTime: m.Time}
		if m.Source == slackfake.SourcePerson {
			it.Kind, it.Author = "person", cmp.Or(r.users[m.User], m.BotName, m.User)
		}
		for _, link := range slices.Sorted(maps.Keys(m.Unfurls)) {
			var a struct {
				Blocks json.RawMessage `json:"blocks"`
			}
			_ = json.Unmarshal(m.Unfurls[link], &a)
			it.Unfurls = append(it.Unfurls, unfurlJSON{URL: link, HTML: r.Message("", a.Blocks)})
		}
		add(m.Channel, it)
	}
	for _, e := range w.slack.Ephemerals(UserID) {
		if e.Deleted {
			continue
		}
		channel := cmp.Or(e.Channel, SupportChannel)
		add(channel, itemJSON{Kind: "ephemeral", TS: e.TS, Author: botAuthor, HTML: r.Message(e.Text, e.Blocks), Edited: e.Updates > 0, sortTime: e.Time})
	}
	w.mu.Lock()
	local := slices.Clone(w.local)
	dismissed := make(map[string]bool, len(w.dismissed))
	for k, v := range w.dismissed {
		dismissed[k] = v
	}
	w.mu.Unlock()
	for _, l := range local {
		author := UserReal
		if l.Kind == "system" {
			author = "Slackbot"
		}
		add(l.Channel, itemJSON{Kind: l.Kind, Author: author, Text: l.Text, sortTime: l.Time})
	}
	for i := range chans {
		slices.SortStableFunc(chans[i].Items, func(a, b itemJSON) int {
			return cmp.Or(a.sortTime.Compare(b.sortTime), cmp.Compare(a.sortOrder, b.sortOrder))
		})
		if chans[i].Items == nil {
			chans[i].Items = []itemJSON{}
		}
	}
	st.Channels = chans

	var open []slackfake.View
	for _, v := range w.slack.OpenViews(UserID) {
		if !dismissed[v.ID] && !dismissed[v.RootViewID] {
			open = append(open, v)
		}
	}
	if n := len(open); n > 0 {
		top := open[n-1]
		title, submit, closeLabel, body := r.View(top.JSON)
		st.Modal = &modalJSON{ID: top.ID, Hash: top.Hash, Title: title, Submit: submit, Close: closeLabel, HTML: body, Depth: n}
	}
	return st
}

// serveState answers the page's poll. With ?v= equal to the current
// version it answers 204, so an idle page costs almost nothing.
func (w *webUI) serveState(rw http.ResponseWriter, r *http.Request) {
	st := w.state()
	b, err := json.Marshal(st)
	if err != nil {
		writeJSON(rw, http.StatusInternalServerError, errorBody(err.Error()))
		return
	}
	sum := sha256.Sum256(b)
	st.Version = hex.EncodeToString(sum[:8])
	if r.URL.Query().Get("v") == st.Version {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(rw, http.StatusOK, st)
}
