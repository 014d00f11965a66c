package syncro

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// TestDelete2xxThatIsNotJSON_IsOutcomeUnknown: a DELETE reads no record,
// but a 2xx whose body is not JSON at all (a sign-in page, a body cut off)
// is not Syncro's answer to it (docs/syncro-api.md §4.1, §4.6, §4.7 show
// JSON or no body), so whether the delete happened is unknown and the
// caller reads back before telling it. An empty body or any JSON is a
// delete done; the request is sent once either way.
func TestDelete2xxThatIsNotJSON_IsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	deletes := map[string]func(ctx context.Context, c *Client) error{
		"contacts/5":  func(ctx context.Context, c *Client) error { _, err := c.Contacts.Delete(ctx, 5); return err },
		"customers/5": func(ctx context.Context, c *Client) error { _, err := c.Customers.Delete(ctx, 5); return err },
		"tickets/5":   func(ctx context.Context, c *Client) error { _, err := c.Tickets.Delete(ctx, 5); return err },
	}
	for path, del := range deletes {
		for body, wantUnknown := range map[string]bool{
			"":                 false,
			`{"success":true}`: false,
			`{"message":"Ticket was successfully deleted. "}`: false,
			"<html><body>Sign in</body></html>":               true,
			`{"success":tr`:                                   true,
		} {
			t.Run(path+"/"+body, func(t *testing.T) {
				t.Parallel()
				c, mux, fs := setup(t)
				var hits counter
				mux.HandleFunc("/"+path, func(w http.ResponseWriter, r *http.Request) {
					hits.inc()
					reply(w, 200, body)
				})
				err := del(t.Context(), c)
				if (err != nil) != wantUnknown || errors.Is(err, ErrOutcomeUnknown) != wantUnknown {
					t.Errorf("err = %v, want ErrOutcomeUnknown: %v", err, wantUnknown)
				}
				if hits.get() != 1 || len(fs.all()) != 0 {
					t.Errorf("hits %d sleeps %v, want exactly one request", hits.get(), fs.all())
				}
			})
		}
	}
}
