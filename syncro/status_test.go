package syncro_test

import (
	"testing"

	"github.com/syncrobot/syncrobot/syncro"
)

func TestIsClosedStatus(t *testing.T) {
	t.Parallel()
	for status, want := range map[string]bool{
		"Resolved": true, "resolved": true, "Closed": true, "Invoiced": true, "Completed": true,
		"Resolved - Pending": true, "Resolved: awaiting invoice": true, "  CLOSED ": true,
		"New": false, "In Progress": false, "Unresolved": false, "Not Closed": false,
		"Waiting for Customer Approval": false, "Software License - Approved": false, "": false,
		"Reopened": false, "Customer Reply": false,
	} {
		if got := syncro.IsClosedStatus(status); got != want {
			t.Errorf("IsClosedStatus(%q) = %v, want %v", status, got, want)
		}
	}
}
