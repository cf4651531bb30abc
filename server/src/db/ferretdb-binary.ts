import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { postgresBinDir } from './postgres-binaries';

/** The Go program in tools/ferretdb wraps FerretDB 1.24 and supervises its PostgreSQL. */
export const FERRETDB_SOURCE_DIR = path.resolve(__dirname, '../../../tools/ferretdb');
const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go', 'postgres.go', 'gin-twins.sql'];
/** Used only when the machine's Go is older than FerretDB 1.24 requires. */
const PINNED_GO_TOOLCHAIN = 'go1.24.11';

function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.O2O_CACHE_DIR) return env.O2O_CACHE_DIR;
  const base = env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache');
  return path.join(base, 'o2o-community-ops');
}

/** The binary's path is keyed by a hash of its sources, so any change rebuilds it. */
export function ferretdbBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRETDB_BIN) return env.FERRETDB_BIN;
  const hash = createHash('sha256');
  for (const file of SOURCE_FILES) hash.update(readFileSync(path.join(FERRETDB_SOURCE_DIR, file)));
  return path.join(cacheDir(env), `ferretdb-embedded-${hash.digest('hex').slice(0, 12)}`);
}

function goVersionAtLeast(major: number, minor: number): boolean {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error('Go is not installed: the embedded database (FerretDB) is built with `go build`. Install Go, or set MONGODB_URI.');
  }
  const match = /go(\d+)\.(\d+)/.exec(result.stdout);
  if (!match) return false;
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}

/**
 * Builds the embedded FerretDB once and caches it outside the clone.
 * Builds into a temporary file and renames it, so concurrent callers never see half a binary.
 */
export function ensureFerretdbBinary(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.error): string {
  const binary = ferretdbBinaryPath(env);
  if (existsSync(binary)) return binary;
  if (env.FERRETDB_BIN) throw new Error(`FERRETDB_BIN points at ${binary}, which does not exist`);

  mkdirSync(path.dirname(binary), { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  const buildEnv: NodeJS.ProcessEnv = { ...env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  if (!goVersionAtLeast(1, 24)) buildEnv.GOTOOLCHAIN = `${PINNED_GO_TOOLCHAIN}+auto`;

  log(`[embedded-db] building FerretDB into ${binary} (first run only, takes a minute or two)`);
  const result = spawnSync('go', ['build', '-trimpath', '-o', temporary, '.'], {
    cwd: FERRETDB_SOURCE_DIR,
    env: buildEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(`Building FerretDB failed (go build in ${FERRETDB_SOURCE_DIR}):\n${result.stderr}`);
  }
  renameSync(temporary, binary);
  return binary;
}

if (require.main === module) {
  try {
    console.log(ensureFerretdbBinary());
    // The PostgreSQL binaries come with `npm ci`; resolving them here restores their library links if needed.
    console.log(postgresBinDir());
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
