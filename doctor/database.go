package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/store"
)

// databaseChecks asks the three questions of DATABASE_URL, one line each:
// does the server answer, is the schema migrated, do the bot's tables take
// a write (rolled back). Without DATABASE_URL the state is bbolt in
// DATA_DIR, and dirCheck covers it.
func databaseChecks(ctx context.Context, cfg *config.Config, timeout time.Duration) []Check {
	if cfg.DatabaseURL.IsZero() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h := store.CheckPostgres(ctx, cfg.DatabaseURL.Reveal())
	reach := Check{Name: "Database reachable"}
	migrated := Check{Name: "Database migrated"}
	writable := Check{Name: "Database writable"}
	if h.Reachable != nil {
		reach.Detail = fmt.Sprintf("cannot reach DATABASE_URL: %v.", h.Reachable)
		reach.Fix = "check the host, port, user, password and sslmode in DATABASE_URL, and that PostgreSQL accepts connections from this host (pg_hba.conf)."
		skipped := "not checked: the database is not reachable."
		migrated.Detail, writable.Detail = skipped, skipped
		migrated.Fix, writable.Fix = reach.Fix, reach.Fix
		return []Check{reach, migrated, writable}
	}
	reach.OK, reach.Detail = true, "PostgreSQL "+h.Server+" answers."
	migrated.OK = true
	if len(h.Missing) == 0 {
		migrated.Detail = "every migration this version knows is applied."
	} else {
		var names []string
		for _, m := range h.Missing {
			names = append(names, fmt.Sprintf("%04d_%s", m.Version, m.Name))
		}
		migrated.Warning = true
		migrated.Detail = "not yet applied: " + strings.Join(names, ", ") + "."
		migrated.Fix = "nothing to do by hand: the bot applies them when it starts (under a lock, once for all replicas)."
	}
	if h.Writable != nil {
		writable.Detail = fmt.Sprintf("a write was refused: %v.", h.Writable)
		writable.Fix = "grant the DATABASE_URL user CREATE on its schema and INSERT, UPDATE, DELETE on the bot's tables (or make it their owner)."
	} else {
		writable.OK, writable.Detail = true, "the bot's tables take a write (rolled back)."
	}
	return []Check{reach, migrated, writable}
}
