package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope types Slack sends over Socket Mode.
const (
	EnvelopeSlashCommands = "slash_commands"
	EnvelopeInteractive   = "interactive"
	EnvelopeEventsAPI     = "events_api"
)

// Envelope is one Socket Mode frame carrying a request for the bot.
type Envelope struct {
	EnvelopeID             string
	Type                   string
	AcceptsResponsePayload bool
	Payload                json.RawMessage
	// RetryAttempt and RetryReason are sent for events_api envelopes and for
	// redeliveries.
	RetryAttempt int
	RetryReason  string
}

// MarshalJSON renders the envelope exactly as Slack frames it.
func (e Envelope) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"envelope_id":              e.EnvelopeID,
		"type":                     e.Type,
		"accepts_response_payload": e.AcceptsResponsePayload,
		"payload":                  e.Payload,
	}
	if e.Type == EnvelopeEventsAPI || e.RetryAttempt > 0 {
		m["retry_attempt"] = e.RetryAttempt
		m["retry_reason"] = e.RetryReason
	}
	return json.Marshal(m)
}

// Ack is the bot's answer to one envelope delivery.
type Ack struct {
	EnvelopeID   string
	Payload      json.RawMessage // nil when the ack carried no payload
	RetryAttempt int             // retry_attempt of the delivery it answered
	ConnID       int             // which socket delivered it
	SentAt       time.Time       // wall clock, when the envelope was written
	ReceivedAt   time.Time       // wall clock, when the ack was read
	Latency      time.Duration   // ReceivedAt - SentAt
	Late         bool            // Latency exceeded the ack deadline
	Unexpected   bool            // no delivery with this envelope id was waiting

	// TriggerID and ResponseURL are the ones minted for the interaction, if any.
	TriggerID   string
	ResponseURL string
}

// Decode unmarshals the ack payload into v.
func (a Ack) Decode(v any) error {
	if a.Payload == nil {
		return errors.New("slackfake: ack has no payload")
	}
	return json.Unmarshal(a.Payload, v)
}

type delivery struct {
	env        Envelope
	sentAt     time.Time
	done       chan Ack // buffered 1
	acked      bool
	onAck      func(Ack) // applied under f.mu before the sender is woken
	trigger    string
	respURL    string
	connID     int
	finishedAt time.Time
}

type conn struct {
	id       int
	ws       *websocket.Conn
	writeMu  sync.Mutex
	done     chan struct{}
	once     sync.Once
	draining bool // told to disconnect; guarded by Fake.mu
	ready    bool // hello sent; guarded by Fake.mu
}

func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *conn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (f *Fake) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	f.mu.Lock()
	used, ok := f.st.tickets[ticket]
	if ok && !used {
		f.st.tickets[ticket] = true
	}
	closed := f.closed
	f.mu.Unlock()
	if !ok || used || closed {
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		_ = ws.Close()
		return
	}
	f.st.totalConns++
	c := &conn{id: f.st.totalConns, ws: ws, done: make(chan struct{})}
	f.st.conns = append(f.st.conns, c)
	n := len(f.st.conns)
	f.wg.Add(2)
	f.mu.Unlock()
	defer f.wg.Done()

	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info": map[string]any{
			"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": f.cfg.appID},
	}
	go func() {
		defer f.wg.Done()
		f.pingLoop(c)
	}()
	// Ping once before hello, so a client with a short ping tolerance sees a
	// ping right away.
	_ = c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
	if err := c.writeJSON(hello); err != nil {
		f.dropConn(c)
		return
	}
	f.mu.Lock()
	c.ready = true
	f.bumpLocked()
	f.mu.Unlock()

	f.readLoop(c)
	f.dropConn(c)
}

func (f *Fake) pingLoop(c *conn) {
	if f.cfg.pingInterval <= 0 {
		return
	}
	t := time.NewTicker(f.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)); err != nil {
				return
			}
		}
	}
}

// readLoop reads ack frames until the socket fails.
func (f *Fake) readLoop(c *conn) {
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var frame struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(b, &frame) != nil || frame.EnvelopeID == "" {
			continue
		}
		f.recordAck(c, frame.EnvelopeID, frame.Payload)
	}
}

