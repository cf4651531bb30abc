import type { Types } from 'mongoose';
import type { z } from 'zod';
import QRCode from 'qrcode';
import type { QrCode, createCodeSchema, updateCodeSchema } from '@o2o/shared/schemas/acquisition';
import type { Config } from '../../config/config';
import { AppError } from '../../lib/app-error';
import { idString, isoString, randomShortId, toObjectId } from '../../lib/ids';
import type { PublicLinks } from '../../lib/public-links';
import type { WechatClient } from '../../wechat/wechat-client';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StaffModel } from '../staff/staff.model';
import { assertStoreAccess, storeIdsInScope } from '../staff/staff-scope';
import { CampaignModel, ChannelModel, PlacementModel, QrCodeModel, type QrCodeRecord } from './acquisition.model';
import type { SceneSigner } from './scene-signer';
import { isDuplicateKey } from '../../db/unique-insert';

export class QrCodeService {
  constructor(
    private readonly config: Config,
    private readonly signer: SceneSigner,
    private readonly wechat: WechatClient | null,
    private readonly links: PublicLinks,
  ) {}

  h5Url(scene: string): string {
    return this.links.landingUrl(scene);
  }

  view(code: QrCodeRecord): QrCode {
    const scene = this.signer.sign('code', code.shortId);
    return {
      id: String(code._id),
      shortId: code.shortId,
      scene,
      type: code.type,
      name: code.name,
      storeId: String(code.storeId),
      advisorId: idString(code.advisorId),
      channelId: String(code.channelId),
      campaignId: String(code.campaignId),
      placementId: String(code.placementId),
      enabled: code.enabled ?? true,
      validFrom: isoString(code.validFrom),
      validTo: isoString(code.validTo),
      h5Url: this.h5Url(scene),
      createdAt: code.createdAt.toISOString(),
    };
  }

