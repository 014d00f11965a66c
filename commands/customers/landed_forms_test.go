package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro"
)

// TestHolds_SyncrosOtherFormsOfAValueSentCountAsHeld: a record read back
// after an edit whose answer was lost holds it when Syncro shows a value
// sent in another form it may use: a field cleared ("") shown as absent
// or null, a phone number with other punctuation (Syncro strips phone
// numbers of formatting, docs/syncro-api.md §4.6), an email in another
// case, a property's value as a JSON number or boolean. Another value is
// still not held.
func TestHolds_SyncrosOtherFormsOfAValueSentCountAsHeld(t *testing.T) {
	t.Parallel()
	untitled := &syncro.Contact{ID: 9, Name: "Ann Lee", Phone: "5550199", Email: "ann@cedarvets.example", Properties: map[string]any{"title": nil}}
	noProps := &syncro.Contact{ID: 9, Name: "Ann Lee"}
	cu := &syncro.Customer{ID: 7, Phone: "(555) 010-0200", Properties: map[string]any{"Seats": float64(12), "VIP": true}}
	checkHolds(t, []holdsCase{
		{"title cleared, null", &syncro.ContactRequest{Name: syncro.Ptr("Ann Lee"), Title: syncro.Ptr("")}, untitled, true},
		{"title cleared, absent", &syncro.ContactRequest{Name: syncro.Ptr("Ann Lee"), Title: syncro.Ptr("")}, noProps, true},
		{"title set, absent", &syncro.ContactRequest{Name: syncro.Ptr("Ann Lee"), Title: syncro.Ptr("Dentist")}, noProps, false},
		{"property cleared, absent", &syncro.CustomerRequest{Properties: map[string]string{"Type": ""}}, cu, true},
		{"phone stripped", &syncro.ContactRequest{Phone: syncro.Ptr("555-0199")}, untitled, true},
		{"phone formatted", &syncro.CustomerRequest{Phone: syncro.Ptr("555.010.0200")}, cu, true},
		{"another phone", &syncro.ContactRequest{Phone: syncro.Ptr("555-0198")}, untitled, false},
		{"phone extension lost", &syncro.ContactRequest{Phone: syncro.Ptr("555-0199 x12")}, untitled, false},
		{"email in another case", &syncro.ContactRequest{Email: syncro.Ptr("Ann@CedarVets.example")}, untitled, true},
		{"another email", &syncro.ContactRequest{Email: syncro.Ptr("ann@cedar.example")}, untitled, false},
		{"property as a number", &syncro.CustomerRequest{Properties: map[string]string{"Seats": "12"}}, cu, true},
		{"property as another number", &syncro.CustomerRequest{Properties: map[string]string{"Seats": "13"}}, cu, false},
		{"property as a boolean", &syncro.CustomerRequest{Properties: map[string]string{"VIP": "true"}}, cu, true},
	})
}

// TestSettleUpdate_RecordDeletedBeforeTheReadBackIsSaidSo: an edit whose
// answer was lost, read back 404 (the customer deleted in the web app
// meanwhile), is told as no longer in Syncro: not "reading it back
// failed", nor to look at it in Syncro.
func TestSettleUpdate_RecordDeletedBeforeTheReadBackIsSaidSo(t *testing.T) {
	t.Parallel()
	gone := func(context.Context, int64) (*syncro.Customer, *syncro.Response, error) {
		return nil, nil, &syncro.Error{StatusCode: 404}
	}
	putErr := fmt.Errorf("syncro: PUT /customers/7: %w: cut off", syncro.ErrOutcomeUnknown)
	_, err := settleUpdate(t.Context(), gone, 7, &syncro.CustomerRequest{City: syncro.Ptr("Eugene")}, nil, putErr)
	var ue *unconfirmedError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want an *unconfirmedError", err)
	}
	if s := ue.sentence("customer 7"); !strings.Contains(s, "customer 7 is no longer in Syncro") || strings.Contains(s, "reading it back failed") || strings.Contains(s, "Look at") {
		t.Errorf("the customer is deleted in Syncro; the reply should say so:\n%s", s)
	}
}
