package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// TestE2E_SessionLogOfAHostileCustomerStaysUnderTheRootAndShowsHTMLAsText:
// a customer named like a path out of the session-log root, a ticket whose
// subject holds an HTML comment and whose comment in Syncro is HTML.
// Closing it from Slack writes one log inside
// SESSION_LOG_DIR/clients/<folder>/session-logs, with its front matter
// and sections, the Syncro comment as clean text, and the subject's
// markup shown as typed, not hidden by a Markdown viewer.
func TestE2E_SessionLogOfAHostileCustomerStaysUnderTheRootAndShowsHTMLAsText(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := startE2EBot(ctx, t, nil)
	root := b.env["SESSION_LOG_DIR"]
	cu := b.srv.AddCustomer(syncrotest.Customer{BusinessName: "../../../../tmp/escaped", Email: "it@escaped.example"})
	tk := b.srv.AddTicket(syncrotest.Ticket{Subject: "VPN <!-- secret subject --> down", CustomerID: cu.ID, Status: "In Progress", UserID: syncrotest.UserMarcus})
	if _, err := b.srv.AddComment(syncrotest.Comment{TicketID: tk.ID, Subject: "Update", Tech: "Marcus Oyelaran",
		Body: "<p>Rebooted the <b>firewall</b>&nbsp;twice</p><script>alert(1)</script>"}); err != nil {
		t.Fatal(err)
	}

	view := b.openCloseForm(ctx, t, tk.Number)
	b.submitView(ctx, t, closeSubmission(t, view, "Reset the tunnel."))
	b.waitReply(ctx, t, 0, "Closed #")

	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("session logs under the root: %q, want one", files)
	}
	rel, err := filepath.Rel(root, files[0])
	if err != nil || strings.HasPrefix(rel, "..") || !strings.HasPrefix(rel, "clients"+string(filepath.Separator)) ||
		filepath.Base(filepath.Dir(files[0])) != "session-logs" || strings.Count(rel, string(filepath.Separator)) != 3 {
		t.Errorf("the log is at %s, want clients/<one folder>/session-logs/<file>", rel)
	}
	body, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	if !strings.HasPrefix(s, "---\n") {
		t.Errorf("the log does not open with front matter:\n%s", s)
	}
	for _, want := range []string{"## Problem", "## Work done", "## Resolution", "secret subject", "Rebooted the firewall twice", "Reset the tunnel."} {
		if !strings.Contains(s, want) {
			t.Errorf("the log lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "<!--") != strings.Count(s, `\<!--`) {
		t.Errorf("the log holds an HTML comment a Markdown viewer hides:\n%s", s)
	}
	for _, tag := range []string{"<p>", "<b>", "&nbsp;", "<script>", "alert(1)"} {
		if strings.Contains(s, tag) {
			t.Errorf("the log shows Syncro's HTML %q:\n%s", tag, s)
		}
	}
}
