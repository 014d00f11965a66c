package syncrotest

import (
	"fmt"
	"strings"
	"time"
)

// AccountID is the seed account's id (contacts' account_id).
const AccountID = 60316

// The seed account's technicians (GET /users). UserDana owns the API key.
const (
	UserDana   int64 = 52301 // Dana Whitfield, dana@baylineit.com, admin
	UserMarcus int64 = 52318 // Marcus Oyelaran, marcus@baylineit.com
	UserPriya  int64 = 52342 // Priya Raman, priya@baylineit.com
	UserTom    int64 = 52377 // Tom Becker, tom@baylineit.com
	UserLena   int64 = 52390 // Lena Kowalski, lena@baylineit.com
)

// Labor products of the seed catalog; ProductLaborRemote is the account's
// default_labor_product_id.
const (
	ProductLaborRemote    int64 = 1190473 // "Labor - Remote Business", 125.00/h
	ProductLaborOnsite    int64 = 26118   // "Labor - Onsite Business", 150.00/h
	ProductLaborEmergency int64 = 26184   // "Labor - Emergency", 225.00/h
	ProductLaborProject   int64 = 9269129 // "Labor - Project", 140.00/h
	ProductLaborInternal  int64 = 9269124 // "Labor - Internal", 0.00/h
	ProductLaborTravel    int64 = 26117   // "Labor - Travel", 75.00/h
	ProductLaborWebsite   int64 = 68055   // "Labor - Website", 110.00/h
)

// LaborProductIDs lists the seed's labor products.
var LaborProductIDs = []int64{
	ProductLaborRemote, ProductLaborOnsite, ProductLaborEmergency, ProductLaborProject,
	ProductLaborInternal, ProductLaborTravel, ProductLaborWebsite,
}

// Ticket numbers of seed tickets with stable, documented facts.
const (
	// SeedTicketOwnCloud is "Own cloud thing again", Acme Corp., In Progress,
	// assigned to Marcus, with one uncharged 45-minute remote timer.
	SeedTicketOwnCloud int64 = 32150
	// SeedTicketPrinter is "Printer offline in accounting", Smith & Sons, New,
	// unassigned, one customer-written comment.
	SeedTicketPrinter int64 = 32151
	// SeedTicketPingers is "Slack keeps pinging everyone at 3am" for
	// "<!channel> Pingers", Waiting on Customer, Priya; a comment holds <script>.
	SeedTicketPingers int64 = 32160
	// SeedTicketNAS is "Replace failing NAS drive", ACME Corporation, Resolved,
	// Tom; charged 1.5 h remote + 1 h onsite, not invoiced: invoicing it
	// gives total "337.50".
	SeedTicketNAS int64 = 32145
	// SeedTicketMigration is "Email migration for new hires", Smith and Sons
	// LLC, Invoiced, with a paid invoice.
	SeedTicketMigration int64 = 32120
	// SeedTicketLongLog is "Server event log review", In Progress, with a
	// comment longer than 3000 characters.
	SeedTicketLongLog int64 = 32170
	// SeedTicketVPN is the newest ticket, "VPN drops every afternoon", New, Lena.
	SeedTicketVPN int64 = 32179
)

var (
	// seedEpoch is when the seed's users and customers were created.
	seedEpoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("PST", -8*3600))
	// SeedNow is a clock reading just after the seed's last activity
	// (Friday 2026-11-20 16:30 Pacific); use it with WithClock for stable output.
	SeedNow = time.Date(2026, 11, 20, 16, 30, 0, 0, time.FixedZone("PST", -8*3600))
)

type seedContact struct{ name, email, phone, title string }

type seedCustomer struct {
	biz, first, last, email, phone, city string
	contacts                             []seedContact
}

