package syncro

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		msgs     []string
		raw      string // prefix of Error.Raw
	}{
		{"400 html page", 400, "<!DOCTYPE html><html><body><h1>Bad Request</h1></body></html>", ErrValidation, nil, "<!DOCTYPE html>"},
		{"400 message list", 400, `{"message":["Vendor is blank","Value is blank"]}`, ErrValidation, []string{"Vendor is blank", "Value is blank"}, ""},
		{"401 permission", 401, `{"error":"Not authorized. Please ask account admin to update your group permissions."}`, ErrUnauthorized,
			[]string{"Not authorized. Please ask account admin to update your group permissions."}, ""},
		{"401 no body", 401, ``, ErrUnauthorized, nil, ""},
		{"403", 403, `{"error":"Forbidden"}`, ErrUnauthorized, []string{"Forbidden"}, ""},
		{"404 message", 404, `{"message":"Not found"}`, ErrNotFound, []string{"Not found"}, ""},
		{"404 error", 404, `{"error":"Asset not found"}`, ErrNotFound, []string{"Asset not found"}, ""},
		{"404 empty", 404, ``, ErrNotFound, nil, ""},
		{"422 error string", 422, `{"error":"Customer required field"}`, ErrValidation, []string{"Customer required field"}, ""},
		{"422 success false + message list", 422, `{"success":false,"message":["Body can't be blank","Subject can't be blank"]}`, ErrValidation,
			[]string{"Body can't be blank", "Subject can't be blank"}, ""},
		{"422 with params echo", 422, `{"success":false,"message":["Email is not an email"],"params":{"email":"x"}}`, ErrValidation, []string{"Email is not an email"}, ""},
		{"422 errors string + params", 422, `{"errors":"Name can't be blank, Description can't be blank","params":{}}`, ErrValidation,
			[]string{"Name can't be blank, Description can't be blank"}, ""},
		{"422 ruby leak", 422, `{"error":"no implicit conversion of nil into String"}`, ErrValidation, []string{"no implicit conversion of nil into String"}, ""},
		{"422 record + errors", 422, `{"record":{"id":1,"email":"bad"},"errors":"Email is not an email"}`, ErrValidation, []string{"Email is not an email"}, ""},
		{"422 errors list", 422, `{"errors":["billable must be true or false"]}`, ErrValidation, []string{"billable must be true or false"}, ""},
		{"422 bare rails hash", 422, `{"customer_id":["can't be blank"],"date":["can't be blank"]}`, ErrValidation,
			[]string{"customer_id can't be blank", "date can't be blank"}, ""},
		{"422 nested errors map", 422, `{"success":false,"errors":{"appointments":{"summary":["can't be blank"]}}}`, ErrValidation,
			[]string{"appointments.summary can't be blank"}, ""},
		{"422 errors map", 422, `{"errors":{"mute_for":["is invalid"]}}`, ErrValidation, []string{"mute_for is invalid"}, ""},
		{"422 error list", 422, `{"error":["Name can't be blank"]}`, ErrValidation, []string{"Name can't be blank"}, ""},
		{"422 success string", 422, `{"success":"false","message":"Nope"}`, ErrValidation, []string{"Nope"}, ""},
		{"429", 429, `{"error":"Rate limit exceeded. Please wait before making more requests."}`, ErrRateLimited,
			[]string{"Rate limit exceeded. Please wait before making more requests."}, ""},
		{"500 text", 500, "Internal Server Error", nil, nil, "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/tickets/5", func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(tt.body, "<") {
					w.Header().Set("Content-Type", "text/html")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			// PUT: idempotent, so 429/500 are retried to exhaustion and
			// the final answer is what we inspect.
			_, _, err := c.Tickets.Update(t.Context(), 5, &TicketRequest{Subject: Ptr("")})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.StatusCode != tt.status || e.Method != "PUT" || e.Path != "/api/v1/tickets/5" {
				t.Errorf("error = %+v", e)
			}
			for _, s := range []error{ErrNotFound, ErrUnauthorized, ErrValidation, ErrRateLimited, ErrOutcomeUnknown} {
				if got := errors.Is(err, s); got != (s == tt.sentinel) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
			if !reflect.DeepEqual(e.Messages, tt.msgs) {
				t.Errorf("messages = %q, want %q", e.Messages, tt.msgs)
			}
			if !strings.HasPrefix(e.Raw, tt.raw) || (tt.raw == "" && e.Raw != "") {
				t.Errorf("raw = %q, want prefix %q", e.Raw, tt.raw)
			}
			if strings.Contains(err.Error(), "<html") {
				t.Errorf("HTML shown as a message: %v", err)
			}
		})
	}
}

func TestErrorRawIsTruncated(t *testing.T) {
	t.Parallel()
	msgs, raw := errorMessages([]byte("<html>" + strings.Repeat("é", 5000)))
	if msgs != nil || len(raw) > maxErrorBody || !strings.HasPrefix(raw, "<html>") {
		t.Fatalf("msgs %v, raw len %d", msgs, len(raw))
	}
}

func TestErrorUserMessage(t *testing.T) {
	t.Parallel()
	e := &Error{StatusCode: 422, Messages: []string{"Subject can't be blank"}}
	if e.UserMessage() != "Subject can't be blank" {
		t.Error(e.UserMessage())
	}
	e = &Error{StatusCode: 404}
	if e.UserMessage() != "Syncro answered 404 Not Found" {
		t.Error(e.UserMessage())
	}
}
