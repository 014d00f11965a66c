package ticketview

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands"
	"github.com/syncrobot/syncrobot/syncro"
)

// summaryOrder is the list order as the doc of sortTicketSummary states
// it, comparing whole tickets: the specification the sort is held to.
func summaryOrder(a, b syncro.Ticket) int {
	if ca, cb := syncro.IsClosedStatus(a.Status), syncro.IsClosedStatus(b.Status); ca != cb {
		if ca {
			return 1
		}
		return -1
	}
	if c := commands.CompareFold(a.Status, b.Status); c != 0 {
		return c
	}
	if c := b.CreatedAt.Compare(a.CreatedAt.Time); c != 0 {
		return c
	}
	return cmp.Compare(string(b.Number), string(a.Number))
}

// Lists with ties (same status, same creation time, same number) and
// every length up to a few hundred come out in the documented order,
// every ticket once, ties in their input order (the sort is stable).
func TestSortTicketSummary_DocumentedOrderEveryTicketOnce(t *testing.T) {
	t.Parallel()
	statuses := []string{"New", "in progress", "In Progress", "Resolved", "Closed - Billed", "Waiting on Customer", "", "Unresolved"}
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(16, 3))
	for _, n := range []int{0, 1, 2, 3, 19, 20, 21, 41, 200, 333} {
		ts := make([]syncro.Ticket, n)
		for i := range ts {
			ts[i] = syncro.Ticket{
				// ID is unique and never compared: it tells ties apart.
				ID:        int64(i),
				Number:    syncro.Number(strconv.Itoa(32000 + rng.IntN(n/2+1))),
				Status:    statuses[rng.IntN(len(statuses))],
				CreatedAt: syncro.Timestamp{Time: base.Add(time.Duration(rng.IntN(5)) * time.Hour)},
			}
		}
		want := slices.Clone(ts)
		slices.SortStableFunc(want, summaryOrder)
		sortTicketSummary(ts)
		for i := range ts {
			if ts[i].ID != want[i].ID {
				t.Fatalf("n=%d: position %d holds ticket id %d (%s, #%s), want id %d (%s, #%s)",
					n, i, ts[i].ID, ts[i].Status, ts[i].Number, want[i].ID, want[i].Status, want[i].Number)
			}
		}
	}
}
