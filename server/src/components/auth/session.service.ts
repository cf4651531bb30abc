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
  constructor(
    private readonly secret: string,
    private readonly ttlHours: number,
  ) {}

  private hash(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('hex');
  }

  async create(subject: SessionSubject, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttlHours * 3600_000);
    await SessionModel.create({ _id: this.hash(token), ...subject, createdAt: now, expiresAt });
    return { token, expiresAt };
  }

  async find(token: string, now = new Date()): Promise<(SessionSubject & { id: string }) | null> {
    const session = await SessionModel.findOne({ _id: this.hash(token), expiresAt: { $gt: now } }).lean();
    if (!session) return null;
    return { id: String(session._id), kind: session.kind, residentId: session.residentId ?? null, staffId: session.staffId ?? null, openid: session.openid };
  }

  async revoke(token: string): Promise<void> {
    await SessionModel.deleteOne({ _id: this.hash(token) });
  }
}
