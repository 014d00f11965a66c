package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecret_NeverPrintsItsValue(t *testing.T) {
	t.Parallel()
	env := with(map[string]string{"WEBHOOK_ADDR": ":8081", "WEBHOOK_TOKEN": testHookToken})
	c, err := Load(t.Context(), getenvFrom(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v"} {
		outputs = append(outputs,
			fmt.Sprintf(verb, *c), fmt.Sprintf(verb, c), fmt.Sprintf(verb, c.SlackBotToken), fmt.Sprintf(verb, &c.SyncroAPIKey))
	}
	outputs = append(outputs, fmt.Sprint(c.SlackAppToken), fmt.Sprintln(*c), c.SyncroAPIKey.String(), c.WebhookToken.GoString())

	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		log := slog.New(h)
		log.Info("loaded", "config", c, "value", *c, "token", c.SlackBotToken)
		log.Info("group", slog.Group("g", slog.Any("key", c.SyncroAPIKey), slog.String("s", c.SyncroAPIKey.String())))
	}
	outputs = append(outputs, logs.String())

	j, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	outputs = append(outputs, string(j))
	txt, _ := c.WebhookToken.MarshalText()
	outputs = append(outputs, string(txt))

	for _, out := range outputs {
		assertNoSecrets(t, out, env)
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("output does not say REDACTED: %s", out)
		}
	}
	var decoded map[string]any
	if err := json.Unmarshal(j, &decoded); err != nil || decoded["SlackBotToken"] != "REDACTED" {
		t.Errorf("JSON SlackBotToken = %v (%v), want \"REDACTED\"", decoded["SlackBotToken"], err)
	}
	if c.SlackBotToken.Reveal() != testBotToken || c.WebhookToken.Reveal() != testHookToken {
		t.Errorf("Reveal does not return the value")
	}
}

func TestSecret_SOPSKeyIsRedactedToo(t *testing.T) {
	t.Parallel()
	c, err := Load(t.Context(), getenvFrom(sopsEnv(fixtureYAML, map[string]string{"SOPS_AGE_KEY_FILE": fixtureKeyFile})))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "config", c)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", *c, c, *c), logs.String()} {
		if strings.Contains(out, fixtureKey) {
			t.Errorf("output shows the decrypted key: %s", out)
		}
	}
}

func TestSecret_ZeroAndDecode(t *testing.T) {
	t.Parallel()
	var s Secret
	if !s.IsZero() || s.String() != "REDACTED" {
		t.Errorf("zero Secret: IsZero %v String %q", s.IsZero(), s.String())
	}
	if err := s.Decode("v"); err != nil || s.Reveal() != "v" || s.IsZero() {
		t.Errorf("Decode(v): err %v, Reveal %q", err, s.Reveal())
	}
}
