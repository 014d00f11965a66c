package sessionlog

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // fixtures use America/Los_Angeles wherever tests run

	"github.com/syncrobot/syncrobot/golden"
)

func mustZone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at builds a fixed instant in the account zone.
func at(loc *time.Location, month time.Month, day, hour, min int) time.Time {
	return time.Date(2024, month, day, hour, min, 0, 0, loc)
}

func plainRecord(loc *time.Location) Record {
	return Record{
		TicketID: 9876543,
		Number:   "32164",
		Subject:  "Printer offline",
		Status:   "Resolved",
		Customer: Customer{ID: 1234, Name: "Acme Corp"},
		Contact:  "Jane Doe",
		Techs:    []string{"Bob Tech"},
		Opened:   at(loc, time.March, 4, 9, 15),
		Resolved: at(loc, time.March, 5, 16, 40),
		Location: loc,
		InitialIssue: "Front desk printer shows offline.\n" +
			"Nobody can print invoices.",
		Comments: []Comment{
			{Author: "Bob Tech", At: at(loc, time.March, 5, 10, 0), Body: "Power-cycled the printer; still offline.", Minutes: 15, LaborType: "Remote"},
			{Author: "Jane Doe", At: at(loc, time.March, 4, 9, 20), Body: "It says *offline* in Windows too."},
		},
		Time: []TimeEntry{
			{Tech: "Bob Tech", LaborType: "Remote", Minutes: 15, Billable: true},
			{Tech: "Bob Tech", LaborType: "Onsite", Minutes: 45, Billable: true},
		},
		Resolution:    "Printer had a new DHCP address. Reserved 10.0.0.50 and re-added the port.\nTODO: label the printer with its IP\nfollow-up: check toner next visit",
		FollowUps:     []string{"Send the client the updated network map"},
		Billable:      true,
		InvoiceNumber: "INV-1001",
		WrittenBy:     SlackUser{ID: "U024BE7LH", Name: "Bob Tech"},
		WrittenAt:     at(loc, time.March, 5, 16, 45),
	}
}

func htmlRecord(loc *time.Location) Record {
	r := plainRecord(loc)
	r.Number = "32165"
	r.Subject = "Email <not> syncing | Outlook `16`"
	r.InitialIssue = `<div>Outlook stuck on &quot;Updating folder&quot;.</div><div><br></div><div># of users: 3</div>`
	r.Comments = []Comment{
		{Author: "Alice Admin", At: at(loc, time.March, 5, 11, 5), Hidden: true, Minutes: 20, LaborType: "Remote",
			Body: `<p>Internal: checked <a href="https://admin.example.com/mail">the admin center</a>.</p><ul><li>Mailbox 48 GB of 50</li><li>Archive policy <b>off</b></li></ul><script>alert(1)</script>`},
		{Author: "Jane Doe", At: at(loc, time.March, 5, 12, 0),
			Body: "<p>Thanks!</p><p>&gt; quoted reply<br>-5 degrees in the server room<br>1999. a year<br>+1 555 0100</p><p>- a typed list item</p>"},
	}
	r.Resolution = `<ol><li>Enabled online archive</li><li>Rebuilt the OST</li></ol><p>Follow-up: confirm archive ran in 48h</p>`
	r.FollowUps = nil
	r.InvoiceNumber = ""
	return r
}

func noCommentsRecord(loc *time.Location) Record {
	return Record{
		TicketID:  42,
		Number:    "32166",
		Subject:   "Password reset",
		Status:    "Resolved",
		Customer:  Customer{ID: 77, Name: "Müller & Söhne GmbH"},
		Opened:    at(loc, time.July, 1, 8, 0),
		Resolved:  at(loc, time.July, 1, 8, 5),
		Location:  loc,
		WrittenBy: SlackUser{ID: "U999", Name: `Dana "DJ" O\Neil`},
		WrittenAt: at(loc, time.July, 1, 8, 6),
	}
}

func multiTechRecord(loc *time.Location) Record {
	r := plainRecord(loc)
	r.Number = "32167"
	r.Subject = "Server migration #2"
	r.Techs = []string{"Bob Tech", "Alice Admin", "Carl Contractor"}
	r.Comments = []Comment{
		{Author: "Alice Admin", At: at(loc, time.November, 2, 9, 0), Body: "Copied shares.", Minutes: 120, LaborType: "Project"},
		{Author: "Carl Contractor", At: at(loc, time.November, 2, 13, 30), Body: "Racked new server.", Minutes: 90, LaborType: "Onsite"},
		{Author: "Bob Tech", At: at(loc, time.November, 3, 10, 0), Body: "Cut over DNS.\n\n    Get-DnsServerZone\n- verified clients", Hidden: true, Minutes: 30},
	}
	r.Opened = at(loc, time.November, 1, 8, 0)
	// 3 Nov 2024 is the day US daylight saving ends: the offset changes.
	r.Resolved = at(loc, time.November, 3, 11, 0)
	r.Time = []TimeEntry{
		{Tech: "Alice Admin", LaborType: "Project", Minutes: 120, Billable: true},
		{Tech: "Carl Contractor", LaborType: "Onsite", Minutes: 90, Billable: true},
		{Tech: "Bob Tech", LaborType: "", Minutes: 30, Billable: false},
		{Tech: "Bob Tech", LaborType: "Project", Minutes: 15, Billable: true},
	}
	r.Resolution = "Migration complete."
	r.FollowUps = []string{"Decommission old server", "  decommission OLD server  "}
	r.Billable = true
	return r
}

func TestRender_Golden(t *testing.T) {
	t.Parallel()
	loc := mustZone(t)
	tests := []struct {
		name string
		rec  Record
	}{
		{"plain", plainRecord(loc)},
		{"html", htmlRecord(loc)},
		{"no-comments", noCommentsRecord(loc)},
		{"multi-tech", multiTechRecord(loc)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), got)
			checkFrontMatter(t, got)
		})
	}
}

func TestRender_IsPure(t *testing.T) {
	t.Parallel()
	rec := plainRecord(mustZone(t))
	a, _ := Render(rec)
	b, _ := Render(rec)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of one record differ")
	}
	if rec.Comments[0].Author != "Bob Tech" {
		t.Fatal("Render reordered the caller's comments")
	}
}

func TestRender_RejectsIncompleteRecords(t *testing.T) {
	t.Parallel()
	loc := mustZone(t)
	noZone := plainRecord(loc)
	noZone.Location = nil
	noTicket := plainRecord(loc)
	noTicket.Number, noTicket.TicketID = "", 0
	for name, rec := range map[string]Record{"no zone": noZone, "no ticket": noTicket} {
		if _, err := Render(rec); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: err = %v, want ErrInvalidRecord", name, err)
		}
	}
}
