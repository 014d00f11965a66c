package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/syncrobot/syncrobot/slackfake"
	"github.com/syncrobot/syncrobot/store"
	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
	"github.com/syncrobot/syncrobot/watcher"
)

// Hardening from the probe of every entry point (README, Security): each
// test starts the real run and checks what an operator or a person sees.

// TestRun_DamagedDatabaseExitsWithASentence: a syncrobot.db that is not a
// whole database stops the start with a sentence naming the file and what
// to do, and exit status 1; nothing connects to Slack.
func TestRun_DamagedDatabaseExitsWithASentence(t *testing.T) {
	t.Parallel()
	fx := newFakes(t)
	path := filepath.Join(fx.env["DATA_DIR"], store.FileName)
	if err := os.WriteFile(path, []byte(strings.Repeat("half a database ", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncbuf.Buffer
	code := run(testContext(t), []string{"bot"}, envMap(fx.env), &stdout, &stderr)
	if code != exitError {
		t.Errorf("run exited %d, want %d", code, exitError)
	}
	for _, want := range []string{path, "restore", "from a backup", "move it aside"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	if n := fx.f.TotalConnections(); n != 0 {
		t.Errorf("the bot opened %d Slack connections with a damaged database", n)
	}
}

// e2eGuest is a client's IT person invited to the MSP's Slack as a guest.
var e2eGuest = slackfake.User{ID: "U0CLIENT", Name: "client-it", Email: "it@client.example", IsRestricted: true}

// guestAsks sends /syncro text as the guest in #ops and waits for the
// guest's first reply containing want.
func guestAsks(ctx context.Context, t *testing.T, b *e2eBot, text, want string) {
	t.Helper()
	if _, err := b.f.SlashCommand(ctx, slackfake.SlashCommand{UserID: e2eGuest.ID, ChannelID: e2eChannel, Text: text}); err != nil {
		t.Fatal(err)
	}
	err := b.f.WaitUntil(ctx, func() bool {
		return slices.ContainsFunc(b.f.Ephemerals(e2eGuest.ID), func(e slackfake.Ephemeral) bool {
			return strings.Contains(replyText(e.Message), want)
		})
	})
	if err != nil {
		t.Fatalf("the guest saw no reply containing %q: %v; replies %+v", want, err, b.f.Ephemerals(e2eGuest.ID))
	}
}

// TestE2E_GuestIsRefusedUnlessAllowGuests: a guest asking for a ticket is
// told guests can't use the bot, and Syncro is not asked; with
// ALLOW_GUESTS=true the same guest sees the ticket.
func TestE2E_GuestIsRefusedUnlessAllowGuests(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	b.f.AddUser(e2eGuest)
	tk := ticketByNumber(t, b.srv, 32150)
	guestAsks(ctx, t, b, "ticket 32150", "Guest accounts can't use /syncro")
	if n := ticketReads(b.srv, tk); n != 0 {
		t.Errorf("Syncro was asked for #32150 %d times on a guest's behalf", n)
	}

	b.shutdown(t)
	b.env["ALLOW_GUESTS"] = "true"
	b = b.start(ctx, t)
	guestAsks(ctx, t, b, "ticket 32150", "32150")
	if ticketReads(b.srv, tk) == 0 {
		t.Error("the served guest's card read nothing from Syncro: ticketReads cannot see a read")
	}
}

// ticketReads counts the GETs of tk: by id, or a lookup by its number.
func ticketReads(srv *syncrotest.Server, tk syncrotest.Ticket) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && (r.Path == "/tickets/"+itoa64(tk.ID) || strings.Contains(r.Query, "number="+itoa64(tk.Number))) {
			n++
		}
	}
	return n
}

// TestE2E_NoNoticeInASharedNotifyChannel: README promises nothing ticket-
// or customer-related is posted to a channel shared with another
// workspace. A ticket closed in Syncro while NOTIFY_CHANNEL is shared is
// not announced there; the log says why.
func TestE2E_NoNoticeInASharedNotifyChannel(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const shared = "C0SHAREDN"
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["NOTIFY_CHANNEL"] = shared
		env["SYNCRO_POLL_INTERVAL"] = "2s"
	})
	b.f.AddChannel(slackfake.Channel{ID: shared, Name: "acme-and-msp", IsExtShared: true})
	b.waitLog(ctx, t, "first start: announcing tickets closed from now on")
	acme := ticketByNumber(t, b.srv, syncrotest.SeedTicketOwnCloud)
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "Door badge reader offline", CustomerID: acme.CustomerID, Status: "In Progress", UserID: syncrotest.UserMarcus})
	if err := b.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	b.waitLog(ctx, t, `"channel":"`+shared+`","ticket_id":`+itoa64(tk.ID))
	if msgs := b.f.Messages(shared); len(msgs) != 0 {
		t.Errorf("the shared channel got %d messages: %+v", len(msgs), msgs)
	}
}

