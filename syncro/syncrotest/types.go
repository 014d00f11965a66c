package syncrotest

import "time"

// Ticket is a ticket as the Server stores it. Zero times and ids mean null.
type Ticket struct {
	ID          int64
	Number      int64
	Subject     string
	Status      string
	ProblemType string
	Priority    string
	CustomerID  int64
	ContactID   int64 // 0 = no contact
	UserID      int64 // assigned tech; 0 = unassigned
	LocationID  int64
	Properties  map[string]string
	TagList     []string
	DueDate     time.Time
	StartAt     time.Time
	EndAt       time.Time
	ResolvedAt  time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Comment is a ticket comment. UserID 0 means written by the customer
// (emailed in or from the portal).
type Comment struct {
	ID         int64
	TicketID   int64
	Subject    string
	Body       string
	Tech       string
	Hidden     bool
	DoNotEmail bool // write-only on the wire; kept to assert "would email"
	SMSBody    string
	UserID     int64
	// ProductID, MinutesSpent and BillTimeNow are the time fields the web
	// UI's form sends; they are kept as received even when ignored.
	ProductID    int64
	MinutesSpent int
	BillTimeNow  bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Timer is a timer entry (also called a ticket timer).
type Timer struct {
	ID               int64
	TicketID         int64
	UserID           int64
	StartTime        time.Time
	EndTime          time.Time // zero while running
	Recorded         bool      // true once charged
	Billable         bool
	Notes            string
	ProductID        int64
	CommentID        int64 // set when made from a comment's time fields
	TicketLineItemID int64 // the line item of the latest charge
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Minutes returns the timer's length in whole minutes (0 while running).
func (t Timer) Minutes() int {
	if t.EndTime.IsZero() {
		return 0
	}
	return int(t.EndTime.Sub(t.StartTime) / time.Minute)
}

// LineItem is a ticket line item ("charge"). Money is in cents.
type LineItem struct {
	ID          int64
	TicketID    int64
	UserID      int64
	ProductID   int64
	Name        string
	Description string
	Quantity    float64
	CostCents   int64
	RetailCents int64
	Taxable     bool
	Position    int
	InvoiceID   int64 // 0 until made into an invoice line item
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Invoice is an invoice. Money is in cents; Number is a string on the wire.
type Invoice struct {
	ID            int64
	Number        string
	CustomerID    int64
	ContactID     int64
	UserID        int64
	TicketID      int64
	Date          time.Time
	DueDate       time.Time
	SubtotalCents int64
	TaxCents      int64
	TotalCents    int64
	IsPaid        bool
	Note          string
	PONumber      string
	Category      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// InvoiceLineItem is a line of an invoice. Money is in cents.
type InvoiceLineItem struct {
	ID         int64
	InvoiceID  int64
	ProductID  int64
	Item       string
	Name       string
	Quantity   float64
	CostCents  int64
	PriceCents int64
	Taxable    bool
	Position   int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Customer is a customer (a business or a person).
type Customer struct {
	ID           int64
	FirstName    string
	LastName     string
	BusinessName string
	Email        string
	Phone        string
	Mobile       string
	Address      string
	City         string
	State        string
	Zip          string
	Notes        string
	Properties   map[string]string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// FullName returns "First Last", or "(empty)" as Syncro does when both are blank.
func (c Customer) FullName() string {
	n := c.FirstName
	if c.LastName != "" {
		if n != "" {
			n += " "
		}
		n += c.LastName
	}
	if n == "" {
		return "(empty)"
	}
	return n
}

// BusinessThenName returns the business name, or the person's name if none.
func (c Customer) BusinessThenName() string {
	if c.BusinessName != "" {
		return c.BusinessName
	}
	return c.FullName()
}

// Contact is a person at a customer. Title is kept in Properties["title"].
type Contact struct {
	ID         int64
	CustomerID int64
	Name       string
	Email      string
	Phone      string
	Mobile     string
	Address1   string
	Address2   string
	City       string
	State      string
	Zip        string
	Notes      string
	Properties map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Product is a catalog product; labor products are ordinary products.
type Product struct {
	ID          int64
	Name        string
	Description string
	Category    string
	CostCents   int64
	RetailCents int64
	Taxable     bool
	Disabled    bool
}

// User is a technician.
type User struct {
	ID       int64
	FullName string
	Email    string
	Group    string
	Admin    bool
	Color    string
}
