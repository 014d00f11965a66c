package syncro

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// SettingsService covers GET /settings and GET /tickets/settings.
type SettingsService service

// AccountSettings is the part of GET /settings the bot uses.
type AccountSettings struct {
	Ticket struct {
		ProblemTypes []string     `json:"problem_types"`
		Priorities   []string     `json:"priorities"`
		TicketTypes  []TicketType `json:"ticket_types"`
	} `json:"ticket"`
	Locale struct {
		TimeZone       string `json:"time_zone"`
		CurrencySymbol string `json:"currency_symbol"`
		DateFormat     string `json:"date_format"`
		TimeFormat     string `json:"time_format"`
	} `json:"locale"`
}

// Location loads the account's time zone (Locale.TimeZone).
func (a *AccountSettings) Location() (*time.Location, error) {
	if a.Locale.TimeZone == "" {
		return nil, fmt.Errorf("syncro: account time zone: not set")
	}
	loc, err := time.LoadLocation(a.Locale.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("syncro: account time zone %q: %w", a.Locale.TimeZone, err)
	}
	return loc, nil
}

// Get fetches GET /settings.
func (s *SettingsService) Get(ctx context.Context) (*AccountSettings, *Response, error) {
	var out AccountSettings
	resp, err := s.client.call(ctx, http.MethodGet, "settings", nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// Tickets fetches GET /tickets/settings (statuses, default labor product,
// technicians); the same as client.Tickets.Settings.
func (s *SettingsService) Tickets(ctx context.Context) (*TicketSettings, *Response, error) {
	return (*TicketsService)(s).Settings(ctx)
}
