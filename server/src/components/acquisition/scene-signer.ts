import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatScene, parseScene, scenePayload, SIGNATURE_LENGTH, type ParsedScene, type SceneKind } from '@o2o/shared/rules/scene';

/** Signs and verifies scenes with a server secret, so a forged or altered scene is rejected. */
export class SceneSigner {
  constructor(private readonly secret: string) {}

  private signature(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, SIGNATURE_LENGTH);
  }

  sign(kind: SceneKind, id: string): string {
    return formatScene(kind, id, this.signature(scenePayload(kind, id)));
  }

  /** `null` when the scene is not ours or its signature does not match. */
  verify(raw: string): ParsedScene | null {
    const parsed = parseScene(raw);
    if (!parsed) return null;
    const expected = Buffer.from(this.signature(parsed.payload));
    const given = Buffer.from(parsed.signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? parsed : null;
  }
}
