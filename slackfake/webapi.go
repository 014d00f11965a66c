package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error codes the fake answers with (HTTP 200, {"ok":false,"error":code}).
const (
	ErrCodeInvalidAuth      = "invalid_auth"
	ErrCodeNotAuthed        = "not_authed"
	ErrCodeUnknownMethod    = "unknown_method"
	ErrCodeExpiredTrigger   = "expired_trigger_id"
	ErrCodeInvalidTrigger   = "invalid_trigger_id" // unknown or already used trigger
	ErrCodeChannelNotFound  = "channel_not_found"
	ErrCodeNotInChannel     = "not_in_channel"
	ErrCodeUserNotFound     = "user_not_found"
	ErrCodeMessageNotFound  = "message_not_found"
	ErrCodeNoText           = "no_text"
	ErrCodeNotFound         = "not_found"
	ErrCodeHashConflict     = "hash_conflict"
	ErrCodePushLimit        = "push_limit_reached"
	ErrCodeInvalidArguments = "invalid_arguments"
	ErrCodeInvalidBlocks    = "invalid_blocks" // e.g. a Home tab of more than MaxHomeBlocks blocks
	ErrCodeRateLimited      = "ratelimited"
	ErrCodeNoSuchSubteam    = "no_such_subteam"
	ErrCodeMissingScope     = "missing_scope" // e.g. usergroups.users.list without usergroups:read; inject with InjectFault
)

// Fault makes the next calls to one Web API method fail.
type Fault struct {
	Error      string        // error code for {"ok":false}; "ratelimited" when Status is 429 and Error is empty
	Status     int           // HTTP status; 0 means 200
	RetryAfter time.Duration // sent as Retry-After (whole seconds) when > 0
	Times      int           // number of calls affected; 0 means 1
	// Delay holds the answer this long (or until the caller gives up). With
	// Delay set and Error and Status empty, the call is then handled
	// normally: a slow but successful call.
	Delay time.Duration
	// Hold holds the answer until Release is called for the method (or the
	// caller gives up), in place of Delay; Held counts the calls held. As
	// with Delay, a released call without Error or Status is then handled
	// normally. A test asserts what the bot does while the call is in
	// flight without timing it.
	Hold bool
}

// hold is one call a Fault with Hold is holding.
type hold struct {
	method  string
	release chan struct{}
}

// Held returns how many calls to method a Fault with Hold is holding now:
// a test waits (WaitUntil) for the call to reach Slack before it checks
// what the bot did meanwhile.
func (f *Fake) Held(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, h := range f.st.holds {
		if h.method == method {
			n++
		}
	}
	return n
}

// Release lets every call to method a Fault with Hold is holding be
// answered, and reports how many there were.
func (f *Fake) Release(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	f.st.holds = slices.DeleteFunc(f.st.holds, func(h *hold) bool {
		if h.method != method {
			return false
		}
		close(h.release)
		n++
		return true
	})
	return n
}

// dropHoldLocked forgets h once its call ends (released or given up).
func (f *Fake) dropHoldLocked(h *hold) {
	f.st.holds = slices.DeleteFunc(f.st.holds, func(x *hold) bool { return x == h })
	f.bumpLocked()
}

