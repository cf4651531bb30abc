import type { Express } from 'express';
import request from 'supertest';
import type { Session } from '@o2o/shared/schemas/auth';

/** Signs in through the real login endpoint (dev login) and returns the session body. */
export async function login(app: Express, code: string, extra: { scene?: string; deviceId?: string } = {}): Promise<Session> {
  const response = await request(app).post('/auth/wechat-login').send({ code, ...extra });
  if (response.status !== 200) throw new Error(`login ${code} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Session;
}

export function bearer(session: { token: string }): Record<string, string> {
  return { authorization: `Bearer ${session.token}` };
}
