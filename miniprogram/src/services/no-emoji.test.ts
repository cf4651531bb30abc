import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCE = path.resolve(__dirname, '..');

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    if (statSync(full).isDirectory()) return entry === 'e2e' ? [] : sources(full);
    return /\.(tsx?|css|json)$/.test(entry) ? [full] : [];
  });
}

describe('the mini-program sources', () => {
  it('use no emoji: phones without an emoji font show empty boxes, so icons are SVG', () => {
    const offenders = sources(SOURCE).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return /\p{Extended_Pictographic}/u.test(text) ? [path.relative(SOURCE, file)] : [];
    });
    expect(offenders).toEqual([]);
  });
});