// InjectFault makes the next ft.Times calls to method answer with ft instead
// of being handled.
func (f *Fake) InjectFault(method string, ft Fault) {
	if ft.Times <= 0 {
		ft.Times = 1
	}
	if ft.Status == http.StatusTooManyRequests && ft.Error == "" {
		ft.Error = ErrCodeRateLimited
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.st.faults == nil {
		f.st.faults = map[string][]Fault{}
	}
	f.st.faults[method] = append(f.st.faults[method], ft)
}

// apiReq is a decoded Web API request.
type apiReq struct {
	method string
	host   string
	token  string
	format string
	form   url.Values
	body   []byte
	params map[string]any
}

// str returns a parameter as a string.
func (r *apiReq) str(key string) string {
	return Call{Params: r.params}.Param(key)
}

// raw returns a parameter as JSON: a form field holding JSON text is
// returned as that text, anything else is re-encoded.
func (r *apiReq) raw(key string) json.RawMessage {
	v, ok := r.params[key]
	if !ok || v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		if s == "" {
			return nil
		}
		if json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// jsonFormFields are form fields whose values are JSON documents.
var jsonFormFields = map[string]bool{"blocks": true, "attachments": true, "metadata": true, "view": true}

func parseAPIRequest(r *http.Request) (*apiReq, error) {
	req := &apiReq{method: strings.TrimPrefix(r.URL.Path, "/api/"), host: r.Host, params: map[string]any{}}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "application/json" {
		req.format = "json"
		req.body = body
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, &req.params); err != nil {
				return nil, err
			}
		}
		if req.params == nil {
			req.params = map[string]any{}
		}
	} else {
		req.format = "form"
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		req.form = form
		for k, vs := range form {
			if len(vs) == 0 {
				continue
			}
			var v any = vs[0]
			if jsonFormFields[k] {
				var dec any
				if json.Unmarshal([]byte(vs[0]), &dec) == nil {
					v = dec
				}
			}
			req.params[k] = v
		}
	}
	for k, vs := range r.URL.Query() {
		if _, ok := req.params[k]; !ok && len(vs) > 0 {
			req.params[k] = vs[0]
		}
	}
	if tok := req.str("token"); tok != "" {
		req.token = tok
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		req.token = strings.TrimPrefix(h, "Bearer ")
	}
	return req, nil
}

type apiHandler func(f *Fake, r *apiReq, w http.ResponseWriter) (map[string]any, string)

var apiMethods = map[string]apiHandler{
	"apps.connections.open": (*Fake).apiConnectionsOpen,
	"auth.test":             (*Fake).apiAuthTest,
	"chat.postMessage":      (*Fake).apiPostMessage,
	"chat.postEphemeral":    (*Fake).apiPostEphemeral,
	"chat.update":           (*Fake).apiUpdate,
	"chat.delete":           (*Fake).apiDelete,
	"chat.getPermalink":     (*Fake).apiGetPermalink,
	"chat.unfurl":           (*Fake).apiUnfurl,
	"views.open":            (*Fake).apiViewsOpen,
	"views.push":            (*Fake).apiViewsPush,
	"views.update":          (*Fake).apiViewsUpdate,
	"views.publish":         (*Fake).apiViewsPublish,
	"users.info":            (*Fake).apiUsersInfo,
	"users.lookupByEmail":   (*Fake).apiUsersLookupByEmail,
	"conversations.info":    (*Fake).apiConversationsInfo,
	"conversations.join":    (*Fake).apiConversationsJoin,
	"conversations.open":    (*Fake).apiConversationsOpen,
	"usergroups.users.list": (*Fake).apiUserGroupsUsersList,
}