func (f *Fake) recordAck(c *conn, id string, payload json.RawMessage) {
	now := time.Now()
	if string(payload) == "null" || len(payload) == 0 {
		payload = nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ack := Ack{EnvelopeID: id, Payload: payload, ConnID: c.id, ReceivedAt: now}
	var d *delivery
	for _, cand := range slices.Backward(f.st.pending[id]) {
		if !cand.acked {
			d = cand
			break
		}
	}
	if d == nil {
		ack.Unexpected = true
	} else {
		d.acked = true
		ack.RetryAttempt = d.env.RetryAttempt
		ack.SentAt = d.sentAt
		ack.Latency = now.Sub(d.sentAt)
		ack.Late = f.cfg.ackDeadline > 0 && ack.Latency > f.cfg.ackDeadline
		ack.TriggerID, ack.ResponseURL = d.trigger, d.respURL
		if d.onAck != nil && !ack.Late {
			d.onAck(ack)
		}
		d.done <- ack
	}
	f.st.acks = append(f.st.acks, ack)
	f.bumpLocked()
}

func (f *Fake) dropConn(c *conn) {
	c.close()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.conns = slices.DeleteFunc(f.st.conns, func(x *conn) bool { return x == c })
	f.bumpLocked()
}

// Connections returns the number of open Socket Mode connections.
func (f *Fake) Connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.st.conns)
}

// TotalConnections returns how many Socket Mode connections were ever
// accepted.
func (f *Fake) TotalConnections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.totalConns
}

// WaitConnections waits until at least total connections have been accepted
// in all, one is open and not told to disconnect, and every socket told to
// disconnect or dropped is closed: the bot has finished moving to its new
// socket, so Connections and DropConnections count only that one. A bot
// that keeps a told socket open makes it wait for DisconnectGrace.
func (f *Fake) WaitConnections(ctx context.Context, total int) error {
	return f.WaitUntil(ctx, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		leaving := slices.ContainsFunc(f.st.conns, func(c *conn) bool { return c.draining })
		return f.st.totalConns >= total && f.pickConnLocked() != nil && !leaving
	})
}

// pickConnLocked returns the newest usable connection, or nil.
func (f *Fake) pickConnLocked() *conn {
	for _, c := range slices.Backward(f.st.conns) {
		if c.ready && !c.draining {
			return c
		}
	}
	return nil
}

// pickDeliveryConnLocked returns the socket an envelope goes to: the
// newest usable one, or with WithSpreadEnvelopes the next usable one in
// turn; nil when none is usable.
func (f *Fake) pickDeliveryConnLocked() *conn {
	if !f.cfg.spread {
		return f.pickConnLocked()
	}
	usable := slices.DeleteFunc(slices.Clone(f.st.conns), func(c *conn) bool { return !c.ready || c.draining })
	if len(usable) == 0 {
		return nil
	}
	f.st.spreadNext++
	return usable[f.st.spreadNext%len(usable)]
}

// Disconnect sends a disconnect frame with reason (e.g. "refresh_requested",
// "warning", "too_many_websockets") on every open socket, and returns how
// many were told. New envelopes go only to sockets opened afterwards; the
// told sockets are closed by the fake after DisconnectGrace if the client
// has not closed them.
func (f *Fake) Disconnect(reason string) int {
	f.mu.Lock()
	conns := slices.Clone(f.st.conns)
	for _, c := range conns {
		c.draining = true
	}
	f.bumpLocked()
	f.mu.Unlock()
	frame := map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "applink-fake"}}
	for _, c := range conns {
		_ = c.writeJSON(frame)
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			continue
		}
		f.wg.Add(1)
		f.mu.Unlock()
		go func() {
			defer f.wg.Done()
			t := time.NewTimer(DisconnectGrace)
			defer t.Stop()
			select {
			case <-c.done:
			case <-t.C:
				c.close()
			}
		}()
	}
	return len(conns)
}

// DropConnections closes every open socket abruptly (no close frame) and
// returns how many it closed.
func (f *Fake) DropConnections() int {
	f.mu.Lock()
	conns := slices.Clone(f.st.conns)
	for _, c := range conns {
		c.draining = true
	}
	f.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	return len(conns)
}

// Envelopes returns every envelope delivery so far (redeliveries included),
// oldest first.
func (f *Fake) Envelopes() []Envelope {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Envelope, len(f.st.envelopes))
	for i, e := range f.st.envelopes {
		e.Payload = slices.Clone(e.Payload)
		out[i] = e
	}
	return out
}

// Acks returns every ack received so far, oldest first.
func (f *Fake) Acks() []Ack {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Ack, len(f.st.acks))
	for i, a := range f.st.acks {
		a.Payload = slices.Clone(a.Payload)
		out[i] = a
	}
	return out
}

// WaitAck waits for an ack of envelopeID and returns the first one.
func (f *Fake) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var found Ack
	err := f.WaitUntil(ctx, func() bool {
		for _, a := range f.Acks() {
			if a.EnvelopeID == envelopeID {
				found = a
				return true
			}
		}
		return false
	})
	return found, err
}

