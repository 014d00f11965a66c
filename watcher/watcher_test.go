package watcher_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/notice"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

func TestPoll_FirstStartSetsCursorToNowAndAnnouncesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.openTicket("Closed before the bot was installed")
	e.setStatus(tk.ID, "Resolved")
	e.clk.Advance(time.Minute) // inside Overlap: still history
	e.poll()
	if got := e.got.all(); len(got) != 0 {
		t.Fatalf("first start announced %q, want nothing", texts(got))
	}
	cur, ok, err := e.st.Cursor(watcher.CursorName)
	if want := e.clk.Now().Add(watcher.Overlap); err != nil || !ok || !cur.Equal(want) {
		t.Fatalf("cursor = %v, %v, %v; want now + Overlap = %v", cur, ok, err, want)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("first start made %d Syncro requests, want 0", n)
	}
	e.clk.Advance(time.Minute)
	e.poll()
	if got := e.got.all(); len(got) != 0 {
		t.Errorf("second poll announced %q, a close from before the install", texts(got))
	}
}

func TestPoll_ResolvedTicketAnnouncedOnceEvenAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll() // first start
	tk := e.openTicket("Printer jams on tray 2")
	e.clk.Advance(30 * time.Second)
	e.setStatus(tk.ID, "Resolved")
	e.clk.Advance(time.Second)
	e.poll() // the first poll after the close announces it, however fresh

	got := e.got.all()
	if len(got) != 1 {
		t.Fatalf("notices = %q, want one", texts(got))
	}
	m := got[0]
	if m.TicketID != tk.ID {
		t.Errorf("TicketID = %d, want %d", m.TicketID, tk.ID)
	}
	want := fmt.Sprintf("Ticket #%d closed (Resolved): Printer jams on tray 2, ", tk.Number)
	if !strings.HasPrefix(m.Text, want) {
		t.Errorf("text = %q, want prefix %q", m.Text, want)
	}
	blocks := blockJSON(t, m)
	for _, s := range []string{
		fmt.Sprintf("<%s/tickets/%d|#%d Printer jams on tray 2>", webURL, tk.ID, tk.Number),
		"*Status:* Resolved", "tech: Marcus Oyelaran", `"type":"context"`,
	} {
		if !strings.Contains(blocks, s) {
			t.Errorf("blocks lack %q:\n%s", s, blocks)
		}
	}

	for range 3 {
		e.clk.Advance(time.Minute)
		e.poll()
	}
	e.setStatus(tk.ID, "Invoiced") // still closed, updated again
	e.clk.Advance(time.Minute)
	e.poll()
	if n := len(e.got.all()); n != 1 {
		t.Fatalf("after more polls: %d notices, want still 1", n)
	}

	e.restart()
	e.clk.Advance(time.Minute)
	e.poll()
	if got := e.got.all(); len(got) != 0 {
		t.Errorf("after restart: announced again %q", texts(got))
	}
}

// TestPoll_SyncroClockAheadOfTheBotsLosesNoClose: with Syncro's clock 5
// minutes ahead of the bot's and the account busy (another ticket edited
// every minute, so the cursor moves on), a close is announced once, at the
// first poll after it.
func TestPoll_SyncroClockAheadOfTheBotsLosesNoClose(t *testing.T) {
	t.Parallel()
	e := newEnvSyncroAhead(t, 5*time.Minute)
	e.poll() // first start
	busy := e.openTicket("Edited all day")
	tk := e.openTicket("Closed while the bot's clock lags")
	e.clk.Advance(30 * time.Second)
	e.setStatus(tk.ID, "Resolved")
	for i := range 10 {
		e.clk.Advance(time.Minute)
		if !e.srv.TouchTicket(busy.ID) {
			t.Fatal("no ticket to touch")
		}
		e.poll()
		if i == 0 && len(e.got.all()) != 1 {
			t.Errorf("first poll a minute after the close (Syncro's clock): %d notices, want 1", len(e.got.all()))
		}
	}
	if got := e.got.all(); len(got) != 1 || got[0].TicketID != tk.ID {
		t.Errorf("notices after 10 polls = %q, want the close of #%d once", texts(got), tk.Number)
	}
}