var seedCustomers = []seedCustomer{
	{"Acme Corp.", "Wile", "Coyote", "wile@acmecorp.example", "(503) 555-0101", "Portland", []seedContact{{"Wile Coyote", "wile@acmecorp.example", "503-555-0101", "Owner"}, {"Rhonda Birch", "rhonda@acmecorp.example", "503-555-0102", "Office Manager"}}},
	{"ACME Corporation", "Daniel", "Acheson", "it@acme-corporation.example", "(206) 555-0110", "Seattle", []seedContact{{"Daniel Acheson", "it@acme-corporation.example", "206-555-0110", "IT Liaison"}}},
	{"Smith & Sons", "Gerald", "Smith", "gerald@smithandsons.example", "(541) 555-0120", "Eugene", []seedContact{{"Gerald Smith", "gerald@smithandsons.example", "541-555-0120", ""}, {"Nina Alvarez", "accounting@smithandsons.example", "541-555-0121", "Accounting"}}},
	{"Smith and Sons LLC", "Harold", "Smith", "harold@smithsonsllc.example", "(541) 555-0130", "Springfield", []seedContact{{"Harold Smith", "harold@smithsonsllc.example", "541-555-0130", "Managing Partner"}}},
	{"<!channel> Pingers", "Casey", "Brandt", "casey@pingers.example", "(415) 555-0140", "Oakland", []seedContact{{"Casey Brandt", "casey@pingers.example", "415-555-0140", "Founder"}}},
	{"Cascade Dental Group", "Maria", "Okafor", "office@cascadedental.example", "(503) 555-0150", "Beaverton", []seedContact{{"Maria Okafor", "office@cascadedental.example", "503-555-0150", "Practice Manager"}, {"Dr. Ian Pruitt", "ipruitt@cascadedental.example", "503-555-0151", "Dentist"}}},
	{"Willamette Valley Vineyards Supply", "Tessa", "Lund", "tessa@wvvsupply.example", "(503) 555-0160", "Salem", []seedContact{{"Tessa Lund", "tessa@wvvsupply.example", "503-555-0160", ""}}},
	{"Hoffman Law PC", "Edith", "Hoffman", "ehoffman@hoffmanlaw.example", "(360) 555-0170", "Vancouver", []seedContact{{"Edith Hoffman", "ehoffman@hoffmanlaw.example", "360-555-0170", "Attorney"}, {"Paul Greer", "paralegal@hoffmanlaw.example", "360-555-0171", "Paralegal"}}},
	{"Bridgetown Bikes", "Omar", "Haddad", "omar@bridgetownbikes.example", "(503) 555-0180", "Portland", nil},
	{"Rose City Veterinary", "Lucy", "Tran", "frontdesk@rosecityvet.example", "(503) 555-0190", "Portland", []seedContact{{"Lucy Tran", "frontdesk@rosecityvet.example", "503-555-0190", "Front Desk Lead"}}},
	{"Pacific Crest Realty", "Jon", "Meyers", "jon@pacificcrestrealty.example", "(971) 555-0200", "Lake Oswego", []seedContact{{"Jon Meyers", "jon@pacificcrestrealty.example", "971-555-0200", "Broker"}}},
	{"Northwind Traders", "Anne", "Dodsworth", "anne@northwind.example", "(206) 555-0210", "Tacoma", []seedContact{{"Anne Dodsworth", "anne@northwind.example", "206-555-0210", ""}, {"Robert King", "rking@northwind.example", "206-555-0211", "Warehouse Lead"}}},
	{"Evergreen Accounting", "Sam", "Whitaker", "sam@evergreencpa.example", "(503) 555-0220", "Tigard", []seedContact{{"Sam Whitaker", "sam@evergreencpa.example", "503-555-0220", "CPA"}}},
	{"Mt. Hood Outfitters", "Kira", "Jensen", "kira@mthoodoutfitters.example", "(503) 555-0230", "Sandy", nil},
	{"Columbia Gorge Brewing", "Pete", "Lamb", "pete@cgbrew.example", "(541) 555-0240", "Hood River", []seedContact{{"Pete Lamb", "pete@cgbrew.example", "541-555-0240", "Head Brewer"}}},
	{"Sunrise Family Clinic", "Grace", "Oduya", "admin@sunriseclinic.example", "(503) 555-0250", "Gresham", []seedContact{{"Grace Oduya", "admin@sunriseclinic.example", "503-555-0250", "Administrator"}}},
	{"Lakeside Montessori", "Helen", "Brooks", "office@lakesidemontessori.example", "(503) 555-0260", "Milwaukie", nil},
	{"Precision Auto Body", "Victor", "Salas", "victor@precisionautobody.example", "(503) 555-0270", "Hillsboro", []seedContact{{"Victor Salas", "victor@precisionautobody.example", "503-555-0270", ""}}},
	{"Blue Heron Architects", "Ines", "Kowal", "ines@blueheronarch.example", "(503) 555-0280", "Portland", []seedContact{{"Ines Kowal", "ines@blueheronarch.example", "503-555-0280", "Principal"}}},
	{"Tillamook Coast Rentals", "Gus", "Erikson", "gus@tillamookrentals.example", "(503) 555-0290", "Tillamook", nil},
	{"Greenleaf Landscaping", "Rosa", "Medina", "rosa@greenleafland.example", "(360) 555-0300", "Camas", nil},
	{"Summit Physical Therapy", "Derek", "Olsen", "derek@summitpt.example", "(503) 555-0310", "Wilsonville", []seedContact{{"Derek Olsen", "derek@summitpt.example", "503-555-0310", "Clinic Director"}}},
	{"Harbor Freight Forwarding", "Mei", "Lin", "mei@harborff.example", "(206) 555-0320", "Kent", nil},
	{"Oak & Iron Furniture", "Theo", "Baptiste", "theo@oakandiron.example", "(503) 555-0330", "Portland", nil},
	{"Riverbend Church", "Pastor", "Hale", "office@riverbendchurch.example", "(541) 555-0340", "Corvallis", nil},
	{"Cedar Mill Pharmacy", "Alicia", "Ng", "alicia@cedarmillrx.example", "(503) 555-0350", "Portland", []seedContact{{"Alicia Ng", "alicia@cedarmillrx.example", "503-555-0350", "Pharmacist in Charge"}}},
	{"Stumptown Print Shop", "Leo", "Marsh", "leo@stumptownprint.example", "(503) 555-0360", "Portland", nil},
	{"Orchard View Apartments", "Dana", "Fisk", "manager@orchardview.example", "(503) 555-0370", "Happy Valley", nil},
	{"Kestrel Engineering", "Ravi", "Shah", "ravi@kestreleng.example", "(971) 555-0380", "Beaverton", []seedContact{{"Ravi Shah", "ravi@kestreleng.example", "971-555-0380", "CTO"}}},
	{"Bayview Insurance Agency", "Clara", "Dunn", "clara@bayviewins.example", "(541) 555-0390", "Newport", nil},
	{"Willow Creek HOA", "Bert", "Langley", "board@willowcreekhoa.example", "(503) 555-0400", "Tualatin", nil},
	{"Alder Street Bakery", "Sofia", "Russo", "sofia@alderbakery.example", "(503) 555-0410", "Portland", nil},
	{"Ironwood Construction", "Mack", "Doyle", "mack@ironwoodbuild.example", "(360) 555-0420", "Battle Ground", []seedContact{{"Mack Doyle", "mack@ironwoodbuild.example", "360-555-0420", ""}, {"Jill Perez", "office@ironwoodbuild.example", "360-555-0421", "Office Admin"}}},
	{"Quail Run Golf Club", "Bev", "Carter", "pro@quailrungolf.example", "(541) 555-0430", "La Pine", nil},
	{"Fernhill Music School", "Ada", "Voss", "ada@fernhillmusic.example", "(503) 555-0440", "Portland", nil},
	{"Silverline Logistics", "Karl", "Meier", "karl@silverline.example", "(253) 555-0450", "Auburn", nil},
	{"", "Margaret", "Ellison", "maggie.ellison@mail.example", "(503) 555-0460", "Portland", nil},
	{"", "Tomás", "Rivera", "trivera@mail.example", "(503) 555-0470", "Gresham", nil},
	{"", "Walter", "Nguyen", "walt.nguyen@mail.example", "(971) 555-0480", "Beaverton", nil},
	{"Bayline IT (internal)", "Dana", "Whitfield", "dana@baylineit.com", "(503) 555-0001", "Portland", nil},
}

