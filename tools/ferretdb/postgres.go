package main

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	superuser    = "o2o"
	databaseName = "ferretdb"
	passwordFile = "o2o-superuser-password"
	// FerretDB holds one pool connection for an update's read while it waits for a second for
	// the write, so a small pool deadlocks under concurrent updates (measured: 100 concurrent
	// updates hung the default pool of 50 in 1 of 9 rounds, never with 200 in 21 rounds).
	ferretdbPoolConns = 200
	maxConnections    = 250
	// The uid PostgreSQL runs as inside its user namespace when this process is root.
	namespaceUID = 65534
	startTimeout = 10 * time.Minute // crash recovery after a kill replays the WAL first
)

// settings are PostgreSQL's configuration for this workload: one FerretDB client, point
// queries and small transactions, a 2-core machine shared with the server.
func settings(port int, durable bool) []string {
	s := []string{
		"listen_addresses=127.0.0.1",
		"port=" + strconv.Itoa(port),
		"unix_socket_directories=",
		"max_connections=" + strconv.Itoa(maxConnections),
		// FerretDB prepares its statements with the field name as a parameter
		// (`_jsonb->$1 @> $2`); a cached generic plan can never match an index on
		// `_jsonb->'field'`, a custom plan per execution does.
		"plan_cache_mode=force_custom_plan",
		"shared_buffers=256MB",
		"effective_cache_size=2GB",
		"work_mem=16MB",
		"maintenance_work_mem=128MB",
		"random_page_cost=1.1",
		"max_wal_size=2GB",
		"max_parallel_workers_per_gather=0",
		"jit=off",
		"huge_pages=off",
		"log_min_messages=fatal", // unique-key violations are how writes stay idempotent; not news
		"log_checkpoints=off",
		"log_line_prefix=%m [%p] ",
	}
	if !durable {
		s = append(s, "fsync=off", "full_page_writes=off")
	}
	return s
}

type postgresOptions struct {
	dataDir string
	binDir  string
	durable bool
	extra   []string
}

type postgresCluster struct {
	options  postgresOptions
	port     int
	password string
	cmd      *exec.Cmd
	// exited is closed when PostgreSQL has exited, with its reason in exitErr.
	exited   chan struct{}
	exitErr  error
	stopping chan struct{}
}

func (c *postgresCluster) ferretdbURL() string {
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(superuser, c.password),
		Host:   net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:   "/" + databaseName,
	}
	u.RawQuery = url.Values{"pool_max_conns": {strconv.Itoa(ferretdbPoolConns)}}.Encode()
	return u.String()
}

func (c *postgresCluster) adminURL(database string) string {
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(superuser, c.password),
		Host:   net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:   "/" + database,
	}
	return u.String()
}

// sysProcAttr runs PostgreSQL in its own process group (a terminal's SIGINT is for the server,
// which stops the database when it is done) with a parent-death signal. As root it also runs it
// in a user namespace where this process's uid is mapped to an unprivileged one: PostgreSQL
// refuses to run as root, and a real unprivileged user could not reach a repository under a
// private home directory (/root is mode 700), while inside the namespace the files stay owned
// by the same user as the repository and PostgreSQL holds no capabilities.
func sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGINT}
	if os.Geteuid() == 0 {
		attr.Cloneflags = syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: namespaceUID, HostID: 0, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: namespaceUID, HostID: os.Getegid(), Size: 1}}
	}
	return attr
}

func startPostgres(ctx context.Context, options postgresOptions) (*postgresCluster, error) {
	if err := ensureCluster(options); err != nil {
		return nil, err
	}
	password, err := os.ReadFile(filepath.Join(options.dataDir, passwordFile))
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's password: %w", err)
	}
	if err = waitForPreviousPostmaster(options.dataDir); err != nil {
		return nil, err
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		c := &postgresCluster{
			options:  options,
			port:     port,
			password: strings.TrimSpace(string(password)),
			exited:   make(chan struct{}),
			stopping: make(chan struct{}),
		}
		if lastErr = c.run(ctx); lastErr == nil {
			if err = c.prepare(ctx); err != nil {
				c.stop()
				return nil, err
			}
			return c, nil
		}
		if !strings.Contains(lastErr.Error(), "could not bind") && !strings.Contains(lastErr.Error(), "could not create any TCP/IP sockets") {
			break
		}
	}
	return nil, lastErr
}

