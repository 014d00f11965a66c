package main

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/syncrobot/syncrobot/syncbuf"
)

// The Syncro API key never appears in what the bot logs, prints, tells
// anyone in Slack or writes to disk (README, Security: what is logged),
// whatever way Syncro fails. Each case runs the real bot with -debug (the
// most it ever logs) and a key nothing else in the test spells, asks for
// a ticket and writes a comment, runs bot -check, and then looks
// everywhere the key could have gone.

// distinctiveKey is a Syncro API key no other text in a run contains.
const distinctiveKey = "zq7-KEYMARK-4f1e9c2b8a-syncro"

// keyEchoingServer answers every request 500 with a body that quotes the
// request's Authorization header, as a broken proxy might.
func keyEchoingServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"upstream refused header `+r.Header.Get("Authorization")+`","message":["bad auth `+r.Header.Get("Authorization")+`"]}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// redirectingServer answers every request with a 307 to the same path on
// target; got counts the requests that reached target carrying the key.
func redirectingServer(t *testing.T, target string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.RequestURI()+"&key="+distinctiveKey, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// keyCountingServer answers 404 and counts requests that carry the key.
func keyCountingServer(t *testing.T, got *atomic.Int64) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), distinctiveKey) {
			got.Add(1)
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestE2E_SyncroKeyNeverShownWhateverSyncroDoes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// base returns SYNCRO_BASE_URL for the case, given the Syncro
		// fake's own URL (which accepts only syncrotest.DefaultAPIKey).
		base func(t *testing.T, fake string) string
	}{
		{"nothing answers", func(t *testing.T, _ string) string { return "http://" + refusingAddr(t) + "/api/v1/" }},
		{"TLS to a plain HTTP server", func(t *testing.T, fake string) string {
			return "https://" + strings.TrimPrefix(fake, "http://") + "/"
		}},
		{"401 for a wrong key", func(t *testing.T, fake string) string { return fake + "/" }},
		{"the key echoed in a 500", func(t *testing.T, _ string) string { return keyEchoingServer(t) + "/api/v1/" }},
		{"redirected elsewhere", func(t *testing.T, _ string) string {
			var got atomic.Int64
			t.Cleanup(func() {
				if n := got.Load(); n != 0 {
					t.Errorf("the redirect's target got the key %d times", n)
				}
			})
			return redirectingServer(t, keyCountingServer(t, &got)) + "/api/v1/"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			fx := newFakes(t)
			fx.env["SYNCRO_API_KEY"] = distinctiveKey
			fx.env["SYNCRO_BASE_URL"] = tc.base(t, fx.srv.URL())
			b := fx.start(ctx, t, "-debug")
			b.slash(ctx, t, "ticket 32150")
			b.waitReply(ctx, t, 0)
			b.slash(ctx, t, "comment 32150 the printer is back")
			b.waitReply(ctx, t, 1)
			b.shutdown(t)

			var stdout, stderr syncbuf.Buffer
			run(testContext(t), []string{"bot", "-check"}, envMap(fx.env), &stdout, &stderr)

			seen := map[string]string{
				"the bot's log":     b.stderr.String(),
				"the bot's stdout":  b.stdout.String(),
				"bot -check":        stdout.String() + stderr.String(),
				"Slack's calls":     slackCallsText(b),
				"what Slack showed": slackShownText(b),
			}
			for _, dir := range []string{fx.env["DATA_DIR"], fx.env["SESSION_LOG_DIR"]} {
				for name, body := range filesUnder(t, dir) {
					seen[name] = body
				}
			}
			for where, text := range seen {
				if strings.Contains(text, distinctiveKey) {
					t.Errorf("%s holds the Syncro API key:\n%s", where, text)
				}
			}
			if !strings.Contains(b.stderr.String(), `"level":"DEBUG"`) {
				t.Error("the bot logged nothing at debug: the case did not look at the most it logs")
			}
		})
	}
}

// slackCallsText is every Web API call the bot made, as sent.
func slackCallsText(b *e2eBot) string {
	var s strings.Builder
	for _, c := range b.f.Calls() {
		s.WriteString(c.Method + " " + c.Form.Encode() + " " + string(c.Body) + "\n")
	}
	return s.String()
}

// slackShownText is every message, ephemeral and view Slack holds.
func slackShownText(b *e2eBot) string {
	var s strings.Builder
	for _, m := range b.f.AllMessages() {
		s.WriteString(replyText(m) + "\n")
	}
	for _, e := range b.f.Ephemerals(e2eUser) {
		s.WriteString(replyText(e.Message) + "\n")
	}
	for _, v := range b.f.Views() {
		s.WriteString(string(v.JSON) + "\n")
	}
	return s.String()
}

// filesUnder reads every file under dir, by path.
func filesUnder(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = string(body)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
