package main

import (
	"testing"
)

// TestE2E_HomeReopenedAfterASlashWriteShowsIt: Dana opens her Home (no
// time today), logs 15 minutes with `/syncro comment N --time 15m`, and
// opens her Home again within the 30 s the bot shows a Home as it is:
// the Home shows the 15 minutes Syncro now holds, as it does after a
// form she saves (README, the Home tab: "again after each form you
// save, so it shows what you just logged"; issue 18: refreshed after the
// tech's own writes).
func TestE2E_HomeReopenedAfterASlashWriteShowsIt(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := danasOpen(b.srv)[0]
	b.openHome(ctx, t)
	home := b.waitHome(ctx, t, 0, "Your time today", "No time logged today.")
	b.waitLog(ctx, t, `"msg":"home published","component":"bot","slack_user":"`+e2eUser+`"`)

	before, _ := loggedMinutes(b.srv, tk.ID)
	b.slash(ctx, t, "comment "+itoa64(tk.Number)+" --time 15m Called the client back")
	b.waitReply(ctx, t, 0, "15 min logged")
	if timers, _ := loggedMinutes(b.srv, tk.ID); timers-before != 15 {
		t.Fatalf("Syncro holds %d new minutes on #%d, want the 15 Dana logged", timers-before, tk.Number)
	}

	b.openHome(ctx, t)
	b.waitHome(ctx, t, home.Updates+1, "Total: *15m*")
}
