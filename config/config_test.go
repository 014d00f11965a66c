package config

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/syncrobot/syncrobot/commands/flow"
	"github.com/syncrobot/syncrobot/labor"
)

// Secret values used by validEnv; no output may contain them.
const (
	testAppToken  = "xapp-1-A0TEST-0000-apptokenvalue"
	testBotToken  = "xoxb-0000-0000-bottokenvalue"
	testSyncroKey = "T3STsyncroAPIkeyVALUE"
	testHookToken = "hooktokenvalue-0123456789"
)

// unset removes a variable in with.
const unset = "\x00unset"

// validEnv is the smallest environment Load accepts.
func validEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":  testAppToken,
		"SLACK_BOT_TOKEN":  testBotToken,
		"SYNCRO_SUBDOMAIN": "acme",
		"SYNCRO_API_KEY":   testSyncroKey,
	}
}

// with returns validEnv changed by over; a value of unset deletes.
func with(over map[string]string) map[string]string {
	env := validEnv()
	for k, v := range over {
		if v == unset {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return env
}

func getenvFrom(env map[string]string) func(string) string {
	env = maps.Clone(env)
	return func(k string) string { return env[k] }
}

// errLines splits Load's joined error into its lines.
func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// assertNoSecrets fails if s shows a secret value from env.
func assertNoSecrets(t *testing.T, s string, env map[string]string) {
	t.Helper()
	for _, k := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SYNCRO_API_KEY", "WEBHOOK_TOKEN", "SOPS_AGE_KEY"} {
		if v := env[k]; len(v) > 6 && strings.Contains(s, v) {
			t.Errorf("output shows the value of %s:\n%s", k, s)
		}
	}
	for _, v := range []string{testAppToken, testBotToken, testSyncroKey, testHookToken, fixtureKey} {
		if strings.Contains(s, v) {
			t.Errorf("output shows secret %q:\n%s", v, s)
		}
	}
}

func TestLoad_AppliesDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(t.Context(), getenvFrom(validEnv()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		SlackAppToken:        NewSecret(testAppToken),
		SlackBotToken:        NewSecret(testBotToken),
		SlackAPIURL:          "https://slack.com/api/",
		SyncroSubdomain:      "acme",
		SyncroBaseURL:        "https://acme.syncromsp.com/api/v1/",
		SyncroAPIKey:         NewSecret(testSyncroKey),
		SyncroAPIKeySOPSPath: "credentials.credential",
		SyncroRateLimit:      180,
		SyncroPollInterval:   60 * time.Second,
		WorkTimeout:          2 * time.Minute,
		SessionLogDir:        ".",
		DataDir:              "./data",
		Replicas:             1,
		LaborProducts: labor.Products{
			"remote": 1190473, "onsite": 26118, "emergency": 26184, "project": 9269129,
			"internal": 9269124, "travel": 26117, "website": 68055,
		},
		LogFormat: "auto",
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load(minimal env) =\n%+v\nwant\n%+v", *c, want)
	}
	if c.SlackBotToken.Reveal() != testBotToken || c.SyncroAPIKey.Reveal() != testSyncroKey {
		t.Errorf("secrets not kept: Reveal() does not return the configured values")
	}
}

func TestLoad_ReadsEveryVariable(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SLACK_APP_TOKEN":      "  " + testAppToken + "\n",
		"SLACK_BOT_TOKEN":      testBotToken,
		"SLACK_API_URL":        "http://127.0.0.1:9999/api/",
		"SYNCRO_SUBDOMAIN":     "Acme",
		"SYNCRO_BASE_URL":      "http://127.0.0.1:8888/api/v1/",
		"SYNCRO_API_KEY":       testSyncroKey,
		"SYNCRO_RATE_LIMIT":    "60",
		"SYNCRO_POLL_INTERVAL": "2m30s",
		"WORK_TIMEOUT":         "45s",
		"NOTIFY_CHANNEL":       "C0123456789",
		"SESSION_LOG_DIR":      "/srv/msp",
		"SESSION_LOG_GIT":      "true",
		"DATA_DIR":             "/var/lib/syncrobot",
		"DATABASE_URL":         "postgres://bot:pw@db:5432/syncrobot",
		"REPLICAS":             "2",
		"LABOR_PRODUCTS":       " remote = 11 , onsite=22,",
		"ALLOWED_USERS":        "U0123456789, W0123456789,S0123456789",
		"BILLING_USERS":        "U0123456789,S0BILLING1",
		"ADMIN_USERS":          "U0ADMIN0001",
		"WEBHOOK_ADDR":         ":8081",
		"WEBHOOK_TOKEN":        testHookToken,
		"METRICS_ADDR":         "127.0.0.1:9090",
		"LOG_FORMAT":           "JSON",
	}
	c, err := Load(t.Context(), getenvFrom(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		SlackAppToken:        NewSecret(testAppToken),
		SlackBotToken:        NewSecret(testBotToken),
		SlackAPIURL:          "http://127.0.0.1:9999/api/",
		SyncroSubdomain:      "acme",
		SyncroBaseURL:        "http://127.0.0.1:8888/api/v1/",
		SyncroAPIKey:         NewSecret(testSyncroKey),
		SyncroAPIKeySOPSPath: "credentials.credential",
		SyncroRateLimit:      60,
		SyncroPollInterval:   150 * time.Second,
		WorkTimeout:          45 * time.Second,
		NotifyChannel:        "C0123456789",
		SessionLogDir:        "/srv/msp",
		SessionLogGit:        true,
		DataDir:              "/var/lib/syncrobot",
		DatabaseURL:          NewSecret("postgres://bot:pw@db:5432/syncrobot"),
		Replicas:             2,
		LaborProducts:        labor.Products{"remote": 11, "onsite": 22},
		AllowedUsers:         SlackIDs{"U0123456789", "W0123456789", "S0123456789"},
		BillingUsers:         SlackIDs{"U0123456789", "S0BILLING1"},
		AdminUsers:           SlackIDs{"U0ADMIN0001"},
		WebhookAddr:          ":8081",
		WebhookToken:         NewSecret(testHookToken),
		MetricsAddr:          "127.0.0.1:9090",
		LogFormat:            "json",
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load =\n%+v\nwant\n%+v", *c, want)
	}
	// %+v hides secrets, so compare them explicitly.
	if c.SlackAppToken.Reveal() != testAppToken || c.WebhookToken.Reveal() != testHookToken {
		t.Errorf("secrets not read: app %q… hook %q…", c.SlackAppToken.Reveal()[:5], c.WebhookToken.Reveal()[:4])
	}
}

func TestLoad_AdminUsersDefaultToBillingUsers(t *testing.T) {
	t.Parallel()
	c, err := Load(t.Context(), getenvFrom(with(map[string]string{"BILLING_USERS": "U0BILLING1,S0BILLING2"})))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := (SlackIDs{"U0BILLING1", "S0BILLING2"}); !reflect.DeepEqual(c.AdminUsers, want) {
		t.Errorf("AdminUsers = %v, want BILLING_USERS %v", c.AdminUsers, want)
	}
	if c.AllowedUsers != nil || !c.BillingUsers.Contains("S0BILLING2") || c.BillingUsers.Contains("U0NOBODY1") {
		t.Errorf("AllowedUsers = %v, BillingUsers = %v", c.AllowedUsers, c.BillingUsers)
	}
}

// TestLoad_PortZeroPicksAFreePort: METRICS_ADDR and WEBHOOK_ADDR accept
// port 0, which the listener resolves and logs (README, Configuration);
// a negative port is still refused.
func TestLoad_PortZeroPicksAFreePort(t *testing.T) {
	t.Parallel()
	c, err := Load(t.Context(), getenvFrom(with(map[string]string{
		"METRICS_ADDR": "127.0.0.1:0", "WEBHOOK_ADDR": ":0", "WEBHOOK_TOKEN": testHookToken,
	})))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.MetricsAddr != "127.0.0.1:0" || c.WebhookAddr != ":0" {
		t.Errorf("MetricsAddr = %q, WebhookAddr = %q", c.MetricsAddr, c.WebhookAddr)
	}
	if _, err := Load(t.Context(), getenvFrom(with(map[string]string{"METRICS_ADDR": ":-1"}))); err == nil || !strings.Contains(err.Error(), `":-1" has no valid port (0..65535)`) {
		t.Errorf("METRICS_ADDR=:-1: %v, want no valid port", err)
	}
}

func TestLoad_SyncroBaseURLAloneIsEnough(t *testing.T) {
	t.Parallel()
	c, err := Load(t.Context(), getenvFrom(with(map[string]string{
		"SYNCRO_SUBDOMAIN": unset,
		"SYNCRO_BASE_URL":  "https://acme.syncromsp.com/api/v1/",
	})))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.SyncroBaseURL != "https://acme.syncromsp.com/api/v1/" || c.SyncroSubdomain != "" {
		t.Errorf("SyncroBaseURL = %q, SyncroSubdomain = %q", c.SyncroBaseURL, c.SyncroSubdomain)
	}
}

// Syncro's API documentation writes the base without a trailing slash;
// both forms, and Slack's without one, load to the same base.
func TestLoad_BaseURLsWithOrWithoutTheTrailingSlash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ syncroIn, slackIn, syncroWant, slackWant string }{
		{"https://acme.syncromsp.com/api/v1", "https://slack.com/api", "https://acme.syncromsp.com/api/v1/", "https://slack.com/api/"},
		{"https://acme.syncromsp.com/api/v1/", "https://slack.com/api/", "https://acme.syncromsp.com/api/v1/", "https://slack.com/api/"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090", "http://127.0.0.1:8080/", "http://127.0.0.1:9090/"},
	} {
		c, err := Load(t.Context(), getenvFrom(with(map[string]string{
			"SYNCRO_SUBDOMAIN": unset, "SYNCRO_BASE_URL": tc.syncroIn, "SLACK_API_URL": tc.slackIn,
		})))
		if err != nil {
			t.Errorf("Load(%s, %s): %v", tc.syncroIn, tc.slackIn, err)
			continue
		}
		if c.SyncroBaseURL != tc.syncroWant || c.SlackAPIURL != tc.slackWant {
			t.Errorf("Load(%s, %s) = %s, %s; want %s, %s", tc.syncroIn, tc.slackIn, c.SyncroBaseURL, c.SlackAPIURL, tc.syncroWant, tc.slackWant)
		}
	}
}

