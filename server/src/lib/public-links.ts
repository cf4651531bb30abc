import type { Config } from '../config/config';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * Links the server hands out (code images, invite links): under `H5_BASE_URL` when it is set,
 * otherwise on the address the server actually listens on, so `PORT=3104` (or `PORT=0`) gives
 * links that open. A wildcard bind address (0.0.0.0) is linked as 127.0.0.1: set H5_BASE_URL for
 * other devices.
 */
export class PublicLinks {
  private listening: { host: string; port: number } | null = null;

  constructor(private readonly config: Pick<Config, 'H5_BASE_URL' | 'HOST' | 'PORT' | 'MINIPROGRAM_LANDING_PAGE'>) {}

  /** main.ts reports where it listens, once it does (only then is a `PORT=0` port known). */
  listeningOn(host: string, port: number): void {
    this.listening = { host, port };
  }

  h5BaseUrl(): string {
    if (this.config.H5_BASE_URL) return this.config.H5_BASE_URL.replace(/\/+$/, '');
    const host = this.listening?.host ?? this.config.HOST;
    const port = this.listening?.port ?? this.config.PORT;
    const linkHost = WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return `http://${linkHost}:${port}/h5`;
  }

  /** The H5 landing page with a scene: what a fallback code image encodes and an invite link opens. */
  landingUrl(scene: string): string {
    return `${this.h5BaseUrl()}/#/${this.config.MINIPROGRAM_LANDING_PAGE}?scene=${encodeURIComponent(scene)}`;
  }

  /** The mini-program page path with a scene, for share cards (`onShareAppMessage`). */
  miniProgramPath(scene: string): string {
    return `/${this.config.MINIPROGRAM_LANDING_PAGE}?scene=${encodeURIComponent(scene)}`;
  }
}
