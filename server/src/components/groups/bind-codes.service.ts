import { randomInt } from 'node:crypto';
import type { Types } from 'mongoose';
import type { BindCodeIssued, BotBindResult } from '@o2o/shared/schemas/groups';
import { AppError } from '../../lib/app-error';
import type { Principal, StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { StaffModel } from '../staff/staff.model';
import { assertStoreAccess } from '../staff/staff-scope';
import { GroupBindCodeModel, GroupBindCodeUseModel, GroupIdentityModel, GroupModel, type GroupBindCodeRecord } from './groups.model';
import { insertOnce, isDuplicateKey } from './unique-insert';

const GROUP_CODE_TTL_MS = 30 * 60_000;
const IDENTITY_CODE_TTL_MS = 10 * 60_000;
const ISSUE_ATTEMPTS = 20;

/**
 * One-time codes: a store's staff get a code to say in a WeChat group (`绑定 123456`) to bind the
 * group to the store; a resident or staff member gets a code to send the bot privately, binding
 * their WeChat identity to their account. A code is used once: its use is a unique insert.
 */
export class BindCodeService {
  /** `onResidentBound` learns who a WeChat id is once a resident binds it (the groups count their join). */
  constructor(private readonly onResidentBound: ((wxid: string, residentId: Types.ObjectId, now: Date) => Promise<void>) | null = null) {}

  async issueGroupCode(staff: StaffPrincipal, storeId: Types.ObjectId, now = new Date()): Promise<BindCodeIssued> {
    if (staff.role === 'advisor') throw AppError.forbidden('Only store managers, city ops and admins bind groups');
    await assertStoreAccess(staff, storeId);
    const code = await this.issue({ purpose: 'group', storeId, staffId: staff.id }, GROUP_CODE_TTL_MS, now);
    return { code: code._id, purpose: 'group', expiresAt: code.expiresAt.toISOString(), instruction: `在要绑定的微信群里发送：绑定 ${code._id}` };
  }

  async issueIdentityCode(principal: Principal, now = new Date()): Promise<BindCodeIssued> {
    const owner = principal.staff ? { staffId: principal.staff.id } : principal.residentId ? { residentId: principal.residentId } : null;
    if (!owner) throw AppError.forbidden('Sign in as a resident or staff member');
    const code = await this.issue({ purpose: 'identity', ...owner }, IDENTITY_CODE_TTL_MS, now);
    return { code: code._id, purpose: 'identity', expiresAt: code.expiresAt.toISOString(), instruction: `私聊门店群小助手发送：绑定 ${code._id}` };
  }

  /** The bot heard `绑定 <code>` from `wxid` (in `roomId`, or privately when null). */
  async redeem(input: { code: string; wxid: string; name: string; roomId: string | null; topic: string | null }, now = new Date()): Promise<BotBindResult> {
    const code = await GroupBindCodeModel.findById(input.code).lean<GroupBindCodeRecord>();
    if (!code || code.expiresAt.getTime() <= now.getTime()) throw new AppError('BIND_CODE_INVALID', '绑定码无效或已过期，请重新获取', 404);
    if (code.purpose === 'group' && !input.roomId) throw new AppError('BIND_CODE_NEEDS_GROUP', '这是群绑定码，请在要绑定的群里发送', 400);
    const claimed = await insertOnce(GroupBindCodeUseModel, { _id: `${code._id}:${code.createdAt.getTime()}`, wxid: input.wxid, roomId: input.roomId, at: now });
    if (!claimed) throw new AppError('BIND_CODE_USED', '这个绑定码已经用过了，请重新获取', 409);

    if (code.purpose === 'group') {
      const store = await StoreModel.findById(code.storeId).lean();
      if (!store) throw AppError.notFound('Store');
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

  private async bindIdentity(wxid: string, owner: { residentId?: Types.ObjectId; staffId?: Types.ObjectId }, name: string, now: Date): Promise<void> {
    await GroupIdentityModel.updateOne(
      { _id: wxid },
      { $set: { residentId: owner.residentId ?? null, staffId: owner.staffId ?? null, name, boundAt: now } },
      { upsert: true },
    );
  }

  /** A fresh random code: `_id` is the code, so a clash with a live code picks another; an expired one is replaced. */
  private async issue(fields: Record<string, unknown>, ttlMs: number, now: Date): Promise<GroupBindCodeRecord> {
    for (let attempt = 0; attempt < ISSUE_ATTEMPTS; attempt += 1) {
      const id = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const doc = { _id: id, ...fields, expiresAt: new Date(now.getTime() + ttlMs), createdAt: now };
      try {
        await GroupBindCodeModel.create(doc);
        return doc as unknown as GroupBindCodeRecord;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await GroupBindCodeModel.findById(id).lean();
        if (existing && existing.expiresAt.getTime() <= now.getTime()) {
          await GroupBindCodeModel.deleteOne({ _id: id, createdAt: existing.createdAt });
        }
      }
    }
    throw new AppError('BIND_CODE_EXHAUSTED', 'Could not issue a code; try again', 503);
  }
}
