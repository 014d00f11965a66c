package tickets

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// Faults at the step boundaries of announcing a close or bill made from
// Slack (issue 14, items 4 and 5): whatever Syncro answers, the ticket is
// announced once, crediting who did it, and the reply says what Syncro
// holds.

// afterTransport calls after once a request matching method and path
// suffix has been answered, before the answer reaches the bot.
type afterTransport struct {
	method, suffix string
	mu             sync.Mutex
	done           bool
	after          func()
}

func (a *afterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	a.mu.Lock()
	hit := !a.done && r.Method == a.method && strings.HasSuffix(r.URL.Path, a.suffix)
	a.done = a.done || hit
	a.mu.Unlock()
	if hit {
		a.after()
	}
	return resp, err
}

// onClient rebuilds f's bot on a client whose transport is rt.
func (f *storeFixture) onClient(t *testing.T, rt http.RoundTripper) {
	t.Helper()
	client, err := syncro.NewClient(syncro.Config{
		BaseURL: f.Srv.URL(), APIKey: syncrotest.DefaultAPIKey, RatePerMinute: 100000,
		HTTPClient: &http.Client{Transport: rt},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.client = client
	f.restart(t)
}

// On an account where making the invoice sets the ticket Invoiced itself
// (docs/syncro-api.md: unconfirmed, and syncrotest can play it), the
// watcher polling right after the invoice is made must already find the
// ticket left to the bill: otherwise it announces "Closed in Syncro" and
// the bill's own notice, crediting who billed, never comes.
func TestAnnounce_BillOnAnAccountWhoseInvoiceSetsInvoicedIsLeftToTheBill(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t, syncrotest.WithInvoiceSetsStatus("Invoiced"))
	tk := f.Ticket(t, syncrotest.SeedTicketNAS)
	var first, closing, asked bool
	f.onClient(t, &afterTransport{method: http.MethodPost, suffix: "/invoices", after: func() {
		asked = true
		first, closing = f.watcherVerdict(t, tk.ID)
	}})
	r := f.C.Submit(t.Context(), f.billForm(t, tk.Number, "V-autoinv", "60"))
	if !asked || first || !closing {
		t.Errorf("watcher right after the invoice was made (asked %v): first %v, closing %v; want the ticket left to the bill", asked, first, closing)
	}
	wantOneNotice(t, r, tk.ID)
	f.wantAnnounced(t, tk.ID, "after the bill")
}
