package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"sync"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/store"
)

// Idempotency keys, one per kind of Slack interaction (see interaction.go):
//
//   - a slash command that writes: the envelope id plus the business intent
//     (ticket, action, minutes, hash of the text), so a redelivered envelope
//     writes nothing while the same words typed again later are new work;
//   - a modal submission: view id, callback id and a hash of the values
//     (submissionKey in submit.go);
//   - a button click that writes: action id, message ts and value
//     (clickKey in submit.go).
//
// StoreDedup keeps them in the store, so a repeat after a restart still
// returns the first reply and writes nothing.

// SlashKey identifies one delivery of a slash command that writes.
func SlashKey(r Request, action string, ticket int64, minutes int, text string) string {
	th := sha256.Sum256([]byte(text))
	return "slash:" + hashParts(r.EnvelopeID, action, strconv.FormatInt(ticket, 10), strconv.Itoa(minutes), hex.EncodeToString(th[:]))
}

// ErrRestarting is the cause of a handler context that bot cancelled
// because the process is shutting down before the work sent Syncro any
// write; the person is told to try again in a moment.
var ErrRestarting = errors.New("commands: the bot is restarting")

// Once makes write happen once per key: the first delivery runs it and
// records its reply; a repeat (concurrent, redelivered, or after a restart
// with StoreDedup) writes nothing and is answered by repeat with the first
// reply and whether it has finished. A write stopped by ErrRestarting
// wrote nothing, so it is forgotten instead of recorded: the same click or
// submission after the restart does the work.
func (d Deps) Once(ctx context.Context, key string, write func() Reply, repeat func(prior Reply, finished bool) Reply) Reply {
	return d.once(ctx, key, write, repeat, func(Reply) bool { return false })
}

// OnceUntilDone is Once for work whose every write has a claim of its own
// (a recorded flow's Finish): a run that ended failed is forgotten instead
// of recorded, so pressing the same button again after Syncro recovered
// tries the missing steps again rather than replaying the failure. A
// concurrent repeat still waits for the running one.
func (d Deps) OnceUntilDone(ctx context.Context, key string, write func() Reply, repeat func(prior Reply, finished bool) Reply) Reply {
	return d.once(ctx, key, write, repeat, func(r Reply) bool { return r.Outcome == OutcomeFailed })
}

// once runs write under key and records its reply, or forgets the key when
// the work was stopped by a restart or retry says it may simply run again.
func (d Deps) once(ctx context.Context, key string, write func() Reply, repeat func(prior Reply, finished bool) Reply, retry func(Reply) bool) Reply {
	first, prior, finished := d.Dedup.Begin(ctx, key)
	if !first && prior.Outcome == outcomeNotRecorded {
		// Nobody did this work before: the store could not be asked, and
		// repeat's words would call it a second delivery of work done
		// once. Its reply still says where the answer goes.
		r := repeat(prior, finished)
		r.Text, r.Blocks, r.Outcome = prior.Text, nil, prior.Outcome
		return r
	}
	if !first {
		return repeat(prior, finished)
	}
	r := write()
	if errors.Is(context.Cause(ctx), ErrRestarting) || retry(r) {
		d.Dedup.Forget(key)
	} else {
		d.Dedup.Done(key, r)
	}
	return r
}

// SamePrior answers a repeat with the first delivery's reply itself, or
// with busy while that is still running.
func SamePrior(busy string) func(Reply, bool) Reply {
	return func(prior Reply, finished bool) Reply {
		if finished {
			return prior
		}
		return Reply{Text: busy}
	}
}

// ClickedTwice answers a repeated button click.
func ClickedTwice(prior Reply, finished bool) Reply {
	if finished {
		return Reply{Text: "Already done (that was clicked twice): " + prior.Text}
	}
	return Reply{Text: "That is already in progress; I didn't start it a second time."}
}

