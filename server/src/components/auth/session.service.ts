import { createHmac, randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { SessionModel } from './session.model';

export interface SessionSubject {
  kind: 'resident' | 'staff';
  residentId: Types.ObjectId | null;
  staffId: Types.ObjectId | null;
  openid: string;
}

export class SessionService {
  private readonly revokeListeners: ((sessionId: string) => void)[] = [];

  constructor(
    private readonly secret: string,
    private readonly ttlHours: number,
  ) {}

  /** The session's id: a keyed hash of its token (the token itself is never stored). */
  idOf(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('hex');
  }

  private hash(token: string): string {
    return this.idOf(token);
  }

  /** Called with the session id when a sign-out begins (before the session is deleted), e.g. to drop a cached caller. */
  onRevoke(listener: (sessionId: string) => void): void {
    this.revokeListeners.push(listener);
  }

  async create(subject: SessionSubject, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttlHours * 3600_000);
    await SessionModel.create({ _id: this.hash(token), ...subject, createdAt: now, expiresAt });
    return { token, expiresAt };
  }

  async find(token: string, now = new Date()): Promise<(SessionSubject & { id: string; expiresAt: Date }) | null> {
    const session = await SessionModel.findOne({ _id: this.hash(token), expiresAt: { $gt: now } }).lean();
    if (!session) return null;
    return { id: String(session._id), kind: session.kind, residentId: session.residentId ?? null, staffId: session.staffId ?? null, openid: session.openid, expiresAt: session.expiresAt };
  }

  async revoke(token: string): Promise<void> {
    const id = this.hash(token);
    for (const listener of this.revokeListeners) listener(id);
    await SessionModel.deleteOne({ _id: id });
  }
}
