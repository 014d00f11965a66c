// Package account holds what the bot knows about the Syncro account that
// changes rarely: its settings (GET /settings: currency symbol, time zone,
// priorities, problem types), its ticket settings (GET /tickets/settings:
// statuses, techs), its users (GET /users) and the names of the labor
// products in LABOR_PRODUCTS (GET /products/{id}). They are read at start
// and refreshed in the background, so no command reads them each time; a
// failed read keeps what was known. A command that does not find what a
// person typed (a status added in Syncro since) reads once more, shared
// with whoever needs it meanwhile, instead of refusing.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/syncro"
)

// RefreshEvery is how often a running bot reads the account again: an
// admin who renames a labor product or changes the currency sees it within
// the hour, at 3 + len(LABOR_PRODUCTS) requests an hour (one more per 100
// users past the first 100).
const RefreshEvery = time.Hour

// Info is the account's settings, statuses, users and labor product
// names. It is safe for concurrent use; its zero value is not, use New.
type Info struct {
	client   *syncro.Client
	products labor.Products
	log      *slog.Logger

	settings *kept[*syncro.AccountSettings]
	tickets  *kept[*syncro.TicketSettings]
	users    *kept[[]syncro.UserRef]

	mu       sync.RWMutex
	currency Currency
	names    map[int64]string
	// said is the problem last logged per labor product ("" = none), so
	// an hourly refresh repeats nothing and a fix is logged once.
	said map[int64]string
	// onUsers are told each list of users a Refresh reads.
	onUsers []func(context.Context, []syncro.UserRef)
}

// New returns an Info that knows nothing yet; Refresh or Run read it.
// log receives what a refresh finds wrong (nil discards it).
func New(client *syncro.Client, products labor.Products, log *slog.Logger) *Info {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Info{client: client, products: products, log: log, names: map[int64]string{}, said: map[int64]string{}}
	a.settings = newKept(func(ctx context.Context) (*syncro.AccountSettings, error) {
		s, _, err := client.Settings.Get(ctx)
		return s, err
	})
	a.tickets = newKept(func(ctx context.Context) (*syncro.TicketSettings, error) {
		s, _, err := client.Tickets.Settings(ctx)
		return s, err
	})
	a.users = newKept(func(ctx context.Context) ([]syncro.UserRef, error) {
		return syncro.Collect(client.Users.All(ctx))
	})
	return a
}

// Settings is the account's settings (GET /settings): the copy from the
// last read when accept takes it (nil accepts any), else a fresh read,
// shared with every caller needing one meanwhile. The answer is shared
// and must not be changed.
func (a *Info) Settings(ctx context.Context, accept func(*syncro.AccountSettings) bool) (*syncro.AccountSettings, error) {
	return a.settings.get(ctx, accept)
}

// TicketSettings is the account's ticket settings (GET /tickets/settings:
// statuses, techs), kept and read again as Settings is.
func (a *Info) TicketSettings(ctx context.Context, accept func(*syncro.TicketSettings) bool) (*syncro.TicketSettings, error) {
	return a.tickets.get(ctx, accept)
}

// LastTicketSettings is the ticket settings from the last successful
// read, without reading: ok is false before the first. The answer is
// shared and must not be changed; a new read replaces it with another.
func (a *Info) LastTicketSettings() (s *syncro.TicketSettings, ok bool) {
	return a.tickets.last()
}

// Users is the account's users (GET /users, every page), kept and read
// again as Settings is.
func (a *Info) Users(ctx context.Context, accept func([]syncro.UserRef) bool) ([]syncro.UserRef, error) {
	return a.users.get(ctx, accept)
}

// LastUsers is the users from the last successful read, without
// reading: ok is false before the first. The answer is shared and must
// not be changed.
func (a *Info) LastUsers() (users []syncro.UserRef, ok bool) {
	return a.users.last()
}

