package config

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what every printed form of a Secret shows.
const redacted = "REDACTED"

// Secret holds a credential (a Slack token, the Syncro API key, the webhook
// token) and prints as REDACTED in every form: fmt verbs, slog, JSON, text.
// Only Reveal returns the value, so a logged Config never leaks one.
type Secret struct {
	value string
}

// NewSecret wraps value in a Secret.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret value; call it only where the value is sent.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty (unset).
func (s Secret) IsZero() bool { return s.value == "" }

// String returns REDACTED.
func (Secret) String() string { return redacted }

// GoString returns REDACTED, so %#v does not show the value.
func (Secret) GoString() string { return redacted }

// Format writes REDACTED for every verb and flag (%v, %+v, %#v, %s, %q, %x…).
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue makes slog log REDACTED instead of the value.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the secret as the JSON string "REDACTED".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes the secret as REDACTED for text encoders.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Decode sets the secret from an environment value; it implements
// envconfig.Decoder.
func (s *Secret) Decode(value string) error {
	s.value = value
	return nil
}
