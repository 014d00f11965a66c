package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The conversation side of the fake: messages people post (Post), the
// link_shared events Slack sends for links to the app's unfurl domains,
// chat.unfurl and chat.getPermalink. Message shortcuts on these messages
// are Shortcut with a MessageTS (interactions.go).

// SourcePerson is the Message.Source of a message a person (or another
// app's bot) posted with Post.
const SourcePerson = "person"

// File is a file shared with a message; Slack sends its name and title
// in the message's files.
type File struct {
	ID       string
	Name     string
	Title    string
	Mimetype string
}

// PersonMessage is a message someone posts in a channel: a person of the
// home workspace, a person of another workspace in a shared channel (a
// User with another TeamID), or another app's bot (BotID set).
type PersonMessage struct {
	Channel string
	// User is the author; for a bot message, the bot's user (may be empty).
	User string
	// Text is the message as typed; Slack escapes it and turns links into
	// <…> markup, as Post does.
	Text string
	// ThreadTS makes the message a reply in that thread.
	ThreadTS string
	Files    []File
	// BotID and BotName make it a bot_message of another app.
	BotID   string
	BotName string
}

// LinkShared is one link_shared event the fake sent.
type LinkShared struct {
	Channel   string
	User      string
	MessageTS string
	URLs      []string
	Ack       Ack
}

// Unfurl is one link preview the bot attached with chat.unfurl.
type Unfurl struct {
	Channel    string
	TS         string
	URL        string
	Attachment json.RawMessage // as sent: an attachment, with blocks or text
	Time       time.Time
}

// WithUnfurlDomains sets the app's unfurl domains (the manifest's
// features.unfurl_domains): a posted link whose host is one of them, or
// below one, makes Slack send link_shared.
func WithUnfurlDomains(domains ...string) Option {
	return func(c *config) { c.unfurlDomains = append(c.unfurlDomains, domains...) }
}

// linkRE finds the links Slack turns into <…> markup as a message is
// sent: http(s) up to whitespace or an angle bracket.
var linkRE = regexp.MustCompile(`https?://[^\s<>]+`)

// slackEscape escapes text the way Slack stores message text: &, < and >
// as entities.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackText is typed text as Slack stores it in a message: escaped, with
// each link wrapped in <…>.
func slackText(typed string) string {
	var b strings.Builder
	last := 0
	for _, loc := range linkRE.FindAllStringIndex(typed, -1) {
		b.WriteString(slackEscape(typed[last:loc[0]]))
		b.WriteString("<" + slackEscape(typed[loc[0]:loc[1]]) + ">")
		last = loc[1]
	}
	b.WriteString(slackEscape(typed[last:]))
	return b.String()
}

// unfurlLinksLocked lists, once each and in order, the links of typed
// text that lie in an unfurl domain.
func (f *Fake) unfurlLinksLocked(typed string) []string {
	var out []string
	for _, link := range linkRE.FindAllString(typed, -1) {
		u, err := url.Parse(link)
		if err != nil || slices.Contains(out, link) {
			continue
		}
		host := strings.ToLower(u.Hostname())
		if slices.ContainsFunc(f.cfg.unfurlDomains, func(d string) bool {
			d = strings.ToLower(d)
			return host == d || strings.HasSuffix(host, "."+d)
		}) {
			out = append(out, link)
		}
	}
	return out
}

// Post shows pm in its channel as its author posted it. When the text
// holds links to the app's unfurl domains, Slack tells the app with a
// link_shared event: Post sends it and waits for the ack, as Slack does
// (the event's ack is in the returned LinkShared; nil when none was sent).
func (f *Fake) Post(ctx context.Context, pm PersonMessage) (Message, *LinkShared, error) {
	f.mu.Lock()
	if pm.Channel == "" {
		f.mu.Unlock()
		return Message{}, nil, fmt.Errorf("slackfake: post: %w", errNoChannel)
	}
	team := f.cfg.teamID
	if u, ok := f.st.users[pm.User]; ok && u.TeamID != "" {
		team = u.TeamID
	}
	m := &Message{
		Channel: pm.Channel, TS: f.tsLocked(), ThreadTS: pm.ThreadTS, User: pm.User,
		Text: slackText(pm.Text), Source: SourcePerson, Time: f.cfg.clock.Now(),
		Team: team, Files: slices.Clone(pm.Files), BotID: pm.BotID, BotName: pm.BotName,
	}
	f.st.messages = append(f.st.messages, m)
	links := f.unfurlLinksLocked(pm.Text)
	posted := m.clone()
	f.bumpLocked()
	f.mu.Unlock()
	if len(links) == 0 || pm.BotID != "" {
		return posted, nil, nil
	}
	ls := &LinkShared{Channel: pm.Channel, User: pm.User, MessageTS: posted.TS, URLs: links}
	event := map[string]any{
		"type": "link_shared", "channel": pm.Channel, "is_bot_user_member": true,
		"user": pm.User, "message_ts": posted.TS, "unfurl_id": pm.Channel + "." + posted.TS + ".UF",
		"source": "conversations_history", "event_ts": posted.TS, "links": linksJSON(links),
	}
	if pm.ThreadTS != "" {
		event["thread_ts"] = pm.ThreadTS
	}
	ack, err := f.Event(ctx, event)
	ls.Ack = ack
	if err != nil {
		return posted, ls, fmt.Errorf("slackfake: link_shared for %s: %w", posted.TS, err)
	}
	return posted, ls, nil
}

