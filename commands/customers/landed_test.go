package customers

import (
	"testing"

	"github.com/syncrobot/syncrobot/syncro"
)

// TestHolds_EveryFieldSentUnderSyncrosNames: a record read back holds an
// update when every field sent has the value sent; a title and a
// property are looked for in its properties.
func TestHolds_EveryFieldSentUnderSyncrosNames(t *testing.T) {
	t.Parallel()
	cu := &syncro.Customer{ID: 7, BusinessName: "Cedar Vets", City: "Eugene", Address2: "Suite 4", Properties: map[string]any{"Type": "Clinic"}}
	ct := &syncro.Contact{ID: 9, Name: "Ann Lee", Phone: "555-0199", Properties: map[string]any{"title": "Office Manager"}}
	checkHolds(t, []holdsCase{
		{"customer city held", &syncro.CustomerRequest{City: syncro.Ptr("Eugene")}, cu, true},
		{"customer city not held", &syncro.CustomerRequest{City: syncro.Ptr("Salem")}, cu, false},
		{"customer one of two not held", &syncro.CustomerRequest{City: syncro.Ptr("Eugene"), Zip: syncro.Ptr("97401")}, cu, false},
		{"customer address_2 held", &syncro.CustomerRequest{Address2: syncro.Ptr("Suite 4")}, cu, true},
		{"customer cleared field held", &syncro.CustomerRequest{Notes: syncro.Ptr("")}, cu, true},
		{"customer property held", &syncro.CustomerRequest{Properties: map[string]string{"Type": "Clinic"}}, cu, true},
		{"customer property not held", &syncro.CustomerRequest{Properties: map[string]string{"Type": "Farm"}}, cu, false},
		{"contact phone and name held", &syncro.ContactRequest{Name: syncro.Ptr("Ann Lee"), Phone: syncro.Ptr("555-0199")}, ct, true},
		{"contact title held", &syncro.ContactRequest{Name: syncro.Ptr("Ann Lee"), Title: syncro.Ptr("Office Manager")}, ct, true},
		{"contact title not held", &syncro.ContactRequest{Name: syncro.Ptr("Ann Lee"), Title: syncro.Ptr("Dentist")}, ct, false},
		{"contact without properties, title sent", &syncro.ContactRequest{Title: syncro.Ptr("Dentist")}, &syncro.Contact{ID: 9}, false},
	})
}

// holdsCase is one update body sent (req), one record read back (rec),
// and whether rec holds req.
type holdsCase struct {
	name     string
	req, rec any
	want     bool
}

// checkHolds runs holds on each case as a parallel subtest.
func checkHolds(t *testing.T, cases []holdsCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := holds(tc.req, tc.rec)
			if err != nil || got != tc.want {
				t.Errorf("holds = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