type seedSubject struct{ subject, issue string }

var seedSubjects = []seedSubject{
	{"Outlook keeps asking for password", "Outlook pops up a password prompt every 10 minutes since this morning."},
	{"New laptop setup for incoming hire", "We have a new hire starting Monday, please set up a laptop with the usual apps."},
	{"Wi-Fi slow in the back office", "The Wi-Fi in the back office is crawling, speed tests show under 5 Mbps."},
	{"QuickBooks won't open company file", "QuickBooks says the company file is in use by another user, nobody else is in it."},
	{"Scanner to email stopped working", "The copier can't send scans to email anymore, error 550."},
	{"Phishing email reported", "Got a weird DocuSign email, forwarded it to you. Did anyone click it? Please check."},
	{"Backup job failed last night", "The nightly backup report shows FAILED for the file server."},
	{"Replace UPS battery in server closet", "The UPS in the server closet is beeping every few minutes."},
	{"Shared drive mapped as read-only", "The S: drive opens but I can't save anything to it."},
	{"Add user to distribution list", "Please add our new bookkeeper to the accounting@ list."},
	{"Monitor flickering at front desk", "The front desk monitor flickers on and off, maybe the cable?"},
	{"Zoom audio echo in conference room", "Everyone on the call hears an echo when we use the conference room speaker."},
	{"Firewall firmware update", "Scheduled maintenance: apply the latest firewall firmware after hours."},
	{"Password reset for locked account", "I locked myself out after the password change, please help."},
	{"Teams notifications not showing", "Teams stopped showing notifications on my PC."},
	{"Offboard departing employee", "Our office assistant's last day is Friday, please disable accounts and forward email."},
	{"Install Adobe Acrobat Pro", "Need Acrobat Pro installed on the reception PC, license is in the portal."},
	{"Website contact form not sending", "The contact form on our website stopped sending us emails."},
	{"Server disk space low", "Alert: C: drive on the file server under 5% free."},
	{"Label printer prints blank labels", "The Zebra label printer feeds labels but prints nothing."},
	{"Domain renewal notice", "Got a renewal notice for our domain, is this legit?"},
	{"VoIP phones dropping calls", "Calls drop after about 30 seconds on the desk phones."},
	{"Move workstation to new desk", "Please move Karen's workstation to the empty desk by the window."},
	{"Windows update stuck at 35%", "The PC has been stuck on 'working on updates 35%' since last night."},
	{"Camera system offline", "The security camera NVR shows all cameras offline."},
	{"Request quote for new switches", "Can you quote two 24-port PoE switches for the warehouse?"},
	{"MFA prompt on new phone", "I got a new phone and can't approve the sign-in prompts anymore."},
	{"Printer offline again", "The printer shows offline for everyone again."},
	{"Calendar sharing permissions", "Please let the office manager edit the owner's calendar."},
	{"Slow PC at reception", "The reception PC takes 10 minutes to boot."},
}

