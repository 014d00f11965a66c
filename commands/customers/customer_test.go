package customers

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// admin is dana allowed to delete and merge.
var admin = func() commands.Actor { a := commandstest.Dana; a.CanAdmin = true; return a }()

// seedCustomerID is the id of the seed customer with that business name.
func seedCustomerID(t *testing.T, srv *syncrotest.Server, business string) int64 {
	t.Helper()
	for _, c := range srv.Customers() {
		if c.BusinessName == business {
			return c.ID
		}
	}
	t.Fatalf("no seed customer %q", business)
	return 0
}

// customerReplyJSON is the golden form of a customer reply (blocks too).
func customerReplyJSON(t *testing.T, r commands.Reply) []byte {
	t.Helper()
	return commandstest.PrettyJSON(t, struct {
		Text      string             `json:"text"`
		InChannel bool               `json:"in_channel"`
		Blocks    []slack.Block      `json:"blocks,omitempty"`
		More      []commands.Message `json:"more,omitempty"`
		Modal     any                `json:"modal,omitempty"`
	}{r.Text, r.InChannel, r.Blocks, r.More, r.Modal})
}

// formSubmission is a submission of a customer or contact form.
func formSubmission(v *slack.ModalViewRequest, vals map[string]string) commands.Submission {
	s := commands.Submission{Actor: commandstest.Dana, CallbackID: v.CallbackID, ViewID: "V1", PrivateMetadata: v.PrivateMetadata, Values: map[string]map[string]slack.BlockAction{}}
	for k, val := range vals {
		ba := slack.BlockAction{Value: val}
		if k == BlockCustType {
			ba = slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: val}}
		}
		s.Values[k] = map[string]slack.BlockAction{k: ba}
	}
	return s
}

// prefilled is the initial values of a form modal by block id.
func prefilled(v *slack.ModalViewRequest) map[string]string {
	out := map[string]string{}
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		switch el := in.Element.(type) {
		case *slack.PlainTextInputBlockElement:
			if el.InitialValue != "" {
				out[in.BlockID] = el.InitialValue
			}
		case *slack.SelectBlockElement:
			if el.InitialOption != nil {
				out[in.BlockID] = el.InitialOption.Value
			}
		}
	}
	return out
}

func TestNormalizeBusinessName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b string }{
		{"Acme Corp.", "ACME Corporation"},
		{"Smith & Sons", "Smith and Sons LLC"},
		{"Smith + Sons, Inc.", "smith and sons"},
		{"Café Rouge Ltd", "Cafe  Rouge"},
		{"  The Widget Company ", "Widget Co"},
		{"Hoffman Law PC", "Hoffman Law"},
		{"Zoë's Bakery Group", "Zoes Bakery"},
	} {
		if na, nb := NormalizeBusinessName(tc.a), NormalizeBusinessName(tc.b); na != nb {
			t.Errorf("%q → %q but %q → %q; want equal", tc.a, na, tc.b, nb)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"Acme Corp.", "Acme Dental"},
		{"Smith & Sons", "Smith Daughters"},
		{"Cascade Dental Group", "Cascade Vet Group"},
	} {
		if NormalizeBusinessName(tc.a) == NormalizeBusinessName(tc.b) {
			t.Errorf("%q and %q normalize alike (%q)", tc.a, tc.b, NormalizeBusinessName(tc.a))
		}
	}
	if got := NormalizeBusinessName("Company Inc"); got == "" {
		t.Error("a name of only suffixes must keep its words")
	}
}

func TestEmailDomainIgnoresFreeMail(t *testing.T) {
	t.Parallel()
	if d := EmailDomain("bob@Gmail.com"); d != "" {
		t.Errorf("gmail domain = %q, want ignored", d)
	}
	if d := EmailDomain("it@Acme.example"); d != "acme.example" {
		t.Errorf("domain = %q", d)
	}
	if d := phoneDigits("+1 (503) 555-0101"); d != "5035550101" {
		t.Errorf("digits = %q", d)
	}
}