func TestRun_AnnouncesWhatClosedWhileDownAndSummarisesOlderThan24h(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll() // the bot ran once, then went down
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	a, b, c := e.openTicket("Old close A"), e.openTicket("Old close B"), e.openTicket("Recent close C")
	e.clk.Advance(time.Hour)
	e.setStatus(a.ID, "Closed")
	e.setStatus(b.ID, "Resolved")
	e.clk.Advance(40 * time.Hour)
	e.setStatus(c.ID, "Resolved")
	e.clk.Advance(2 * time.Hour)

	e.open()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.w.Run(ctx) }()
	var got []string
	for len(got) < 2 {
		select {
		case m := <-e.got.ch:
			got = append(got, m.Text)
		case <-time.After(30 * time.Second):
			t.Fatalf("Run announced %q within 30 s, want 2 notices", got)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
	summary := fmt.Sprintf("While the bot was offline, 2 more tickets were closed: #%d, #%d", a.Number, b.Number)
	if got[0] != summary {
		t.Errorf("first notice = %q, want %q", got[0], summary)
	}
	if !strings.HasPrefix(got[1], fmt.Sprintf("Ticket #%d closed (Resolved): Recent close C", c.Number)) {
		t.Errorf("second notice = %q, want ticket C on its own", got[1])
	}
	if n := len(e.got.all()); n != 2 {
		t.Errorf("%d notices, want 2: %q", n, texts(e.got.all()))
	}
	for _, id := range []int64{a.ID, b.ID, c.ID} {
		if ok, err := e.st.WasAnnounced(id); err != nil || !ok {
			t.Errorf("ticket %d not marked announced: %v %v", id, ok, err)
		}
	}

	e.restart()
	e.clk.Advance(time.Minute)
	e.poll()
	if got := e.got.all(); len(got) != 0 {
		t.Errorf("restart after catch-up announced %q", texts(got))
	}
}

// A ticket the bot is closing is left to the bot, however many polls see
// it meanwhile: the bot's notice says who closed it.
func TestPoll_TicketBeingClosedByTheBotIsLeftToTheBot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Closed from Slack")
	a := e.closing(tk.ID)
	e.clk.Advance(time.Second)
	e.setStatus(tk.ID, "Resolved")
	for range 3 {
		e.clk.Advance(time.Second)
		e.poll()
	}
	e.wantNoNotice("while the bot was closing the ticket")
	if first, err := a.Claim(tk.ID, e.clk.Now()); err != nil || !first {
		t.Fatalf("the flow's Claim = %v, %v; want first", first, err)
	}
	e.clk.Advance(time.Minute)
	e.poll()
	e.wantNoNotice("after the bot announced it")
}

// A close flow that ends without announcing (its notice could not be made)
// releases the ticket, and the next poll announces it, even when the
// account is busy and a slow poll interval lets the cursor run on.
func TestPoll_TicketReleasedByTheBotIsAnnouncedByTheNextPoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	busy := e.openTicket("Edited all day")
	tk := e.openTicket("Close whose notice failed")
	a := e.closing(tk.ID)
	e.setStatus(tk.ID, "Resolved")
	for range 3 { // the flow is slow; Syncro moves on meanwhile
		e.clk.Advance(5 * time.Minute)
		if !e.srv.TouchTicket(busy.ID) {
			t.Fatal("no ticket to touch")
		}
		e.poll()
	}
	e.wantNoNotice("while the bot was closing the ticket")
	if err := a.Release(tk.ID, "flow-1"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(5 * time.Minute)
	e.srv.TouchTicket(busy.ID)
	e.poll()
	if got := e.got.all(); len(got) != 1 || got[0].TicketID != tk.ID {
		t.Errorf("after the release: %q, want the close of #%d", texts(got), tk.Number)
	}
}

func TestPoll_TicketClosedThroughTheBotIsNotAnnouncedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("Closed from Slack")
	e.clk.Advance(10 * time.Second)
	e.setStatus(tk.ID, "Resolved")
	// What bot does before posting the /syncro close notice.
	if first, err := notice.NewAnnouncer(e.st).Claim(tk.ID, e.clk.Now()); err != nil || !first {
		t.Fatalf("Claim = %v, %v", first, err)
	}
	e.clk.Advance(time.Minute)
	e.poll()
	if got := e.got.all(); len(got) != 0 {
		t.Errorf("announced %q, want nothing (the bot already did)", texts(got))
	}
}

func TestPoll_CommentOnLongClosedTicketIsNoNews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.openTicket("Resolved long ago")
	e.setStatus(tk.ID, "Resolved")
	e.clk.Advance(time.Hour)
	e.poll() // first start, after the close
	e.clk.Advance(time.Minute)
	if !e.srv.TouchTicket(tk.ID) {
		t.Fatal("no ticket to touch")
	}
	e.clk.Advance(time.Minute)
	e.poll()
	if got := e.got.all(); len(got) != 0 {
		t.Errorf("announced %q for an edit of an already closed ticket", texts(got))
	}
}

func TestPoll_AccountSpecificClosedStatusAndOpenStatusChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	open, closed := e.openTicket("Moved along"), e.openTicket("Done and dusted")
	e.setStatus(open.ID, "Waiting on Customer")
	e.setStatus(closed.ID, "Invoiced")
	e.clk.Advance(time.Minute)
	e.poll()
	got := e.got.all()
	if len(got) != 1 || got[0].TicketID != closed.ID {
		t.Errorf("notices = %q, want only the Invoiced ticket", texts(got))
	}
}

