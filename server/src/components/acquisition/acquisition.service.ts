import { Types } from 'mongoose';
import { CODE_TYPE_CREDITS, type Attribution, type CodeType, type ScanStatus } from '@o2o/shared/schemas/acquisition';
import { parseScene } from '@o2o/shared/rules/scene';
import { idString } from '../../lib/ids';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { QrCodeModel, SCAN_DEDUPE_BUCKET_MS, ScanDedupeModel, TouchModel, type QrCodeRecord } from './acquisition.model';
import type { SceneSigner } from './scene-signer';
import { isDuplicateKey } from '../../db/unique-insert';

const SCAN_MESSAGES: Record<ScanStatus, string> = {
  attributable: '欢迎来到本店，注册后即可参与任务、赚取积分',
  disabled: '该二维码已停用，您仍可正常注册使用',
  expired: '该二维码已过期，您仍可正常注册使用',
  not_yet_valid: '该二维码尚未生效，您仍可正常注册使用',
  forged: '二维码无法识别，您仍可正常注册使用',
  unknown: '二维码不存在，您仍可正常注册使用',
  invite: '邻居邀请您加入，注册后即可参与任务、赚取积分',
  invalid_invite: '邀请链接无效，您仍可正常注册使用',
};

export interface ScanResolution {
  status: ScanStatus;
  message: string;
  code: QrCodeRecord | null;
  inviterResidentId: Types.ObjectId | null;
  /** An invite carries the inviter's store: the invitee is credited to it and picks among its communities. */
  inviterStoreId?: Types.ObjectId | null;
}

const credits = (resolution: ScanResolution): boolean => resolution.status === 'attributable' || resolution.status === 'invite';

/** The anonymous touches of a device are linked to the resident who logs in from it within this window. */
const DEVICE_TOUCH_WINDOW_MS = 7 * 24 * 3600_000;

export class AcquisitionService {
  constructor(private readonly signer: SceneSigner) {}

  /** What a scene is worth: a scan of a disabled or expired code still lets the resident in, but credits nobody. */
  async resolveScene(scene: string, now: Date): Promise<ScanResolution> {
    const verified = this.signer.verify(scene);
    const result = (status: ScanStatus, code: QrCodeRecord | null = null, inviter: Types.ObjectId | null = null, inviterStoreId: Types.ObjectId | null = null): ScanResolution => ({
      status,
      message: SCAN_MESSAGES[status],
      code,
      inviterResidentId: inviter,
      inviterStoreId,
    });
    if (!verified) return result(parseScene(scene)?.kind === 'invite' ? 'invalid_invite' : 'forged');
    if (verified.kind === 'invite') {
      const inviter = await ResidentModel.findOne({ inviteCode: verified.id }, { _id: 1, storeId: 1 }).lean();
      return inviter ? result('invite', null, inviter._id, inviter.storeId ?? null) : result('invalid_invite');
    }
    const code = (await QrCodeModel.findOne({ shortId: verified.id }).lean()) as QrCodeRecord | null;
    if (!code) return result('unknown');
    if (!code.enabled) return result('disabled', code);
    if (code.validFrom && now < code.validFrom) return result('not_yet_valid', code);
    if (code.validTo && now > code.validTo) return result('expired', code);
    return result('attributable', code);
  }

  /**
   * Records a scan as a touch: anonymous (by device) until login links it, or the resident's own.
   * With `scanner` (who scanned: resident, device or client address), the same scene scanned again
   * within 10 minutes returns the first touch instead of storing another.
   */
  async recordScan(input: { scene: string; deviceId?: string; residentId?: Types.ObjectId | null; now: Date; scanner?: string }) {
    const resolution = await this.resolveScene(input.scene, input.now);
    let touchId = new Types.ObjectId();
    let duplicate = false;
    let firstAt = input.now;
    if (input.scanner) {
      const key = `${input.scanner}|${input.scene.slice(0, 64)}|${Math.floor(input.now.getTime() / SCAN_DEDUPE_BUCKET_MS)}`;
      try {
        await ScanDedupeModel.create({ _id: key, touchId, at: input.now });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const first = await ScanDedupeModel.findById(key).lean();
        if (first) {
          touchId = first.touchId;
          firstAt = first.at;
          duplicate = true;
        }
      }
    }
    const touch = duplicate ? { _id: touchId, at: firstAt } : await TouchModel.create({
      _id: touchId,
      kind: 'scan',
      residentId: input.residentId ?? null,
      deviceId: input.deviceId ?? null,
      scene: input.scene.slice(0, 64),
      codeId: resolution.code?._id ?? null,
      storeId: resolution.code?.storeId ?? resolution.inviterStoreId ?? null,
      status: resolution.status,
      at: input.now,
    });
    const storeId = resolution.code?.storeId ?? resolution.inviterStoreId ?? null;
    const store = storeId ? await StoreModel.findById(storeId, { name: 1 }).lean() : null;
    return {
      touch,
      resolution,
      view: {
        touchId: String(touch._id),
        status: resolution.status,
        message: resolution.message,
        store: store ? { id: String(store._id), name: store.name } : null,
        codeType: (resolution.code?.type as CodeType | undefined) ?? null,
      },
    };
  }

