/**
 * The `scene` of a WeChat mini-program code: at most 32 characters from
 * [0-9A-Za-z] and !#$&'()*+,/:;=?@-._~ (WeChat's limit for getwxacodeunlimit).
 *
 * Our scenes are `<kind>.<id>.<signature>`:
 *   c.k3j9x2ab.Qz8F1cT0aB   an acquisition QR code (kind c, 8-character code id)
 *   i.7hq2mx0p.Zr41pL0aqW   a resident's invite (kind i, 8-character invite code)
 * The server signs `<kind>.<id>` with a secret HMAC, so a forged or altered scene is rejected.
 * This module only formats and parses; signing lives on the server.
 */
export const SCENE_MAX_LENGTH = 32;
export const SCENE_ALLOWED = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/;
export const SHORT_ID_PATTERN = /^[0-9a-z]{8}$/;
export const SIGNATURE_LENGTH = 10;

export type SceneKind = 'code' | 'invite';
const KIND_PREFIX: Record<SceneKind, string> = { code: 'c', invite: 'i' };

export interface ParsedScene {
  kind: SceneKind;
  id: string;
  signature: string;
  /** The signed part, `<prefix>.<id>`. */
  payload: string;
}

export function scenePayload(kind: SceneKind, id: string): string {
  return `${KIND_PREFIX[kind]}.${id}`;
}

export function formatScene(kind: SceneKind, id: string, signature: string): string {
  const scene = `${scenePayload(kind, id)}.${signature}`;
  if (scene.length > SCENE_MAX_LENGTH || !SCENE_ALLOWED.test(scene)) {
    throw new Error(`scene ${scene} does not fit WeChat's limit`);
  }
  return scene;
}

/** Returns null for anything that is not one of our scenes (never throws). */
export function parseScene(raw: string | null | undefined): ParsedScene | null {
  if (typeof raw !== 'string') return null;
  let scene = raw.trim();
  // WeChat hands the scene to the page URL-encoded; an H5 URL may encode it too.
  if (scene.includes('%')) {
    try {
      scene = decodeURIComponent(scene);
    } catch {
      return null;
    }
  }
  if (scene.length === 0 || scene.length > SCENE_MAX_LENGTH || !SCENE_ALLOWED.test(scene)) return null;
  const [prefix, id, signature, ...rest] = scene.split('.');
  if (rest.length > 0 || !id || !signature) return null;
  const kind = (Object.keys(KIND_PREFIX) as SceneKind[]).find((candidate) => KIND_PREFIX[candidate] === prefix);
  if (!kind || !SHORT_ID_PATTERN.test(id) || signature.length !== SIGNATURE_LENGTH) return null;
  return { kind, id, signature, payload: `${prefix}.${id}` };
}
