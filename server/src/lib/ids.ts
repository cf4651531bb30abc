import { Types } from 'mongoose';
import { AppError } from './app-error';

export type ObjectId = Types.ObjectId;

/** Parses a 24-hex id from a trusted or already-validated source. */
export function toObjectId(id: string | Types.ObjectId): Types.ObjectId {
  if (id instanceof Types.ObjectId) return id;
  if (!Types.ObjectId.isValid(id) || !/^[0-9a-f]{24}$/i.test(id)) throw AppError.badRequest('编号格式有误', [{ path: 'id', message: `not a 24-character hex id: ${String(id).slice(0, 40)}` }]);
  return new Types.ObjectId(id);
}

export function idString(id: Types.ObjectId | string | null | undefined): string | null {
  if (id === null || id === undefined) return null;
  return String(id);
}

export function isoString(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

const SHORT_ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Random lowercase base-36 id, e.g. for QR codes and invite codes (8 chars = 2.8e12 values). */
export function randomShortId(length = 8): string {
  const bytes = require('node:crypto').randomBytes(length) as Buffer;
  let id = '';
  for (const byte of bytes) id += SHORT_ID_ALPHABET[byte % SHORT_ID_ALPHABET.length];
  return id;
}