// newEnvelopeIDLocked mints an envelope id shaped like Slack's UUIDs.
func (f *Fake) newEnvelopeIDLocked() string {
	n := f.nextSeqLocked()
	return fmt.Sprintf("%08x-fa6e-4000-8000-%012x", n, n)
}

// Send delivers env on the newest open socket (waiting for one under ctx),
// then waits for the bot's ack until the ack deadline or ctx ends. An empty
// EnvelopeID is minted. It returns ErrAckTimeout if no ack came in time.
func (f *Fake) Send(ctx context.Context, env Envelope) (Ack, error) {
	return f.deliver(ctx, &delivery{env: env})
}

// SendRaw writes frame as it is, one text message, on the newest open
// socket (waiting for one under ctx): a frame Slack never sends, such as
// a fuzzer's, reaches the bot's Socket Mode reader unchanged. Nothing
// waits for an ack; one the bot sends anyway is recorded as Unexpected.
func (f *Fake) SendRaw(ctx context.Context, frame []byte) error {
	var c *conn
	err := f.WaitUntil(ctx, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		c = f.pickConnLocked()
		return c != nil
	})
	if err != nil {
		return fmt.Errorf("slackfake: no socket to send a raw frame: %w", err)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return fmt.Errorf("slackfake: write raw frame: %w", err)
	}
	return nil
}

// awaitSocket waits until a socket can take an envelope, so ids and URLs
// minted for the interaction come after the bot is connected.
func (f *Fake) awaitSocket(ctx context.Context) error {
	err := f.WaitUntil(ctx, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.pickConnLocked() != nil
	})
	if err != nil {
		return fmt.Errorf("slackfake: no socket connected: %w", err)
	}
	return nil
}

func (f *Fake) deliver(ctx context.Context, d *delivery) (Ack, error) {
	var c *conn
	err := f.WaitUntil(ctx, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		c = f.pickDeliveryConnLocked()
		return c != nil
	})
	if err != nil {
		return Ack{}, fmt.Errorf("slackfake: no socket to deliver %s: %w", d.env.Type, err)
	}
	f.mu.Lock()
	if d.env.EnvelopeID == "" {
		d.env.EnvelopeID = f.newEnvelopeIDLocked()
	}
	d.done = make(chan Ack, 1)
	d.connID = c.id
	d.sentAt = time.Now()
	id := d.env.EnvelopeID
	f.st.pending[id] = append(f.st.pending[id], d)
	f.st.envelopes = append(f.st.envelopes, d.env)
	f.st.sent[id] = d.env
	f.bumpLocked()
	f.mu.Unlock()

	if err := c.writeJSON(d.env); err != nil {
		return Ack{}, fmt.Errorf("slackfake: write envelope %s: %w", id, err)
	}
	var deadline <-chan time.Time
	if f.cfg.ackDeadline > 0 {
		t := time.NewTimer(f.cfg.ackDeadline)
		defer t.Stop()
		deadline = t.C
	}
	select {
	case ack := <-d.done:
		return ack, nil
	case <-deadline:
		return Ack{EnvelopeID: id, TriggerID: d.trigger, ResponseURL: d.respURL},
			fmt.Errorf("envelope %s (%s): %w", id, d.env.Type, ErrAckTimeout)
	case <-ctx.Done():
		return Ack{EnvelopeID: id, TriggerID: d.trigger, ResponseURL: d.respURL},
			fmt.Errorf("slackfake: wait for ack of %s: %w", id, ctx.Err())
	case <-f.done:
		return Ack{EnvelopeID: id, TriggerID: d.trigger, ResponseURL: d.respURL}, ErrClosed
	}
}

// Redeliver sends an already sent envelope again with retry_attempt
// incremented and retry_reason "timeout", as Slack does for unacked events,
// and waits for its ack like Send.
func (f *Fake) Redeliver(ctx context.Context, envelopeID string) (Ack, error) {
	f.mu.Lock()
	env, ok := f.st.sent[envelopeID]
	var prev *delivery
	if ds := f.st.pending[envelopeID]; len(ds) > 0 {
		prev = ds[len(ds)-1]
	}
	f.mu.Unlock()
	if !ok {
		return Ack{}, fmt.Errorf("slackfake: redeliver: unknown envelope %q", envelopeID)
	}
	env.RetryAttempt++
	env.RetryReason = "timeout"
	env.Payload = slices.Clone(env.Payload)
	d := &delivery{env: env}
	if prev != nil {
		d.onAck, d.trigger, d.respURL = prev.onAck, prev.trigger, prev.respURL
	}
	return f.deliver(ctx, d)
}
