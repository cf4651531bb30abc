import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startEmbeddedDatabase, type EmbeddedDatabase, type EmbeddedDatabaseState } from './embedded-database';

jest.setTimeout(120_000);

const quiet = { onLog: () => undefined, durable: false };
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-embedded-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/** Resolves with the states the database passes through until it reaches `until`. */
function statesUntil(database: EmbeddedDatabase, until: EmbeddedDatabaseState, timeoutMs = 60_000): Promise<EmbeddedDatabaseState[]> {
  return new Promise((resolve, reject) => {
    const seen: EmbeddedDatabaseState[] = [];
    const timer = setTimeout(() => reject(new Error(`no '${until}' within ${timeoutMs} ms (saw ${seen.join(', ') || 'nothing'})`)), timeoutMs);
    const off = database.onStateChange((state) => {
      seen.push(state);
      if (state !== until) return;
      clearTimeout(timer);
      off();
      resolve(seen);
    });
  });
}

async function readNotes(uri: string): Promise<unknown[]> {
  const reader = await mongoose.createConnection(uri, { dbName: 'persist', serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    return await reader.db!.collection('notes').find({}, { projection: { _id: 0 } }).toArray();
  } finally {
    await reader.close();
  }
}

async function writeNote(uri: string, note: object): Promise<void> {
  const writer = await mongoose.createConnection(uri, { dbName: 'persist' }).asPromise();
  await writer.db!.collection('notes').insertOne({ ...note });
  await writer.close();
}

describe('embedded database (FerretDB on PostgreSQL)', () => {
  it('when restarted on the same data directory, then the data is still there', async () => {
    const first = await startEmbeddedDatabase({ dataDir, ...quiet });
    expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    expect(first.engine).toBe('postgresql');
    await writeNote(first.uri, { text: '社区团购', n: 1 });
    const postgresPid = first.postgresPid()!;
    await first.stop();
    // Stopped: each process has exited (a moment may pass before the kernel reaps one on a loaded machine).
    expect(await waitUntil(() => !isAlive(first.pid) && !isAlive(postgresPid), 10_000)).toBe(true);

    const second = await startEmbeddedDatabase({ dataDir, ...quiet });
    const notes = await readNotes(second.uri);
    await second.stop();
    expect(notes).toEqual([{ text: '社区团购', n: 1 }]);
  });

  it('when the data directory is already in use, then a second start is refused', async () => {
    const running = await startEmbeddedDatabase({ dataDir, ...quiet });
    try {
      // The owner file names a live process other than ours, as another server would.
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
      writeFileSync(path.join(dataDir, 'owner.pid'), String(holder.pid));
      await expect(startEmbeddedDatabase({ dataDir, ...quiet })).rejects.toThrow(/in use by process/);
      holder.kill();
    } finally {
      await running.stop();
    }
  });

  it('when the server is killed with SIGKILL, then FerretDB and PostgreSQL exit too', async () => {
    // The parent runs the compiled module (npm test builds it first), as a real server would.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.resolve(__dirname, '../../dist/db/embedded-database.js'))})
           .startEmbeddedDatabase({ dataDir: ${JSON.stringify(dataDir)}, durable: false, onLog: () => {} })
           .then((db) => console.log('PIDS ' + db.pid + ' ' + db.postgresPid()));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [wrapperPid, postgresPid] = await new Promise<number[]>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /PIDS (\d+) (\d+)/.exec(chunk.toString());
        if (match) resolve([Number(match[1]), Number(match[2])]);
      });
      child.once('exit', () => reject(new Error('parent exited before the database started')));
    });
    expect(isAlive(wrapperPid!)).toBe(true);
    expect(isAlive(postgresPid!)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(wrapperPid!) && !isAlive(postgresPid!), 30_000)).toBe(true);
  });

  it.each([
    ['PostgreSQL', (database: EmbeddedDatabase) => database.postgresPid()!],
    ['FerretDB', (database: EmbeddedDatabase) => database.pid],
  ])('when %s is killed with SIGKILL, then both are restarted on the same data and address', async (_name, victim) => {
    const database = await startEmbeddedDatabase({ dataDir, ...quiet, restart: { backoffMs: 100 } });
    try {
      await writeNote(database.uri, { text: '重启前', n: 1 });
      const { uri } = database;
      const oldPostgres = database.postgresPid()!;
      const recovered = statesUntil(database, 'running');
      process.kill(victim(database), 'SIGKILL');
      expect(await recovered).toEqual(['restarting', 'running']);
      expect(database.uri).toBe(uri);
      expect(database.restarts).toBe(1);
      expect(database.postgresPid()).not.toBe(oldPostgres);
      // The old server has released the data directory (the new one runs on it); its process may
      // still be exiting, or waiting to be reaped, for a moment on a loaded machine.
      expect(await waitUntil(() => !isAlive(oldPostgres), 10_000)).toBe(true);
      await writeNote(database.uri, { text: '重启后', n: 2 });
      expect(await readNotes(database.uri)).toEqual([
        { text: '重启前', n: 1 },
        { text: '重启后', n: 2 },
      ]);
    } finally {
      await database.stop();
    }
  });

  it('when the database cannot be restarted, then it ends failed, a state it does not leave by itself', async () => {
    const database = await startEmbeddedDatabase({ dataDir, ...quiet, restart: { maxAttempts: 2, backoffMs: 50 } });
    try {
      const failed = statesUntil(database, 'failed');
      const postgresPid = database.postgresPid()!;
      // A cluster of an unknown version: PostgreSQL refuses to start on it.
      writeFileSync(path.join(dataDir, 'cluster', 'PG_VERSION'), '99\n');
      process.kill(postgresPid, 'SIGKILL');
      expect(await failed).toEqual(['restarting', 'failed']);
      expect(database.state).toBe('failed');
    } finally {
      await database.stop();
    }
  });

  it('still runs on SQLite (benchmarks and moving old data)', async () => {
    const database = await startEmbeddedDatabase({ dataDir, engine: 'sqlite', ...quiet });
    try {
      await writeNote(database.uri, { text: 'SQLite', n: 3 });
      expect(await readNotes(database.uri)).toEqual([{ text: 'SQLite', n: 3 }]);
    } finally {
      await database.stop();
    }
  });
});
