import { randomBytes, randomInt } from 'node:crypto';
import type { Types } from 'mongoose';
import type { Resident } from '@o2o/shared/schemas/residents';
import { INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH } from '@o2o/shared/schemas/invites';
import { distanceKm } from '@o2o/shared/rules/geo';
import { isProfileComplete, missingProfileFields } from '@o2o/shared/rules/profile';
import { AppError } from '../../lib/app-error';
import { idString, isoString, toObjectId } from '../../lib/ids';
import { attributionView, type AcquisitionService, type AttributionRecord } from '../acquisition/acquisition.service';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { ResidentModel, type ResidentRecord } from './resident.model';
import { residentRepository, type StaffScope } from './resident.repository';
import { isDuplicateKey } from '../../db/unique-insert';

/** A fresh invite code without look-alike characters (stored lowercase, shown uppercase). */
export function randomInviteCode(): string {
  let code = '';
  for (let index = 0; index < INVITE_CODE_LENGTH; index += 1) code += INVITE_CODE_ALPHABET[randomInt(INVITE_CODE_ALPHABET.length)];
  return code;
}

function profileFacts(resident: Pick<ResidentRecord, 'nickname' | 'communityId' | 'building' | 'unit' | 'phone'>) {
  return {
    nickname: resident.nickname,
    communityId: idString(resident.communityId),
    building: resident.building,
    unit: resident.unit,
    phone: resident.phone,
  };
}

export function residentView(resident: ResidentRecord): Resident {
  return {
    id: String(resident._id),
    nickname: resident.nickname ?? null,
    phone: resident.phone ?? null,
    phoneVerified: resident.phoneVerified ?? false,
    communityId: idString(resident.communityId),
    building: resident.building ?? null,
    unit: resident.unit ?? null,
    missingProfileFields: missingProfileFields(profileFacts(resident)),
    storeId: idString(resident.storeId),
    registeredAt: resident.registeredAt.toISOString(),
    signedUpAt: isoString(resident.signedUpAt),
    firstOrderAt: isoString(resident.firstOrderAt),
    attribution: attributionView(resident.attribution as unknown as AttributionRecord),
  };
}

/** One resident in the staff member's scope (403 outside it, 404 unknown). */
export async function assertResidentAccess(staff: StaffScope, residentId: string | Types.ObjectId): Promise<ResidentRecord> {
  return residentRepository.findInScope(staff, toObjectId(residentId));
}

export interface LoginResult {
  resident: ResidentRecord;
  isNew: boolean;
  scan: { status: string; message: string } | null;
}


/** Runs after a resident is created (e.g. the invite reward); a failure is logged by the caller and repaired by jobs. */
export type RegistrationListener = (resident: ResidentRecord) => Promise<void>;

/** What other components do when a resident registers, signs up and completes the profile (`signUpEffects`). */
export interface ResidentLifecycle {
  onRegistered?: RegistrationListener[];
  onSignedUp?: RegistrationListener[];
  onProfileCompleted?: RegistrationListener[];
}

export class ResidentService {
  private readonly onRegistered: RegistrationListener[];
  private readonly onSignedUp: RegistrationListener[];
  private readonly onProfileCompleted: RegistrationListener[];

  constructor(
    private readonly acquisition: AcquisitionService,
    lifecycle: ResidentLifecycle = {},
  ) {
    this.onRegistered = lifecycle.onRegistered ?? [];
    this.onSignedUp = lifecycle.onSignedUp ?? [];
    this.onProfileCompleted = lifecycle.onProfileCompleted ?? [];
  }