// TestPoll_AnHourOfPollsReadsNoSettingsBeyondTheAccounts: over an idle
// hour at the default interval the watcher sends one listing a minute and
// nothing else; the only read of /tickets/settings is the account's own
// hourly refresh (run's ticker, played here by Refresh), whose copy the
// watcher takes without a request. Before, the watcher read the settings
// itself at its first poll and again an hour later.
func TestPoll_AnHourOfPollsReadsNoSettingsBeyondTheAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll() // first start: no request
	const polls = 60
	for i := range polls {
		e.clk.Advance(time.Minute)
		if i == polls-1 {
			if err := e.acct.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		e.poll()
	}
	if n := e.requests("GET", "/tickets"); n != polls {
		t.Errorf("%d polls made %d ticket listings, want %d", polls, n, polls)
	}
	if n := e.requests("GET", "/tickets/settings"); n != 1 {
		t.Errorf("an hour read the ticket settings %d times, want 1 (the account's hourly refresh):%s", n, e.requestLines())
	}
	if n, want := len(e.srv.Requests()), polls+3; n != want {
		t.Errorf("%d requests in all, want %d (the listings and the account's /settings, /tickets/settings, /users):%s", n, want, e.requestLines())
	}
}

// TestPoll_ShortIntervalIsNotHeldBackByTheBudget: at a 2 s interval a
// minute holds 30 polls. None of them waits for the watcher's budget (6 a
// minute by default would hold all but the first few to one per 10 s),
// and a close is announced by the poll after it.
func TestPoll_ShortIntervalIsNotHeldBackByTheBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.interval = 2 * time.Second
	e.restart()
	e.poll() // first start: no request
	tk := e.openTicket("Scanner to email")
	// A budget wait is real time (the limiter's delay is a timer): on the
	// old budget the 8th poll waited 8 s and the context ran out.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for i := range 30 {
		e.clk.Advance(e.interval)
		if i == 25 {
			e.setStatus(tk.ID, "Resolved")
		}
		if err := e.w.Poll(ctx); err != nil {
			t.Fatalf("poll %d of a minute at a %s interval: %v", i+1, e.interval, err)
		}
		if i == 25 && len(e.got.all()) != 1 {
			t.Fatalf("the poll right after the close announced %q, want it", texts(e.got.all()))
		}
	}
}

func TestPoll_ManyClosesPageThroughTheListing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	const n = 130
	for i := range n {
		tk := e.openTicket(fmt.Sprintf("Bulk %d", i))
		e.setStatus(tk.ID, "Closed")
	}
	e.clk.Advance(time.Minute)
	e.poll()
	if got := len(e.got.all()); got != n {
		t.Errorf("%d notices, want %d", got, n)
	}
	if calls := e.requests("GET", "/tickets"); calls != 2 {
		t.Errorf("%d listing calls for %d changed tickets, want 2 pages of 100", calls, n)
	}
}

func TestHint_OverBudgetDroppedAndCaughtByTheNextPoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.budget = 3
	e.restart() // rebuild the watcher with the small budget
	e.poll()
	var ids []int64
	for i := range 5 {
		tk := e.openTicket(fmt.Sprintf("Hinted %d", i))
		e.setStatus(tk.ID, "Resolved")
		ids = append(ids, tk.ID)
	}
	e.clk.Advance(time.Second)
	for _, id := range ids {
		if err := e.w.Hint(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	reads := 0
	for _, id := range ids {
		reads += e.requests("GET", fmt.Sprintf("/tickets/%d", id))
	}
	if reads != 3 || len(e.got.all()) != 3 {
		t.Errorf("5 hints with a budget of 3 a minute: %d reads, %d notices; want 3 and 3", reads, len(e.got.all()))
	}
	e.clk.Advance(time.Minute)
	e.poll()
	if got := e.got.all(); len(got) != 5 {
		t.Errorf("after the next poll %d notices, want 5: %q", len(got), texts(got))
	}
}

func TestNotice_EscapesSyncroText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.poll()
	tk := e.openTicket("<!channel> printer & <@U123> toner")
	e.setStatus(tk.ID, "Resolved")
	e.clk.Advance(time.Minute)
	e.poll()
	got := e.got.all()
	if len(got) != 1 {
		t.Fatalf("notices = %q", texts(got))
	}
	all := got[0].Text + blockJSON(t, got[0])
	if strings.Contains(all, "<!channel>") || strings.Contains(all, "<@U123>") {
		t.Errorf("unescaped mention in notice:\n%s", all)
	}
	if !strings.Contains(got[0].Text, "&lt;!channel&gt; printer &amp; &lt;@U123&gt; toner") {
		t.Errorf("text = %q, want the subject escaped", got[0].Text)
	}
}

func TestNew_RequiresSyncroAndStore(t *testing.T) {
	t.Parallel()
	_, err := watcher.New(watcher.Config{})
	if err == nil {
		t.Fatal("New with an empty Config succeeded")
	}
	for _, s := range []string{"Syncro", "Store", "Account"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
	_ = syncrotest.DefaultAPIKey
}