func (f *Fake) serveAPI(w http.ResponseWriter, r *http.Request) {
	req, err := parseAPIRequest(r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": ErrCodeInvalidArguments})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg.baseURL == "" {
		// Mounted without Start or WithBaseURL: learn where we are served.
		f.cfg.baseURL = "http://" + r.Host + "/"
	}
	call := Call{
		Seq: f.nextSeqLocked(), Method: req.method, Time: f.cfg.clock.Now(),
		Token: req.token, Format: req.format, Form: req.form, Body: req.body, Params: req.params,
	}
	status, result, code := http.StatusOK, map[string]any(nil), ""
	ft, faulted := f.takeFaultLocked(req.method)
	if faulted && ft.Hold {
		h := &hold{method: req.method, release: make(chan struct{})}
		f.st.holds = append(f.st.holds, h)
		f.bumpLocked()
		f.mu.Unlock()
		select {
		case <-h.release:
		case <-r.Context().Done():
		case <-f.done:
		}
		f.mu.Lock()
		f.dropHoldLocked(h)
		faulted = ft.Error != "" || ft.Status != 0
	} else if faulted && ft.Delay > 0 {
		f.mu.Unlock()
		wait := time.NewTimer(ft.Delay)
		select {
		case <-wait.C:
		case <-r.Context().Done():
		case <-f.done:
		}
		wait.Stop()
		f.mu.Lock()
		faulted = ft.Error != "" || ft.Status != 0
	}
	if faulted {
		if ft.Status != 0 {
			status = ft.Status
		}
		if ft.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(ft.RetryAfter.Round(time.Second)/time.Second)))
		}
		code = ft.Error
		if code == "" {
			code = "fatal_error"
		}
	} else if h, ok := apiMethods[req.method]; !ok {
		code = ErrCodeUnknownMethod
	} else if code = f.checkTokenLocked(req); code == "" {
		result, code = h(f, req, w)
	}
	call.Status, call.Error = status, code
	f.st.calls = append(f.st.calls, call)
	f.bumpLocked()
	if code != "" {
		writeJSON(w, status, map[string]any{"ok": false, "error": code})
		return
	}
	if result == nil {
		result = map[string]any{}
	}
	result["ok"] = true
	writeJSON(w, status, result)
}

func (f *Fake) takeFaultLocked(method string) (Fault, bool) {
	q := f.st.faults[method]
	if len(q) == 0 {
		return Fault{}, false
	}
	ft := q[0]
	q[0].Times--
	if q[0].Times <= 0 {
		f.st.faults[method] = q[1:]
	}
	return ft, true
}

