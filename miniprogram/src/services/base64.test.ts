import { base64Ascii } from './base64';

describe('base64 for SVG data URLs', () => {
  it('matches the platform encoder for every padding case', () => {
    for (const text of ['', 'a', 'ab', 'abc', "<svg viewBox='0 0 24 24'><path d='m9 6 6 6-6 6'/></svg>"]) {
      expect(base64Ascii(text)).toBe(Buffer.from(text, 'latin1').toString('base64'));
    }
  });
});
