package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/syncrobot/syncrobot/bot"
	"github.com/syncrobot/syncrobot/commands/commandstest"
	"github.com/syncrobot/syncrobot/commands/home"
	"github.com/syncrobot/syncrobot/config"
)

// manifest is the part of manifest.yaml the bot's routes depend on.
type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command string `yaml:"command"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Type       string `yaml:"type"`
			CallbackID string `yaml:"callback_id"`
		} `yaml:"shortcuts"`
		UnfurlDomains []string `yaml:"unfurl_domains"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot yaml.Node `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents yaml.Node `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
	} `yaml:"settings"`
}

// commentedList is a YAML list of strings, failing the test for an item
// without its comment: the README says each scope and event is commented.
func commentedList(t *testing.T, what string, n yaml.Node) []string {
	t.Helper()
	var out []string
	for _, item := range n.Content {
		out = append(out, item.Value)
		if strings.TrimSpace(strings.TrimPrefix(item.LineComment, "#")) == "" {
			t.Errorf("manifest %s %q has no comment saying what it is for", what, item.Value)
		}
	}
	return out
}

// TestManifest_NamesEverythingTheBotRoutes: manifest.yaml names every
// slash command, message shortcut and event the running bot routes, and
// nothing more, each scope and event commented; unfurls come with their
// scopes and a documented placeholder domain. Slack sends only what the
// manifest names, so a route it lacks is a feature nobody can reach.
func TestManifest_NamesEverythingTheBotRoutes(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}
	f := commandstest.NewFixture(t, features(home.New()))
	b, err := bot.New(bot.Config{BotToken: config.NewSecret("xoxb-test"), AppToken: config.NewSecret("xapp-test"), Commands: f.C})
	if err != nil {
		t.Fatal(err)
	}
	routed := b.Routed()

	var slash, shortcuts []string
	for _, c := range m.Features.SlashCommands {
		slash = append(slash, c.Command)
	}
	for _, s := range m.Features.Shortcuts {
		if s.Type != "message" {
			t.Errorf("shortcut %q is of type %q; the bot answers message shortcuts", s.CallbackID, s.Type)
		}
		shortcuts = append(shortcuts, s.CallbackID)
	}
	scopes := commentedList(t, "scope", m.OAuthConfig.Scopes.Bot)
	events := commentedList(t, "event", m.Settings.EventSubscriptions.BotEvents)
	for _, c := range []struct {
		what             string
		manifest, routed []string
	}{
		{"slash commands", slash, routed.SlashCommands},
		{"message shortcuts", shortcuts, routed.Shortcuts},
		{"bot events", events, routed.Events},
	} {
		if got := slices.Sorted(slices.Values(c.manifest)); !slices.Equal(got, c.routed) {
			t.Errorf("manifest %s = %q, the bot routes %q", c.what, got, c.routed)
		}
	}
	if slices.Contains(routed.Events, "link_shared") {
		for _, s := range []string{"links:read", "links:write", "im:read"} {
			if !slices.Contains(scopes, s) {
				t.Errorf("the bot unfurls links but the manifest lacks the scope %s", s)
			}
		}
		if len(m.Features.UnfurlDomains) != 1 || m.Features.UnfurlDomains[0] != "YOUR-SUBDOMAIN.syncromsp.com" {
			t.Errorf("unfurl_domains = %q, want the documented placeholder YOUR-SUBDOMAIN.syncromsp.com", m.Features.UnfurlDomains)
		}
	}
}
