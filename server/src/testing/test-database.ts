import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import mongoose from 'mongoose';
import { connectDatabase } from '../db/connection';

export function testDatabaseUri(): string {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run tests through jest so its global setup starts the database');
  return uri;
}

/** A database name unique to one test file and run: readable prefix, hash, random suffix (max 63 chars). */
export function testDatabaseName(testPath: string): string {
  const base = path.basename(testPath).replace(/\.test\.tsx?$/, '').replace(/[^A-Za-z0-9]/g, '_').slice(0, 30);
  const hash = createHash('sha1').update(testPath).digest('hex').slice(0, 8);
  return `t_${base}_${hash}_${randomBytes(4).toString('hex')}`;
}

/**
 * Connects Mongoose to a database of this test file's own before its tests and drops it after.
 * Returns a getter for the connection.
 */
export function useTestDatabase(): () => mongoose.Connection {
  beforeAll(async () => {
    await connectDatabase(testDatabaseUri(), testDatabaseName(expect.getState().testPath ?? 'unknown'), 10_000);
  }, 120_000);
  afterAll(async () => {
    if (mongoose.connection.readyState === 1) await mongoose.connection.dropDatabase();
    await mongoose.disconnect();
  });
  return () => mongoose.connection;
}
