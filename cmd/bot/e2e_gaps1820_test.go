package main

import (
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_HomeSaysWhyItCannotShowTheTechsDay: a tech whose email Slack
// does not share, a tech no Syncro user's email matches, and a tech whose
// time Syncro does not give each read why on the Home; none of them reads
// as a day with no tickets or no time.
func TestE2E_HomeSaysWhyItCannotShowTheTechsDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		email string
		// down makes Syncro answer 500 to every read of the timers.
		down bool
		want []string
		// notWant is what would read as an empty day.
		notWant []string
	}{
		{name: "no_email", want: []string{"users:read.email"}, notWant: []string{"Your open tickets", "No time logged today"}},
		{name: "no_matching_user", email: "nobody@example.com", want: []string{"No Syncro user has your Slack email (nobody@example.com)"}, notWant: []string{"Your open tickets", "No time logged today"}},
		{name: "syncro_down", email: "dana@baylineit.com", down: true, want: []string{"Your time today", "couldn't read today's time", "Your open tickets"}, notWant: []string{"No time logged today"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t)
			fx.f.AddUser(slackfake.User{ID: e2eUser, Name: "dana", RealName: "Dana Whitfield", Email: tc.email})
			if tc.down {
				fx.srv.Fail("GET", "/ticket_timers", 100, syncrotest.FaultServerError)
			}
			b := fx.start(ctx, t)
			b.openHome(ctx, t)
			home := b.waitHome(ctx, t, 0, tc.want...)
			for _, s := range tc.notWant {
				if strings.Contains(string(home.JSON), s) {
					t.Errorf("the Home shows %q:\n%s", s, home.JSON)
				}
			}
		})
	}
}
