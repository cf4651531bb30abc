import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Types } from 'mongoose';
import type { BindCodeIssued, BotBindResult } from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import type { Principal, StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { StaffModel } from '../staff/staff.model';
import { assertStoreAccess } from '../staff/staff-scope';
import { GroupBindAttemptModel, GroupBindCodeModel, GroupBindCodeUseModel, GroupIdentityModel, GroupModel, type GroupBindCodeRecord } from './groups.model';
import { insertOnce, isDuplicateKey } from '../../db/unique-insert';

const GROUP_CODE_TTL_MS = 30 * 60_000;
const IDENTITY_CODE_TTL_MS = 10 * 60_000;
const ISSUE_ATTEMPTS = 20;

/**
 * A code is 12 digits: 6 that find it (`_id`) and 6 that prove it (`secret`). Attempts are limited
 * twice over: a WeChat account gets `ATTEMPTS_PER_ACCOUNT` wrong tries per `ACCOUNT_WINDOW_MS` (a
 * right one gives its try back), and a code dies after `ATTEMPTS_PER_CODE` tries naming it. A blind guess must hit a
 * live lookup (at most a few hundred of 10^6) and its secret (10^-6): with 5 tries per account
 * per hour, even a thousand accounts guessing all day bind nothing (odds about 10^-7 a day).
 */
export const BIND_CODE_LOOKUP_DIGITS = 6;
export const BIND_CODE_SECRET_DIGITS = 6;
export const ATTEMPTS_PER_ACCOUNT = 5;
export const ACCOUNT_WINDOW_MS = 60 * 60_000;
export const ATTEMPTS_PER_CODE = 5;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
function secretsEqual(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

function randomDigits(count: number): string {
  return Array.from({ length: count }, () => String(randomInt(0, 10))).join('');
}

/**
 * One-time codes: a store's staff get a code to say in a WeChat group (`绑定 <12 digits>`) to bind
 * the group to the store; a resident or staff member gets a code to send the bot privately,
 * binding their WeChat identity to their account. A code is used once: its use is a unique insert;
 * so is every attempt, so the limits hold however many attempts arrive at once.
 */
export class BindCodeService {
  /** `onResidentBound` learns who a WeChat id is once a resident binds it (the groups count their join). */
  constructor(private readonly onResidentBound: ((wxid: string, residentId: Types.ObjectId, now: Date) => Promise<void>) | null = null) {}

  async issueGroupCode(staff: StaffPrincipal, storeId: Types.ObjectId, now = new Date()): Promise<BindCodeIssued> {
    if (staff.role === 'advisor') throw AppError.forbidden('只有店长、城市运营和管理员可以绑定社群');
    await assertStoreAccess(staff, storeId);
    const { code, expiresAt } = await this.issue({ purpose: 'group', storeId, staffId: staff.id }, GROUP_CODE_TTL_MS, now);
    return { code, purpose: 'group', expiresAt: expiresAt.toISOString(), instruction: `在要绑定的微信群里发送：绑定 ${code}（30 分钟内有效）` };
  }

  async issueIdentityCode(principal: Principal, now = new Date()): Promise<BindCodeIssued> {
    const owner = principal.staff ? { staffId: principal.staff.id } : principal.residentId ? { residentId: principal.residentId } : null;
    if (!owner) throw AppError.forbidden('请先以居民或工作人员身份登录');
    const { code, expiresAt } = await this.issue({ purpose: 'identity', ...owner }, IDENTITY_CODE_TTL_MS, now);
    return { code, purpose: 'identity', expiresAt: expiresAt.toISOString(), instruction: `私聊门店群小助手发送：绑定 ${code}（10 分钟内有效）` };
  }

  /** The bot heard `绑定 <code>` from `wxid` (in `roomId`, or privately when null). */
  async redeem(input: { code: string; wxid: string; name: string; roomId: string | null; topic: string | null }, now = new Date()): Promise<BotBindResult> {
    const invalid = new AppError('BIND_CODE_INVALID', '绑定码无效或已过期，请重新获取', 404);
    const windowStart = Math.floor(now.getTime() / ACCOUNT_WINDOW_MS) * ACCOUNT_WINDOW_MS;
    const accountSlot = await this.takeAttempt(`account:${input.wxid}:${windowStart}`, ATTEMPTS_PER_ACCOUNT, now);
    if (!accountSlot) {
      const minutes = Math.ceil((windowStart + ACCOUNT_WINDOW_MS - now.getTime()) / 60_000);
      throw new AppError('BIND_ATTEMPTS_EXCEEDED', `绑定码尝试次数过多，请 ${minutes} 分钟后再试`, 429, { retryAfterSeconds: minutes * 60 });
    }
    const lookup = input.code.slice(0, BIND_CODE_LOOKUP_DIGITS);
    const code = await GroupBindCodeModel.findById(lookup).lean<GroupBindCodeRecord>();
    if (!code || code.expiresAt.getTime() <= now.getTime()) throw invalid;
    // Every try naming a live code uses one of its few attempts, before the secret is compared.
    if (!(await this.takeAttempt(`code:${code._id}:${code.createdAt.getTime()}`, ATTEMPTS_PER_CODE, now))) throw invalid;
    if (!code.secret || !secretsEqual(code.secret, input.code.slice(BIND_CODE_LOOKUP_DIGITS))) throw invalid;
    if (code.purpose === 'group' && !input.roomId) throw new AppError('BIND_CODE_NEEDS_GROUP', '这是群绑定码，请在要绑定的群里发送', 400);
    // The right code gives the account its attempt back: the hourly budget is for wrong ones (a
    // manager binding ten groups in an hour is not guessing).
    await GroupBindAttemptModel.deleteOne({ _id: accountSlot });
    const claimed = await insertOnce(GroupBindCodeUseModel, { _id: `${code._id}:${code.createdAt.getTime()}`, wxid: input.wxid, roomId: input.roomId, at: now });
    if (!claimed) throw new AppError('BIND_CODE_USED', '这个绑定码已经用过了，请重新获取', 409);

    if (code.purpose === 'group') {
      const store = await StoreModel.findById(code.storeId).lean();
      if (!store) throw AppError.notFound('门店');
      const group = await GroupModel.findOneAndUpdate(
        { roomId: input.roomId },
        { $set: { storeId: store._id, cityId: store.cityId, topic: input.topic ?? '', boundByStaffId: code.staffId ?? null }, $setOnInsert: { roomId: input.roomId, boundAt: now } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      // The staff member who said the code is who asked for it: remember their WeChat identity.
      if (code.staffId) await this.bindIdentity(input.wxid, { staffId: code.staffId }, input.name, now);
      return { kind: 'group', message: `本群已绑定「${store.name}」，我会在这里为大家答疑、签到和维护秩序。`, groupId: String(group!._id) };
    }
    if (code.staffId) {
      const staff = await StaffModel.findById(code.staffId).lean();
      await this.bindIdentity(input.wxid, { staffId: code.staffId }, input.name, now);
      return { kind: 'staff', message: `已识别你是工作人员「${staff?.name ?? ''}」，可以在群里使用管理指令了（发送“指令”查看）。`, groupId: null };
    }
    await this.bindIdentity(input.wxid, { residentId: code.residentId! }, input.name, now);
    await this.onResidentBound?.(input.wxid, code.residentId!, now);
    return { kind: 'resident', message: '绑定成功！以后在群里发“签到”可领积分，私聊我发“积分”或“订单”可查询自己的信息。', groupId: null };
  }

  /**
   * Takes attempt slot n of `key` (1..max) by unique insert, starting after the ones counted; null
   * when all are taken. Concurrent attempts each get a distinct slot or none.
   */
  private async takeAttempt(key: string, max: number, now: Date): Promise<string | null> {
    const taken = await GroupBindAttemptModel.countDocuments({ key });
    for (let n = taken + 1; n <= max; n += 1) {
      if (await insertOnce(GroupBindAttemptModel, { _id: `${key}:${n}`, key, at: now })) return `${key}:${n}`;
    }
    // A slot freed by a right code leaves a gap below the count.
    const used = new Set((await GroupBindAttemptModel.find({ key }, { _id: 1 }).lean<{ _id: string }[]>()).map((slot) => slot._id));
    for (let n = 1; n <= max; n += 1) {
      if (!used.has(`${key}:${n}`) && (await insertOnce(GroupBindAttemptModel, { _id: `${key}:${n}`, key, at: now }))) return `${key}:${n}`;
    }
    return null;
  }

  private async bindIdentity(wxid: string, owner: { residentId?: Types.ObjectId; staffId?: Types.ObjectId }, name: string, now: Date): Promise<void> {
    await GroupIdentityModel.updateOne(
      { _id: wxid },
      { $set: { residentId: owner.residentId ?? null, staffId: owner.staffId ?? null, name, boundAt: now } },
      { upsert: true },
    );
  }

  /** A fresh random code: its lookup is `_id`, so a clash with a live code picks another; an expired one is replaced. */
  private async issue(fields: Record<string, unknown>, ttlMs: number, now: Date): Promise<{ code: string; expiresAt: Date }> {
    const expiresAt = new Date(now.getTime() + ttlMs);
    for (let attempt = 0; attempt < ISSUE_ATTEMPTS; attempt += 1) {
      const lookup = randomDigits(BIND_CODE_LOOKUP_DIGITS);
      const secret = randomDigits(BIND_CODE_SECRET_DIGITS);
      try {
        await GroupBindCodeModel.create({ _id: lookup, secret, ...fields, expiresAt, createdAt: now });
        return { code: `${lookup}${secret}`, expiresAt };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await GroupBindCodeModel.findById(lookup).lean();
        if (existing && existing.expiresAt.getTime() <= now.getTime()) {
          await GroupBindCodeModel.deleteOne({ _id: lookup, createdAt: existing.createdAt });
        }
      }
    }
    throw new AppError('BIND_CODE_EXHAUSTED', '绑定码暂时发不出来，请稍后再试', 503);
  }

  /** Deletes expired codes and attempt slots older than a day (the attempts outlive their code's hour). */
  async sweep(now = new Date()): Promise<void> {
    await GroupBindCodeModel.deleteMany({ expiresAt: { $lt: new Date(now.getTime() - 24 * 3600_000) } });
    await GroupBindAttemptModel.deleteMany({ at: { $lt: new Date(now.getTime() - 24 * 3600_000) } });
  }
}
