package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// Dedup makes a write triggered from Slack happen once per key, so a
// double-click or a redelivered submission writes nothing the second time.
// MemoryDedup is the in-process implementation; a durable one (surviving
// restarts, shared by replicas) can be swapped in through Config.Dedup.
type Dedup interface {
	// Begin claims key. The first caller gets first=true and must call
	// Done when its write is over. Later callers get first=false and wait,
	// until ctx ends, for the first caller's reply: finished reports
	// whether it arrived.
	Begin(ctx context.Context, key string) (first bool, prior Reply, finished bool)
	// Done records the reply of the write made under key.
	Done(key string, r Reply)
}

// MemoryDedup is a Dedup kept in process memory: right for one bot process,
// forgotten on restart. Keys are kept for a TTL after they finish.
type MemoryDedup struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]*dedupEntry
}

type dedupEntry struct {
	done  chan struct{}
	reply Reply
	at    time.Time // when Done was called; zero while in progress
}

// NewMemoryDedup returns an empty in-memory guard remembering finished keys
// for ttl.
func NewMemoryDedup(ttl time.Duration) *MemoryDedup {
	return &MemoryDedup{ttl: ttl, entries: map[string]*dedupEntry{}}
}

// Begin implements Dedup.
func (d *MemoryDedup) Begin(ctx context.Context, key string) (bool, Reply, bool) {
	d.mu.Lock()
	now := time.Now()
	for k, e := range d.entries {
		if !e.at.IsZero() && now.Sub(e.at) > d.ttl {
			delete(d.entries, k)
		}
	}
	e, ok := d.entries[key]
	if !ok {
		d.entries[key] = &dedupEntry{done: make(chan struct{})}
		d.mu.Unlock()
		return true, Reply{}, false
	}
	d.mu.Unlock()
	select {
	case <-e.done:
		d.mu.Lock()
		defer d.mu.Unlock()
		return false, e.reply, true
	case <-ctx.Done():
		return false, Reply{}, false
	}
}

// Done implements Dedup.
func (d *MemoryDedup) Done(key string, r Reply) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.entries[key]
	if !ok || !e.at.IsZero() {
		return
	}
	e.reply, e.at = r, time.Now()
	close(e.done)
}

// dedup is the configured guard, or the in-process one.
func (c *Commands) dedup() Dedup {
	if c.cfg.Dedup != nil {
		return c.cfg.Dedup
	}
	return c.w.memDedup()
}

// submissionKey identifies one submission: the view plus a hash of what was
// typed, so the same form delivered twice has one key while a corrected
// resubmission of the same view (after field errors) has another.
func submissionKey(s Submission) string {
	vals, _ := json.Marshal(s.Values) // map keys are sorted: stable
	return "submit:" + hashParts(s.CallbackID, s.ViewID, string(vals))
}

// clickKey identifies one button click: the action, the message holding
// the button and the button's value. Clicks that only open a modal write
// nothing and need no key; a click that writes must claim it.
func clickKey(a Action) string {
	return "click:" + hashParts(a.ActionID, a.MessageTS, a.Value)
}