// seedLocked fills the state with the deterministic seed account.
func (s *Server) seedLocked() {
	st := &s.st
	loc := s.cfg.loc
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }

	for _, u := range []User{
		{UserDana, "Dana Whitfield", "dana@baylineit.com", "Admins", true, "#3b82f6"},
		{UserMarcus, "Marcus Oyelaran", "marcus@baylineit.com", "Technicians", false, "#10b981"},
		{UserPriya, "Priya Raman", "priya@baylineit.com", "Technicians", false, "#f59e0b"},
		{UserTom, "Tom Becker", "tom@baylineit.com", "Technicians", false, "#ef4444"},
		{UserLena, "Lena Kowalski", "lena@baylineit.com", "Technicians", false, "#8b5cf6"},
	} {
		st.users[u.ID] = &u
	}
	for _, p := range []Product{
		{ProductLaborRemote, "Labor - Remote Business", "Remote support, business hours", "Labor", 0, 12500, false, false},
		{ProductLaborOnsite, "Labor - Onsite Business", "Onsite support, business hours", "Labor", 0, 15000, false, false},
		{ProductLaborEmergency, "Labor - Emergency", "After-hours or emergency support", "Labor", 0, 22500, false, false},
		{ProductLaborProject, "Labor - Project", "Project work", "Labor", 0, 14000, false, false},
		{ProductLaborInternal, "Labor - Internal", "Internal, not billed", "Labor", 0, 0, false, false},
		{ProductLaborTravel, "Labor - Travel", "Travel time", "Labor", 0, 7500, false, false},
		{ProductLaborWebsite, "Labor - Website", "Website maintenance", "Labor", 0, 11000, false, false},
		{29881, "HP 58A Toner Cartridge", "HP 58A black LaserJet toner", "Supplies", 8900, 12900, true, false},
		{31877, "Cat6 Patch Cable 7ft", "Cat6 snagless patch cable, 7 ft, blue", "Cabling", 250, 899, true, false},
		{31902, "Ubiquiti U6-Lite Access Point", "UniFi 6 Lite Wi-Fi 6 access point", "Networking", 9900, 14900, true, false},
		{40211, "Microsoft 365 Business Standard (monthly)", "Per-user monthly subscription", "Licensing", 1250, 1500, false, false},
		{52210, "Replacement Laptop Battery", "OEM-compatible laptop battery", "Parts", 4500, 8900, true, false},
	} {
		st.products[p.ID] = &p
	}

	var customers []*Customer
	for i, sc := range seedCustomers {
		st.nextCustomer += 13
		created := seedEpoch.AddDate(0, 0, i*3)
		c := &Customer{
			ID: st.nextCustomer, FirstName: sc.first, LastName: sc.last, BusinessName: sc.biz,
			Email: sc.email, Phone: sc.phone, City: sc.city, State: "OR", CreatedAt: created, UpdatedAt: created,
			Properties: map[string]string{"Notification Billing": "1", "Notification Marketing": "0"},
		}
		if strings.HasPrefix(sc.phone, "(206)") || strings.HasPrefix(sc.phone, "(360)") || strings.HasPrefix(sc.phone, "(253)") {
			c.State = "WA"
		}
		if sc.biz == "<!channel> Pingers" {
			c.State = "CA"
		}
		st.customers[c.ID] = c
		customers = append(customers, c)
		for _, k := range sc.contacts {
			st.nextContact += 17
			ct := &Contact{
				ID: st.nextContact, CustomerID: c.ID, Name: k.name, Email: k.email, Phone: k.phone,
				City: sc.city, Properties: map[string]string{}, CreatedAt: created, UpdatedAt: created,
			}
			if k.title != "" {
				ct.Properties["title"] = k.title
			}
			st.contacts[ct.ID] = ct
		}
	}
	byBiz := func(name string) *Customer {
		for _, c := range customers {
			if c.BusinessName == name {
				return c
			}
		}
		panic("syncrotest: seed customer " + name)
	}
	firstContact := func(c *Customer) int64 {
		var best int64
		for _, k := range st.contacts {
			if k.CustomerID == c.ID && (best == 0 || k.ID < best) {
				best = k.ID
			}
		}
		return best
	}

	techs := []int64{UserMarcus, UserPriya, UserTom, UserLena, UserDana}
	old := []string{"Closed", "Invoiced", "Resolved", "Closed", "Invoiced", "Closed"}
	mid := []string{"Resolved", "Waiting for Parts", "Invoiced", "Waiting on Customer", "Closed", "Scheduled", "In Progress"}
	recent := []string{"New", "In Progress", "Customer Reply", "Waiting on Customer", "Scheduled", "Waiting for Parts", "In Progress", "New", "Resolved"}
	type override struct {
		subject, issue, biz, status string
		user                        int64
	}
	overrides := map[int]override{
		20: {"Email migration for new hires", "Please move the three new hires' mailboxes from the old host to Microsoft 365.", "Smith and Sons LLC", "Invoiced", UserPriya},
		45: {"Replace failing NAS drive", "The Synology is beeping and says Drive 3 is degraded.", "ACME Corporation", "Resolved", UserTom},
		50: {"Own cloud thing again", "the own cloud thing is doing it again, files not syncing on Rhonda's PC", "Acme Corp.", "In Progress", UserMarcus},
		51: {"Printer offline in accounting", "The printer in accounting shows offline for everyone. We tried turning it off and on.", "Smith & Sons", "New", 0},
		60: {"Slack keeps pinging everyone at 3am", "Our Slack workspace sends @channel alerts at 3am from some integration. Make it stop please!", "<!channel> Pingers", "Waiting on Customer", UserPriya},
		70: {"Server event log review", "Monthly review of the file server event logs.", "Kestrel Engineering", "In Progress", UserLena},
		79: {"VPN drops every afternoon", "VPN disconnects around 2pm every day for the remote staff.", "Evergreen Accounting", "New", UserLena},
	}

	base := at(2026, 10, 26, 7, 45)
	for i := range 80 {
		sub := seedSubjects[(i*7+3)%len(seedSubjects)]
		cust := customers[(i*11+5)%(len(customers)-1)] // the internal customer gets no seeded tickets
		var status string
		switch {
		case i < 24:
			status = old[i%len(old)]
		case i < 50:
			status = mid[i%len(mid)]
		default:
			status = recent[i%len(recent)]
		}
		user := techs[i%len(techs)]
		if i%9 == 4 && status == "New" {
			user = 0
		}
		subject, issue := sub.subject, sub.issue
		if o, ok := overrides[i]; ok {
			subject, issue, status, user = o.subject, o.issue, o.status, o.user
			cust = byBiz(o.biz)
		}
		created := base.Add(time.Duration(i)*460*time.Minute + time.Duration((i*17)%50)*time.Minute)
		st.nextTicket += 37
		t := &Ticket{
			ID: st.nextTicket, Number: 32100 + int64(i), Subject: subject, Status: status,
			ProblemType: ProblemTypes[i%len(ProblemTypes)], Priority: []string{"2 Normal", "1 High", "2 Normal", "3 Low", "0 Urgent"}[i%5],
			CustomerID: cust.ID, ContactID: firstContact(cust), UserID: user,
			Properties: map[string]string{}, CreatedAt: created, UpdatedAt: created,
		}
		if i%4 == 0 {
			t.TagList = []string{"managed"}
		}
		st.tickets[t.ID] = t
		s.seedTicketActivity(t, i, issue, cust)
	}
	st.nextNumber = 32179
}

