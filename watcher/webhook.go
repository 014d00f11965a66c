package watcher

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// WebhookPath is the path prefix Syncro's Notification Set must post to;
// the secret token follows it: https://HOST/syncro/webhook/<WEBHOOK_TOKEN>.
const WebhookPath = "/syncro/webhook/"

// maxWebhookBody bounds a webhook body: a ticket with its comments is far
// below it, and an endless body cannot exhaust memory.
const maxWebhookBody = 1 << 20

// WebhookHandler serves Syncro's "Ticket - Status was changed" webhook at
// WebhookPath + token. Syncro does not sign webhooks, so the token in the
// path is the only proof of origin: a wrong or missing token gets 404, as
// if nothing listened there. A request with the right token always gets a
// quick 200 (Syncro need not retry what the next poll will find anyway);
// a payload naming a ticket that may have closed becomes a background
// Hint, which rereads the ticket before anything is announced.
func WebhookHandler(w *Watcher, token string) http.Handler {
	return &webhook{w: w, token: []byte(token)}
}

type webhook struct {
	w     *Watcher
	token []byte
}

// payload is the part of Syncro's {text, html, link, attributes} body the
// watcher reads. For ticket events attributes is the ticket; for comment
// events it is the comment (with ticket_id), which is ignored.
type payload struct {
	Link       string `json:"link"`
	Attributes struct {
		ID       json.RawMessage `json:"id"`
		Number   json.RawMessage `json:"number"`
		TicketID json.RawMessage `json:"ticket_id"`
		Status   *string         `json:"status"`
	} `json:"attributes"`
}

func (h *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	got, ok := strings.CutPrefix(r.URL.Path, WebhookPath)
	if !ok || len(h.token) == 0 || subtle.ConstantTimeCompare([]byte(got), h.token) != 1 {
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	log := h.w.log.With("remote", r.RemoteAddr)
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxWebhookBody))
	if err != nil {
		log.Warn("webhook body unreadable or over 1 MiB; ignored", "err", err)
		rw.WriteHeader(http.StatusOK)
		return
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		log.Warn("webhook body is not JSON; ignored", "err", err, "bytes", len(body))
		rw.WriteHeader(http.StatusOK)
		return
	}
	id, isTicket := ticketID(p)
	switch {
	case !isTicket:
		log.Debug("webhook is not about a ticket's status; ignored", "link", p.Link)
	case p.Attributes.Status != nil && !h.w.isClosed(*p.Attributes.Status):
		// "Status was changed" also fires for new tickets and reopenings;
		// rereading those would spend budget on nothing.
		log.Debug("webhook: ticket not claimed closed; ignored", "ticket_id", id, "status", *p.Attributes.Status)
	default:
		log.Debug("webhook hint", "ticket_id", id)
		h.w.hintAsync(id)
	}
	rw.WriteHeader(http.StatusOK)
}

// ticketID reads attributes.id of a ticket event. There is no event-type
// field (§4.12), so a ticket is recognised by a link to /tickets/ or by a
// status or number among the attributes; comment events (which carry
// ticket_id), RMM alerts and anything without a positive id are not hints.
func ticketID(p payload) (int64, bool) {
	a := p.Attributes
	if present(a.TicketID) {
		return 0, false
	}
	if !strings.Contains(p.Link, "/tickets/") && a.Status == nil && !present(a.Number) {
		return 0, false
	}
	raw := strings.Trim(string(bytes.TrimSpace(a.ID)), `"`)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// present reports whether a JSON value was sent and is not null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
