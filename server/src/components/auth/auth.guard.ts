import type { Request, RequestHandler } from 'express';
import type { Types } from 'mongoose';
import type { StaffRole } from '@o2o/shared/schemas/staff';
import { AppError } from '../../lib/app-error';
import { StaffModel } from '../staff/staff.model';
import type { SessionService } from './session.service';

export interface StaffPrincipal {
  id: Types.ObjectId;
  name: string;
  role: StaffRole;
  storeId: Types.ObjectId | null;
  cityId: Types.ObjectId | null;
}

export interface Principal {
  sessionId: string;
  openid: string;
  residentId: Types.ObjectId | null;
  staff: StaffPrincipal | null;
}

const principals = new WeakMap<Request, Principal>();

function bearerToken(req: Request): string | null {
  const header = req.header('authorization');
  const match = header ? /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header) : null;
  return match?.[1] ?? null;
}

const ROLE_NAMES: Record<StaffRole, string> = { advisor: '顾问', store_manager: '店长', city_ops: '城市运营', admin: '管理员' };

/** Guards for the route table: who may call, checked on every request (roles are re-read from the database). */
export function createGuards(sessions: SessionService) {
  const authenticate: RequestHandler = async (req, _res, next) => {
    const token = bearerToken(req);
    if (!token) return next(AppError.unauthenticated());
    const session = await sessions.find(token);
    if (!session) return next(new AppError('SESSION_EXPIRED', '登录已失效，请重新登录', 401));
    let staff: StaffPrincipal | null = null;
    if (session.kind === 'staff' && session.staffId) {
      const record = await StaffModel.findById(session.staffId).lean();
      if (!record || !record.active) return next(AppError.forbidden('这个工作人员账号已停用，请联系管理员'));
      staff = { id: record._id, name: record.name, role: record.role, storeId: record.storeId ?? null, cityId: record.cityId ?? null };
    }
    principals.set(req, { sessionId: session.id, openid: session.openid, residentId: session.residentId, staff });
    next();
  };

  const residentOnly: RequestHandler = (req, _res, next) => {
    next(principals.get(req)?.residentId ? undefined : AppError.forbidden('只有居民可以进行这个操作'));
  };

  const staffRoles =
    (roles: readonly StaffRole[]): RequestHandler =>
    (req, _res, next) => {
      const staff = principals.get(req)?.staff;
      if (!staff) return next(AppError.forbidden('只有工作人员可以进行这个操作'));
      next(roles.includes(staff.role) ? undefined : AppError.forbidden(`${ROLE_NAMES[staff.role]}没有权限进行这个操作`));
    };

  return {
    /** Any signed-in caller. */
    signedIn: [authenticate],
    resident: [authenticate, residentOnly],
    staff: (...roles: StaffRole[]): RequestHandler[] => [
      authenticate,
      staffRoles(roles.length > 0 ? roles : ['advisor', 'store_manager', 'city_ops', 'admin']),
    ],
  };
}

export type Guards = ReturnType<typeof createGuards>;

export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (!principal) throw AppError.unauthenticated();
  return principal;
}

export function staffOf(req: Request): StaffPrincipal {
  const staff = principalOf(req).staff;
  if (!staff) throw AppError.forbidden('只有工作人员可以进行这个操作');
  return staff;
}

export function residentIdOf(req: Request): Types.ObjectId {
  const residentId = principalOf(req).residentId;
  if (!residentId) throw AppError.forbidden('只有居民可以进行这个操作');
  return residentId;
}

/**
 * A filter for records that carry their owner's `storeId` and `cityId` (plans, campaigns): an
 * admin sees all, city ops their city's, everyone else their store's.
 */
export function ownedRecordsFilter(staff: StaffPrincipal): Record<string, unknown> {
  switch (staff.role) {
    case 'admin':
      return {};
    case 'city_ops':
      return { cityId: staff.cityId };
    default:
      return { storeId: staff.storeId };
  }
}
