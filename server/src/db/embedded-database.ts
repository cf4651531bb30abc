import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mongoose from 'mongoose';
import { ensureFerretdbBinary } from './ferretdb-binary';
import { postgresBinDir } from './postgres-binaries';

/**
 * `postgresql`: FerretDB on a private PostgreSQL cluster (the default: indexed queries).
 * `sqlite`: FerretDB on SQLite files (the previous default; every query scans), kept for
 * benchmarks and for moving old data with `npm run migrate:sqlite`.
 */
export type EmbeddedEngine = 'postgresql' | 'sqlite';

/**
 * `running` and `restarting` are states the database leaves by itself; `failed` (restarts gave
 * up) it cannot, and /healthz reports it so that a supervisor restarts the server.
 */
export type EmbeddedDatabaseState = 'running' | 'restarting' | 'failed' | 'stopped';

export interface EmbeddedDatabase {
  /** mongodb://127.0.0.1:<port>/, the same across restarts of the child. */
  readonly uri: string;
  readonly dataDir: string;
  readonly engine: EmbeddedEngine;
  /** The wrapper process (FerretDB, and the parent of PostgreSQL). */
  readonly pid: number;
  readonly state: EmbeddedDatabaseState;
  /** Restarts after an unexpected exit of the child, since start. */
  readonly restarts: number;
  /** The PostgreSQL postmaster's pid (postgresql engine, while running). */
  postgresPid(): number | undefined;
  onStateChange(listener: (state: EmbeddedDatabaseState) => void): () => void;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** The directory the database owns: `<DATA_DIR>/postgres` or `<DATA_DIR>/ferretdb`. */
  dataDir: string;
  engine?: EmbeddedEngine;
  /**
   * fsync PostgreSQL's writes (default true). Tests turn it off: a killed process still loses
   * nothing, only an operating-system crash could.
   */
  durable?: boolean;
  /** Extra PostgreSQL settings `name=value` (the query-shape guard turns sequential scans off). */
  postgresSettings?: string[];
  /** Where the database's own warnings go; defaults to stderr. */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
  /** Restarting after the child dies; `false` leaves it dead. */
  restart?: false | { maxAttempts?: number; backoffMs?: number };
}

const OWNER_FILE = 'owner.pid';
const CLUSTER_DIR = 'cluster';
/** More unexpected exits than this within the window is a crash loop: give up. */
const CRASH_LOOP_EXITS = 10;
const CRASH_LOOP_WINDOW_MS = 10 * 60_000;
/**
 * FerretDB's Go garbage collector runs when the heap has grown by this percentage (Go's default
 * is 100). FerretDB allocates per command and keeps a small live heap, so 400 trades some tens of
 * megabytes for about 15% of its CPU (measured in `npm run bench -- points-awards`). GOGC in the
 * environment wins.
 */
const FERRETDB_GOGC = '400';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two servers on one data directory would corrupt it; refuse instead. */
function claimDataDir(dataDir: string): void {
  const ownerFile = path.join(dataDir, OWNER_FILE);
  if (existsSync(ownerFile)) {
    const pid = Number(readFileSync(ownerFile, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`The embedded database directory ${dataDir} is in use by process ${pid}; stop it or set DATA_DIR to another folder.`);
    }
  }
  writeFileSync(ownerFile, String(process.pid));
}

async function waitForReadyLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the embedded database did not start within ${timeoutMs} ms`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      lines.close();
      resolve(line.slice('READY '.length).trim());
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the embedded database exited during start-up (code ${code}, signal ${signal})`));
    });
  });
}

async function waitForPing(uri: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  throw new Error(`the embedded database did not answer ping within ${timeoutMs} ms: ${String(lastError)}`);
}

class SupervisedDatabase implements EmbeddedDatabase {
  readonly engine: EmbeddedEngine;
  readonly dataDir: string;
  uri = '';
  state: EmbeddedDatabaseState = 'running';
  restarts = 0;
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly events = new EventEmitter();
  private readonly exits: number[] = [];
  private readonly binary: string;
  private readonly pgBinDir: string | undefined;
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  constructor(private readonly options: Required<Pick<EmbeddedDatabaseOptions, 'onLog' | 'startTimeoutMs'>> & EmbeddedDatabaseOptions) {
    this.engine = options.engine ?? 'postgresql';
    this.dataDir = path.resolve(options.dataDir);
    this.binary = ensureFerretdbBinary();
    this.pgBinDir = this.engine === 'postgresql' ? postgresBinDir() : undefined;
  }

