package customers

import (
	"strings"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/commands"
)

// TestCustomerForms_RedeliveredOrDoubleSubmittedWriteOnce: a customer or
// contact form submitted twice at once (a double click), and delivered
// again after a restart (Slack's retry), is written to Syncro once; every
// delivery is told what the one write did.
func TestCustomerForms_RedeliveredOrDoubleSubmittedWriteOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, open, method, path string
		edit                     func(vals map[string]string)
	}{
		{"customer create", "customer create", "POST", "/customers", func(v map[string]string) {
			v[BlockCustBusiness], v[BlockCustType] = "Zephyr Wind Farms", "Business"
		}},
		{"customer edit", "customer edit ACME", "PUT", "/customers/", func(v map[string]string) { v[BlockCustCity] = "Beaverton" }},
		{"contact add", "contact add SMITH", "POST", "/contacts", func(v map[string]string) {
			v[BlockContactName], v[BlockContactEmail] = "Pat Quill", "pat.quill@smithsons.example"
		}},
		{"contact edit", "contact edit CONTACT", "PUT", "/contacts/", func(v map[string]string) { v[BlockContactTitle] = "Operations Manager" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newCrashFixture(t)
			acme := seedCustomerID(t, f.Srv, "Acme Corp.")
			open := strings.NewReplacer("ACME", itoa(acme), "SMITH", itoa(seedCustomerID(t, f.Srv, "Smith and Sons LLC")),
				"CONTACT", itoa(f.Srv.Contacts(acme)[1].ID)).Replace(tc.open)
			v := f.OpenModal(t, open)
			vals := prefilled(v)
			tc.edit(vals)
			s := formSubmission(v, vals)
			f.Srv.ResetLog()

			replies := make([]commands.Reply, 2)
			var wg sync.WaitGroup
			for i := range replies {
				wg.Go(func() { replies[i] = f.C.Submit(t.Context(), s) })
			}
			wg.Wait()
			f.restart(t)
			replies = append(replies, f.C.Submit(t.Context(), s))

			if n := f.Srv.Count(tc.method, tc.path); n != 1 {
				t.Errorf("%d %s %s for one form, want 1; replies %q", n, tc.method, tc.path, texts(replies))
			}
			for _, r := range replies {
				if !strings.Contains(r.Text, firstWords(replies)) {
					t.Errorf("a delivery is not told what the write did: %q", texts(replies))
				}
			}
		})
	}
}

// texts is the replies' texts.
func texts(rs []commands.Reply) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return out
}

// firstWords is the reply of the delivery that wrote: the one that does
// not start by saying it was a repeat.
func firstWords(rs []commands.Reply) string {
	for _, r := range rs {
		if !strings.HasPrefix(r.Text, "That form") {
			return r.Text
		}
	}
	return "(no reply that wrote)"
}