  /** Credit for a new resident from one touch; advisor credit only where the code type carries the advisor. */
  attributionFrom(touchId: Types.ObjectId | null, resolution: ScanResolution | null, at: Date): AttributionRecord {
    const empty = {
      touchId: null, codeId: null, codeType: null, storeId: null, advisorId: null, codeOwnerId: null,
      channelId: null, campaignId: null, placementId: null, inviterResidentId: null, at,
    };
    if (resolution?.status === 'attributable' && resolution.code) {
      const code = resolution.code;
      const type = code.type as CodeType;
      return {
        ...empty,
        source: 'code',
        touchId,
        codeId: code._id,
        codeType: type,
        storeId: code.storeId,
        advisorId: CODE_TYPE_CREDITS[type] === 'advisor' ? (code.advisorId ?? null) : null,
        codeOwnerId: code.advisorId ?? null,
        channelId: code.channelId,
        campaignId: code.campaignId,
        placementId: code.placementId,
      };
    }
    if (resolution?.status === 'invite' && resolution.inviterResidentId) {
      return { ...empty, source: 'invite', touchId, storeId: resolution.inviterStoreId ?? null, inviterResidentId: resolution.inviterResidentId };
    }
    return { ...empty, source: 'organic' };
  }

  /**
   * The first touch of a new resident, decided here and nowhere else: the EARLIEST touch that credits
   * someone (a code that was attributable when scanned, or a valid invite) among the login's own
   * scan and the device's anonymous scans of the 7 days before. Touches that credit nobody (a
   * disabled, expired or forged code) never win; with none left, the resident is organic.
   * Example: code A scanned at 10:00 before login, code B's scene at login at 10:05: A is first.
   */
  async firstTouch(input: { scan: { touch: { _id: Types.ObjectId; at: Date }; resolution: ScanResolution } | null; deviceId?: string; now: Date }): Promise<{ touchId: Types.ObjectId; resolution: ScanResolution } | null> {
    const candidates: { touchId: Types.ObjectId; at: Date; resolution: ScanResolution }[] = [];
    if (input.scan && credits(input.scan.resolution)) candidates.push({ touchId: input.scan.touch._id, at: input.scan.touch.at, resolution: input.scan.resolution });
    if (input.deviceId) {
      const earlier = await TouchModel.find({
        deviceId: input.deviceId,
        residentId: null,
        kind: 'scan',
        status: { $in: ['attributable', 'invite'] },
        at: { $gte: new Date(input.now.getTime() - DEVICE_TOUCH_WINDOW_MS), $lte: input.now },
      })
        .sort({ at: 1, _id: 1 })
        .limit(20)
        .lean();
      for (const touch of earlier) {
        if (!touch.scene || input.scan?.touch._id.equals(touch._id)) continue;
        // Re-resolved as of the scan: a code disabled since then credits nobody.
        const resolution = await this.resolveScene(touch.scene, touch.at);
        if (credits(resolution)) {
          candidates.push({ touchId: touch._id, at: touch.at, resolution });
          break;
        }
      }
    }
    candidates.sort((a, b) => a.at.getTime() - b.at.getTime() || (String(a.touchId) < String(b.touchId) ? -1 : 1));
    return candidates[0] ?? null;
  }

  async linkDeviceTouches(deviceId: string, residentId: Types.ObjectId): Promise<void> {
    await TouchModel.updateMany({ deviceId, residentId: null }, { $set: { residentId } });
  }

  async linkTouch(touchId: Types.ObjectId, residentId: Types.ObjectId): Promise<void> {
    await TouchModel.updateOne({ _id: touchId, residentId: null }, { $set: { residentId } });
  }

  async markFirstTouch(touchId: Types.ObjectId, residentId: Types.ObjectId): Promise<void> {
    await TouchModel.updateOne({ _id: touchId }, { $set: { isFirstTouch: true, residentId } });
  }
}

export interface AttributionRecord {
  source: 'code' | 'invite' | 'organic';
  touchId: Types.ObjectId | null;
  codeId: Types.ObjectId | null;
  codeType: CodeType | null;
  storeId: Types.ObjectId | null;
  advisorId: Types.ObjectId | null;
  codeOwnerId: Types.ObjectId | null;
  channelId: Types.ObjectId | null;
  campaignId: Types.ObjectId | null;
  placementId: Types.ObjectId | null;
  inviterResidentId: Types.ObjectId | null;
  at: Date;
}

export function attributionView(record: AttributionRecord): Attribution {
  return {
    source: record.source,
    touchId: idString(record.touchId),
    codeId: idString(record.codeId),
    codeType: record.codeType ?? null,
    storeId: idString(record.storeId),
    advisorId: idString(record.advisorId),
    codeOwnerId: idString(record.codeOwnerId),
    channelId: idString(record.channelId),
    campaignId: idString(record.campaignId),
    placementId: idString(record.placementId),
    inviterResidentId: idString(record.inviterResidentId),
    at: record.at.toISOString(),
  };
}

