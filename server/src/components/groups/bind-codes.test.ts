import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApp } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { ATTEMPTS_PER_ACCOUNT, ATTEMPTS_PER_CODE } from './bind-codes.service';
import { GroupBindAttemptModel, GroupBindCodeModel, GroupIdentityModel } from './groups.model';

// Bind codes could be guessed (issue 12, item 8): 6 digits and no attempt limit.
useTestDatabase();
jest.setTimeout(60_000);

const TOKEN = 'test-bot-token-0123456789abcdef';
const app = createTestApp({ env: { BOT_API_TOKEN: TOKEN, RATE_LIMIT_MAX: '100000' } });
const asBot = { authorization: `Bearer ${TOKEN}` };
let manager: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  await seedDemoData();
  manager = await login(app, DEMO_LOGINS.managers[0]);
});

const bind = (code: string, wxid: string, roomId: string | null = null) =>
  request(app).post('/groups/bot/bind').set(asBot).send({ code, wxid, name: '某人', roomId, topic: null });

async function identityCode(name: string): Promise<{ code: string; residentId: string }> {
  const resident = await login(app, `dev:${name}`);
  const issued = await request(app).post('/groups/identity-codes').set(bearer(resident));
  expect(issued.status).toBe(201);
  return { code: issued.body.code, residentId: resident.residentId! };
}

/** A code of the same length that is not `code`: same lookup digits, other secret. */
const wrongSecret = (code: string, n: number) => `${code.slice(0, 6)}${String((Number(code.slice(6)) + n) % 1_000_000).padStart(6, '0')}`;

describe('bind codes', () => {
  it('are 12 digits, expire, and say how to use them', async () => {
    const { code } = await identityCode('bind-format');
    expect(code).toMatch(/^\d{12}$/);
    const group = await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId: manager.staff!.storeId });
    expect(group.body.code).toMatch(/^\d{12}$/);
    expect(group.body.instruction).toContain(`绑定 ${group.body.code}`);

    await GroupBindCodeModel.updateOne({ _id: code.slice(0, 6) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const late = await bind(code, 'wx-late');
    expect(late.status).toBe(404);
    expect(late.body.error).toMatchObject({ code: 'BIND_CODE_INVALID', message: '绑定码无效或已过期，请重新获取' });
  });

  it(`give one WeChat account ${ATTEMPTS_PER_ACCOUNT} wrong attempts an hour, however many arrive at once`, async () => {
    const { code } = await identityCode('bind-victim');
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => bind(String(100_000_000_000 + i), 'wx-attacker')));
    const statuses = guesses.map((guess) => guess.status);
    expect(statuses.filter((status) => status === 404)).toHaveLength(ATTEMPTS_PER_ACCOUNT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20 - ATTEMPTS_PER_ACCOUNT);
    const refused = guesses.find((guess) => guess.status === 429)!;
    expect(refused.body.error.code).toBe('BIND_ATTEMPTS_EXCEEDED');
    expect(refused.body.error.message).toMatch(/^绑定码尝试次数过多，请 \d+ 分钟后再试$/);

    // Even the right code is refused to that account for the rest of the hour; its owner still binds.
    expect((await bind(code, 'wx-attacker')).status).toBe(429);
    expect(await GroupIdentityModel.countDocuments({ _id: 'wx-attacker' })).toBe(0);
    expect((await bind(code, 'wx-victim')).status).toBe(200);
  });

  it('count only wrong attempts against an account: a manager binds many groups in an hour', async () => {
    for (let i = 0; i < ATTEMPTS_PER_ACCOUNT + 3; i += 1) {
      const group = await request(app).post('/groups/bind-codes').set(bearer(manager)).send({ storeId: manager.staff!.storeId });
      const bound = await bind(group.body.code, 'wx-busy-manager', `busy-${i}@chatroom`);
      expect(bound.status).toBe(200);
    }
  });

  it(`let a code be tried ${ATTEMPTS_PER_CODE} times across all accounts, then it is dead even for the right secret`, async () => {
    const { code, residentId } = await identityCode('bind-target');
    const wrong = await Promise.all(Array.from({ length: 8 }, (_, i) => bind(wrongSecret(code, i + 1), `wx-ring-${i}`)));
    expect(wrong.every((attempt) => attempt.status === 404)).toBe(true);
    expect(await GroupBindAttemptModel.countDocuments({ key: new RegExp(`^code:${code.slice(0, 6)}:`) })).toBe(ATTEMPTS_PER_CODE);
    const owner = await bind(code, 'wx-owner');
    expect(owner.status).toBe(404);
    expect(await GroupIdentityModel.countDocuments({ residentId })).toBe(0);

    // A fresh code works at once.
    const fresh = await identityCode('bind-target');
    expect((await bind(fresh.code, 'wx-owner')).body).toMatchObject({ kind: 'resident' });
  });
});
