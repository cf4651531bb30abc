import { z } from 'zod';
import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  campaignInputSchema,
  campaignSchema,
  channelInputSchema,
  channelSchema,
  codeTypeSchema,
  createCodeSchema,
  placementInputSchema,
  placementSchema,
  qrCodeSchema,
  myTouchpointSchema,
  myTouchpointsQuerySchema,
  recordOfflineTouchSchema,
  recordScanSchema,
  scanResultSchema,
  touchSchema,
  updateCodeSchema,
} from '@o2o/shared/schemas/acquisition';
import type { Services } from '../../container';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { idString, isoString, toObjectId } from '../../lib/ids';
import { principalOf, staffOf } from '../auth/auth.guard';
import { ResidentModel } from '../residents/resident.model';
import { assertResidentAccess } from '../residents/resident.router';
import { assertStoreAccess, canAccessCity } from '../staff/staff-scope';
import { CampaignModel, ChannelModel, PlacementModel, QrCodeModel, TouchModel, type QrCodeRecord, type TouchRecord } from './acquisition.model';
import { QrCodeService } from './qr-code.service';

const codeParams = z.object({ codeId: objectIdSchema });
const residentParams = z.object({ residentId: objectIdSchema });

function touchView(touch: TouchRecord) {
  return {
    id: String(touch._id),
    kind: touch.kind,
    residentId: idString(touch.residentId),
    codeId: idString(touch.codeId),
    status: touch.status,
    isFirstTouch: touch.isFirstTouch ?? false,
    offlineKind: touch.offlineKind ?? null,
    staffId: idString(touch.staffId),
    note: touch.note ?? null,
    at: touch.at.toISOString(),
  };
}

