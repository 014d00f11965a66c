package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/syncbuf"
	"github.com/syncrobot/syncrobot/syncro/syncrotest"
)

// SYNCRO_API_KEY_SOPS_FILE (README, Configure) through run, with the
// config package's test-only SOPS fixtures (config/testdata/README.md).

const (
	sopsFixture    = "../../config/testdata/syncro-key.sops.yaml"
	sopsIdentity   = "../../config/testdata/age-test-key.txt"
	sopsWrongIdent = "../../config/testdata/age-wrong-test-key.txt"
	sopsFixtureKey = "test-syncro-key-not-a-real-secret-0001"
)

// TestE2E_APIKeyFromASOPSFile: with the key only in a SOPS file and its
// age identity in SOPS_AGE_KEY_FILE, the bot starts and Syncro accepts
// its requests; with an identity that cannot decrypt it, the start stops
// with one line naming the variable, and the key is printed nowhere.
func TestE2E_APIKeyFromASOPSFile(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	fx := newFakes(t, syncrotest.WithAPIKey(sopsFixtureKey))
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	delete(fx.env, "SYNCRO_API_KEY")
	fx.env["SYNCRO_API_KEY_SOPS_FILE"] = abs(sopsFixture)
	fx.env["SOPS_AGE_KEY_FILE"] = abs(sopsWrongIdent)

	var stdout, stderr syncbuf.Buffer
	if code := run(ctx, []string{"bot"}, envMap(fx.env), &stdout, &stderr); code != exitUsage {
		t.Errorf("with the wrong identity run exited %d, want %d; stderr:\n%s", code, exitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "SYNCRO_API_KEY_SOPS_FILE") {
		t.Errorf("the refused start does not name SYNCRO_API_KEY_SOPS_FILE:\n%s", stderr.String())
	}

	fx.env["SOPS_AGE_KEY_FILE"] = abs(sopsIdentity)
	b := fx.start(ctx, t)
	b.slash(ctx, t, "ticket "+itoa64(syncrotest.SeedTicketPrinter))
	b.waitReply(ctx, t, 0, "#"+itoa64(syncrotest.SeedTicketPrinter))
	b.shutdown(t)
	for where, s := range map[string]string{"refused start": stderr.String() + stdout.String(), "the bot's log": b.stderr.String() + b.stdout.String()} {
		if strings.Contains(s, sopsFixtureKey) {
			t.Errorf("%s holds the decrypted key", where)
		}
	}
}
