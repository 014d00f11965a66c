package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// IssueTrigger mints a trigger_id for userID as if the user had just
// interacted; it is valid for the trigger TTL and usable once.
func (f *Fake) IssueTrigger(userID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issueTriggerLocked(userID, f.cfg.teamID, "")
}

func (f *Fake) issueTriggerLocked(userID, teamID, viewID string) string {
	now := f.cfg.clock.Now()
	n := f.nextSeqLocked()
	id := fmt.Sprintf("%d.%d.%08x", now.Unix(), n, n*104729)
	f.st.triggers[id] = &trigger{id: id, userID: userID, teamID: teamID, viewID: viewID, issuedAt: now}
	return id
}

func (f *Fake) useTriggerLocked(id string) (*trigger, string) {
	t, ok := f.st.triggers[id]
	if !ok {
		return nil, ErrCodeInvalidTrigger
	}
	if f.cfg.clock.Now().Sub(t.issuedAt) > f.cfg.triggerTTL {
		return nil, ErrCodeExpiredTrigger
	}
	if t.used {
		return nil, ErrCodeInvalidTrigger
	}
	t.used = true
	return t, ""
}

// buildViewLocked fills v from the view JSON sent by the bot and renders
// v.JSON the way Slack returns views.
func (f *Fake) buildViewLocked(raw json.RawMessage, v *View) string {
	if raw == nil {
		return ErrCodeInvalidArguments
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return ErrCodeInvalidArguments
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	v.Type = str("type")
	v.CallbackID = str("callback_id")
	v.PrivateMetadata = str("private_metadata")
	if ext := str("external_id"); ext != "" {
		v.ExternalID = ext
	}
	n := f.nextSeqLocked()
	v.Hash = fmt.Sprintf("%d.%08x", f.cfg.clock.Now().Unix(), n*15485863)
	m["id"] = v.ID
	m["team_id"] = v.TeamID
	m["app_id"] = f.cfg.appID
	m["bot_id"] = f.cfg.botID
	m["hash"] = v.Hash
	m["root_view_id"] = v.RootViewID
	m["previous_view_id"] = nilIfEmpty(v.PreviousViewID)
	m["external_id"] = v.ExternalID
	if _, ok := m["state"]; !ok {
		m["state"] = map[string]any{"values": map[string]any{}}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ErrCodeInvalidArguments
	}
	v.JSON = b
	return ""
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *Fake) newViewIDLocked() string {
	return fmt.Sprintf("V%08d", f.nextSeqLocked())
}

func (f *Fake) viewResult(v *View) map[string]any {
	return map[string]any{"view": v.JSON}
}

func (f *Fake) apiViewsOpen(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	t, code := f.useTriggerLocked(r.str("trigger_id"))
	if code != "" {
		return nil, code
	}
	v := &View{ID: f.newViewIDLocked(), UserID: t.userID, TeamID: t.teamID, OpenedAt: f.cfg.clock.Now()}
	v.RootViewID = v.ID
	if code := f.buildViewLocked(r.raw("view"), v); code != "" {
		return nil, code
	}
	f.st.views = append(f.st.views, v)
	return f.viewResult(v), ""
}

// stackLocked returns the open views sharing rootID, bottom first.
func (f *Fake) stackLocked(rootID string) []*View {
	var out []*View
	for _, v := range f.st.views {
		if v.RootViewID == rootID && !v.Closed {
			out = append(out, v)
		}
	}
	return out
}

func (f *Fake) apiViewsPush(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	t, code := f.useTriggerLocked(r.str("trigger_id"))
	if code != "" {
		return nil, code
	}
	root := t.viewID
	if root == "" || len(f.stackLocked(root)) == 0 {
		root = ""
		for _, v := range f.st.views {
			if v.UserID == t.userID && !v.Closed {
				root = v.RootViewID
			}
		}
	}
	v := &View{ID: f.newViewIDLocked(), UserID: t.userID, TeamID: t.teamID, OpenedAt: f.cfg.clock.Now()}
	if root == "" {
		v.RootViewID = v.ID
	} else {
		stack := f.stackLocked(root)
		if len(stack) >= ViewStackLimit {
			return nil, ErrCodePushLimit
		}
		v.RootViewID = root
		v.PreviousViewID = stack[len(stack)-1].ID
	}
	if code := f.buildViewLocked(r.raw("view"), v); code != "" {
		return nil, code
	}
	f.st.views = append(f.st.views, v)
	return f.viewResult(v), ""
}

func (f *Fake) apiViewsUpdate(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	id, ext := r.str("view_id"), r.str("external_id")
	var v *View
	if id != "" {
		v = f.st.findView(id)
	} else if ext != "" {
		for _, c := range f.st.views {
			if c.ExternalID == ext {
				v = c
			}
		}
	}
	if v == nil || v.Closed {
		return nil, ErrCodeNotFound
	}
	if h := r.str("hash"); h != "" && h != v.Hash {
		return nil, ErrCodeHashConflict
	}
	if code := f.updateViewLocked(v, r.raw("view")); code != "" {
		return nil, code
	}
	return f.viewResult(v), ""
}

// updateViewLocked replaces v's content, keeping its identity.
func (f *Fake) updateViewLocked(v *View, raw json.RawMessage) string {
	next := *v
	if code := f.buildViewLocked(raw, &next); code != "" {
		return code
	}
	next.Updates++
	*v = next
	return ""
}

func (f *Fake) apiViewsPublish(r *apiReq, _ http.ResponseWriter) (map[string]any, string) {
	user := r.str("user_id")
	if user == "" {
		return nil, ErrCodeUserNotFound
	}
	var body struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal(r.raw("view"), &body) != nil || len(body.Blocks) > MaxHomeBlocks {
		return nil, ErrCodeInvalidBlocks
	}
	v, ok := f.st.home[user]
	if !ok {
		v = &View{ID: f.newViewIDLocked(), UserID: user, TeamID: f.cfg.teamID, OpenedAt: f.cfg.clock.Now()}
		v.RootViewID = v.ID
		if code := f.buildViewLocked(r.raw("view"), v); code != "" {
			return nil, code
		}
		f.st.home[user] = v
		return f.viewResult(v), ""
	}
	if h := r.str("hash"); h != "" && h != v.Hash {
		return nil, ErrCodeHashConflict
	}
	if code := f.updateViewLocked(v, r.raw("view")); code != "" {
		return nil, code
	}
	return f.viewResult(v), ""
}