  /**
   * Finds or creates the resident for a WeChat identity. A new resident is credited to the first
   * touch exactly once: the credit is written in the same atomic upsert that creates the record, so
   * concurrent first logins create one resident, and later scans never change it.
   */
  async login(input: { openid: string; unionid?: string; scene?: string; deviceId?: string; now?: Date }): Promise<LoginResult> {
    const now = input.now ?? new Date();
    const existing = await ResidentModel.findOne({ openid: input.openid }).lean<ResidentRecord>();
    if (existing) {
      const scan = input.scene ? await this.acquisition.recordScan({ scene: input.scene, deviceId: input.deviceId, residentId: existing._id, now }) : null;
      if (input.unionid && !existing.unionid) await ResidentModel.updateOne({ _id: existing._id }, { $set: { unionid: input.unionid } });
      return { resident: existing, isNew: false, scan: scan ? { status: scan.view.status, message: scan.view.message } : null };
    }

    const scan = input.scene ? await this.acquisition.recordScan({ scene: input.scene, deviceId: input.deviceId, now }) : null;
    // The earliest touch that credits someone is the first touch (one rule, in AcquisitionService.firstTouch).
    const source = await this.acquisition.firstTouch({ scan, deviceId: input.deviceId, now });
    const attribution = this.acquisition.attributionFrom(source?.touchId ?? null, source?.resolution ?? null, now);
    const creationToken = randomBytes(12).toString('hex');

    let resident: ResidentRecord | null = null;
    for (let attempt = 0; attempt < 3 && !resident; attempt += 1) {
      try {
        resident = await ResidentModel.findOneAndUpdate(
          { openid: input.openid },
          {
            $setOnInsert: {
              openid: input.openid,
              unionid: input.unionid ?? null,
              attribution,
              storeId: attribution.storeId,
              inviteCode: randomInviteCode(),
              registeredAt: now,
              creationToken,
            },
          },
          { upsert: true, returnDocument: 'after' },
        ).lean<ResidentRecord>();
      } catch (error) {
        // A concurrent login inserted first (or, rarely, the invite code collided): read it back and retry.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    if (!resident) throw new AppError('INTERNAL', '居民资料创建失败，请稍后重试', 500);
    const isNew = resident.creationToken === creationToken;

    if (isNew && attribution.touchId) {
      await this.acquisition.markFirstTouch(attribution.touchId, resident._id);
    }
    if (input.deviceId) await this.acquisition.linkDeviceTouches(input.deviceId, resident._id);
    if (scan) await this.acquisition.linkTouch(scan.touch._id, resident._id);
    if (isNew) for (const listener of this.onRegistered) await listener(resident);
    return { resident, isNew, scan: scan ? { status: scan.view.status, message: scan.view.message } : null };
  }

  async get(residentId: Types.ObjectId): Promise<ResidentRecord> {
    const resident = await ResidentModel.findById(residentId).lean<ResidentRecord>();
    if (!resident) throw AppError.notFound('居民');
    return resident;
  }

  /**
   * Finishing sign-up: the resident confirms their community (and may give a nickname and phone).
   * Their store is the store that serves that community: the attributed one (the code's or the
   * inviter's) when it does, else the nearest store whose service radius covers it.
   */
  async completeSignUp(
    residentId: Types.ObjectId,
    input: { communityId: Types.ObjectId; nickname?: string; phone?: string; phoneVerified?: boolean },
    now = new Date(),
  ): Promise<ResidentRecord> {
    const community = await CommunityModel.findById(input.communityId).lean();
    if (!community) throw AppError.notFound('小区');
    const resident = await this.get(residentId);
    const storeId = await servingStore(community, resident.attribution.storeId ?? resident.storeId ?? null);
    const updated = await ResidentModel.findOneAndUpdate(
      { _id: residentId },
      {
        $set: {
          communityId: community._id,
          storeId,
          ...(input.nickname ? { nickname: input.nickname } : {}),
          ...(input.phone ? { phone: input.phone, phoneVerified: input.phoneVerified ?? false } : {}),
        },
      },
    ).lean<ResidentRecord>();
    if (!updated) throw AppError.notFound('居民');
    // Sign-up completes once; changing community later keeps the first date.
    await ResidentModel.updateOne({ _id: residentId, signedUpAt: null }, { $set: { signedUpAt: now } });
    const signedUp = await this.get(residentId);
    for (const listener of this.onSignedUp) await listener(signedUp);
    return this.afterProfileChange(signedUp, now);
  }

  /**
   * The profile form of 我的. A new community moves the resident to the store serving it (kept when
   * the current store serves it too). Once every profile field is filled, "完善资料" is recorded
   * (its event key makes that count once, however often the profile is saved).
   */
  async updateProfile(
    residentId: Types.ObjectId,
    input: { nickname?: string; communityId?: Types.ObjectId; building?: string; unit?: string; phone?: string; phoneVerified?: boolean },
    now = new Date(),
  ): Promise<ResidentRecord> {
    const resident = await this.get(residentId);
    if (!resident.signedUpAt) throw new AppError('SIGN_UP_REQUIRED', '请先选择小区完成注册，再完善资料', 409);
    const set: Record<string, unknown> = {};
    if (input.nickname !== undefined) set.nickname = input.nickname;
    if (input.building !== undefined) set.building = input.building;
    if (input.unit !== undefined) set.unit = input.unit;
    if (input.phone !== undefined) Object.assign(set, { phone: input.phone, phoneVerified: input.phoneVerified ?? false });
    if (input.communityId && !(resident.communityId && input.communityId.equals(resident.communityId))) {
      const community = await CommunityModel.findById(input.communityId).lean();
      if (!community) throw new AppError('NOT_FOUND', '没有找到这个小区，请重新选择', 404);
      set.communityId = community._id;
      set.storeId = await servingStore(community, resident.storeId ?? null);
    }
    if (Object.keys(set).length > 0) await ResidentModel.updateOne({ _id: residentId }, { $set: set });
    return this.afterProfileChange(await this.get(residentId), now);
  }

  /** Records the first time the profile is complete, and tells the listeners (again after a crash). */
  private async afterProfileChange(resident: ResidentRecord, now: Date): Promise<ResidentRecord> {
    if (!isProfileComplete(profileFacts(resident))) return resident;
    if (!resident.profileCompletedAt) await ResidentModel.updateOne({ _id: resident._id, profileCompletedAt: null }, { $set: { profileCompletedAt: now } });
    const completed = await this.get(resident._id);
    for (const listener of this.onProfileCompleted) await listener(completed);
    return completed;
  }
}

/** The preferred store when it serves the community, else the nearest store whose radius covers it, else the preferred one. */
async function servingStore(
  community: { cityId: Types.ObjectId; location?: unknown },
  preferred: Types.ObjectId | null,
): Promise<Types.ObjectId | null> {
  const stores = await StoreModel.find({ cityId: community.cityId }, { location: 1, serviceRadiusKm: 1 }).lean();
  const serving = stores
    .map((store) => ({ store, distance: distanceKm(store.location as { lat: number; lng: number }, community.location as { lat: number; lng: number }) }))
    .filter(({ store, distance }) => distance <= (store.serviceRadiusKm ?? 3))
    .sort((a, b) => a.distance - b.distance);
  if (preferred && serving.some(({ store }) => store._id.equals(preferred))) return preferred;
  return serving[0]?.store._id ?? preferred;
}
