import type { Request, RequestHandler } from 'express';
import type { Types } from 'mongoose';
import type { StaffRole } from '@o2o/shared/schemas/staff';
import { AppError } from '../../lib/app-error';
import { StaffModel } from '../staff/staff.model';
import type { SessionService } from './session.service';
import { LRUCache } from 'lru-cache';

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

export interface GuardOptions {
  /**
   * How long a verified caller (session and staff record) is reused without reading either again.
   * A sign-out on this server ends it at once; a sign-out on another instance, or a staff account
   * stopped or changed in the database, takes effect within this time. 0 reads on every request.
   */
  principalCacheMs?: number;
  /** The clock of the cache; tests pass one they can move. */
  now?: () => number;
}

/** Distinct callers remembered at once; beyond that the oldest is read again on its next request. */
const PRINCIPAL_CACHE_ENTRIES = 10_000;
/** Longer than any request takes between reading a session and caching it. */
const REVOKED_MEMORY_MS = 60_000;

/** Guards for the route table: who may call, checked on every request against the session and the staff record. */
export function createGuards(sessions: SessionService, options: GuardOptions = {}) {
  const cacheMs = options.principalCacheMs ?? 0;
  const now = options.now ?? Date.now;
  // lru-cache: per-entry TTL and a size cap (least recently used out first); `perf` is the clock
  // tests move, `ttlResolution: 0` reads it on every check instead of caching it for a millisecond.
  const lru = <V extends object | boolean>() => new LRUCache<string, V>({ max: PRINCIPAL_CACHE_ENTRIES, ttlResolution: 0, perf: { now } });
  const cache = lru<Principal>();
  // Signed-out sessions, for a while: a request that read the session just before its deletion
  // may finish, but must not put it back in the cache.
  const revoked = lru<boolean>();
  sessions.onRevoke((sessionId) => {
    revoked.set(sessionId, true, { ttl: REVOKED_MEMORY_MS });
    cache.delete(sessionId);
  });

  const authenticate: RequestHandler = async (req, _res, next) => {
    const token = bearerToken(req);
    if (!token) return next(AppError.unauthenticated());
    const sessionId = cacheMs > 0 ? sessions.idOf(token) : '';
    const cached = cacheMs > 0 ? cache.get(sessionId) : undefined;
    if (cached) {
      principals.set(req, cached);
      return next();
    }
    const session = await sessions.find(token);
    if (!session) return next(new AppError('SESSION_EXPIRED', '登录已失效，请重新登录', 401));
    let staff: StaffPrincipal | null = null;
    if (session.kind === 'staff' && session.staffId) {
      const record = await StaffModel.findById(session.staffId).lean();
      if (!record || !record.active) return next(AppError.forbidden('这个工作人员账号已停用，请联系管理员'));
      staff = Object.freeze({ id: record._id, name: record.name, role: record.role, storeId: record.storeId ?? null, cityId: record.cityId ?? null });
    }
    const principal: Principal = Object.freeze({ sessionId: session.id, openid: session.openid, residentId: session.residentId, staff });
    const ttl = Math.min(cacheMs, session.expiresAt.getTime() - now());
    if (cacheMs > 0 && ttl > 0 && !revoked.get(session.id)) cache.set(session.id, principal, { ttl });
    principals.set(req, principal);
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