// TestRun_URLsWithCredentialsAreShownAsSchemeAndHost: a SLACK_API_URL or
// SYNCRO_BASE_URL holding user:password that fails to parse is named in
// the start's error by scheme and host only.
func TestRun_URLsWithCredentialsAreShownAsSchemeAndHost(t *testing.T) {
	t.Parallel()
	fx := newFakes(t)
	fx.env["SLACK_API_URL"] = "https://ops:hunter2pass@slack.example:port/api/"
	fx.env["SYNCRO_BASE_URL"] = "https://key:s3cr3tkey@acme.syncromsp.com/api/%zz/"
	var stdout, stderr syncbuf.Buffer
	if code := run(testContext(t), []string{"bot"}, envMap(fx.env), &stdout, &stderr); code != exitUsage {
		t.Errorf("run exited %d, want %d", code, exitUsage)
	}
	out := stderr.String()
	for _, want := range []string{`SLACK_API_URL: "https://slack.example:port" is not`, `SYNCRO_BASE_URL: "https://acme.syncromsp.com" is not`} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"hunter2pass", "s3cr3tkey", "ops:", "key:"} {
		if strings.Contains(out, secret) {
			t.Errorf("stderr shows %q:\n%s", secret, out)
		}
	}
}

// TestE2E_CommentTextIsNotLoggedAtInfo: a comment reaches Syncro, and the
// INFO log's "syncro write" line holds its length and hash, not its words.
func TestE2E_CommentTextIsNotLoggedAtInfo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	tk := ticketByNumber(t, b.srv, 32150)
	const words = "Reset the CFO password to Tr0ub4dor"
	b.slash(ctx, t, "comment 32150 "+words)
	b.waitReply(ctx, t, 0, "32150")
	if n := commentsWithBody(b.srv, tk.ID, words); n != 1 {
		t.Fatalf("Syncro holds %d comments with the words, want 1", n)
	}
	b.waitLog(ctx, t, `"msg":"syncro write"`)
	b.waitLog(ctx, t, `"detail":{"len":`)
	if strings.Contains(b.stderr.String(), "Tr0ub4dor") {
		t.Errorf("the log holds the comment's words:\n%s", b.stderr.String())
	}
}

// TestE2E_ShutdownDuringAUserGroupCheckSaysRestarting: ALLOWED_USERS is a
// user group whose members Slack is slow to list; SIGTERM comes while
// Dana's command waits on that lookup. She is a member: she reads
// "restarting", never "not on the list", and nothing reaches Syncro.
func TestE2E_ShutdownDuringAUserGroupCheckSaysRestarting(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t)
	fx.f.SetUserGroup(e2eGroup, []string{e2eUser})
	fx.env["ALLOWED_USERS"] = e2eGroup
	b := fx.start(ctx, t)
	b.f.InjectFault("usergroups.users.list", slackfake.Fault{Hold: true})
	b.srv.ResetLog()

	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	if err := b.f.WaitUntil(ctx, func() bool { return b.f.Held("usergroups.users.list") == 1 }); err != nil {
		t.Fatalf("the bot never asked Slack for the group's members: %v", err)
	}
	b.stop() // SIGTERM, with the lookup held by Slack
	b.waitReply(ctx, t, 0, restartingSentence)
	<-b.finished
	for _, e := range b.f.Ephemerals(e2eUser) {
		if strings.Contains(replyText(e.Message), "not on the list") {
			t.Errorf("Dana, a member of the allowed group, was told she is not allowed: %q", e.Text)
		}
	}
	if reqs := b.srv.Requests(); len(reqs) != 0 {
		t.Errorf("the command cut off at its user-group check reached Syncro: %+v", reqs)
	}
}

