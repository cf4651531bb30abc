import { errorBodySchema, objectIdSchema, paginationQuerySchema } from './common';

describe('common schemas', () => {
  it('accepts a 24-hex object id and rejects anything else', () => {
    expect(objectIdSchema.safeParse('65a1b2c3d4e5f60718293a4b').success).toBe(true);
    expect(objectIdSchema.safeParse('65a1b2c3').success).toBe(false);
    expect(objectIdSchema.safeParse('zz'.repeat(12)).success).toBe(false);
  });

  it('coerces pagination from query strings and bounds it', () => {
    expect(paginationQuerySchema.parse({ limit: '20' })).toEqual({ limit: 20, offset: 0 });
    expect(paginationQuerySchema.safeParse({ limit: '1000' }).success).toBe(false);
  });

  it('describes the error body every endpoint returns', () => {
    expect(errorBodySchema.safeParse({ error: { code: 'NOT_FOUND', message: '...', details: null } }).success).toBe(true);
    expect(errorBodySchema.safeParse({ error: { code: 'NOT_FOUND' } }).success).toBe(false);
  });
});