// OnUsers has fn told the account's users after each Refresh that read
// them (at start, then hourly), so what depends on a user still being
// there (a tech's match, README "Whose time it is") follows Syncro within
// the hour.
func (a *Info) OnUsers(fn func(context.Context, []syncro.UserRef)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onUsers = append(a.onUsers, fn)
}

// Currency is the account's currency symbol, "" until read.
func (a *Info) Currency() Currency {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.currency
}

// LaborName is the Syncro name of a labor product in LABOR_PRODUCTS
// ("Labor - Remote Business"); ok is false until it has been read.
func (a *Info) LaborName(productID int64) (name string, ok bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	name, ok = a.names[productID]
	return name, ok
}

// Refresh reads the settings, ticket settings, users and every labor
// product's name. What it cannot read keeps its last value; the errors
// are returned together, and when Syncro cannot be reached at all the
// rest is not tried. A
// labor product Syncro does not have, or has disabled, is logged as a
// warning the first time a refresh finds it so (and again once fixed),
// since every time entry billed to it would fail.
func (a *Info) Refresh(ctx context.Context) error {
	var errs []error
	changed := false
	if s, err := a.settings.fresh(ctx); err != nil {
		if unreachable(err) {
			// Each other read would fail the same way, retries and all.
			return fmt.Errorf("read the account's settings: %w", err)
		}
		errs = append(errs, fmt.Errorf("read the account's settings: %w", err))
	} else {
		a.mu.Lock()
		changed = a.currency != Currency(s.Locale.CurrencySymbol)
		a.currency = Currency(s.Locale.CurrencySymbol)
		a.mu.Unlock()
	}
	if _, err := a.tickets.fresh(ctx); err != nil {
		errs = append(errs, fmt.Errorf("read the account's ticket statuses: %w", err))
	}
	if users, err := a.users.fresh(ctx); err != nil {
		errs = append(errs, fmt.Errorf("read the account's users: %w", err))
	} else {
		a.mu.RLock()
		told := slices.Clone(a.onUsers)
		a.mu.RUnlock()
		for _, fn := range told {
			fn(ctx, users)
		}
	}
	for _, kind := range a.products.Kinds() {
		id := a.products[kind]
		p, _, err := a.client.Products.Get(ctx, id)
		problem := ""
		switch {
		case errors.Is(err, syncro.ErrNotFound):
			problem = "Syncro has no such product"
		case err != nil:
			errs = append(errs, fmt.Errorf("read labor product %s (%d): %w", kind, id, err))
			continue
		case p.Disabled:
			problem = "the product is disabled in Syncro"
		}
		a.mu.Lock()
		if p != nil && p.Name != "" && a.names[id] != p.Name {
			a.names[id], changed = p.Name, true
		}
		news := a.said[id] != problem
		a.said[id] = problem
		a.mu.Unlock()
		switch {
		case news && problem != "":
			a.log.WarnContext(ctx, "labor product cannot be billed: time logged as this kind will fail; fix LABOR_PRODUCTS (bot -check lists every product)",
				"kind", kind, "product_id", id, "problem", problem)
		case news:
			a.log.InfoContext(ctx, "labor product can be billed again", "kind", kind, "product_id", id, "name", p.Name)
		}
	}
	if changed {
		a.mu.RLock()
		a.log.InfoContext(ctx, "account settings read", "currency", string(a.currency), "labor_names", len(a.names))
		a.mu.RUnlock()
	}
	return errors.Join(errs...)
}

// unreachable reports an error that is not Syncro's answer about this one
// request (a network error, a 5xx, rate limiting): Syncro is down or
// busy, not refusing the settings.
func unreachable(err error) bool {
	var se *syncro.Error
	return !errors.As(err, &se) || se.StatusCode >= 500 || se.StatusCode == http.StatusTooManyRequests
}

// Run refreshes on every tick until ctx ends, logging a failed refresh;
// run gives it a ticker of RefreshEvery after the first Refresh.
func (a *Info) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
				a.log.WarnContext(ctx, "account settings not refreshed; the last ones stay in use", "err", err)
			}
		}
	}
}