func TestCustomersDuplicates_Golden(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	r, reqs := f.Slash(t, "customers duplicates")
	if n := commandstest.CountReqs(reqs, "GET", "/customers"); n < 1 {
		t.Errorf("customers listings = %d", n)
	}
	for _, q := range reqs {
		if strings.HasPrefix(q.Path, "/customers/") || strings.HasPrefix(q.Path, "/contacts") {
			t.Errorf("per-customer call %s %s", q.Method, q.Path)
		}
	}
	if r.InChannel {
		t.Error("customer data must be ephemeral")
	}
	commandstest.Golden(t, "duplicates_report.golden", customerReplyJSON(t, r))
	acme, acmeCorp := seedCustomerID(t, f.Srv, "Acme Corp."), seedCustomerID(t, f.Srv, "ACME Corporation")
	smith, smithLLC := seedCustomerID(t, f.Srv, "Smith & Sons"), seedCustomerID(t, f.Srv, "Smith and Sons LLC")
	raw, _ := json.Marshal(r.Blocks)
	for _, pair := range [][2]int64{{acme, acmeCorp}, {smith, smithLLC}} {
		a, b := MergeButtonValue(pair[0], pair[1]), MergeButtonValue(pair[1], pair[0])
		if !strings.Contains(string(raw), `"value":"`+a+`"`) && !strings.Contains(string(raw), `"value":"`+b+`"`) {
			t.Errorf("no merge button for %v", pair)
		}
	}
}

func TestFindDuplicateGroups_PrimaryHasMoreTickets(t *testing.T) {
	t.Parallel()
	cs := []syncro.Customer{{ID: 1, BusinessName: "Acme Corp."}, {ID: 2, BusinessName: "ACME Corporation"}, {ID: 3, BusinessName: "Other", Email: "a@gmail.com"}, {ID: 4, BusinessName: "Else", Email: "b@gmail.com"}}
	g := findDuplicateGroups(cs, map[int64]int{2: 5, 1: 1})
	if len(g) != 1 || g[0].Members[0].ID != 2 || len(g[0].Members) != 2 {
		t.Fatalf("groups = %+v", g)
	}
}

func TestCustomerDetail_Golden(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	id := seedCustomerID(t, f.Srv, "Acme Corp.")
	r, reqs := f.Slash(t, "customer "+itoa(id))
	if len(reqs) != 1 {
		t.Errorf("detail by id made %d calls, want 1 (links come with the detail)%s", len(reqs), commandstest.ReqLines(reqs))
	}
	if r.InChannel {
		t.Error("customer data must be ephemeral")
	}
	commandstest.Golden(t, "customer_detail_acme.golden", customerReplyJSON(t, r))

	byName, _ := f.Slash(t, "customer Acme Corp.")
	if byName.Text != r.Text {
		t.Errorf("by name: %q, want the same customer %q", byName.Text, r.Text)
	}
	pick, _ := f.Slash(t, "customer acme")
	commandstest.Golden(t, "customer_pick_acme.golden", customerReplyJSON(t, pick))
	esc, _ := f.Slash(t, "customer Pingers")
	commandstest.Golden(t, "customer_detail_pingers.golden", customerReplyJSON(t, esc))
}

func TestContacts_Golden(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	r, _ := f.Slash(t, "contacts Acme Corp.")
	if r.InChannel {
		t.Error("contact data must be ephemeral")
	}
	commandstest.Golden(t, "contact_list_acme.golden", customerReplyJSON(t, r))
}

// itoa is n in decimal, for command text.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCustomerLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range [][3]string{
		{"Acme", "Wile Coyote", "Acme (Wile Coyote)"},
		{"Acme", "(empty)", "Acme"},
		{"", "Tomás Rivera", "Tomás Rivera"},
	} {
		if got := commands.CustomerLabel(tc[0], tc[1]); got != tc[2] {
			t.Errorf("customerLabel(%q, %q) = %q", tc[0], tc[1], got)
		}
	}
}

// customerFixture is a fixture answering the customer commands, with the
// customer feature at hand for tests that call into it.
type customerFixture struct {
	*commandstest.Fixture
	cu *feature
}

func newCustomerFixture(t *testing.T, opts ...syncrotest.Option) *customerFixture {
	t.Helper()
	var cu *feature
	f := commandstest.NewFixture(t, []commands.Feature{
		func(r *commands.Registry, d commands.Deps) { cu = &feature{cfg: d}; cu.register(r) },
	}, opts...)
	return &customerFixture{Fixture: f, cu: cu}
}