// TestLoad_EachProblemIsOneLineNamingItsVariable: one bad variable in an
// otherwise valid environment yields exactly one line, "VAR: …".
func TestLoad_EachProblemIsOneLineNamingItsVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		over    map[string]string
		wantVar string
		want    string // the line after "VAR: ", or a part of it
	}{
		{"app token missing", map[string]string{"SLACK_APP_TOKEN": unset}, "SLACK_APP_TOKEN", "required (an app-level token starting with xapp-)"},
		{"app token blank", map[string]string{"SLACK_APP_TOKEN": "   "}, "SLACK_APP_TOKEN", "required (an app-level token starting with xapp-)"},
		{"app token is the bot token", map[string]string{"SLACK_APP_TOKEN": testBotToken}, "SLACK_APP_TOKEN", "must be an app-level token starting with xapp-, got a bot token (xoxb-…)"},
		{"bot token missing", map[string]string{"SLACK_BOT_TOKEN": unset}, "SLACK_BOT_TOKEN", "required (a bot token starting with xoxb-)"},
		{"bot token is a user token", map[string]string{"SLACK_BOT_TOKEN": "xoxp-1234-secretuser"}, "SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-, got a user token (xoxp-…)"},
		{"bot token garbage", map[string]string{"SLACK_BOT_TOKEN": "garbage-secret-value"}, "SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-"},
		{"slack url relative", map[string]string{"SLACK_API_URL": "slack.com/api/"}, "SLACK_API_URL", `"slack.com/api/" is not an absolute http(s) URL`},
		{"slack url not http", map[string]string{"SLACK_API_URL": "ftp://slack.com/api/"}, "SLACK_API_URL", "not an absolute http(s) URL"},
		{"slack url with credentials", map[string]string{"SLACK_API_URL": "https://bob:hunter2pass@slack.com/api/"}, "SLACK_API_URL", "must not contain credentials"},
		{"slack url with credentials and a bad port", map[string]string{"SLACK_API_URL": "https://bob:hunter2pass@slack.com:port/api/"}, "SLACK_API_URL", `"https://slack.com:port" is not an absolute http(s) URL`},
		{"base url with credentials and a bad escape", map[string]string{"SYNCRO_BASE_URL": "https://bob:hunter2pass@acme.syncromsp.com/api/%zz/"}, "SYNCRO_BASE_URL", `"https://acme.syncromsp.com" is not an absolute http(s) URL`},
		{"base url with an @ in the password", map[string]string{"SYNCRO_BASE_URL": "https://bob:p@ss hunter2pass@acme.syncromsp.com/api/v1/"}, "SYNCRO_BASE_URL", `"https://acme.syncromsp.com" is not an absolute http(s) URL`},
		{"base url with a / in the password", map[string]string{"SYNCRO_BASE_URL": "https://bob:hunter2pass/x@acme.syncromsp.com/api/v1/"}, "SYNCRO_BASE_URL", `"https://acme.syncromsp.com" is not an absolute http(s) URL`},
		{"base url with a / in a numeric password", map[string]string{"SYNCRO_BASE_URL": "https://bob:123/hunter2pass@acme.syncromsp.com/api/v1/"}, "SYNCRO_BASE_URL", "must not contain credentials"},
		{"slack url with a / in the password", map[string]string{"SLACK_API_URL": "https://bob:123/hunter2pass@slack.com/api/"}, "SLACK_API_URL", "must not contain credentials"},
		{"base url without scheme, with credentials", map[string]string{"SYNCRO_BASE_URL": "bob:hunter2pass@acme.syncromsp.com/api/v1/"}, "SYNCRO_BASE_URL", `"(not shown: it may hold a credential)" is not an absolute http(s) URL`},
		{"subdomain and base url missing", map[string]string{"SYNCRO_SUBDOMAIN": unset}, "SYNCRO_SUBDOMAIN", "required unless SYNCRO_BASE_URL is set"},
		{"subdomain is a host name", map[string]string{"SYNCRO_SUBDOMAIN": "acme.syncromsp.com"}, "SYNCRO_SUBDOMAIN", `"acme.syncromsp.com" is not a subdomain (just the subdomain, e.g. acme for acme.syncromsp.com)`},
		{"subdomain malformed", map[string]string{"SYNCRO_SUBDOMAIN": "-acme_"}, "SYNCRO_SUBDOMAIN", `"-acme_" is not a subdomain`},
		{"base url relative", map[string]string{"SYNCRO_BASE_URL": "acme.syncromsp.com/api/v1/"}, "SYNCRO_BASE_URL", "not an absolute http(s) URL"},
		{"base url with key in query", map[string]string{"SYNCRO_BASE_URL": "https://acme.syncromsp.com/api/v1/?api_key=" + testSyncroKey}, "SYNCRO_BASE_URL", "must not have a query or fragment"},
		{"api key missing", map[string]string{"SYNCRO_API_KEY": unset}, "SYNCRO_API_KEY", "required unless SYNCRO_API_KEY_SOPS_FILE is set"},
		{"api key and sops file", map[string]string{"SYNCRO_API_KEY_SOPS_FILE": fixtureYAML}, "SYNCRO_API_KEY", "set either SYNCRO_API_KEY or SYNCRO_API_KEY_SOPS_FILE, not both"},
		{"sops path with empty segment", map[string]string{"SYNCRO_API_KEY": unset, "SYNCRO_API_KEY_SOPS_FILE": fixtureYAML, "SYNCRO_API_KEY_SOPS_PATH": "credentials..credential"}, "SYNCRO_API_KEY_SOPS_PATH", `"credentials..credential" has an empty segment`},
		{"rate limit not a number", map[string]string{"SYNCRO_RATE_LIMIT": "fast"}, "SYNCRO_RATE_LIMIT", `"fast" is not a whole number`},
		{"rate limit zero", map[string]string{"SYNCRO_RATE_LIMIT": "0"}, "SYNCRO_RATE_LIMIT", "0 is out of range (1..10000 requests per minute)"},
		{"rate limit too high", map[string]string{"SYNCRO_RATE_LIMIT": "10001"}, "SYNCRO_RATE_LIMIT", "10001 is out of range"},
		{"poll interval without unit", map[string]string{"SYNCRO_POLL_INTERVAL": "60"}, "SYNCRO_POLL_INTERVAL", `"60" is not a Go duration (e.g. 60s, 5m)`},
		{"poll interval too short", map[string]string{"SYNCRO_POLL_INTERVAL": "500ms"}, "SYNCRO_POLL_INTERVAL", "500ms is too short (at least 1s)"},
		{"poll interval negative", map[string]string{"SYNCRO_POLL_INTERVAL": "-1m"}, "SYNCRO_POLL_INTERVAL", "is too short"},
		{"work timeout under the step reserve", map[string]string{"WORK_TIMEOUT": "20s"}, "WORK_TIMEOUT", "20s is out of range (30s..10m0s)"},
		{"work timeout too long", map[string]string{"WORK_TIMEOUT": "1h"}, "WORK_TIMEOUT", "1h0m0s is out of range"},
		{"notify channel by name", map[string]string{"NOTIFY_CHANNEL": "#tickets"}, "NOTIFY_CHANNEL", `"#tickets" is not a Slack channel id (C…/G…); use the channel id, not its name`},
		{"notify channel is a user", map[string]string{"NOTIFY_CHANNEL": "U0123456789"}, "NOTIFY_CHANNEL", "is not a Slack channel id"},
		{"session log git not a bool", map[string]string{"SESSION_LOG_GIT": "yes please"}, "SESSION_LOG_GIT", `"yes please" is not true or false`},
		{"labor entry without id", map[string]string{"LABOR_PRODUCTS": "remote"}, "LABOR_PRODUCTS", `"remote" is not kind=product_id`},
		{"labor kind upper-case", map[string]string{"LABOR_PRODUCTS": "Remote=1"}, "LABOR_PRODUCTS", `kind "Remote" is not a lower-case word`},
		{"labor id zero", map[string]string{"LABOR_PRODUCTS": "remote=0"}, "LABOR_PRODUCTS", `product id "0" of "remote" is not a positive integer`},
		{"labor id too big", map[string]string{"LABOR_PRODUCTS": "remote=99999999999999999999"}, "LABOR_PRODUCTS", "is not a positive integer"},
		{"labor kind twice", map[string]string{"LABOR_PRODUCTS": "remote=1,remote=2"}, "LABOR_PRODUCTS", `kind "remote" appears twice`},
		{"labor only commas", map[string]string{"LABOR_PRODUCTS": ",,"}, "LABOR_PRODUCTS", "no kind=product_id entries"},
		{"labor without remote", map[string]string{"LABOR_PRODUCTS": "onsite=26118"}, "LABOR_PRODUCTS", `the default kind "remote" is missing`},
		{"labor product for two kinds", map[string]string{"LABOR_PRODUCTS": "remote=1,onsite=1"}, "LABOR_PRODUCTS", `product id 1 is given for both "remote" and "onsite"`},
		{"allowed user by name", map[string]string{"ALLOWED_USERS": "U0123456789,@alice"}, "ALLOWED_USERS", `"@alice" is not a Slack user (U…/W…) or user-group (S…) id; use ids, not names`},
		{"billing users lower-case", map[string]string{"BILLING_USERS": "u0123456789,bob"}, "BILLING_USERS", `"u0123456789", "bob" are not Slack user`},
		{"admin user is a channel", map[string]string{"ADMIN_USERS": "C0123456789"}, "ADMIN_USERS", `"C0123456789" is not a Slack user`},
		{"webhook without token", map[string]string{"WEBHOOK_ADDR": ":8081"}, "WEBHOOK_TOKEN", "required when WEBHOOK_ADDR is set"},
		{"webhook addr without colon", map[string]string{"WEBHOOK_ADDR": "8081", "WEBHOOK_TOKEN": testHookToken}, "WEBHOOK_ADDR", `"8081" is not host:port (e.g. :8080)`},
		{"webhook port out of range", map[string]string{"WEBHOOK_ADDR": ":99999", "WEBHOOK_TOKEN": testHookToken}, "WEBHOOK_ADDR", `":99999" has no valid port`},
		{"webhook token short", map[string]string{"WEBHOOK_TOKEN": "short-secret"}, "WEBHOOK_TOKEN", "must be at least 16 URL-safe characters"},
		{"webhook token not url-safe", map[string]string{"WEBHOOK_TOKEN": "a secret with/slash+plus"}, "WEBHOOK_TOKEN", "must be at least 16 URL-safe characters"},
		{"metrics addr without port", map[string]string{"METRICS_ADDR": "localhost"}, "METRICS_ADDR", `"localhost" is not host:port`},
		{"metrics port name", map[string]string{"METRICS_ADDR": ":http"}, "METRICS_ADDR", "has no valid port"},
		{"log format unknown", map[string]string{"LOG_FORMAT": "yaml"}, "LOG_FORMAT", `"yaml" is not json, text or auto`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := with(tt.over)
			c, err := Load(t.Context(), getenvFrom(env))
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want a %s problem", c, tt.wantVar)
			}
			if c != nil {
				t.Errorf("Load returned a Config with its error")
			}
			lines := errLines(err)
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1:\n%v", len(lines), err)
			}
			prefix := tt.wantVar + ": "
			if !strings.HasPrefix(lines[0], prefix) || !strings.Contains(lines[0], tt.want) {
				t.Errorf("got  %s\nwant %s%s", lines[0], prefix, tt.want)
			}
			assertNoSecrets(t, err.Error(), env)
			if strings.Contains(err.Error(), "hunter2pass") {
				t.Errorf("error shows the URL password: %v", err)
			}
			ve, ok := errors.AsType[*VarError](err)
			if !ok || ve.Var != tt.wantVar {
				t.Errorf("errors.AsType[*VarError] = %v, %v; want Var %s", ve, ok, tt.wantVar)
			}
		})
	}
}

