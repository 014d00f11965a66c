package tickets

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// putBody decodes the PUT /tickets/{id} body in reqs; nil when none.
func putBody(t *testing.T, reqs []syncrotest.Request) map[string]any {
	t.Helper()
	for _, r := range reqs {
		if r.Method == "PUT" {
			var m map[string]any
			if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	return nil
}

func TestUpdate_Flags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		wantReply  string
		wantPut    map[string]any // nil: no PUT
	}{
		{"status any case", "update 32150 --status \"waiting on customer\"",
			"Updated #32150:\n• Status: In Progress → Waiting on Customer", map[string]any{"status": "Waiting on Customer"}},
		{"status typo", "update 32150 --status \"In Progres\"",
			"Unknown status `In Progres`. Did you mean `In Progress`? Statuses: New, In Progress, Waiting on Customer, Waiting for Parts, Scheduled, Customer Reply, Resolved, Invoiced, Closed. Nothing was changed.", nil},
		{"same status", "update 32150 --status \"In Progress\"", "Nothing to change: #32150 already has those values.", nil},
		{"tech by prefix", "update 32150 --tech pri",
			"Updated #32150:\n• Tech: Marcus Oyelaran → Priya Raman", map[string]any{"user_id": float64(syncrotest.UserPriya)}},
		{"tech unknown", "update 32150 --tech zed", "No tech named `zed`.", nil},
		{"priority by word", "update 32150 --priority urgent", "Updated #32150:\n• Priority: ", map[string]any{"priority": "0 Urgent"}},
		{"due tomorrow", "update 32150 --due tomorrow", "Updated #32150:\n• Due: none → 2026-11-21 (Sat)", map[string]any{"due_date": "2026-11-21"}},
		{"due friday means next friday", "update 32150 --due fri", "• Due: none → 2026-11-27 (Fri)", map[string]any{"due_date": "2026-11-27"}},
		{"due in the past", "update 32150 --due 2026-01-01", "`2026-01-01` is in the past (today is 2026-11-20). Nothing was changed.", nil},
		{"due nonsense", "update 32150 --due someday", "`someday` isn't a date I know.", nil},
		{"two fields", "update 32150 --status New --tech lena", "• Status: In Progress → New\n• Tech: Marcus Oyelaran → Lena Kowalski",
			map[string]any{"status": "New", "user_id": float64(syncrotest.UserLena)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newWriteFixture(t)
			r, reqs := f.Slash(t, tc.text)
			if !strings.Contains(r.Text, tc.wantReply) {
				t.Errorf("reply = %q\nwant it to contain %q", r.Text, tc.wantReply)
			}
			got := putBody(t, reqs)
			if tc.wantPut == nil {
				if got != nil {
					t.Errorf("PUT sent: %v", got)
				}
				return
			}
			if len(got) != len(tc.wantPut) {
				t.Errorf("PUT body = %v, want only %v", got, tc.wantPut)
			}
			for k, v := range tc.wantPut {
				if got[k] != v {
					t.Errorf("PUT %s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestUpdate_ModalSubmitPutsOnlyChanges(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	v := f.OpenModal(t, "update 32150")
	s := form(v, "V1", picked(commands.BlockStatus, "Waiting for Parts", "Waiting for Parts"),
		picked(commands.BlockPriority, f.Ticket(t, 32150).Priority, f.Ticket(t, 32150).Priority),
		picked(commands.BlockTech, "52318", "Marcus Oyelaran"), dated(commands.BlockDue, "2026-12-01"))
	r, reqs := f.Submit(t, s)
	commandstest.Golden(t, "update_reply.golden", writeReplyJSON(t, r))
	if len(reqs) != 1 {
		t.Errorf("%d calls:%s", len(reqs), commandstest.ReqLines(reqs))
	}
	got := putBody(t, reqs)
	if len(got) != 2 || got["status"] != "Waiting for Parts" || got["due_date"] != "2026-12-01" {
		t.Errorf("PUT body = %v", got)
	}
}

func TestParseDue(t *testing.T) {
	t.Parallel()
	now := syncrotest.SeedNow // Friday 2026-11-20
	for in, want := range map[string]string{
		"today": "2026-11-20", "Tomorrow": "2026-11-21", "sat": "2026-11-21", "sun": "2026-11-22",
		"monday": "2026-11-23", "fri": "2026-11-27", "2026-12-01": "2026-12-01",
	} {
		d, err := parseDue(in, now)
		if err != nil || d.Format(time.DateOnly) != want {
			t.Errorf("parseDue(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "2026-13-01", "yesterday", "2020-01-01", "frid"} {
		if _, err := parseDue(in, now); err == nil {
			t.Errorf("parseDue(%q) succeeded", in)
		}
	}
}

// TestUpdate_ModalSubmitWhoseAnswerIsLostTellsWhatSyncroHolds: the update
// form's PUT is answered 2xx with a body of no use. The ticket is read
// back once and the reply claims only what that read shows; the PUT is
// never sent twice.
func TestUpdate_ModalSubmitWhoseAnswerIsLostTellsWhatSyncroHolds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		put       syncrotest.Fault
		readFails bool   // the read-back is answered with a sign-in page
		want      string // in the reply
		held      bool   // Syncro holds the change afterwards
	}{
		{"applied, answer cut off", syncrotest.FaultCommitThenGarbage, false, "Updated #32150:", true},
		{"applied, answer without the ticket", syncrotest.FaultCommitThenEmpty, false, "Updated #32150:", true},
		{"not applied, a page for an answer", syncrotest.FaultHTML, false, "#32150 in Syncro doesn't show it (Status: In Progress), so I can't confirm it was saved", false},
		{"applied, read-back unreadable", syncrotest.FaultCommitThenGarbage, true, "Syncro didn't confirm whether the update was saved, and I couldn't check", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newWriteFixture(t)
			tk := f.Ticket(t, 32150)
			if tk.Status != "In Progress" {
				t.Fatalf("seed ticket #32150 is %q, want In Progress", tk.Status)
			}
			v := f.OpenModal(t, "update 32150")
			f.Srv.Fail("PUT", "/tickets/*", 1, tc.put)
			if tc.readFails {
				f.Srv.Fail("GET", "/tickets/*", 1, syncrotest.FaultHTML)
			}
			r, reqs := f.Submit(t, form(v, "V1", picked(commands.BlockStatus, "Waiting for Parts", "Waiting for Parts")))
			if got := f.Ticket(t, 32150).Status == "Waiting for Parts"; got != tc.held {
				t.Fatalf("Syncro holds the change: %v, want %v", got, tc.held)
			}
			if !strings.Contains(r.Text, tc.want) {
				t.Errorf("reply %q, want it to say %q", r.Text, tc.want)
			}
			if !tc.held || tc.readFails {
				if strings.Contains(r.Text, "Updated #") {
					t.Errorf("reply %q claims the update", r.Text)
				}
			}
			puts, gets := 0, 0
			for _, q := range reqs {
				switch q.Method {
				case "PUT":
					puts++
				case "GET":
					gets++
				}
			}
			if puts != 1 || gets != 1 {
				t.Errorf("%d PUTs and %d GETs, want one each:%s", puts, gets, commandstest.ReqLines(reqs))
			}
		})
	}
}

// TestUpdate_APriorityShownAsItsWordIsNotChanged: Syncro may show a
// ticket's priority as its word alone ("Normal") while the account's
// list carries its number ("2 Normal"), docs/syncro-api.md §4.5. The
// update form opens on it, and saving another field, or typing the same
// priority, sends no priority: Syncro keeps "Normal".
func TestUpdate_APriorityShownAsItsWordIsNotChanged(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t)
	seed := f.Ticket(t, 32150)
	showingNormal := func() (syncrotest.Ticket, string) {
		tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Scanner offline", CustomerID: seed.CustomerID, UserID: syncrotest.UserDana, Status: "In Progress", Priority: "Normal"})
		return tk, strconv.FormatInt(tk.Number, 10)
	}

	_, number := showingNormal()
	r, reqs := f.Slash(t, "update "+number+" --priority normal")
	if !strings.Contains(r.Text, "Nothing to change") || putBody(t, reqs) != nil {
		t.Errorf("--priority normal on a ticket showing Normal: reply %q, PUT %v; want nothing to change and no PUT", r.Text, putBody(t, reqs))
	}

	tk, number := showingNormal()
	v := f.OpenModal(t, "update "+number)
	initial := ""
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == commands.BlockPriority {
			if sel, ok := in.Element.(*slack.SelectBlockElement); ok && sel.InitialOption != nil {
				initial = sel.InitialOption.Value
			}
		}
	}
	if initial != "2 Normal" {
		t.Errorf("the form's priority opens on %q, want the list's \"2 Normal\"", initial)
	}
	r, _ = f.Submit(t, form(v, "V1", picked(commands.BlockStatus, "Waiting for Parts", "Waiting for Parts"), picked(commands.BlockPriority, initial, initial)))
	got := f.Ticket(t, tk.Number)
	if got.Status != "Waiting for Parts" || got.Priority != "Normal" || strings.Contains(r.Text, "Priority") {
		t.Errorf("saving the status: Syncro holds %q, priority %q (want Waiting for Parts, Normal); reply %q", got.Status, got.Priority, r.Text)
	}
}

// TestUpdate_APriorityWordTwoEntriesCarryIsNotTakenForEither: the
// account lists "1 Normal" and "2 Normal" and a ticket shows "Normal"
// (docs/syncro-api.md §4.5): the word does not say which it holds. Dana
// picking "1 Normal" in the form, or typing --priority 1, is a change
// Syncro is sent; it was taken for the priority held and dropped
// ("Nothing changed"). Beside "Normal" itself in the list, the form
// opens on "Normal", the entry the ticket holds, not "2 Normal", and
// --priority normal names that entry, not "2 Normal" listed first.
func TestUpdate_APriorityWordTwoEntriesCarryIsNotTakenForEither(t *testing.T) {
	t.Parallel()
	f := newWriteFixture(t, syncrotest.WithPriorities("", "0 Urgent", "1 Normal", "2 Normal"))
	typed, number := addShowingNormal(t, f)
	r, _ := f.Slash(t, "update "+number+" --priority 1")
	if got := f.Ticket(t, typed.Number).Priority; got != "1 Normal" || !strings.Contains(r.Text, "Updated #"+number) {
		t.Errorf("--priority 1 on a ticket showing Normal beside 1 Normal and 2 Normal: Syncro holds %q (want 1 Normal); reply %q", got, r.Text)
	}

	formed, number := addShowingNormal(t, f)
	v := f.OpenModal(t, "update "+number)
	r, _ = f.Submit(t, form(v, "V1", picked(commands.BlockPriority, "1 Normal", "1 Normal")))
	if got := f.Ticket(t, formed.Number).Priority; got != "1 Normal" || !strings.Contains(r.Text, "Updated #"+number) {
		t.Errorf("picking 1 Normal in the form: Syncro holds %q (want 1 Normal); reply %q", got, r.Text)
	}

	beside := newWriteFixture(t, syncrotest.WithPriorities("", "2 Normal", "Normal"))
	_, number = addShowingNormal(t, beside)
	if initial := priorityInitial(beside.OpenModal(t, "update "+number)); initial != "Normal" {
		t.Errorf("the list holds Normal, the ticket's priority, and 2 Normal: the form opens on %q, want Normal", initial)
	}
	typed, number = addShowingNormal(t, beside)
	r, reqs := beside.Slash(t, "update "+number+" --priority normal")
	if got := beside.Ticket(t, typed.Number).Priority; got != "Normal" || !strings.Contains(r.Text, "Nothing to change") || putBody(t, reqs) != nil {
		t.Errorf("--priority normal on a ticket showing Normal, the list 2 Normal then Normal: Syncro holds %q (want Normal untouched); reply %q", got, r.Text)
	}
}

// addShowingNormal adds Dana's ticket whose priority Syncro shows as
// "Normal", and its number as typed.
func addShowingNormal(t *testing.T, f *writeFixture) (syncrotest.Ticket, string) {
	t.Helper()
	tk := f.Srv.AddTicket(syncrotest.Ticket{Subject: "Scanner offline", CustomerID: f.Ticket(t, 32150).CustomerID, UserID: syncrotest.UserDana, Status: "In Progress", Priority: "Normal"})
	return tk, strconv.FormatInt(tk.Number, 10)
}

// priorityInitial is the priority the update form v opens on, "" none.
func priorityInitial(v *slack.ModalViewRequest) string {
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == commands.BlockPriority {
			if sel, ok := in.Element.(*slack.SelectBlockElement); ok && sel.InitialOption != nil {
				return sel.InitialOption.Value
			}
		}
	}
	return ""
}
