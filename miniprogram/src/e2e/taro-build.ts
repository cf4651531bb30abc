import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const MINIPROGRAM_DIR = path.resolve(__dirname, '../..');
export const REPOSITORY_DIR = path.resolve(MINIPROGRAM_DIR, '..');

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** Builds `weapp` or `h5` unless dist/<type> is newer than every source it is built from. */
export function ensureTaroBuild(type: 'weapp' | 'h5'): string {
  const outputDir = path.join(MINIPROGRAM_DIR, 'dist', type);
  const marker = path.join(outputDir, type === 'weapp' ? 'app.json' : 'index.html');
  const sources = [path.join(MINIPROGRAM_DIR, 'src'), path.join(MINIPROGRAM_DIR, 'config'), path.join(MINIPROGRAM_DIR, 'babel.config.js'), path.join(REPOSITORY_DIR, 'shared', 'src')];
  const newestSource = Math.max(...sources.map(newestMtime));
  if (existsSync(marker) && statSync(marker).mtimeMs > newestSource) return outputDir;
  const taroCli = require.resolve('@tarojs/cli/bin/taro', { paths: [MINIPROGRAM_DIR] });
  const result = spawnSync(process.execPath, [taroCli, 'build', '--type', type], {
    cwd: MINIPROGRAM_DIR,
    env: { ...process.env, NODE_ENV: 'production', CI: 'true' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0 || !existsSync(marker)) {
    throw new Error(`taro build --type ${type} failed (${result.status}):\n${(result.stderr || result.stdout).slice(-4000)}`);
  }
  return outputDir;
}
