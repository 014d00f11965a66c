package commands

import (
	"context"
	"errors"

	"github.com/slack-go/slack"
)

// The App Home tab: what a person sees when they open the bot's Home in
// Slack (app_home_opened), built by the one feature that registers it.
// Like buttons and modals it is a registry entry, so bot publishes only
// what a feature built and knows nothing of its content.

// errNoTechFinder says no feature registered how to find a tech's Syncro
// user, so "the tech's own" cannot be told from anyone else's.
var errNoTechFinder = errors.New("no feature finds techs' Syncro users")

// Home registers the builder of a person's Home tab; a second one panics,
// as two Homes for one person cannot both be shown.
func (r *Registry) Home(build func(ctx context.Context, a Actor) slack.HomeTabViewRequest) {
	if build == nil || r.home != nil {
		panic("commands: a Home tab needs exactly one builder")
	}
	r.home = build
}

// TechFinder registers how a Slack person is matched to their Syncro user
// (the tickets feature's match); a second one panics.
func (r *Registry) TechFinder(find func(ctx context.Context, a Actor) (int64, error)) {
	if find == nil || r.findTech != nil {
		panic("commands: exactly one tech finder")
	}
	r.findTech = find
}

// Tech is the Syncro user id of a's tech, 0 when none matches them. Call
// it once every feature is registered (from a handler, not from Register).
func (r *Registry) Tech(ctx context.Context, a Actor) (int64, error) {
	if r.findTech == nil {
		return 0, errNoTechFinder
	}
	return r.findTech(ctx, a)
}

// HasHome reports whether a feature registered a Home tab, so bot answers
// app_home_opened only then.
func (c *Commands) HasHome() bool { return c.reg.home != nil }

// Home is a's Home tab as it reads now; ok is false when no feature
// registered one.
func (c *Commands) Home(ctx context.Context, a Actor) (v slack.HomeTabViewRequest, ok bool) {
	if c.reg.home == nil {
		return slack.HomeTabViewRequest{}, false
	}
	return c.reg.home(ctx, a), true
}