func TestLoad_ReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	t.Run("empty environment", func(t *testing.T) {
		t.Parallel()
		_, err := Load(t.Context(), getenvFrom(nil))
		want := []string{
			"SLACK_APP_TOKEN: required (an app-level token starting with xapp-)",
			"SLACK_BOT_TOKEN: required (a bot token starting with xoxb-)",
			"SYNCRO_SUBDOMAIN: required unless SYNCRO_BASE_URL is set (the account subdomain, e.g. acme for acme.syncromsp.com)",
			"SYNCRO_API_KEY: required unless SYNCRO_API_KEY_SOPS_FILE is set (the Syncro API key)",
		}
		if got := errLines(err); !reflect.DeepEqual(got, want) {
			t.Errorf("Load(empty) error lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("many malformed", func(t *testing.T) {
		t.Parallel()
		env := map[string]string{
			"SLACK_APP_TOKEN":      "xoxb-swapped-secret",
			"SLACK_BOT_TOKEN":      "xapp-swapped-secret",
			"SLACK_API_URL":        "slack.com/api/",
			"SYNCRO_SUBDOMAIN":     "acme.syncromsp.com",
			"SYNCRO_API_KEY":       testSyncroKey,
			"SYNCRO_RATE_LIMIT":    "-5",
			"SYNCRO_POLL_INTERVAL": "soon",
			"NOTIFY_CHANNEL":       "#general",
			"SESSION_LOG_GIT":      "maybe",
			"LABOR_PRODUCTS":       "remote=x",
			"ALLOWED_USERS":        "alice",
			"BILLING_USERS":        "bob",
			"ADMIN_USERS":          "carol",
			"WEBHOOK_ADDR":         "nowhere",
			"METRICS_ADDR":         "nowhere",
			"LOG_FORMAT":           "xml",
		}
		_, err := Load(t.Context(), getenvFrom(env))
		wantVars := []string{
			"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL", "SYNCRO_SUBDOMAIN",
			"SYNCRO_RATE_LIMIT", "SYNCRO_POLL_INTERVAL", "NOTIFY_CHANNEL", "SESSION_LOG_GIT",
			"LABOR_PRODUCTS", "ALLOWED_USERS", "BILLING_USERS", "ADMIN_USERS",
			"WEBHOOK_ADDR", "WEBHOOK_TOKEN", "METRICS_ADDR", "LOG_FORMAT",
		}
		lines := errLines(err)
		var gotVars []string
		for _, l := range lines {
			v, _, _ := strings.Cut(l, ": ")
			gotVars = append(gotVars, v)
		}
		if !reflect.DeepEqual(gotVars, wantVars) {
			t.Errorf("one line per variable in Config order; got\n%s", err)
		}
		assertNoSecrets(t, err.Error(), env)
		if strings.Contains(err.Error(), "swapped-secret") {
			t.Errorf("error shows a token: %v", err)
		}
	})
}

func TestLoad_ErrorUnwrapsToVarErrors(t *testing.T) {
	t.Parallel()
	_, err := Load(t.Context(), getenvFrom(with(map[string]string{"SLACK_BOT_TOKEN": unset, "LOG_FORMAT": "xml"})))
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T does not unwrap to a list", err)
	}
	var vars []string
	for _, e := range joined.Unwrap() {
		ve, ok := e.(*VarError)
		if !ok {
			t.Fatalf("joined error %T is not a *VarError", e)
		}
		vars = append(vars, ve.Var)
	}
	if want := []string{"SLACK_BOT_TOKEN", "LOG_FORMAT"}; !reflect.DeepEqual(vars, want) {
		t.Errorf("VarErrors for %v, want %v", vars, want)
	}
}

