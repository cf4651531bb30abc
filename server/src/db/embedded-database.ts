import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mongoose from 'mongoose';
import { ensureFerretdbBinary } from './ferretdb-binary';

export interface EmbeddedDatabase {
  /** mongodb://127.0.0.1:<port>/ */
  readonly uri: string;
  readonly dataDir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  /** Where FerretDB's own warnings go; defaults to stderr. */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

const OWNER_FILE = 'owner.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two FerretDB processes on one SQLite directory would corrupt it; refuse instead. */
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
    const timer = setTimeout(() => reject(new Error(`FerretDB did not start within ${timeoutMs} ms`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      lines.close();
      resolve(line.slice('READY '.length).trim());
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`FerretDB exited during start-up (code ${code}, signal ${signal})`));
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
  throw new Error(`FerretDB did not answer ping within ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * Starts the embedded FerretDB on a free 127.0.0.1 port and waits until it answers a ping.
 * The child exits when this process's end of its stdin closes, so even a SIGKILLed parent
 * leaves no orphan; a normal exit stops it explicitly as well.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const onLog = options.onLog ?? ((line: string) => process.stderr.write(`[ferretdb] ${line}\n`));
  mkdirSync(dataDir, { recursive: true });
  const binary = ensureFerretdbBinary();
  claimDataDir(dataDir);

  const child = spawn(binary, ['-dir', dataDir, '-listen', '127.0.0.1:0', '-log-level', 'error'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stderr! }).on('line', onLog);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let exited = child.exitCode !== null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.stdin!.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(path.join(dataDir, OWNER_FILE), { force: true });
  };

  try {
    const uri = await waitForReadyLine(child, timeoutMs);
    await waitForPing(uri, timeoutMs);
    return { uri, dataDir, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
