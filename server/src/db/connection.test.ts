import mongoose from 'mongoose';
import { connectDatabase, describeMongoHosts } from './connection';
import { testDatabaseName, testDatabaseUri } from '../testing/test-database';

describe('connectDatabase', () => {
  it('when the URI is unreachable, then it fails within seconds naming the host but not the password', async () => {
    const started = Date.now();
    const failure = connectDatabase('mongodb://ops:Sup3rSecret@127.0.0.1:1/o2o?authSource=admin', 'o2o', 1500);
    await expect(failure).rejects.toThrow(/Cannot connect to MongoDB at 127\.0\.0\.1:1 within 1500 ms/);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain('Sup3rSecret');
    expect(message).not.toContain('ops:');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names every host of a replica-set URI and hides credentials', () => {
    expect(describeMongoHosts('mongodb://u:p@db1:27017,db2:27017/app?replicaSet=rs0')).toBe('db1:27017,db2:27017');
    expect(describeMongoHosts('mongodb+srv://cluster0.example.net/app')).toBe('cluster0.example.net');
  });
});

describe('test database isolation', () => {
  it('gives two test files different databases, so concurrent writes never meet', async () => {
    const nameA = testDatabaseName('/repo/server/src/a/orders.test.ts');
    const nameB = testDatabaseName('/repo/server/src/b/orders.test.ts');
    expect(nameA).not.toBe(nameB);
    expect(nameA.length).toBeLessThanOrEqual(63);
    expect(testDatabaseName('/repo/x.test.ts')).not.toBe(testDatabaseName('/repo/x.test.ts'));

    const [a, b] = await Promise.all(
      [nameA, nameB].map((dbName) => mongoose.createConnection(testDatabaseUri(), { dbName }).asPromise()),
    );
    try {
      await Promise.all([
        a.db!.collection('residents').insertMany([{ _id: 'same-id' as never, from: 'A' }, { from: 'A' }]),
        b.db!.collection('residents').insertOne({ _id: 'same-id' as never, from: 'B' }),
      ]);
      expect(await a.db!.collection('residents').distinct('from')).toEqual(['A']);
      expect(await b.db!.collection('residents').distinct('from')).toEqual(['B']);
      expect(await b.db!.collection('residents').countDocuments()).toBe(1);
    } finally {
      await Promise.all([a.dropDatabase(), b.dropDatabase()]);
      await Promise.all([a.close(), b.close()]);
    }
  });
});