// TestE2E_NoticeTextIsNotLoggedAtInfo: tickets closed in Syncro are
// announced (one refused by Slack first); the log names each notice by
// ticket id, with its text as length and hash, never the subject or the
// customer's name (README, Security: what is logged).
func TestE2E_NoticeTextIsNotLoggedAtInfo(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	const customer = "Quillfeather Orthodontics"
	cu := b.srv.AddCustomer(syncrotest.Customer{BusinessName: customer, Email: "office@quillfeather.example"})
	subjects := []string{"Payroll share Xy7vQ exposed", "Vault drive Zq9wK failing"}
	b.f.InjectFault("chat.postMessage", slackfake.Fault{Error: slackfake.ErrCodeChannelNotFound})
	for _, s := range subjects {
		tk := b.srv.AddTicket(syncrotest.Ticket{Subject: s, CustomerID: cu.ID, Status: "In Progress", UserID: syncrotest.UserMarcus})
		if err := b.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
			t.Fatal(err)
		}
		b.waitLog(ctx, t, `"msg":"closed-ticket notice queued","component":"watcher","ticket_id":`+itoa64(tk.ID))
	}
	b.waitLog(ctx, t, `"msg":"notice not posted"`)
	if err := b.f.WaitUntil(ctx, func() bool { return len(b.f.Messages(notifyChannel)) > 0 }); err != nil {
		t.Fatalf("no notice posted: %v", err)
	}
	b.shutdown(t)
	for _, secret := range append(subjects, customer) {
		if strings.Contains(b.stderr.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, b.stderr.String())
		}
	}
}

// TestRun_BaseURLWithASlashInItsPasswordIsRefused: in
// https://user:123/x@host/ the password's / ends the host, which Go reads
// as "user:123". The start refuses it as a URL with credentials, shows
// none of it, and the key goes nowhere.
func TestRun_BaseURLWithASlashInItsPasswordIsRefused(t *testing.T) {
	t.Parallel()
	fx := newFakes(t)
	fx.env["SYNCRO_BASE_URL"] = "https://opsbob:123/pw9x@" + strings.TrimPrefix(fx.srv.URL(), "http://") + "/api/v1/"
	var stdout, stderr syncbuf.Buffer
	if code := run(testContext(t), []string{"bot"}, envMap(fx.env), &stdout, &stderr); code != exitUsage {
		t.Errorf("run exited %d, want %d", code, exitUsage)
	}
	out := stderr.String()
	if !strings.Contains(out, "SYNCRO_BASE_URL: must not contain credentials") {
		t.Errorf("stderr does not refuse the URL as holding credentials:\n%s", out)
	}
	for _, secret := range []string{"opsbob", "123/pw9x", "pw9x"} {
		if strings.Contains(out, secret) {
			t.Errorf("stderr shows %q:\n%s", secret, out)
		}
	}
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("Syncro was asked %d times", len(reqs))
	}
}

