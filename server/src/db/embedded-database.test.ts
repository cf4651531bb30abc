import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startEmbeddedDatabase } from './embedded-database';

jest.setTimeout(60_000);

const quiet = { onLog: () => undefined };
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

describe('embedded database', () => {
  it('when restarted on the same data directory, then the data is still there', async () => {
    const first = await startEmbeddedDatabase({ dataDir, ...quiet });
    expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const writer = await mongoose.createConnection(first.uri, { dbName: 'persist' }).asPromise();
    await writer.db!.collection('notes').insertOne({ text: '社区团购', n: 1 });
    await writer.close();
    await first.stop();
    expect(isAlive(first.pid)).toBe(false);

    const second = await startEmbeddedDatabase({ dataDir, ...quiet });
    const reader = await mongoose.createConnection(second.uri, { dbName: 'persist' }).asPromise();
    const notes = await reader.db!.collection('notes').find({}, { projection: { _id: 0 } }).toArray();
    await reader.close();
    await second.stop();
    expect(notes).toEqual([{ text: '社区团购', n: 1 }]);
  });

  it('when the data directory is already in use, then a second start is refused', async () => {
    const running = await startEmbeddedDatabase({ dataDir, ...quiet });
    try {
      // The owner file names a live process other than ours, as another server would.
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
      require('node:fs').writeFileSync(path.join(dataDir, 'owner.pid'), String(holder.pid));
      await expect(startEmbeddedDatabase({ dataDir, ...quiet })).rejects.toThrow(/in use by process/);
      holder.kill();
    } finally {
      await running.stop();
    }
  });

  it('when the parent process is killed with SIGKILL, then the database process exits too', async () => {
    // The parent runs the compiled module (npm test builds it first), as a real server would.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.resolve(__dirname, '../../dist/db/embedded-database.js'))})
           .startEmbeddedDatabase({ dataDir: ${JSON.stringify(dataDir)}, onLog: () => {} })
           .then((db) => console.log('PID ' + db.pid));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const databasePid = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /PID (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', () => reject(new Error('parent exited before the database started')));
    });
    expect(isAlive(databasePid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(databasePid), 10_000)).toBe(true);
  });
});