  private lastPid = 0;

  get pid(): number {
    return this.lastPid;
  }

  postgresPid(): number | undefined {
    if (this.engine !== 'postgresql') return undefined;
    try {
      const pid = Number(readFileSync(path.join(this.dataDir, CLUSTER_DIR, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  onStateChange(listener: (state: EmbeddedDatabaseState) => void): () => void {
    this.events.on('state', listener);
    return () => this.events.off('state', listener);
  }

  private setState(state: EmbeddedDatabaseState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.emit('state', state);
  }

  /** Starts the child; `listen` is the previous address on a restart, so the URI stays valid. */
  async start(listen = '127.0.0.1:0'): Promise<void> {
    const args =
      this.engine === 'postgresql'
        ? ['-handler', 'postgresql', '-dir', path.join(this.dataDir, CLUSTER_DIR), '-pg-bin', this.pgBinDir!, `-pg-durable=${this.options.durable ?? true}`, ...(this.options.postgresSettings ?? []).flatMap((setting) => ['-pg-setting', setting])]
        : ['-handler', 'sqlite', '-dir', this.dataDir];
    const child = spawn(this.binary, [...args, '-listen', listen, '-log-level', 'error'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GOGC: process.env.GOGC ?? FERRETDB_GOGC } });
    this.child = child;
    this.lastPid = child.pid ?? 0;
    createInterface({ input: child.stderr! }).on('line', this.options.onLog);
    let live = false;
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (live && !this.stopping) void this.recover(`code ${code}, signal ${signal}`);
    });
    try {
      const uri = await waitForReadyLine(child, this.options.startTimeoutMs);
      await waitForPing(uri, this.options.startTimeoutMs);
      this.uri = uri;
      live = child.exitCode === null && child.signalCode === null;
      if (!live) throw new Error('the embedded database exited right after start-up');
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  private async recover(reason: string): Promise<void> {
    const restart = this.options.restart ?? {};
    const now = Date.now();
    this.exits.push(now);
    while (this.exits.length > 0 && now - this.exits[0]! > CRASH_LOOP_WINDOW_MS) this.exits.shift();
    this.options.onLog(`the embedded database exited unexpectedly (${reason})`);
    if (restart === false || this.exits.length > CRASH_LOOP_EXITS) {
      this.setState('failed');
      return;
    }
    this.setState('restarting');
    const maxAttempts = restart.maxAttempts ?? 5;
    const listen = new URL(this.uri).host;
    for (let attempt = 1; attempt <= maxAttempts && !this.stopping; attempt += 1) {
      try {
        await this.start(listen);
        this.restarts += 1;
        this.options.onLog(`the embedded database was restarted on the same data (attempt ${attempt})`);
        this.setState('running');
        return;
      } catch (error) {
        this.options.onLog(`restarting the embedded database failed (attempt ${attempt} of ${maxAttempts}): ${(error as Error).message}`);
        const backoff = Math.min((restart.backoffMs ?? 500) * 2 ** (attempt - 1), 10_000);
        await new Promise((resolve) => setTimeout(resolve, backoff).unref());
      }
    }
    if (!this.stopping) this.setState('failed');
  }

  claim(): void {
    mkdirSync(this.dataDir, { recursive: true });
    claimDataDir(this.dataDir);
    process.once('exit', this.killOnExit);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.killOnExit);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      child.kill('SIGTERM');
      // PostgreSQL's fast shutdown writes a checkpoint; give it time before forcing.
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    this.setState('stopped');
    rmSync(path.join(this.dataDir, OWNER_FILE), { force: true });
  }
}

/**
 * Starts the embedded database on a free 127.0.0.1 port and waits until it answers a ping.
 * The child exits when this process's end of its stdin closes, so even a SIGKILLed server
 * leaves no orphan (PostgreSQL is the child's child, stopped by a parent-death signal).
 * When the child dies on its own it is restarted on the same data and port.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const database = new SupervisedDatabase({
    ...options,
    onLog: options.onLog ?? ((line: string) => process.stderr.write(`[embedded-db] ${line}\n`)),
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
  });
  database.claim();
  try {
    await database.start();
    return database;
  } catch (error) {
    await database.stop();
    throw error;
  }
}