func (f *Fake) checkTokenLocked(r *apiReq) string {
	want := f.cfg.botToken
	if r.method == "apps.connections.open" {
		want = f.cfg.appToken
	}
	switch r.token {
	case "":
		return ErrCodeNotAuthed
	case want:
		return ""
	default:
		return ErrCodeInvalidAuth
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Fake) apiConnectionsOpen(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ticket := fmt.Sprintf("%08x", f.nextSeqLocked()*7919)
	f.st.tickets[ticket] = false
	base := f.cfg.baseURL
	if base == "" {
		base = "http://" + r.host + "/"
	}
	ws := "ws" + strings.TrimPrefix(base, "http") + "link/?ticket=" + ticket + "&app_id=" + f.cfg.appID
	return map[string]any{"url": ws}, ""
}

func (f *Fake) apiAuthTest(*apiReq, http.ResponseWriter) (map[string]any, string) {
	return map[string]any{
		"url":     "https://" + f.cfg.teamDomain + ".slack.com/",
		"team":    f.cfg.teamName,
		"user":    f.cfg.botName,
		"team_id": f.cfg.teamID,
		"user_id": f.cfg.botUserID,
		"bot_id":  f.cfg.botID,
	}, ""
}

func (f *Fake) messageJSON(m *Message) map[string]any {
	if m.Source == SourcePerson {
		return f.personMessageJSON(m)
	}
	out := map[string]any{
		"type": "message", "ts": m.TS, "text": m.Text,
		"user": m.User, "bot_id": f.cfg.botID, "app_id": f.cfg.appID, "team": f.cfg.teamID,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.Attachments != nil {
		out["attachments"] = m.Attachments
	}
	return out
}

func (f *Fake) apiPostMessage(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ch := r.str("channel")
	if ch == "" {
		return nil, ErrCodeChannelNotFound
	}
	if c, ok := f.st.channels[ch]; ok && c.BotNotInChannel {
		return nil, ErrCodeNotInChannel
	}
	m := &Message{
		Channel: ch, TS: f.tsLocked(), ThreadTS: r.str("thread_ts"), User: f.cfg.botUserID,
		Text: r.str("text"), Blocks: r.raw("blocks"), Attachments: r.raw("attachments"),
		Metadata: r.raw("metadata"), Source: "chat.postMessage", Time: f.cfg.clock.Now(),
	}
	if m.Text == "" && m.Blocks == nil && m.Attachments == nil {
		return nil, ErrCodeNoText
	}
	if code := MessageBlocksError(m.Blocks); code != "" {
		return nil, code
	}
	f.st.messages = append(f.st.messages, m)
	return map[string]any{"channel": ch, "ts": m.TS, "message": f.messageJSON(m)}, ""
}

func (f *Fake) apiPostEphemeral(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ch, user := r.str("channel"), r.str("user")
	if ch == "" {
		return nil, ErrCodeChannelNotFound
	}
	if user == "" {
		return nil, ErrCodeUserNotFound
	}
	e := &Ephemeral{To: user, Message: Message{
		Channel: ch, TS: f.tsLocked(), ThreadTS: r.str("thread_ts"), User: f.cfg.botUserID,
		Text: r.str("text"), Blocks: r.raw("blocks"), Attachments: r.raw("attachments"),
		Source: "chat.postEphemeral", Time: f.cfg.clock.Now(),
	}}
	if e.Text == "" && e.Blocks == nil && e.Attachments == nil {
		return nil, ErrCodeNoText
	}
	if code := MessageBlocksError(e.Blocks); code != "" {
		return nil, code
	}
	f.st.ephemerals = append(f.st.ephemerals, e)
	return map[string]any{"message_ts": e.TS}, ""
}

func (f *Fake) apiUpdate(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ch, ts := r.str("channel"), r.str("ts")
	m := f.st.findMessage(ch, ts)
	if m == nil || m.Deleted {
		return nil, ErrCodeMessageNotFound
	}
	if _, ok := r.params["text"]; ok {
		m.Text = r.str("text")
	}
	if code := MessageBlocksError(r.raw("blocks")); code != "" {
		return nil, code
	}
	if _, ok := r.params["blocks"]; ok {
		m.Blocks = r.raw("blocks")
	}
	if _, ok := r.params["attachments"]; ok {
		m.Attachments = r.raw("attachments")
	}
	m.Updates++
	return map[string]any{"channel": ch, "ts": ts, "text": m.Text, "message": f.messageJSON(m)}, ""
}

func (f *Fake) apiDelete(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ch, ts := r.str("channel"), r.str("ts")
	m := f.st.findMessage(ch, ts)
	if m == nil || m.Deleted {
		return nil, ErrCodeMessageNotFound
	}
	m.Deleted = true
	return map[string]any{"channel": ch, "ts": ts}, ""
}

func (f *Fake) userJSON(u User) map[string]any {
	team := u.TeamID
	if team == "" {
		team = f.cfg.teamID
	}
	name := u.Name
	if name == "" {
		name = strings.ToLower(u.ID)
	}
	return map[string]any{
		"id": u.ID, "team_id": team, "name": name, "real_name": u.RealName,
		"deleted": u.Deleted, "is_bot": u.IsBot, "is_admin": u.IsAdmin, "tz": u.TZ,
		"is_restricted": u.IsRestricted, "is_ultra_restricted": u.IsUltraRestricted,
		"is_stranger": team != f.cfg.teamID,
		"profile": map[string]any{
			"email": u.Email, "real_name": u.RealName, "display_name": name, "team": team,
		},
	}
}

func (f *Fake) apiUsersInfo(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	u, ok := f.st.users[r.str("user")]
	if !ok {
		return nil, ErrCodeUserNotFound
	}
	return map[string]any{"user": f.userJSON(u)}, ""
}

func (f *Fake) apiUsersLookupByEmail(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	email := strings.ToLower(r.str("email"))
	for _, u := range f.st.users {
		if email != "" && strings.ToLower(u.Email) == email {
			return map[string]any{"user": f.userJSON(u)}, ""
		}
	}
	return nil, "users_not_found"
}

func (f *Fake) channelJSON(c Channel) map[string]any {
	return map[string]any{
		"id": c.ID, "name": c.Name, "is_channel": !c.IsIM && !c.IsMpIM, "is_group": false, "is_im": c.IsIM,
		"is_mpim": c.IsMpIM, "user": c.User,
		"is_private": c.IsPrivate, "is_ext_shared": c.IsExtShared, "is_pending_ext_shared": c.IsPendingExtShared,
		"is_org_shared": c.IsOrgShared, "is_shared": c.IsShared || c.IsExtShared || c.IsOrgShared,
		"is_member": !c.BotNotInChannel, "context_team_id": f.cfg.teamID,
	}
}

func (f *Fake) apiConversationsInfo(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	c, ok := f.st.channels[r.str("channel")]
	if !ok {
		return nil, ErrCodeChannelNotFound
	}
	return map[string]any{"channel": f.channelJSON(c)}, ""
}

func (f *Fake) apiConversationsJoin(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	c, ok := f.st.channels[r.str("channel")]
	if !ok {
		return nil, ErrCodeChannelNotFound
	}
	c.BotNotInChannel = false
	f.st.channels[c.ID] = c
	return map[string]any{"channel": f.channelJSON(c)}, ""
}

func (f *Fake) apiConversationsOpen(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	users := r.str("users")
	if users == "" || strings.Contains(users, ",") {
		return nil, ErrCodeUserNotFound
	}
	id := "D" + strings.TrimPrefix(users, "U")
	c, ok := f.st.channels[id]
	if !ok {
		c = Channel{ID: id, IsIM: true, IsPrivate: true, User: users}
		f.st.channels[id] = c
	}
	return map[string]any{"channel": f.channelJSON(c)}, ""
}

// serveResponseURL records a POST to /response/<id> and applies it like
// Slack: in_channel posts a message, replace_original/delete_original edit
// the message the interaction came from, anything else is ephemeral.
func (f *Fake) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	decodeErr := json.Unmarshal(body, &msg)
	if string(msg.Blocks) == "null" {
		msg.Blocks = nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.cfg.clock.Now()
	post := ResponsePost{
		ResponseID: id, URL: f.responseBaseLocked() + id, Body: body, Text: msg.Text, Blocks: msg.Blocks,
		ResponseType: msg.ResponseType, ReplaceOriginal: msg.ReplaceOriginal, DeleteOriginal: msg.DeleteOriginal, Time: now,
	}
	ru, ok := f.st.responses[id]
	switch {
	case !ok:
		post.Error = "not_found"
	case now.Sub(ru.issuedAt) > ResponseURLTTL:
		post.Error = "expired_url"
	case ru.posts >= ResponseURLMaxPosts:
		post.Error = "used_url"
	case decodeErr != nil:
		post.Error = "invalid_payload"
	}
	f.st.posts = append(f.st.posts, post)
	f.bumpLocked()
	if post.Error != "" {
		status := http.StatusNotFound
		if post.Error == "invalid_payload" {
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, post.Error)
		return
	}
	ru.posts++
	m := Message{
		Channel: ru.channelID, User: f.cfg.botUserID, Text: msg.Text, Blocks: msg.Blocks,
		ThreadTS: msg.ThreadTS, Source: "response_url", Time: now,
	}
	orig := f.st.findMessage(ru.channelID, ru.messageTS)
	if orig == nil {
		// The message clicked may be an ephemeral (every reply the bot
		// gives a person is); Slack replaces that one for its user.
		if e := f.st.findEphemeral(ru.channelID, ru.messageTS, ru.userID); e != nil {
			orig = &e.Message
		}
	}
	switch {
	case msg.DeleteOriginal && orig != nil:
		orig.Deleted = true
	case msg.ReplaceOriginal && orig != nil:
		orig.Text, orig.Blocks = msg.Text, msg.Blocks
		orig.Updates++
	case msg.ResponseType == "in_channel":
		m.TS = f.tsLocked()
		f.st.messages = append(f.st.messages, &m)
	default:
		m.TS = f.tsLocked()
		f.st.ephemerals = append(f.st.ephemerals, &Ephemeral{Message: m, To: ru.userID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
