import { parseScene, type ParsedScene } from '@o2o/shared/rules/scene';

/** What the mini-program was opened with: WeChat's launch options or a page's router params. */
export interface LaunchLike {
  query?: Record<string, string | undefined> | null;
  /** In WeChat this is the numeric entry scene (1047 = scanned a code), never our scene. */
  scene?: number | string;
}

/** Our scene from WeChat launch options or page params (`query.scene`, URL-encoded by WeChat). */
export function sceneFromLaunch(options: LaunchLike | null | undefined): ParsedScene | null {
  const raw = options?.query?.scene;
  return parseScene(raw ?? null);
}

/** Our scene from an H5 URL: `.../h5/#/pages/landing/index?scene=c.x.y`, or `?scene=` before the hash. */
export function sceneFromUrl(url: string | null | undefined): ParsedScene | null {
  if (!url) return null;
  const hashIndex = url.indexOf('#');
  const parts = hashIndex >= 0 ? [url.slice(hashIndex + 1), url.slice(0, hashIndex)] : [url];
  for (const part of parts) {
    const queryIndex = part.indexOf('?');
    if (queryIndex < 0) continue;
    for (const pair of part.slice(queryIndex + 1).split('&')) {
      const [key, value = ''] = pair.split('=');
      if (key === 'scene') {
        const parsed = parseScene(value.replace(/\+/g, ' '));
        if (parsed) return parsed;
      }
    }
  }
  return null;
}

/** Page params first (both platforms put `scene` there), then the H5 address bar. */
export function resolveScene(params: Record<string, string | undefined> | null | undefined, url?: string | null): ParsedScene | null {
  return sceneFromLaunch({ query: params ?? null }) ?? sceneFromUrl(url);
}
