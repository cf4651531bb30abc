import { Types, type Model } from 'mongoose';
import { SessionModel } from '../components/auth/session.model';
import { QrCodeModel, TouchModel } from '../components/acquisition/acquisition.model';
import { LinkTouchModel, OrderCreditModel } from '../components/credits/credits.model';
import { GroupCheckinModel, GroupDeliveryModel, GroupIdentityModel } from '../components/groups/groups.model';
import { ResidentInterestModel } from '../components/interest/interest.model';
import { FraudFlagModel, InviteModel } from '../components/invites/invite.model';
import { ManualLabelModel, ResidentLabelsModel } from '../components/labels/labels.model';
import { OrderEventModel, OrderModel } from '../components/orders/orders.model';
import { PointEntryModel, PointStepModel } from '../components/points/points.model';
import { ResidentModel } from '../components/residents/resident.model';
import { StaffModel } from '../components/staff/staff.model';
import { TaskCompletionModel, TaskEventModel, TaskProgressMarkModel } from '../components/tasks/tasks.model';

/*
 * The queries that run per request or per resident on collections that grow with residents,
 * orders and events: sign-up and login, every authenticated request, awards, order webhooks and
 * a resident's label refresh. What keeps them fast on the embedded database (FerretDB 1.24 on
 * PostgreSQL) is narrow:
 *
 * - Only top-level equality on a string, ObjectId, date, number or boolean is pushed down to
 *   PostgreSQL (as `_jsonb->'field' @> value`), and only a field some index of the model starts
 *   with, or includes, has a GIN twin that serves it (tools/ferretdb/gin-twins.sql).
 * - Nothing else is pushed down: ranges ($gt, $lt), $in, $ne/null, nested paths
 *   (`attribution.storeId`), $or, sorts, skips and limits with a filter. They are applied in
 *   FerretDB to the rows the pushed-down part returned, so each hot query needs at least one
 *   selective top-level equality on an indexed field; the rest may be anything.
 *
 * `hot-queries.test.ts` explains each of these against the embedded database with sequential
 * scans disabled and fails when one is not pushed down or no index serves it. A new hot query
 * belongs here, written as its code writes it (the `where` names the code).
 */

export interface HotQuery {
  name: string;
  where: string;
  model: Model<never>;
  filter: Record<string, unknown>;
}

const id = () => new Types.ObjectId();
const models = (model: unknown) => model as Model<never>;

