import mongoose, { Schema } from 'mongoose';
import { useTestDatabase } from '../testing/test-database';
import { findByIds } from './find-by-ids';

useTestDatabase();
jest.setTimeout(120_000);

const NoteModel = mongoose.model('FindByIdsNote', new Schema({ _id: Number, name: String, secret: String }), 'find_by_ids_notes');

beforeAll(async () => {
  await NoteModel.insertMany(Array.from({ length: 5200 }, (_, i) => ({ _id: i, name: `n${i}`, secret: 's' })));
});

describe('documents by id as point queries', () => {
  it('answers each named document once with the projection, drops missing and repeated ids, and answers nothing for no ids', async () => {
    // More ids than run at once, repeats, and ids that do not exist.
    const ids = [...Array.from({ length: 40 }, (_, i) => i * 3), 0, 3, 3, 99_999, -1];
    const found = await findByIds<{ _id: number; name: string; secret?: string }>(NoteModel, ids, { name: 1 });
    expect(found.map((note) => note._id).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i * 3));
    expect(found.every((note) => note.name === `n${note._id}` && note.secret === undefined)).toBe(true);
    expect(await findByIds(NoteModel, [])).toEqual([]);
  });

  it('past 5,000 ids sends one $in and answers the same documents', async () => {
    const ids = Array.from({ length: 5100 }, (_, i) => i + 50);
    const found = await findByIds<{ _id: number }>(NoteModel, ids, { _id: 1 });
    expect(found.map((note) => note._id).sort((a, b) => a - b)).toEqual(ids);
  });
});
