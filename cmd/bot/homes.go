package main

import (
	"log/slog"
	"time"

	"github.com/syncrobot/syncrobot/store"
)

// homeWroteFlag prefixes the store flag holding when a person last ran a
// slash command (bot.Config.HomeWrote): a replica that built their Home
// before builds it again at their next visit, though another replica ran
// the command.
const homeWroteFlag = "home-wrote "

// homeWrites are bot.Config's HomeWrote and HomeWroteSince on st when
// replicas share it; nil for a lone bot (bbolt), whose own memory knows
// every command it ran.
func homeWrites(st store.Backend, log *slog.Logger) (wrote func(user string), since func(user string, t time.Time) bool) {
	if _, ok := st.(leader); !ok {
		return nil, nil
	}
	wrote = func(user string) {
		if err := st.SetFlag(homeWroteFlag+user, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			log.Warn("cannot tell the other replicas a person ran a command; their Home may show as it was for up to 30 s", "slack_user", user, "err", err)
		}
	}
	since = func(user string, t time.Time) bool {
		v, ok, err := st.Flag(homeWroteFlag + user)
		if err != nil || !ok {
			return false
		}
		at, err := time.Parse(time.RFC3339Nano, v)
		return err == nil && at.After(t)
	}
	return wrote, since
}
