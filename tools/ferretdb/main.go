// Command ferretdb-embedded runs FerretDB 1.x as the project's embedded MongoDB-protocol
// database for development and tests: by default on a private PostgreSQL cluster it starts
// and supervises itself (the `postgresql` handler), or on SQLite files (`-handler sqlite`,
// the previous default, kept for benchmarks and for moving old data).
//
// It wraps FerretDB's embeddable package instead of `go install`ing
// cmd/ferretdb: the module proxy cannot list FerretDB's versions (so `go install
// ...@v1.24.2` fails its deprecation check) and a cmd/ferretdb built outside
// FerretDB's own repository panics on its missing version.txt.
//
// It prints one line `READY <mongodb uri>` on stdout once listening, and exits
// when its standard input closes, so the database never outlives the Node
// process that started it, even when that process is killed with SIGKILL.
// PostgreSQL is its child with a parent-death signal, so a SIGKILL of this
// process stops PostgreSQL too; when PostgreSQL dies, this process exits with
// status 3 so that its parent can restart both on the same data.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// exitPostgresDied tells the parent that PostgreSQL exited on its own (crash, kill).
const exitPostgresDied = 3

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb-embedded: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	handler := flag.String("handler", "postgresql", "postgresql (a private PostgreSQL cluster in -dir) or sqlite (SQLite files in -dir)")
	dir := flag.String("dir", "", "directory holding the database: the PostgreSQL cluster or the SQLite files (required)")
	pgBin := flag.String("pg-bin", "", "directory holding PostgreSQL's initdb and postgres (postgresql handler)")
	pgDurable := flag.Bool("pg-durable", true, "fsync PostgreSQL's writes; false only for throw-away test clusters (a process crash still loses nothing, an OS crash may)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	var extraSettings []string
	flag.Func("pg-setting", "an extra PostgreSQL setting name=value (repeatable; tests use enable_seqscan=off)", func(value string) error {
		if !strings.Contains(value, "=") {
			return fmt.Errorf("want name=value, got %q", value)
		}
		extraSettings = append(extraSettings, value)
		return nil
	})
	flag.Parse()

	if *dir == "" {
		fail(2, "-dir is required")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(2, "%s", err)
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(2, "bad -log-level: %s", err)
	}
	logger := slog.New(quietQueries{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

	// SIGINT from a terminal reaches the whole process group; the server decides when the
	// database stops (after its in-flight requests), by closing our stdin or sending SIGTERM.
	signal.Ignore(syscall.SIGINT)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()

	// The parent holds our stdin open; EOF means it is gone.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()

	config := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
		Handler:  *handler,
	}

	var cluster *postgresCluster
	switch *handler {
	case "sqlite":
		if err = os.MkdirAll(abs, 0o755); err != nil {
			fail(2, "%s", err)
		}
		config.SQLiteURL = "file:" + abs + "/"
	case "postgresql":
		if *pgBin == "" {
			fail(2, "-pg-bin is required for the postgresql handler")
		}
		cluster, err = startPostgres(ctx, postgresOptions{dataDir: abs, binDir: *pgBin, durable: *pgDurable, extra: extraSettings})
		if err != nil {
			fail(1, "%s", err)
		}
		defer cluster.stop()
		config.PostgreSQLURL = cluster.ferretdbURL()
	default:
		fail(2, "unknown -handler %q", *handler)
	}

	f, err := ferretdb.New(config)
	if err != nil {
		if cluster != nil {
			cluster.stop()
		}
		fail(1, "%s", err)
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	postgresDied := make(chan error, 1)
	if cluster != nil {
		go func() {
			select {
			case <-cluster.exited:
				postgresDied <- cluster.exitErr
				cancelRun()
			case <-runCtx.Done():
			}
		}()
	}

	fmt.Printf("READY %s\n", f.MongoDBURI())

	if err = f.Run(runCtx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: %s\n", err)
		if cluster != nil {
			cluster.stop()
		}
		os.Exit(1)
	}
	select {
	case err := <-postgresDied:
		fail(exitPostgresDied, "PostgreSQL exited unexpectedly (%v); stopping so that the server restarts the database", err)
	default:
	}
}

// quietQueries drops the PostgreSQL driver's per-statement trace records: they log every
// failed statement as an error, and unique-key violations are how this project's writes stay
// idempotent. A failed statement still reaches the client as its command's error.
type quietQueries struct{ slog.Handler }

var driverTraceMessages = map[string]bool{
	"Query": true, "Exec": true, "Prepare": true, "BatchQuery": true, "BatchClose": true, "CopyFrom": true,
}

func (q quietQueries) Handle(ctx context.Context, record slog.Record) error {
	if driverTraceMessages[record.Message] {
		return nil
	}
	return q.Handler.Handle(ctx, record)
}

func (q quietQueries) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietQueries{q.Handler.WithAttrs(attrs)}
}

func (q quietQueries) WithGroup(name string) slog.Handler {
	return quietQueries{q.Handler.WithGroup(name)}
}
