const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of an ASCII string; the weapp runtime has no btoa. */
export function base64Ascii(text: string): string {
  let output = '';
  for (let index = 0; index < text.length; index += 3) {
    const a = text.charCodeAt(index) & 0xff;
    const b = index + 1 < text.length ? text.charCodeAt(index + 1) & 0xff : 0;
    const c = index + 2 < text.length ? text.charCodeAt(index + 2) & 0xff : 0;
    const triple = (a << 16) | (b << 8) | c;
    output += ALPHABET[(triple >> 18) & 63] + ALPHABET[(triple >> 12) & 63];
    output += index + 1 < text.length ? ALPHABET[(triple >> 6) & 63] : '=';
    output += index + 2 < text.length ? ALPHABET[triple & 63] : '=';
  }
  return output;
}