// seedTicketActivity adds comments, timers, charges and invoices to a seed
// ticket according to its status.
func (s *Server) seedTicketActivity(t *Ticket, i int, issue string, cust *Customer) {
	st := &s.st
	clock := t.CreatedAt
	step := func(d time.Duration) time.Time {
		clock = clock.Add(d)
		t.UpdatedAt = clock
		return clock
	}
	comment := func(c Comment) *Comment {
		st.nextComment += 7
		c.ID, c.TicketID = st.nextComment, t.ID
		c.CreatedAt, c.UpdatedAt = clock, clock
		if c.UserID != 0 && c.Tech == "" {
			c.Tech = s.userName(c.UserID)
		}
		st.comments[c.ID] = &c
		return &c
	}
	// The initial issue: customers email in even tickets; techs log odd ones.
	if i%2 == 0 {
		name := cust.FullName()
		if k, ok := st.contacts[t.ContactID]; ok {
			name = k.Name
		}
		comment(Comment{Subject: "Initial Issue", Body: issue, Tech: name, DoNotEmail: true})
	} else {
		comment(Comment{Subject: "Initial Issue", Body: "Called in: " + issue, UserID: t.UserID, DoNotEmail: true})
	}
	if t.Status == "New" {
		return
	}
	tech := t.UserID
	if tech == 0 {
		tech = UserMarcus
	}
	step(47 * time.Minute)
	switch i % 5 {
	case 0:
		comment(Comment{Subject: "Update", Body: "<p>Connected remotely and checked the basics:</p><ul><li>Restarted the service</li><li>Cleared the cached credentials</li><li>Confirmed with the user</li></ul>", UserID: tech, DoNotEmail: true})
	case 1:
		comment(Comment{Subject: "Update", Body: "Hi,<br>We're looking into this now. See <a href=\"https://support.baylineit.com/kb/142\">our KB article</a> in the meantime.<br><br>Thanks,<br>" + s.userName(tech), UserID: tech})
	case 2:
		comment(Comment{Subject: "Internal note", Body: "Checked RMM: agent last seen 2 days ago. Vendor ticket opened, ref VND-" + fmt.Sprint(88410+i) + ".", UserID: tech, Hidden: true, DoNotEmail: true})
	case 3:
		comment(Comment{Subject: "Update", Body: "Remote session done, user confirmed it works for now. Will keep the ticket open a day to watch it.", UserID: tech, DoNotEmail: true})
	case 4:
		comment(Comment{Subject: "Update", Body: "Ordered the part; <b>ETA</b> Thursday.\n\nWill schedule onsite once it arrives.", UserID: tech, DoNotEmail: true})
	}
	switch t.Number {
	case SeedTicketPingers:
		step(20 * time.Minute)
		comment(Comment{Subject: "Reply", Body: "<p>Here is the webhook payload we see:</p><script>alert('pinged')</script><p>@channel everyone look</p>", Tech: "Casey Brandt"})
	case SeedTicketLongLog:
		var b strings.Builder
		b.WriteString("Event log excerpt (System, last 30 days):\n")
		for k := range 45 {
			fmt.Fprintf(&b, "2026-11-%02d 0%d:%02d:11  Event ID %d  Service Control Manager  The %s service terminated unexpectedly. It has done this %d time(s).\n",
				1+k%19, k%10, (k*7)%60, 7031+k%3, []string{"Windows Update", "Print Spooler", "Veeam Agent", "SQL Server (SQLEXPRESS)"}[k%4], 1+k%5)
		}
		step(30 * time.Minute)
		comment(Comment{Subject: "Log review", Body: b.String(), UserID: tech, Hidden: true, DoNotEmail: true})
	}
	if t.Status == "Customer Reply" {
		step(3 * time.Hour)
		comment(Comment{Subject: "Reply", Body: "It's happening again this morning, can someone call me?", Tech: cust.FullName()})
	}

	// Time: everything past New has some; closed statuses have it charged.
	charged := st.closed[t.Status]
	type seedTime struct {
		product int64
		minutes int
	}
	times := []seedTime{{ProductLaborRemote, 15 * (1 + i%6)}}
	switch t.Number {
	case SeedTicketOwnCloud:
		times = []seedTime{{ProductLaborRemote, 45}}
	case SeedTicketNAS:
		times = []seedTime{{ProductLaborRemote, 90}, {ProductLaborOnsite, 60}}
	case SeedTicketMigration:
		times = []seedTime{{ProductLaborProject, 180}, {ProductLaborRemote, 30}}
	default:
		if i%7 == 3 {
			times = append(times, seedTime{ProductLaborOnsite, 60}, seedTime{ProductLaborTravel, 30})
		}
		if i%11 == 6 {
			times = append(times, seedTime{ProductLaborEmergency, 45})
		}
	}
	for _, x := range times {
		end := step(time.Duration(x.minutes+10) * time.Minute)
		tm := s.newTimerLocked(t, tech, end.Add(-time.Duration(x.minutes)*time.Minute), end, x.product, "Worked on: "+t.Subject, end)
		if charged {
			s.chargeLocked(t, tm, end)
		}
	}
	if charged {
		step(2 * time.Hour)
		comment(Comment{Subject: "Resolution", Body: "Resolved. Let us know if it comes back.", UserID: tech})
		t.ResolvedAt = clock
	}
	if t.Status == "Invoiced" {
		now := step(24 * time.Hour)
		st.nextInvoice += 97
		inv := &Invoice{
			ID: st.nextInvoice, Number: s.newInvoiceNumberLocked(), CustomerID: t.CustomerID,
			ContactID: t.ContactID, UserID: UserDana, TicketID: t.ID, Date: startOfDay(now, s.cfg.loc),
			CreatedAt: now, UpdatedAt: now, Category: "Standard",
		}
		inv.DueDate = inv.Date.AddDate(0, 0, 30)
		st.invoices[inv.ID] = inv
		s.invoiceTicketLocked(inv, t, now)
		s.recalcLocked(inv)
		inv.IsPaid = i%2 == 0 || t.Number == SeedTicketMigration
	}
}