// StoreDedup is a Dedup kept in the bot's store: it survives restarts and
// answers a repeat with the first reply. A key left pending by a process
// that died is handed out again (first=true) to exactly one caller in this
// process; the work behind it runs as a recorded flow whose steps read
// Syncro back before writing again, so resuming never writes twice.
type StoreDedup struct {
	st store.Claims

	mu sync.Mutex
	// resuming holds keys left pending by a dead process that a caller of
	// this process is now finishing; later callers wait on the channel.
	resuming map[string]chan struct{}
}

// NewStoreDedup returns a Dedup over st.
func NewStoreDedup(st store.Claims) *StoreDedup {
	return &StoreDedup{st: st, resuming: map[string]chan struct{}{}}
}

// storedReply is the part of a Reply worth repeating: notices are never
// posted twice, and a modal is not reopened.
type storedReply struct {
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	InChannel bool            `json:"in_channel,omitempty"`
	ChannelID string          `json:"channel_id,omitempty"`
}

func EncodeReply(r Reply) []byte {
	sr := storedReply{Text: r.Text, InChannel: r.InChannel, ChannelID: r.ChannelID}
	if len(r.Blocks) > 0 {
		if b, err := json.Marshal(slack.Blocks{BlockSet: r.Blocks}); err == nil {
			sr.Blocks = b
		}
	}
	b, _ := json.Marshal(sr)
	return b
}

func decodeReply(b []byte) Reply {
	var sr storedReply
	if err := json.Unmarshal(b, &sr); err != nil {
		return Reply{Text: "That was already done once; nothing was written twice."}
	}
	r := Reply{Text: sr.Text, InChannel: sr.InChannel, ChannelID: sr.ChannelID}
	if len(sr.Blocks) > 0 {
		var bl slack.Blocks
		if json.Unmarshal(sr.Blocks, &bl) == nil {
			r.Blocks = bl.BlockSet
		}
	}
	return r
}

// storeFailedReply answers when the store cannot record a key: without the
// record a repeat could write twice, so nothing is done.
var storeFailedReply = Reply{Text: "I couldn't record this request in my own database, so I didn't send anything to Syncro. Try again in a moment.", Outcome: outcomeNotRecorded}

// outcomeNotRecorded marks storeFailedReply, which Begin hands back as a
// prior reply although no delivery did the work (a stored reply is
// decoded without its Outcome, so no other prior carries it).
const outcomeNotRecorded Outcome = "not recorded"

// Begin implements Dedup.
func (d *StoreDedup) Begin(ctx context.Context, key string) (bool, Reply, bool) {
	k := store.Key("dedup", key)
	for {
		cl, err := d.st.Claim(ctx, k, "")
		if err != nil {
			if ctx.Err() != nil {
				return false, Reply{}, false
			}
			return false, storeFailedReply, true
		}
		switch cl.State {
		case store.ClaimAcquired:
			return true, Reply{}, false
		case store.ClaimDone:
			return false, decodeReply(cl.Outcome), true
		case store.ClaimFailed:
			return false, Reply{Text: cl.Failure}, true
		case store.ClaimInProgress:
			if _, err := d.st.Wait(ctx, k); err != nil {
				return false, Reply{}, false
			}
		case store.ClaimUnknown:
			d.mu.Lock()
			ch, busy := d.resuming[k]
			if !busy {
				d.resuming[k] = make(chan struct{})
				d.mu.Unlock()
				return true, Reply{}, false
			}
			d.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return false, Reply{}, false
			}
		}
	}
}

// Done implements Dedup.
func (d *StoreDedup) Done(key string, r Reply) {
	k := store.Key("dedup", key)
	_ = d.st.Complete(k, EncodeReply(r))
	d.resumed(k)
}

// Forget implements Dedup: the claim fails retryably, so the next Begin
// acquires it.
func (d *StoreDedup) Forget(key string) {
	k := store.Key("dedup", key)
	_ = d.st.Fail(k, "", true)
	d.resumed(k)
}

// resumed wakes the callers waiting on a resumed key k.
func (d *StoreDedup) resumed(k string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ch, ok := d.resuming[k]; ok {
		close(ch)
		delete(d.resuming, k)
	}
}
