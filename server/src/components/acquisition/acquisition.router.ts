import { z } from 'zod';
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
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import { principalOf, staffOf } from '../auth/auth.guard';
import { assertResidentAccess } from '../residents/resident.service';
import { attribution } from './attribution.service';
import { QrCodeService } from './qr-code.service';

const codeParams = z.object({ codeId: objectIdSchema });
const residentParams = z.object({ residentId: objectIdSchema });

export function acquisitionRouter(services: Services): ApiRouter {
  const { guards, acquisition, sessions, config, signer, wechat, tasks, links } = services;
  const codes = new QrCodeService(config, signer, wechat, links);
  const tags = ['acquisition'];
  const managers = guards.staff('store_manager', 'city_ops', 'admin');
  return new ApiRouter()
    .route({
      method: 'get', path: '/attribution/channels', summary: 'Channels (where residents come from)', tags,
      guards: guards.staff(), authenticated: true, response: z.array(channelSchema),
      handler: async () => attribution.channels(),
    })
    .route({
      method: 'post', path: '/attribution/channels', summary: 'Add a channel (city ops, admin)', tags, status: 201, errors: [409],
      guards: guards.staff('city_ops', 'admin'), authenticated: true, body: channelInputSchema, response: channelSchema,
      handler: async ({ body }) => attribution.addChannel(body),
    })
    .route({
      method: 'get', path: '/attribution/campaigns', summary: 'Campaigns (marketing activities)', tags,
      guards: guards.staff(), authenticated: true, response: z.array(campaignSchema),
      handler: async () => attribution.campaigns(),
    })
    .route({
      method: 'post', path: '/attribution/campaigns', summary: 'Add a campaign (managers for their store, city ops, admin)', tags, status: 201,
      guards: managers, authenticated: true, body: campaignInputSchema, response: campaignSchema,
      handler: async ({ body, req }) => attribution.addCampaign(staffOf(req), body),
    })
    .route({
      method: 'get', path: '/attribution/placements', summary: 'Placements (where a code or ad is put)', tags,
      guards: guards.staff(), authenticated: true, response: z.array(placementSchema),
      handler: async () => attribution.placements(),
    })
    .route({
      method: 'post', path: '/attribution/placements', summary: 'Add a placement', tags, status: 201,
      guards: managers, authenticated: true, body: placementInputSchema, response: placementSchema,
      handler: async ({ body }) => attribution.addPlacement(body),
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
      handler: async ({ query, req }) =>
        (await codes.listInScope(staffOf(req), { type: query.type, storeId: query.storeId ? toObjectId(query.storeId) : undefined })).map((code) => codes.view(code)),
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
        return attribution.recordOfflineTouch(tasks, staff, await assertResidentAccess(staff, params.residentId), body);
      },
    })
    .route({
      method: 'get', path: '/touchpoints/mine', summary: 'The offline touchpoints I recorded, newest first', tags,
      guards: guards.staff(), authenticated: true, query: myTouchpointsQuerySchema, response: z.array(myTouchpointSchema),
      handler: async ({ query, req }) => attribution.touchpointsBy(staffOf(req), query.limit),
    })
    .route({
      method: 'get', path: '/residents/:residentId/touches', summary: "A resident's touches, first touch marked", tags, errors: [404],
      guards: guards.signedIn, authenticated: true, params: residentParams, response: z.array(touchSchema),
      handler: async ({ params, req }) => {
        const principal = principalOf(req);
        if (principal.staff) await assertResidentAccess(principal.staff, params.residentId);
        else if (!principal.residentId?.equals(params.residentId)) throw AppError.forbidden('居民只能查看自己的信息');
        return attribution.touchesOf(toObjectId(params.residentId));
      },
    });
}
