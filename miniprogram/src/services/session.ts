import type { z } from 'zod';
import { sessionSchema } from '@o2o/shared/schemas/auth';
import { createApiClient, type TokenStore } from './api-client';
import { apiBaseUrl, deviceId, loginCode, readStorage, STORAGE_KEYS, taroTransport, taroUploadTransport, writeStorage } from './platform';

export type Session = z.infer<typeof sessionSchema>;

const tokens: TokenStore = {
  get: () => readStorage<string>(STORAGE_KEYS.token),
  set: (token) => writeStorage(STORAGE_KEYS.token, token),
};

export function currentSession(): Session | null {
  return readStorage<Session>(STORAGE_KEYS.session);
}

export function isStaffSession(session: Session | null = currentSession()): boolean {
  return session?.kind === 'staff' && session.staff !== null;
}

/** Signs in (optionally carrying the scene the app was opened with) and keeps the session. */
export async function login(scene?: string): Promise<Session> {
  const code = await loginCode();
  const session = await client.request({
    method: 'POST',
    path: '/auth/wechat-login',
    auth: false,
    body: { code, deviceId: deviceId(), ...(scene ? { scene } : {}) },
    response: sessionSchema,
  });
  tokens.set(session.token);
  writeStorage(STORAGE_KEYS.session, session);
  return session;
}

/** After sign-up the stored session no longer needs it. */
export function markSignedUp(): void {
  const session = currentSession();
  if (session) writeStorage(STORAGE_KEYS.session, { ...session, needsSignUp: false });
}

/** Forgets the session on this device (the server's session is revoked by the caller first). */
export function logout(): void {
  tokens.set(null);
  writeStorage(STORAGE_KEYS.session, null);
}

/**
 * Who may see a resident page: a signed-up resident. Staff belong on their workbench, anyone
 * without a session or still signing up on the landing page.
 */
export function residentPageAccess(session: Session | null = currentSession()): 'allowed' | 'staff' | 'sign_in' {
  if (!session || !hasToken()) return 'sign_in';
  if (isStaffSession(session)) return 'staff';
  return session.needsSignUp ? 'sign_in' : 'allowed';
}

export function hasToken(): boolean {
  return tokens.get() !== null;
}

/** The app's one API client: Taro.request, the stored token, one silent re-login on expiry. */
export const client = createApiClient({
  baseUrl: apiBaseUrl,
  transport: taroTransport,
  uploadTransport: taroUploadTransport,
  tokens,
  relogin: async () => {
    await login();
  },
});