  /**
   * Who may create which code: an advisor only their own activity codes; managers, city ops and
   * admins any type for stores in their scope (advisor codes for advisors of that store).
   */
  async create(staff: StaffPrincipal, input: z.output<typeof createCodeSchema>): Promise<QrCodeRecord> {
    let advisorId: Types.ObjectId | null = input.advisorId ? toObjectId(input.advisorId) : null;
    if (staff.role === 'advisor') {
      if (input.type !== 'advisor_activity') throw AppError.forbidden('顾问只能创建自己的活动码');
      if (advisorId && !advisorId.equals(staff.id)) throw AppError.forbidden('顾问只能为自己创建二维码');
      advisorId = staff.id;
    }
    const needsAdvisor = input.type === 'advisor' || input.type === 'advisor_activity';
    if (needsAdvisor && !advisorId) throw AppError.badRequest('顾问码需要指定顾问', [{ path: 'body.advisorId', message: 'required for this code type' }]);
    if (!needsAdvisor && advisorId) throw AppError.badRequest('只有顾问码和顾问活动码可以指定顾问', [{ path: 'body.advisorId', message: 'not allowed for this code type' }]);

    let storeId = input.storeId ? toObjectId(input.storeId) : staff.storeId;
    if (advisorId) {
      const advisor = await StaffModel.findById(advisorId).lean();
      if (!advisor || advisor.role !== 'advisor' || !advisor.active || !advisor.storeId) throw AppError.badRequest('请选择一位在职的顾问');
      if (storeId && !storeId.equals(advisor.storeId)) throw AppError.badRequest('顾问的二维码只能属于顾问所在的门店');
      storeId = advisor.storeId;
    }
    if (!storeId) throw AppError.badRequest('请选择门店', [{ path: 'body.storeId', message: 'required' }]);
    await assertStoreAccess(staff, storeId);

    const [channel, campaign, placement] = await Promise.all([
      ChannelModel.exists({ _id: toObjectId(input.channelId) }),
      CampaignModel.exists({ _id: toObjectId(input.campaignId) }),
      PlacementModel.exists({ _id: toObjectId(input.placementId) }),
    ]);
    const missing = [!channel && 'channelId', !campaign && 'campaignId', !placement && 'placementId'].filter(Boolean) as string[];
    if (missing.length > 0) throw AppError.badRequest('渠道、活动或投放位置不存在', missing.map((field) => ({ path: `body.${field}`, message: 'no such record' })));
    if (input.validFrom && input.validTo && new Date(input.validFrom) >= new Date(input.validTo)) throw AppError.badRequest('生效时间必须早于失效时间');

    for (let attempt = 0; ; attempt += 1) {
      try {
        const code = await QrCodeModel.create({
          shortId: randomShortId(8),
          type: input.type,
          name: input.name,
          storeId,
          advisorId,
          channelId: toObjectId(input.channelId),
          campaignId: toObjectId(input.campaignId),
          placementId: toObjectId(input.placementId),
          validFrom: input.validFrom ? new Date(input.validFrom) : null,
          validTo: input.validTo ? new Date(input.validTo) : null,
          createdBy: staff.id,
        });
        return code.toObject() as QrCodeRecord;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 3) throw error;
      }
    }
  }

  /** An advisor sees their own codes and their store's brand and store-activity codes; others by store scope. */
  async scopeFilter(staff: StaffPrincipal): Promise<Record<string, unknown>> {
    if (staff.role === 'advisor') {
      return { $or: [{ advisorId: staff.id }, { storeId: staff.storeId, type: { $in: ['brand', 'store_activity'] } }] };
    }
    const storeIds = await storeIdsInScope(staff);
    return storeIds === 'all' ? {} : { storeId: { $in: storeIds } };
  }

  /** The codes in the staff member's scope, newest first; a narrowing is combined with the scope, never replaces it. */
  async listInScope(staff: StaffPrincipal, narrowing: { type?: QrCodeRecord['type']; storeId?: Types.ObjectId }): Promise<QrCodeRecord[]> {
    const filters: Record<string, unknown>[] = [await this.scopeFilter(staff)];
    if (narrowing.type) filters.push({ type: narrowing.type });
    if (narrowing.storeId) filters.push({ storeId: narrowing.storeId });
    return QrCodeModel.find({ $and: filters }).sort({ createdAt: -1 }).limit(500).lean<QrCodeRecord[]>();
  }

  async get(staff: StaffPrincipal, codeId: Types.ObjectId): Promise<QrCodeRecord> {
    const code = await QrCodeModel.findOne({ _id: codeId, ...(await this.scopeFilter(staff)) }).lean<QrCodeRecord>();
    if (code) return code;
    if (await QrCodeModel.exists({ _id: codeId })) throw AppError.forbidden('这个二维码不在你的负责范围内');
    throw AppError.notFound('二维码');
  }

  async update(staff: StaffPrincipal, codeId: Types.ObjectId, input: z.output<typeof updateCodeSchema>): Promise<QrCodeRecord> {
    const code = await this.get(staff, codeId);
    if (staff.role === 'advisor' && !code.advisorId?.equals(staff.id)) throw AppError.forbidden('顾问只能修改自己的二维码');
    const set: Record<string, unknown> = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.enabled !== undefined) set.enabled = input.enabled;
    if (input.validFrom !== undefined) set.validFrom = input.validFrom ? new Date(input.validFrom) : null;
    if (input.validTo !== undefined) set.validTo = input.validTo ? new Date(input.validTo) : null;
    return (await QrCodeModel.findByIdAndUpdate(codeId, { $set: set }, { returnDocument: 'after' }).lean<QrCodeRecord>())!;
  }

  /** The code's image: WeChat's mini-program code when configured, else a plain QR of the H5 URL with the same scene. */
  async image(code: QrCodeRecord): Promise<{ png: Buffer; source: 'wechat' | 'h5' }> {
    const scene = this.signer.sign('code', code.shortId);
    if (this.wechat) {
      return { png: await this.wechat.getUnlimitedQrCode({ scene, page: this.config.MINIPROGRAM_LANDING_PAGE, checkPath: false }), source: 'wechat' };
    }
    return { png: await QRCode.toBuffer(this.h5Url(scene), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 430 }), source: 'h5' };
  }
}
