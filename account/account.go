// Package account holds what the bot shows about the Syncro account that
// changes rarely: its currency symbol (GET /settings) and the names of the
// labor products in LABOR_PRODUCTS (GET /products/{id}). They are read
// once at start and refreshed in the background, so no command waits for
// them; a failed read keeps what was known, and until the first read
// succeeds amounts show without a symbol and labor kinds without product
// names.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/syncrobot/syncrobot/labor"
	"github.com/syncrobot/syncrobot/syncro"
)

// RefreshEvery is how often a running bot reads the account again: an
// admin who renames a labor product or changes the currency sees it within
// the hour, at 1 + len(LABOR_PRODUCTS) requests an hour.
const RefreshEvery = time.Hour

// Info is the account's currency and labor product names. It is safe for
// concurrent use; its zero value is not, use New.
type Info struct {
	client   *syncro.Client
	products labor.Products
	log      *slog.Logger

	mu       sync.RWMutex
	currency Currency
	names    map[int64]string
	// said is the problem last logged per labor product ("" = none), so
	// an hourly refresh repeats nothing and a fix is logged once.
	said map[int64]string
}

// New returns an Info that knows nothing yet; Refresh or Run read it.
// log receives what a refresh finds wrong (nil discards it).
func New(client *syncro.Client, products labor.Products, log *slog.Logger) *Info {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Info{client: client, products: products, log: log, names: map[int64]string{}, said: map[int64]string{}}
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

// Refresh reads the currency and every labor product's name. What it
// cannot read keeps its last value; the errors are returned together, and
// when Syncro cannot be reached at all the products are not tried. A
// labor product Syncro does not have, or has disabled, is logged as a
// warning the first time a refresh finds it so (and again once fixed),
// since every time entry billed to it would fail.
func (a *Info) Refresh(ctx context.Context) error {
	var errs []error
	changed := false
	if s, _, err := a.client.Settings.Get(ctx); err != nil {
		if unreachable(err) {
			// Each product read would fail the same way, retries and all.
			return fmt.Errorf("read the account's currency: %w", err)
		}
		errs = append(errs, fmt.Errorf("read the account's currency: %w", err))
	} else {
		a.mu.Lock()
		changed = a.currency != Currency(s.Locale.CurrencySymbol)
		a.currency = Currency(s.Locale.CurrencySymbol)
		a.mu.Unlock()
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
