package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"unicode/utf8"
)

// LogText is what an INFO log line holds of text a person wrote (a
// comment, a resolution, a write's detail): its length in characters and
// the first 8 hex digits of its SHA-256, so two lines about the same text
// can be matched without the words. Customers' business belongs in
// Syncro, not in log collectors; log the text itself at debug only
// (README, Security).
func LogText(key, text string) slog.Attr {
	sum := sha256.Sum256([]byte(text))
	return slog.Group(key, "len", utf8.RuneCountInString(text), "sha256", hex.EncodeToString(sum[:4]))
}