// hashParts hashes length-prefixed parts so ("ab","c") and ("a","bc")
// differ.
func hashParts(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		l := len(p)
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// duplicateReply answers the second delivery of a submission: the first
// delivery's outcome (kept by Dedup, across restarts with StoreDedup), so
// the tech sees what was done whichever reply reaches them. Notices are
// never repeated.
func duplicateReply(finished bool, prior Reply) Reply {
	r := Reply{Text: "That form is already being saved; I didn't start it a second time.", Outcome: OutcomeDuplicate}
	if finished {
		const head = "That form was submitted twice; I did the work once. Nothing was written twice."
		r.Text = head
		if prior.Text != "" {
			r.Text = head + " " + prior.Text
		}
		if prior.Text != "" && len(prior.Blocks) > 0 {
			r.Blocks = append([]slack.Block{slack.NewSectionBlock(mrkdwn(head), nil, nil)}, prior.Blocks...)
		}
	}
	return r
}

// validate checks a submission without calling Syncro.
func (c *Commands) validate(s Submission) FieldErrors {
	errs := FieldErrors{}
	switch s.CallbackID {
	case CallbackCreate:
		c.validateCreate(s, errs)
	case CallbackUpdate:
		validateDue(s, errs)
	case CallbackClose:
		validateText(s, BlockResolution, true, MaxCommentLen, "resolution", errs)
		c.validateTime(s, false, errs)
	case CallbackBill:
		meta, _ := decodeMeta(s.PrivateMetadata)
		c.validateTime(s, meta.Uncharged == 0, errs)
		validateText(s, BlockNotes, false, MaxCommentLen, "work notes", errs)
	case CallbackLogTime:
		c.validateTime(s, true, errs)
		validateText(s, BlockNotes, false, MaxCommentLen, "notes", errs)
	case CallbackCustomerCreate, CallbackCustomerEdit, CallbackContactAdd, CallbackContactEdit:
		validateCustomerForms(s, errs)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// validateText checks a text field's presence and length (in characters).
func validateText(s Submission, block string, required bool, maxLen int, what string, errs FieldErrors) {
	v := inputText(s, block)
	switch {
	case required && v == "":
		errs[block] = "Please write the " + what + "."
	case runeLen(v) > maxLen:
		errs[block] = "The " + what + " can be at most " + commas(maxLen) + " characters (it has " + commas(runeLen(v)) + ")."
	}
}

// validateTime checks the minutes and labor fields: minutes parse with
// ParseMinutes (1 to 1440); required says whether they may be empty.
func (c *Commands) validateTime(s Submission, required bool, errs FieldErrors) {
	raw := inputText(s, BlockMinutes)
	if raw == "" {
		if required {
			errs[BlockMinutes] = "Enter the time spent, like 45 or 1h30m."
		}
		return
	}
	if _, err := ParseMinutes(raw); err != nil {
		errs[BlockMinutes] = fieldMessage(usageMessage(err))
	}
	if _, err := lookupLabor(c.cfg.Labor, selectedValue(s, BlockLabor)); err != nil {
		errs[BlockLabor] = fieldMessage(usageMessage(err))
	}
}

// usageMessage is a UsageError's sentence without the usage line.
func usageMessage(err error) string {
	if ue, ok := err.(*UsageError); ok {
		return ue.Message
	}
	return err.Error()
}

// submit does the Syncro work of a submission, once per submission.
func (c *Commands) submit(ctx context.Context, s Submission) Reply {
	meta, metaErr := decodeMeta(s.PrivateMetadata)
	if errs := c.validate(s); len(errs) > 0 {
		// bot acks with Validate's errors first; this guards direct calls.
		var msgs []string
		for _, m := range errs {
			msgs = append(msgs, m)
		}
		return Reply{Text: "Nothing was saved: " + strings.Join(msgs, " "), ChannelID: meta.Channel}
	}
	write := func() Reply {
		var r Reply
		switch {
		case metaErr != nil:
			r = c.failure(ctx, metaErr, "read that form")
		default:
			r = c.submitOnce(ctx, s, meta)
		}
		if r.ChannelID == "" {
			r.ChannelID = meta.Channel
		}
		return r
	}
	repeat := func(prior Reply, finished bool) Reply {
		r := duplicateReply(finished, prior)
		r.ChannelID = prior.ChannelID
		if r.ChannelID == "" {
			r.ChannelID = meta.Channel
		}
		return r
	}
	return c.once(ctx, submissionKey(s), write, repeat)
}

// submitOnce routes a submission by its callback id.
func (c *Commands) submitOnce(ctx context.Context, s Submission, meta modalMeta) Reply {
	switch s.CallbackID {
	case CallbackCreate:
		return c.submitCreate(ctx, s, meta)
	case CallbackUpdate:
		return c.submitUpdate(ctx, s, meta)
	case CallbackClose:
		return c.submitClose(ctx, s, meta)
	case CallbackBill:
		return c.submitBill(ctx, s, meta)
	case CallbackLogTime:
		return c.submitLogTime(ctx, s, meta)
	case CallbackCustomerCreate, CallbackCustomerEdit, CallbackContactAdd, CallbackContactEdit:
		return c.submitCustomerForms(ctx, s, meta)
	}
	return Reply{Text: "I don't know that form (" + slackfmt.EscapeMrkdwn(slackfmt.Truncate(s.CallbackID, 40)) + "); nothing was saved."}
}

// timeFromSubmission reads the minutes and labor fields; nil when no
// minutes were given. Validate has checked them.
func (c *Commands) timeFromSubmission(s Submission, notes string) (*timeEntry, error) {
	raw := inputText(s, BlockMinutes)
	if raw == "" {
		return nil, nil
	}
	m, err := ParseMinutes(raw)
	if err != nil {
		return nil, err
	}
	pid, err := lookupLabor(c.cfg.Labor, selectedValue(s, BlockLabor))
	if err != nil {
		return nil, err
	}
	return &timeEntry{Minutes: m, ProductID: pid, Notes: notesHead(notes)}, nil
}