// errNoChannel is Post's refusal of a message without a channel.
var errNoChannel = errors.New("no channel")

func linksJSON(links []string) []any {
	out := make([]any, len(links))
	for i, l := range links {
		host := l
		if u, err := url.Parse(l); err == nil {
			host = u.Hostname()
		}
		out[i] = map[string]any{"domain": host, "url": l}
	}
	return out
}

// personMessageJSON is a posted message as Slack puts it in payloads:
// the author's user and team, files, and a bot's subtype and id.
func (f *Fake) personMessageJSON(m *Message) map[string]any {
	out := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "team": m.Team}
	if m.User != "" {
		out["user"] = m.User
	}
	if m.BotID != "" {
		out["subtype"] = "bot_message"
		out["bot_id"] = m.BotID
		out["username"] = m.BotName
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if len(m.Files) > 0 {
		files := make([]any, len(m.Files))
		for i, fl := range m.Files {
			files[i] = map[string]any{"id": fl.ID, "name": fl.Name, "title": fl.Title, "mimetype": fl.Mimetype, "mode": "hosted"}
		}
		out["files"] = files
		out["upload"] = true
	}
	if len(m.Unfurls) > 0 {
		var atts []any
		for _, link := range slices.Sorted(maps.Keys(m.Unfurls)) {
			var a map[string]any
			if json.Unmarshal(m.Unfurls[link], &a) == nil {
				a["from_url"] = link
				atts = append(atts, a)
			}
		}
		out["attachments"] = atts
	}
	return out
}

// permalinkLocked is the message's permalink as chat.getPermalink gives
// it: the workspace's archive URL, with thread_ts for a thread reply.
func (f *Fake) permalinkLocked(m *Message) string {
	link := "https://" + f.cfg.teamDomain + ".slack.com/archives/" + m.Channel + "/p" + strings.Replace(m.TS, ".", "", 1)
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		link += "?thread_ts=" + m.ThreadTS + "&cid=" + m.Channel
	}
	return link
}

func (f *Fake) apiGetPermalink(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ch := r.str("channel")
	m := f.st.findMessage(ch, r.str("message_ts"))
	if _, known := f.st.channels[ch]; m == nil && !known {
		return nil, ErrCodeChannelNotFound
	}
	if m == nil || m.Deleted {
		return nil, ErrCodeMessageNotFound
	}
	return map[string]any{"channel": ch, "permalink": f.permalinkLocked(m)}, ""
}

// Error codes of chat.unfurl the fake answers.
const (
	ErrCodeMissingUnfurls  = "missing_unfurls"
	ErrCodeCannotUnfurlURL = "cannot_unfurl_url"
)

// apiUnfurl attaches previews to a posted message. Like Slack, it takes
// only links that message shared (by link_shared), so a bot cannot
// decorate a message with previews of links nobody posted.
func (f *Fake) apiUnfurl(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	ch, ts := r.str("channel"), r.str("ts")
	var unfurls map[string]json.RawMessage
	if raw := r.raw("unfurls"); raw == nil || json.Unmarshal(raw, &unfurls) != nil || len(unfurls) == 0 {
		return nil, ErrCodeMissingUnfurls
	}
	m := f.st.findMessage(ch, ts)
	if m == nil || m.Deleted || m.Source != SourcePerson {
		return nil, ErrCodeCannotUnfurlURL
	}
	shared := f.unfurlLinksLocked(unescapeSlack(m.Text))
	for link := range unfurls {
		if !slices.Contains(shared, link) {
			return nil, ErrCodeCannotUnfurlURL
		}
	}
	if m.Unfurls == nil {
		m.Unfurls = map[string]json.RawMessage{}
	}
	now := f.cfg.clock.Now()
	for _, link := range slices.Sorted(maps.Keys(unfurls)) {
		m.Unfurls[link] = slices.Clone(unfurls[link])
		f.st.unfurls = append(f.st.unfurls, Unfurl{Channel: ch, TS: ts, URL: link, Attachment: slices.Clone(unfurls[link]), Time: now})
	}
	return map[string]any{}, ""
}

// linkMarkupRE is a link as Slack marks it up in message text.
var linkMarkupRE = regexp.MustCompile(`<(https?://[^>|]+)(\|[^>]*)?>`)

// unescapeSlack undoes slackText: the text as typed.
func unescapeSlack(s string) string {
	s = linkMarkupRE.ReplaceAllString(s, "$1")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// Unfurls returns every preview the bot attached with chat.unfurl,
// oldest first.
func (f *Fake) Unfurls() []Unfurl {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Unfurl, len(f.st.unfurls))
	for i, u := range f.st.unfurls {
		u.Attachment = slices.Clone(u.Attachment)
		out[i] = u
	}
	return out
}

// Thread returns the replies in a message's thread (the bot's and
// people's), oldest first.
func (f *Fake) Thread(channel, ts string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, m := range f.st.messages {
		if m.Channel == channel && m.ThreadTS == ts && m.TS != ts {
			out = append(out, m.clone())
		}
	}
	return out
}