// ensureCluster runs initdb once, into a temporary directory renamed into place, so an
// interrupted first start never leaves half a cluster behind.
func ensureCluster(options postgresOptions) error {
	if _, err := os.Stat(filepath.Join(options.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(options.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists but holds no PostgreSQL cluster (no PG_VERSION); move it away", options.dataDir)
	}
	if err := os.MkdirAll(filepath.Dir(options.dataDir), 0o755); err != nil {
		return err
	}
	temporary := options.dataDir + ".initdb"
	if err := os.RemoveAll(temporary); err != nil {
		return err
	}
	if err := os.Mkdir(temporary, 0o700); err != nil {
		return err
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	password := hex.EncodeToString(secret)
	pwfile := filepath.Join(filepath.Dir(options.dataDir), ".o2o-initdb-password")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)

	args := []string{
		"-D", temporary, "-U", superuser, "--pwfile", pwfile, "--auth=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-instructions",
	}
	if !options.durable {
		args = append(args, "--no-sync")
	}
	cmd := exec.Command(filepath.Join(options.binDir, "initdb"), args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.Env = postgresEnv(options.binDir)
	if output, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(temporary)
		return fmt.Errorf("initdb failed: %w\n%s", err, output)
	}
	if err := os.WriteFile(filepath.Join(temporary, passwordFile), []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(temporary, options.dataDir)
}

// postgresEnv points the dynamic loader at the libraries shipped beside the binaries.
func postgresEnv(binDir string) []string {
	env := []string{"LC_ALL=C", "TZ=UTC"}
	lib := filepath.Join(filepath.Dir(binDir), "lib")
	env = append(env, "LD_LIBRARY_PATH="+lib)
	return env
}

// waitForPreviousPostmaster waits for a postmaster of an earlier run of this wrapper (killed
// with SIGKILL: its PostgreSQL got SIGINT and is shutting down) to go before starting anew.
func waitForPreviousPostmaster(dataDir string) error {
	lockFile := filepath.Join(dataDir, "postmaster.pid")
	content, err := os.ReadFile(lockFile)
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(content), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return nil
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("a PostgreSQL server (pid %d) still runs on %s; stop it first", pid, dataDir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run starts the postmaster from a goroutine that keeps its OS thread locked for the child's
// whole life: the parent-death signal fires when the thread that forked the child exits.
func (c *postgresCluster) run(ctx context.Context) error {
	args := []string{"-D", c.options.dataDir}
	for _, s := range append(settings(c.port, c.options.durable), c.options.extra...) {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(filepath.Join(c.options.binDir, "postgres"), args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Env = postgresEnv(c.options.binDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = os.Stderr

	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.exitErr = cmd.Wait()
		close(c.exited)
	}()
	if err = <-started; err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	c.cmd = cmd

	// Keep the last lines to explain a failed start; pass warnings on to our stderr.
	var recent []string
	recentDone := make(chan struct{})
	go func() {
		defer close(recentDone)
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			line := scanner.Text()
			// A fast shutdown ends FerretDB's pooled connections; each says so at FATAL level.
			if strings.Contains(line, "terminating connection due to administrator command") {
				continue
			}
			fmt.Fprintf(os.Stderr, "postgres: %s\n", line)
			if len(recent) < 20 {
				recent = append(recent, line)
			}
		}
	}()

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-c.exited:
			<-recentDone
			return fmt.Errorf("PostgreSQL exited during start-up (%v): %s", c.exitErr, strings.Join(recent, " | "))
		case <-ctx.Done():
			c.stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return fmt.Errorf("PostgreSQL did not accept connections within %s", startTimeout)
		}
		probe, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(probe, c.adminURL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
	}
}

// stop shuts PostgreSQL down fast (SIGINT: roll back, checkpoint, exit), then harder.
func (c *postgresCluster) stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	select {
	case <-c.stopping:
		return
	default:
		close(c.stopping)
	}
	steps := []struct {
		signal syscall.Signal
		wait   time.Duration
	}{{syscall.SIGINT, 30 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}}
	for _, step := range steps {
		if err := c.cmd.Process.Signal(step.signal); err != nil && errors.Is(err, os.ErrProcessDone) {
			return
		}
		select {
		case <-c.exited:
			return
		case <-time.After(step.wait):
		}
	}
}

// prepare creates FerretDB's database and the GIN twins (see gin-twins.sql).
func (c *postgresCluster) prepare(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.adminURL("postgres"))
	if err != nil {
		return err
	}
	var exists bool
	if err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, databaseName).Scan(&exists); err == nil && !exists {
		_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{databaseName}.Sanitize())
	}
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("creating database %s: %w", databaseName, err)
	}

	conn, err = pgx.Connect(ctx, c.adminURL(databaseName))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err = conn.Exec(ctx, ginTwinsSQL); err != nil {
		return fmt.Errorf("installing the GIN twin trigger: %w", err)
	}
	return nil
}

//go:embed gin-twins.sql
var ginTwinsSQL string
