import mongoose from 'mongoose';
import { useTestDatabase } from '../testing/test-database';

useTestDatabase();
jest.setTimeout(300_000);

/*
 * FerretDB holds a pool connection for an update's read while it waits for a second one for the
 * write: with its default pool of 50, 100 concurrent updates hung it in about 1 round of 9.
 * The embedded database sizes the pool at 200 (PostgreSQL max_connections 250).
 */
describe('concurrent updates on the embedded database', () => {
  it('when 100 updates run at once, 20 rounds in a row, then every round finishes', async () => {
    const notes = mongoose.connection.db!.collection<{ _id: number; round: number; touched: number }>('pool_notes');
    await notes.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, round: -1, touched: 0 })));
    for (let round = 0; round < 20; round += 1) {
      const updates = Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          // Half the updates meet on ten documents, half each have their own.
          notes.updateOne({ _id: i % 2 === 0 ? i % 10 : i }, { $set: { round }, $inc: { touched: 1 } }),
        ),
      );
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`round ${round}: 100 concurrent updates did not finish within 60 s`)), 60_000);
      });
      const results = await Promise.race([updates, hung]).finally(() => clearTimeout(timer));
      expect(results.every((result) => result.matchedCount === 1)).toBe(true);
    }
    expect(await notes.countDocuments({ round: 19 })).toBe(55);
  });
});
