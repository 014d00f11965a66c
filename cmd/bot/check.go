package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/syncrobot/syncrobot/config"
	"github.com/syncrobot/syncrobot/doctor"
)

// healthcheckTimeout bounds `bot -healthcheck`; Docker's default
// HEALTHCHECK timeout is 30 s, and a listener that takes more than a few
// seconds to say "ok" is not healthy anyway.
const healthcheckTimeout = 5 * time.Second

// opsFlags are the operational one-shot modes: -check (the doctor) and
// -healthcheck (the Docker HEALTHCHECK probe).
type opsFlags struct {
	check       *bool
	healthcheck *bool
}

func addOpsFlags(fs *flag.FlagSet) *opsFlags {
	return &opsFlags{
		check:       fs.Bool("check", false, "check the configuration, Slack tokens, Syncro key and permissions, labor products, NOTIFY_CHANNEL and directories, print a checklist and exit (0 only when all pass); changes nothing in Syncro"),
		healthcheck: fs.Bool("healthcheck", false, "GET http://$METRICS_ADDR/healthz and exit 0 if it answers 200, else 1; exits 0 when METRICS_ADDR is unset (for Docker's HEALTHCHECK in a shell-less image)"),
	}
}

// early runs -healthcheck, which must not load the configuration (it runs
// every 30 s inside the container and only needs METRICS_ADDR). done is
// true when the program should exit with code.
func (o *opsFlags) early(ctx context.Context, getenv func(string) string, stderr io.Writer) (code int, done bool) {
	if !*o.healthcheck {
		return 0, false
	}
	return healthcheck(ctx, getenv("METRICS_ADDR"), stderr), true
}

// late runs -check once the environment is final (after -demo set it up).
func (o *opsFlags) late(ctx context.Context, getenv func(string) string, stdout io.Writer) (code int, done bool) {
	if !*o.check {
		return 0, false
	}
	return runCheck(ctx, getenv, stdout, nil), true
}

// runCheck loads the configuration and runs the doctor, printing the
// checklist to stdout. A configuration error becomes one failed check per
// variable instead of the usual error lines.
func runCheck(ctx context.Context, getenv func(string) string, stdout io.Writer, hc *http.Client) int {
	cfg, err := config.Load(ctx, getenv)
	var r doctor.Report
	if err != nil {
		r = doctor.ConfigErrors(err)
	} else {
		r = doctor.Run(ctx, cfg, doctor.Options{HTTPClient: hc})
	}
	_ = r.Write(stdout)
	if !r.OK() {
		return exitError
	}
	return exitOK
}

// healthcheck probes the metrics listener's /healthz. An unset addr is
// healthy: the image's HEALTHCHECK is always present, and a container run
// without METRICS_ADDR must not be marked unhealthy for it.
func healthcheck(ctx context.Context, addr string, stderr io.Writer) int {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return exitOK
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: METRICS_ADDR %q is not host:port\n", addr)
		return exitError
	}
	// ":9090" and "0.0.0.0:9090" listen everywhere; probe loopback.
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return exitError
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", healthcheckTimeout)
		}
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return exitError
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: /healthz answered %d\n", resp.StatusCode)
		return exitError
	}
	return exitOK
}