export function acquisitionRouter(services: Services): ApiRouter {
  const { guards, acquisition, sessions, config, signer, wechat, tasks, links } = services;
  const codes = new QrCodeService(config, signer, wechat, links);
  const tags = ['acquisition'];
  const managers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter()
    .route({
      method: 'get', path: '/attribution/channels', summary: 'Channels (where residents come from)', tags,
      guards: guards.staff(), authenticated: true, response: z.array(channelSchema),
      handler: async () => (await ChannelModel.find().sort({ key: 1 }).lean()).map((c) => ({ id: String(c._id), key: c.key, name: c.name })),
    })
    .route({
      method: 'post', path: '/attribution/channels', summary: 'Add a channel (city ops, admin)', tags, status: 201, errors: [409],
      guards: guards.staff('city_ops', 'admin'), authenticated: true, body: channelInputSchema, response: channelSchema,
      handler: async ({ body }) => {
        const channel = await ChannelModel.create(body);
        return { id: String(channel._id), key: channel.key, name: channel.name };
      },
    })
    .route({
      method: 'get', path: '/attribution/campaigns', summary: 'Campaigns (marketing activities)', tags,
      guards: guards.staff(), authenticated: true, response: z.array(campaignSchema),
      handler: async () =>
        (await CampaignModel.find().sort({ createdAt: -1 }).limit(500).lean()).map((c) => ({
          id: String(c._id), name: c.name, startsAt: isoString(c.startsAt), endsAt: isoString(c.endsAt), storeId: idString(c.storeId), cityId: idString(c.cityId),
        })),
    })
    .route({
      method: 'post', path: '/attribution/campaigns', summary: 'Add a campaign (managers for their store, city ops, admin)', tags, status: 201,
      guards: managers, authenticated: true, body: campaignInputSchema, response: campaignSchema,
      handler: async ({ body, req }) => {
        const staff = staffOf(req);
        if (body.storeId) await assertStoreAccess(staff, toObjectId(body.storeId));
        else if (staff.role === 'store_manager') throw AppError.badRequest('店长只能为自己的门店创建活动', [{ path: 'body.storeId', message: 'required' }]);
        if (body.cityId && !canAccessCity(staff, toObjectId(body.cityId))) throw AppError.forbidden('这个城市不在你的负责范围内');
        const c = await CampaignModel.create({ ...body, startsAt: body.startsAt ? new Date(body.startsAt) : null, endsAt: body.endsAt ? new Date(body.endsAt) : null });
        return { id: String(c._id), name: c.name, startsAt: isoString(c.startsAt), endsAt: isoString(c.endsAt), storeId: idString(c.storeId), cityId: idString(c.cityId) };
      },
    })
    .route({
      method: 'get', path: '/attribution/placements', summary: 'Placements (where a code or ad is put)', tags,
      guards: guards.staff(), authenticated: true, response: z.array(placementSchema),
      handler: async () => (await PlacementModel.find().sort({ name: 1 }).lean()).map((p) => ({ id: String(p._id), name: p.name, description: p.description ?? null })),
    })
    .route({
      method: 'post', path: '/attribution/placements', summary: 'Add a placement', tags, status: 201,
      guards: managers, authenticated: true, body: placementInputSchema, response: placementSchema,
      handler: async ({ body }) => {
        const p = await PlacementModel.create(body);
        return { id: String(p._id), name: p.name, description: p.description ?? null };
      },
    })
    .route({
      method: 'post', path: '/codes', summary: 'Create a QR code (advisors: their own activity codes)', tags, status: 201, errors: [404],
      guards: guards.staff(), authenticated: true, body: createCodeSchema, response: qrCodeSchema,
      handler: async ({ body, req }) => codes.view(await codes.create(staffOf(req), body)),
    })
    .route({
      method: 'get', path: '/codes', summary: 'QR codes in your scope', tags,
      guards: guards.staff(), authenticated: true,
      query: z.object({ type: codeTypeSchema.optional(), storeId: objectIdSchema.optional() }),
      response: z.array(qrCodeSchema),
      handler: async ({ query, req }) => {
        const narrowing: Record<string, unknown>[] = [await codes.scopeFilter(staffOf(req))];
        if (query.type) narrowing.push({ type: query.type });
        if (query.storeId) narrowing.push({ storeId: toObjectId(query.storeId) });
        return (await QrCodeModel.find({ $and: narrowing }).sort({ createdAt: -1 }).limit(500).lean<QrCodeRecord[]>()).map((code) => codes.view(code));
      },
    })
    .route({
      method: 'get', path: '/codes/:codeId', summary: 'One QR code', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: codeParams, response: qrCodeSchema,
      handler: async ({ params, req }) => codes.view(await codes.get(staffOf(req), toObjectId(params.codeId))),
    })
    .route({
      method: 'patch', path: '/codes/:codeId', summary: 'Rename, disable or set the validity window of a code', tags, errors: [404],
      guards: guards.staff(), authenticated: true, params: codeParams, body: updateCodeSchema, response: qrCodeSchema,
      handler: async ({ params, body, req }) => codes.view(await codes.update(staffOf(req), toObjectId(params.codeId), body)),
    })
    .route({
      method: 'get', path: '/codes/:codeId/image',
      summary: "The code's PNG: WeChat's mini-program code when configured, else a QR of the H5 URL carrying the same scene",
      tags, errors: [404, 502], guards: guards.staff(), authenticated: true, params: codeParams,
      response: z.any().describe('image/png'), responseContentType: 'image/png',
      handler: async ({ params, req, res }) => {
        const image = await codes.image(await codes.get(staffOf(req), toObjectId(params.codeId)));
        res.setHeader('Content-Type', 'image/png');
        res.setHeader('X-Code-Source', image.source);
        res.setHeader('Cache-Control', 'private, max-age=3600');
        res.send(image.png);
      },
    })
    .route({
      method: 'post', path: '/scans',
      summary: 'Record a scan of a code or invite (anonymous until login links it); says whether it will credit anyone and why not. The same scan again within 10 minutes returns the first touch',
      tags, body: recordScanSchema, response: scanResultSchema,
      handler: async ({ body, req }) => {
        let residentId = null;
        const token = /^Bearer\s+(\S+)$/.exec(req.header('authorization') ?? '')?.[1];
        if (token) residentId = (await sessions.find(token))?.residentId ?? null;
        const scanner = residentId ? `resident:${residentId}` : body.deviceId ? `device:${body.deviceId}` : `ip:${req.ip ?? 'unknown'}`;
        return (await acquisition.recordScan({ scene: body.scene, deviceId: body.deviceId, residentId, now: new Date(), scanner })).view;
      },
    })
    .route({
      method: 'post', path: '/residents/:residentId/touchpoints', summary: 'Record an offline touchpoint (store visit, delivery contact, event)', tags, status: 201, errors: [404],
      guards: guards.staff(), authenticated: true, params: residentParams, body: recordOfflineTouchSchema, response: touchSchema,
      handler: async ({ params, body, req }) => {
        const staff = staffOf(req);
        const resident = await assertResidentAccess(staff, params.residentId);
        const at = body.at ? new Date(body.at) : new Date();
        if (at.getTime() > Date.now() + 5 * 60_000) throw AppError.badRequest('触点时间不能晚于现在', [{ path: 'body.at', message: 'in the future' }]);
        const touch = await TouchModel.create({
          kind: 'offline', residentId: resident._id, status: 'offline', offlineKind: body.kind,
          staffId: staff.id, storeId: staff.storeId ?? resident.storeId ?? null, note: body.note ?? null, at,
        });
        // A store visit is the resident's activity that day (the active definition's `store_visited`):
        // once per resident and China-time day, so a visit entered twice counts once.
        if (body.kind === 'store_visit') {
          await tasks.recordEvent({
            residentId: resident._id, type: 'store_visited', idempotencyKey: `store_visited:${resident._id}:${chinaDateKey(at)}`,
            occurredAt: at, source: 'server', meta: { touchId: String(touch._id), staffId: String(staff.id) },
          });
        }
        return touchView(touch.toObject() as TouchRecord);
      },
    })
    .route({
      method: 'get', path: '/touchpoints/mine', summary: 'The offline touchpoints I recorded, newest first', tags,
      guards: guards.staff(), authenticated: true, query: myTouchpointsQuerySchema, response: z.array(myTouchpointSchema),
      handler: async ({ query, req }) => {
        const touches = await TouchModel.find({ kind: 'offline', staffId: staffOf(req).id }).sort({ at: -1, _id: -1 }).limit(query.limit).lean<TouchRecord[]>();
        const residentIds = [...new Set(touches.map((touch) => String(touch.residentId)))].map(toObjectId);
        const residents = await ResidentModel.find({ _id: { $in: residentIds } }, { nickname: 1, building: 1 }).lean<{ _id: unknown; nickname: string | null; building: string | null }[]>();
        const byId = new Map(residents.map((resident) => [String(resident._id), resident]));
        return touches.map((touch) => {
          const resident = byId.get(String(touch.residentId));
          return { ...touchView(touch), residentName: resident?.nickname ?? null, residentBuilding: resident?.building ?? null };
        });
      },
    })
    .route({
      method: 'get', path: '/residents/:residentId/touches', summary: "A resident's touches, first touch marked", tags, errors: [404],
      guards: guards.signedIn, authenticated: true, params: residentParams, response: z.array(touchSchema),
      handler: async ({ params, req }) => {
        const principal = principalOf(req);
        if (principal.staff) await assertResidentAccess(principal.staff, params.residentId);
        else if (!principal.residentId?.equals(params.residentId)) throw AppError.forbidden('居民只能查看自己的信息');
        return (await TouchModel.find({ residentId: toObjectId(params.residentId) }).sort({ at: 1, _id: 1 }).limit(500).lean<TouchRecord[]>()).map(touchView);
      },
    });
}
