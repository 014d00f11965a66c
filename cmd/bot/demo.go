package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/syncrobot/syncrobot/demo"
)

// demoFlags are the flags of the embedded demo: the bot against an
// in-memory Syncro and a fake Slack shown in the browser.
type demoFlags struct {
	on   *bool
	addr *string
	data *string
}

func addDemoFlags(fs *flag.FlagSet) demoFlags {
	return demoFlags{
		on:   fs.Bool("demo", false, "try the bot without Slack or Syncro: serve a stand-in Slack page and an in-memory Syncro, and run the bot against them"),
		addr: fs.String("demo-addr", demo.DefaultAddr, "with -demo: host:port of the demo page"),
		data: fs.String("demo-data", "", "with -demo: directory that keeps the demo's Syncro changes and session logs between runs (default: start fresh every run)"),
	}
}

// start starts the demo when -demo is set and returns the environment the
// bot should run with (the demo's settings over the real getenv, so
// LOG_FORMAT and friends still apply) and a func that stops the demo.
// Without -demo it returns getenv unchanged.
func (d demoFlags) start(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) (func(string) string, func(), error) {
	if !*d.on {
		return getenv, func() {}, nil
	}
	env, err := demo.Start(ctx, demo.Options{
		Addr:    *d.addr,
		DataDir: *d.data,
		// Only problems: the bot's own log already says what it is doing.
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(stdout, "syncrobot demo: open %s — type /syncro in #support (Ctrl-C stops)\n", env.URL())
	where := "kept with -demo-data"
	if *d.data == "" {
		where = "removed when the demo stops; keep them with -demo-data DIR"
	}
	fmt.Fprintf(stdout, "session logs of tickets you close go to %s (%s)\n", env.Getenv("SESSION_LOG_DIR"), where)
	fmt.Fprintf(stdout, "Syncro changes: %s\n", env.StartNote())
	return env.Overlay(getenv), env.Close, nil
}
