package commands

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
)

// withRateLimitProgress tells the person, once per command, that Syncro is
// rate limiting and the client is waiting to retry: a command that stalls
// for 30 s or more without a word looks broken, and people click again.
func withRateLimitProgress(ctx context.Context, progress func(string)) context.Context {
	var once sync.Once
	return syncro.WithRateLimitNotice(ctx, func(wait time.Duration) {
		once.Do(func() {
			secs := int(math.Ceil(wait.Seconds()))
			progress(fmt.Sprintf("Syncro is rate limiting us; retrying in %d s…", secs))
		})
	})
}
