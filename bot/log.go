package bot

import (
	"context"
	"log/slog"
	"strings"
)

// slogAdapter gives slack-go's loggers (which want Output(calldepth, s))
// the bot's slog.Logger, so nothing is printed to stderr behind the
// caller's back. slack-go logs only in debug mode, and redacts tokens.
type slogAdapter struct{ l *slog.Logger }

func newSlogAdapter(l *slog.Logger) slogAdapter { return slogAdapter{l: l} }

// Output logs s at debug level.
func (a slogAdapter) Output(_ int, s string) error {
	a.l.Log(context.Background(), slog.LevelDebug, strings.TrimRight(s, "\n"))
	return nil
}