export function hotQueries(): HotQuery[] {
  const residentId = id();
  const now = new Date();
  return [
    // sign-up, login and every authenticated request
    { name: 'resident by openid', where: 'ResidentService.login, OrderService.findResident', model: models(ResidentModel), filter: { openid: 'wx-openid' } },
    { name: 'resident by id', where: 'points, labels, tasks, orders', model: models(ResidentModel), filter: { _id: residentId } },
    { name: 'resident by invite code', where: 'AcquisitionService.resolveScene', model: models(ResidentModel), filter: { inviteCode: 'ABCDEFGH' } },
    { name: 'staff by openid', where: 'auth.router wechat-login', model: models(StaffModel), filter: { openid: 'wx-openid', active: true } },
    { name: 'staff by id', where: 'auth.guard', model: models(StaffModel), filter: { _id: id() } },
    { name: 'session by token hash', where: 'SessionService.find', model: models(SessionModel), filter: { _id: 'hash', expiresAt: { $gt: now } } },
    { name: 'code by short id', where: 'AcquisitionService.resolveScene', model: models(QrCodeModel), filter: { shortId: 'abcdefgh' } },
    {
      name: 'earliest scan of a device',
      where: 'AcquisitionService.earliestDeviceScan',
      model: models(TouchModel),
      filter: { deviceId: 'device', residentId: null, kind: 'scan', status: { $in: ['attributable', 'invite'] }, at: { $gte: now } },
    },
    // awards: the ledger's entry, its step and the resident's head
    { name: 'point entry by idempotency key', where: 'PointsService.submit', model: models(PointEntryModel), filter: { idempotencyKey: 'task:x:y' } },
    { name: 'point step by <resident>:<version>', where: 'PointsService.head', model: models(PointStepModel), filter: { _id: `${residentId}:7` } },
    { name: 'point step of an entry', where: 'PointsService.applyEntry', model: models(PointStepModel), filter: { entryId: id() } },
    { name: 'point entries of a source', where: 'PointsService.clawback', model: models(PointEntryModel), filter: { source: 'order', sourceId: 'o1', 'intent.kind': { $in: ['earn', 'hold'] } } },
    { name: 'task event by idempotency key', where: 'TasksRepository.insertEvent', model: models(TaskEventModel), filter: { idempotencyKey: 'k' } },
    { name: 'task progress of a period', where: 'TasksRepository.countMarks', model: models(TaskProgressMarkModel), filter: { taskId: id(), residentId, periodKey: '2026-01-01' } },
    { name: 'task completion of a period', where: 'TasksRepository.completionExists', model: models(TaskCompletionModel), filter: { taskId: id(), residentId, periodKey: '2026-01-01' } },
    // order webhooks
    { name: 'order event by id', where: 'OrderService.receive', model: models(OrderEventModel), filter: { _id: 'event-1' } },
    { name: 'events of an order', where: 'OrderService.mirror', model: models(OrderEventModel), filter: { orderId: 'order-1' } },
    { name: 'order by id', where: 'OrderService.mirror', model: models(OrderModel), filter: { _id: 'order-1' } },
    { name: 'events waiting for a resident', where: 'OrderService.matchResident', model: models(OrderEventModel), filter: { residentOpenid: 'wx-openid', residentId: null } },
    { name: 'credit of an order', where: 'CreditService.creditOrder', model: models(OrderCreditModel), filter: { _id: 'order-1' } },
    { name: "a resident's link touches", where: 'CreditService.creditOrder', model: models(LinkTouchModel), filter: { residentId } },
    { name: 'link touch by id', where: 'CreditService.recordTouch', model: models(LinkTouchModel), filter: { _id: 'touch-1' } },
    // the bot's poll for what to say (every few seconds, over every delivery ever made)
    { name: 'due deliveries', where: 'DeliveryService.pending', model: models(GroupDeliveryModel), filter: { open: true, dueAt: { $lte: now } } },
    { name: "a group's credited orders", where: 'CreditService.groupShare, group stats', model: models(OrderCreditModel), filter: { groupId: id(), state: 'completed' } },
    // one resident's label refresh
    { name: "a resident's completed orders", where: 'LabelService.feedOne (refreshResident)', model: models(OrderModel), filter: { residentId, state: 'completed' } },
    {
      name: "a push target's completed orders after the push",
      where: 'PushService.effect',
      model: models(OrderModel),
      filter: { residentId, state: 'completed', completedAt: { $gte: now, $lt: now } },
    },
    { name: "a resident's activity events", where: 'LabelService.feedOne (refreshResident)', model: models(TaskEventModel), filter: { residentId, type: { $in: ['checkin', 'signup'] } } },
    { name: "a resident's newbie progress", where: 'LabelService.feedOne (refreshResident)', model: models(TaskProgressMarkModel), filter: { residentId, taskId: { $in: [id()] } } },
    { name: "a resident's newbie completions", where: 'LabelService.feedOne (refreshResident)', model: models(TaskCompletionModel), filter: { residentId, taskId: { $in: [id()] } } },
    { name: "a resident's group identities", where: 'LabelService.feedOne (refreshResident)', model: models(GroupIdentityModel), filter: { residentId } },
    { name: "a resident's check-ins", where: 'LabelService.feedOne (refreshResident)', model: models(GroupCheckinModel), filter: { residentId } },
    { name: "a resident's invites", where: 'LabelService.feedOne (refreshResident)', model: models(InviteModel), filter: { inviterId: residentId } },
    { name: "a resident's open fraud flags", where: 'LabelService.feedOne (refreshResident)', model: models(FraudFlagModel), filter: { inviterId: residentId, status: 'open' } },
    { name: "a resident's manual labels", where: 'LabelService.feedOne (refreshResident)', model: models(ManualLabelModel), filter: { residentId } },
    { name: "a resident's interest label", where: 'LabelService.feedOne (refreshResident)', model: models(ResidentInterestModel), filter: { _id: residentId } },
    { name: "a resident's stored labels", where: 'LabelService.residentLabels', model: models(ResidentLabelsModel), filter: { _id: residentId } },
  ];
}
