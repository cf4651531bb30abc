import type { Types } from 'mongoose';
import type { z } from 'zod';
import type { Staff, createStaffInviteSchema } from '@o2o/shared/schemas/staff';
import { AppError } from '../../lib/app-error';
import { idString, randomShortId, toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { getStore } from '../organisation/organisation.service';
import { canAccessCity, canAccessStore } from './staff-scope';
import { StaffInviteClaimModel, StaffInviteModel, StaffModel, type StaffRecord } from './staff.model';
import { isDuplicateKey } from '../../db/unique-insert';

export function staffView(staff: StaffRecord): Staff {
  return {
    id: String(staff._id),
    name: staff.name,
    role: staff.role,
    storeId: idString(staff.storeId),
    cityId: idString(staff.cityId),
    goalConsumerUsers: staff.goalConsumerUsers ?? 1000,
    active: staff.active ?? true,
    boundToWechat: Boolean(staff.openid),
  };
}

/** Who may invite whom: managers their store's advisors and managers, city ops anyone in their city but admins, admins anyone. */
async function assertMayInvite(inviter: StaffPrincipal | null, invite: z.output<typeof createStaffInviteSchema>): Promise<{ storeId: Types.ObjectId | null; cityId: Types.ObjectId | null }> {
  const store = invite.storeId ? await getStore(toObjectId(invite.storeId)) : null;
  const cityId = store ? store.cityId : invite.cityId ? toObjectId(invite.cityId) : null;
  const placement = { storeId: store?._id ?? null, cityId };
  if (!inviter) return placement; // the bootstrap command
  if (inviter.role === 'admin') return placement;
  if (invite.role === 'admin') throw AppError.forbidden('只有管理员可以邀请管理员');
  if (inviter.role === 'city_ops' && cityId && canAccessCity(inviter, cityId)) return placement;
  if (inviter.role === 'store_manager' && store && canAccessStore(inviter, store) && (invite.role === 'advisor' || invite.role === 'store_manager')) return placement;
  throw AppError.forbidden('你不能邀请这个角色加入这个门店或城市');
}

export async function createInvite(inviter: StaffPrincipal | null, invite: z.output<typeof createStaffInviteSchema>, now = new Date()) {
  const placement = await assertMayInvite(inviter, invite);
  const created = await StaffInviteModel.create({
    code: randomShortId(16),
    name: invite.name,
    role: invite.role,
    ...placement,
    createdBy: inviter?.id ?? null,
    expiresAt: new Date(now.getTime() + invite.validHours * 3600_000),
  });
  return {
    inviteCode: created.code,
    name: created.name,
    role: created.role,
    storeId: idString(created.storeId),
    cityId: idString(created.cityId),
    expiresAt: created.expiresAt.toISOString(),
  };
}

/**
 * Binds a one-time invite to a WeChat identity. The claim is a unique insert keyed by the invite;
 * a retry by the same person (e.g. after a crash between the claim and the staff record) completes
 * the same invite, anyone else gets a 409.
 */
export async function acceptInvite(inviteCode: string, identity: { openid: string; unionid?: string }, now = new Date()): Promise<StaffRecord> {
  const invalid = new AppError('INVITE_INVALID', '邀请码无效、已使用或已过期', 409);
  const invite = await StaffInviteModel.findOne({ code: inviteCode }).lean();
  if (!invite) throw invalid;
  try {
    if (invite.expiresAt <= now) throw invalid;
    await StaffInviteClaimModel.create({ _id: invite._id, openid: identity.openid, at: now });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const claim = await StaffInviteClaimModel.findById(invite._id).lean();
    if (claim?.openid !== identity.openid) throw invalid;
  }
  await StaffInviteModel.updateOne({ _id: invite._id }, { $set: { usedAt: now, usedByOpenid: identity.openid } });
  const existing = await StaffModel.findOne({ openid: identity.openid }).lean<StaffRecord>();
  if (existing) {
    if (existing.inviteId?.equals(invite._id)) return existing;
    throw AppError.conflict('这个微信号已经绑定了其他工作人员');
  }
  const staff = await StaffModel.create({
    name: invite.name,
    role: invite.role,
    storeId: invite.storeId,
    cityId: invite.cityId,
    openid: identity.openid,
    unionid: identity.unionid ?? null,
    inviteId: invite._id,
  });
  return staff.toObject() as StaffRecord;
}
