package tickets

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/syncro"
)

// techMissTTL is how long a full scan of Syncro's users that found no
// match is trusted: a tech whose Slack email isn't in Syncro then gets the
// answer without another scan, yet a newly added Syncro user is found
// within minutes.
const techMissTTL = 10 * time.Minute

// techCache maps Slack emails to Syncro user ids. Syncro's /users list has
// only ids and names, so finding a tech by email costs one GET per user;
// the cache makes that a one-time cost per process. The zero value is
// ready to use and it is safe for concurrent use.
type techCache struct {
	// scanning is held through a scan of Syncro's users, so techs asked
	// for at once (ten Homes opened after a start) share one pass: the
	// next scan skips every user the last one read, instead of each
	// reading them all at the throttle's pace.
	scanning sync.Mutex
	mu       sync.Mutex
	// byEmail holds every email learned so far (lowercased), not only the
	// ones asked for: a scan for one tech pays for the others too.
	byEmail map[string]int64
	// fetched holds the ids whose email is in byEmail, so a later scan
	// skips them (their email already failed to match).
	fetched map[int64]bool
	// names holds the Syncro full names of the ids learned, for the
	// comments a known tech writes.
	names map[int64]string
	// scanned is when a scan last read every user; zero when never.
	scanned time.Time
}

// techEmailKey is the form emails are compared in.
func techEmailKey(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// cached returns the user id for email, and whether a recent full scan
// already proved there is none (so the caller need not scan again).
func (tc *techCache) cached(email string, now time.Time) (id int64, ok, knownMissing bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	id, ok = tc.byEmail[techEmailKey(email)]
	knownMissing = !ok && !tc.scanned.IsZero() && now.Sub(tc.scanned) < techMissTTL
	return id, ok, knownMissing
}

// lookup returns the cached user id and Syncro full name for email; ok is
// false when the email has not been learned.
func (tc *techCache) lookup(email string) (id int64, name string, ok bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	id, ok = tc.byEmail[techEmailKey(email)]
	return id, tc.names[id], ok
}

func (tc *techCache) learn(email string, id int64, name string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.byEmail == nil {
		tc.byEmail, tc.fetched, tc.names = map[string]int64{}, map[int64]bool{}, map[int64]string{}
	}
	if e := techEmailKey(email); e != "" {
		tc.byEmail[e] = id
	}
	if n := strings.TrimSpace(name); n != "" {
		tc.names[id] = n
	}
	tc.fetched[id] = true
}

// keepOnly forgets the emails of users not in users (gone from Syncro),
// so no email matches them again.
func (tc *techCache) keepOnly(users []syncro.UserRef) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	have := map[int64]bool{}
	for _, u := range users {
		have[u.ID] = true
	}
	for e, id := range tc.byEmail {
		if !have[id] {
			delete(tc.byEmail, e)
		}
	}
	for id := range tc.fetched {
		if !have[id] {
			delete(tc.fetched, id)
			delete(tc.names, id)
		}
	}
}

func (tc *techCache) known(id int64) bool {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.fetched[id]
}

func (tc *techCache) scannedAll(now time.Time) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.scanned = now
}

// techByEmail finds the Syncro user whose email is email: from the cache,
// else by listing users and fetching them one by one until one matches.
// It returns 0 and no error when no user has that email.
func (c *feature) techByEmail(ctx context.Context, email string) (int64, error) {
	if techEmailKey(email) == "" {
		return 0, nil
	}
	if id, ok, missing := c.techs.cached(email, c.cfg.Now()); ok || missing {
		return id, nil
	}
	c.techs.scanning.Lock()
	defer c.techs.scanning.Unlock()
	// The scan waited for may have learned this email.
	if id, ok, missing := c.techs.cached(email, c.cfg.Now()); ok || missing {
		return id, nil
	}
	users, err := syncro.Collect(c.cfg.Syncro.Users.All(ctx))
	if err != nil {
		return 0, fmt.Errorf("list users: %w", err)
	}
	want := techEmailKey(email)
	for _, ref := range users {
		if c.techs.known(ref.ID) {
			continue // its email was learned before and isn't this one
		}
		u, _, err := c.cfg.Syncro.Users.Get(ctx, ref.ID)
		if err != nil {
			return 0, fmt.Errorf("get user %d: %w", ref.ID, err)
		}
		c.techs.learn(u.Email, u.ID, u.FullName)
		if techEmailKey(u.Email) == want {
			return u.ID, nil
		}
	}
	c.techs.scannedAll(c.cfg.Now())
	return 0, nil
}
