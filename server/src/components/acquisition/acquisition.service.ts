import { Types } from 'mongoose';
import { CODE_TYPE_CREDITS, type Attribution, type CodeType, type ScanStatus } from '@o2o/shared/schemas/acquisition';
import { parseScene } from '@o2o/shared/rules/scene';
import { idString } from '../../lib/ids';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel } from '../residents/resident.model';
import { QrCodeModel, SCAN_DEDUPE_BUCKET_MS, ScanDedupeModel, TouchModel, type QrCodeRecord } from './acquisition.model';
import type { SceneSigner } from './scene-signer';

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
}

/** The anonymous touches of a device are linked to the resident who logs in from it within this window. */
const DEVICE_TOUCH_WINDOW_MS = 7 * 24 * 3600_000;

export class AcquisitionService {
  constructor(private readonly signer: SceneSigner) {}

  /** What a scene is worth: a scan of a disabled or expired code still lets the resident in, but credits nobody. */
  async resolveScene(scene: string, now: Date): Promise<ScanResolution> {
    const verified = this.signer.verify(scene);
    const result = (status: ScanStatus, code: QrCodeRecord | null = null, inviter: Types.ObjectId | null = null): ScanResolution => ({
      status,
      message: SCAN_MESSAGES[status],
      code,
      inviterResidentId: inviter,
    });
    if (!verified) return result(parseScene(scene)?.kind === 'invite' ? 'invalid_invite' : 'forged');
    if (verified.kind === 'invite') {
      const inviter = await ResidentModel.findOne({ inviteCode: verified.id }, { _id: 1 }).lean();
      return inviter ? result('invite', null, inviter._id) : result('invalid_invite');
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
    if (input.scanner) {
      const key = `${input.scanner}|${input.scene.slice(0, 64)}|${Math.floor(input.now.getTime() / SCAN_DEDUPE_BUCKET_MS)}`;
      try {
        await ScanDedupeModel.create({ _id: key, touchId, at: input.now });
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        const first = await ScanDedupeModel.findById(key).lean();
        if (first) {
          touchId = first.touchId;
          duplicate = true;
        }
      }
    }
    const touch = duplicate ? { _id: touchId } : await TouchModel.create({
      _id: touchId,
      kind: 'scan',
      residentId: input.residentId ?? null,
      deviceId: input.deviceId ?? null,
      scene: input.scene.slice(0, 64),
      codeId: resolution.code?._id ?? null,
      storeId: resolution.code?.storeId ?? null,
      status: resolution.status,
      at: input.now,
    });
    const store = resolution.code ? await StoreModel.findById(resolution.code.storeId, { name: 1 }).lean() : null;
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
      return { ...empty, source: 'invite', touchId, inviterResidentId: resolution.inviterResidentId };
    }
    return { ...empty, source: 'organic' };
  }

  /** The earliest attributable anonymous scan from this device, if the resident scanned before logging in. */
  async earliestDeviceScan(deviceId: string, now: Date) {
    const touch = await TouchModel.findOne({
      deviceId,
      residentId: null,
      kind: 'scan',
      status: { $in: ['attributable', 'invite'] },
      at: { $gte: new Date(now.getTime() - DEVICE_TOUCH_WINDOW_MS) },
    })
      .sort({ at: 1 })
      .lean();
    if (!touch?.scene) return null;
    return { touchId: touch._id, resolution: await this.resolveScene(touch.scene, touch.at) };
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

