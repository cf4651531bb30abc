import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { Resident } from '@o2o/shared/schemas/residents';
import { distanceKm } from '@o2o/shared/rules/geo';
import { AppError } from '../../lib/app-error';
import { idString, isoString, randomShortId } from '../../lib/ids';
import { attributionView, type AcquisitionService, type AttributionRecord } from '../acquisition/acquisition.service';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { ResidentModel, type ResidentRecord } from './resident.model';

export function residentView(resident: ResidentRecord): Resident {
  return {
    id: String(resident._id),
    nickname: resident.nickname ?? null,
    phone: resident.phone ?? null,
    communityId: idString(resident.communityId),
    storeId: idString(resident.storeId),
    registeredAt: resident.registeredAt.toISOString(),
    signedUpAt: isoString(resident.signedUpAt),
    firstOrderAt: isoString(resident.firstOrderAt),
    attribution: attributionView(resident.attribution as unknown as AttributionRecord),
  };
}

export interface LoginResult {
  resident: ResidentRecord;
  isNew: boolean;
  scan: { status: string; message: string } | null;
}

const DUPLICATE_KEY = 11000;

/** Runs after a resident is created (e.g. the invite reward); a failure is logged by the caller and repaired by jobs. */
export type RegistrationListener = (resident: ResidentRecord) => Promise<void>;

export class ResidentService {
  constructor(
    private readonly acquisition: AcquisitionService,
    private readonly onRegistered: RegistrationListener[] = [],
    private readonly onSignedUp: RegistrationListener[] = [],
  ) {}

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
    let source: { touchId: Types.ObjectId | null; resolution: Awaited<ReturnType<AcquisitionService['resolveScene']>> | null } = {
      touchId: scan?.touch._id ?? null,
      resolution: scan?.resolution ?? null,
    };
    const sceneCredits = scan && (scan.resolution.status === 'attributable' || scan.resolution.status === 'invite');
    if (!sceneCredits && input.deviceId) {
      source = (await this.acquisition.earliestDeviceScan(input.deviceId, now)) ?? source;
    }
    const attribution = this.acquisition.attributionFrom(source.touchId, source.resolution, now);
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
              inviteCode: randomShortId(8),
              registeredAt: now,
              creationToken,
            },
          },
          { upsert: true, returnDocument: 'after' },
        ).lean<ResidentRecord>();
      } catch (error) {
        // A concurrent login inserted first (or, rarely, the invite code collided): read it back and retry.
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
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
   * Finishing sign-up: the resident confirms their community. Their store is the attributed store,
   * or else the nearest store whose service radius covers the community.
   */
  async completeSignUp(residentId: Types.ObjectId, input: { communityId: Types.ObjectId; nickname?: string; phone?: string }, now = new Date()): Promise<ResidentRecord> {
    const community = await CommunityModel.findById(input.communityId).lean();
    if (!community) throw AppError.notFound('小区');
    const resident = await this.get(residentId);
    let storeId = resident.attribution.storeId ?? resident.storeId ?? null;
    if (!storeId) {
      const stores = await StoreModel.find({ cityId: community.cityId }, { location: 1, serviceRadiusKm: 1 }).lean();
      const nearest = stores
        .map((store) => ({ store, distance: distanceKm(store.location as { lat: number; lng: number }, community.location as { lat: number; lng: number }) }))
        .filter(({ store, distance }) => distance <= (store.serviceRadiusKm ?? 3))
        .sort((a, b) => a.distance - b.distance)[0];
      storeId = nearest?.store._id ?? null;
    }
    const updated = await ResidentModel.findOneAndUpdate(
      { _id: residentId },
      {
        $set: {
          communityId: community._id,
          storeId,
          ...(input.nickname ? { nickname: input.nickname } : {}),
          ...(input.phone ? { phone: input.phone } : {}),
        },
      },
    ).lean<ResidentRecord>();
    if (!updated) throw AppError.notFound('居民');
    // Sign-up completes once; changing community later keeps the first date.
    await ResidentModel.updateOne({ _id: residentId, signedUpAt: null }, { $set: { signedUpAt: now } });
    const signedUp = await this.get(residentId);
    for (const listener of this.onSignedUp) await listener(signedUp);
    return signedUp;
  }
}