func TestLoad_CanceledContextStopsSOPS(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	env := with(map[string]string{"SYNCRO_API_KEY": unset, "SYNCRO_API_KEY_SOPS_FILE": fixtureYAML, "SOPS_AGE_KEY_FILE": fixtureKeyFile})
	_, err := Load(ctx, getenvFrom(env))
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "SYNCRO_API_KEY_SOPS_FILE: cannot decrypt ") {
		t.Errorf("Load(canceled) = %v, want SYNCRO_API_KEY_SOPS_FILE … context canceled", err)
	}
}

// TestWorkTimeout_ShortestLeavesRoomBeforeTheStepReserve: the shortest
// WORK_TIMEOUT leaves time for the reads before a flow's first step on top
// of what flow.StepReserve keeps for every step.
func TestWorkTimeout_ShortestLeavesRoomBeforeTheStepReserve(t *testing.T) {
	t.Parallel()
	if minWorkTimeout <= flow.StepReserve {
		t.Errorf("minWorkTimeout %s does not exceed flow.StepReserve %s: no step could ever start", minWorkTimeout, flow.StepReserve)
	}
}

func TestLoad_DatabaseAndReplicas(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // "" means it loads
		perRep  int
	}{
		{"one bot on bbolt", map[string]string{}, "", 180},
		{"two replicas split the budget", map[string]string{"DATABASE_URL": "postgres://bot:s3cret@db/syncrobot", "REPLICAS": "2"}, "", 90},
		{"an odd split rounds down", map[string]string{"DATABASE_URL": "postgresql://db/x", "REPLICAS": "7"}, "", 25},
		{"replicas need the database", map[string]string{"REPLICAS": "2"}, "REPLICAS: 2 replicas need DATABASE_URL", 0},
		{"zero replicas", map[string]string{"REPLICAS": "0"}, "REPLICAS: 0 is out of range", 0},
		{"more replicas than requests", map[string]string{"DATABASE_URL": "postgres://db/x", "REPLICAS": "5", "SYNCRO_RATE_LIMIT": "4"}, "REPLICAS: 5 replicas leave less than one request", 0},
		{"not a postgres URL", map[string]string{"DATABASE_URL": "mysql://bot:s3cret@db/x"}, "DATABASE_URL: is not a postgres://", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(t.Context(), getenvFrom(with(c.env)))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Load error = %v, want %q", err, c.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the database password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := cfg.SyncroRatePerReplica(); got != c.perRep {
				t.Errorf("SyncroRatePerReplica = %d, want %d", got, c.perRep)
			}
		})
	}
}