// TestE2E_UnreadableNotifyChannelIsWarnedOnce: Slack stops answering
// conversations.info after the start. Notices are dropped (the bot cannot
// say the channel is not shared), each with its ticket id, and the
// operator reads why in one WARN, not one per notice.
func TestE2E_UnreadableNotifyChannelIsWarnedOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startNotifyingBot(ctx, t)
	// The start's own check of the channel is over (the fake learned of
	// the channel after it): only what follows counts.
	before := len(b.stderr.String())
	b.f.InjectFault("conversations.info", slackfake.Fault{Error: "internal_error", Times: 1000})
	var ids []int64
	for _, s := range []string{"Printer jams on tray 2", "VPN drops hourly", "Shared mailbox missing"} {
		tk := b.marcusTicket(t, s)
		if err := b.srv.SetTicketStatus(tk.ID, "Resolved"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	for _, id := range ids {
		b.waitLog(ctx, t, `"ticket_id":`+itoa64(id)+`,"why":"Slack cannot say whether the channel is shared"`)
	}
	if n := len(b.f.Messages(notifyChannel)); n != 0 {
		t.Errorf("%d notices posted to a channel Slack could not describe", n)
	}
	warns := 0
	for line := range strings.Lines(b.stderr.String()[before:]) {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, "NOTIFY_CHANNEL") {
			warns++
		}
	}
	if warns != 1 {
		t.Errorf("%d WARN lines about NOTIFY_CHANNEL, want 1:\n%s", warns, b.stderr.String())
	}
}

// TestE2E_WebhookFloodKeepsAtMost64HintsPending: with the right token, a
// flood of 2,000 hints for distinct tickets arrives while Syncro holds
// every reread. Every hint is answered 200 at once; Syncro never holds
// more than 64 rereads (the watcher's budget of 6 a minute drops the rest
// before the 64 bound is reached); the process keeps no goroutine per
// hint; and each kind of drop is warned once, not per hint.
func TestE2E_WebhookFloodKeepsAtMost64HintsPending(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, func(env map[string]string) {
		env["NOTIFY_CHANNEL"] = notifyChannel
		env["WEBHOOK_ADDR"] = anyPort
		env["WEBHOOK_TOKEN"] = webhookToken
		env["METRICS_ADDR"] = anyPort
	})
	addr := b.listenedOn(ctx, t, "serving Syncro webhooks")
	metricsAddr := b.listenedOn(ctx, t, "metrics listening")
	goroutines := func() int {
		t.Helper()
		body := waitStatus(ctx, t, "http://"+metricsAddr+"/metrics", http.StatusOK)
		m := regexp.MustCompile(`(?m)^go_goroutines (\d+)`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("/metrics has no go_goroutines:\n%s", body)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	before := goroutines()
	b.srv.Fail("GET", "/tickets/*", 100000, syncrotest.FaultHang)
	const hints = 2000
	ids := make(chan int, hints)
	for id := range hints {
		ids <- 9_000_000 + id
	}
	close(ids)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for id := range ids {
				body := fmt.Sprintf(`{"link":"https://bayline.syncromsp.com/tickets/%d","attributes":{"id":%d,"status":"Resolved"}}`, id, id)
				if code := postWebhook(t, addr, watcher.WebhookPath+webhookToken, body); code != http.StatusOK {
					t.Errorf("hint %d: %d, want 200", id, code)
					return
				}
				if held := b.srv.Held(); held > 64 {
					t.Errorf("Syncro holds %d rereads, want at most 64", held)
					return
				}
			}
		})
	}
	wg.Wait()
	// 64 rereads held, with their HTTP connections, stay well under it.
	if grown := goroutines() - before; grown > 500 {
		t.Errorf("2,000 hints left %d more goroutines, want a bounded few", grown)
	}
	// The budget drops hints from the 7th on, whatever the machine's pace;
	// the 64 bound drops some too when the hints' goroutines, each ended
	// at once by the budget, are not run as fast as the hints come. Each
	// drop is warned at most once a minute.
	budget, flood := 0, 0
	for line := range strings.Lines(b.stderr.String()) {
		switch {
		case strings.Contains(line, "webhook hint over the watcher's budget"):
			budget++
		case strings.Contains(line, "webhook hints arriving faster"):
			flood++
		}
	}
	if budget != 1 || flood > 1 {
		t.Errorf("the flood was warned about %d times over the budget and %d past the bound, want once and at most once", budget, flood)
	}
}
