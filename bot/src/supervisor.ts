import type { Clock } from './clock';
import type { Logger } from './logger';
import type { CommunityBot } from './bot';

export interface SupervisorOptions {
  /** Builds a fresh bot (a new Wechaty and puppet) for each run. */
  create: () => CommunityBot | Promise<CommunityBot>;
  clock: Clock;
  log: Logger;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A run that lasted this long resets the back-off. */
  healthyAfterMs?: number;
}

/**
 * Keeps the bot running: a logout, a puppet error that stops it, or a failed start leads to a
 * clean stop and a fresh start after a back-off that doubles up to a ceiling, never a crash loop.
 */
export class Supervisor {
  private current: CommunityBot | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  restarts = 0;

  constructor(private readonly options: SupervisorOptions) {}

  async run(): Promise<void> {
    const { clock, log } = this.options;
    const initial = this.options.initialDelayMs ?? 2000;
    const ceiling = this.options.maxDelayMs ?? 5 * 60_000;
    let delay = initial;
    while (!this.stopping) {
      const startedAt = clock.now();
      try {
        const bot = await this.options.create();
        this.current = bot;
        const ended = new Promise<string>((resolve) => {
          this.wake = () => resolve('stop requested');
          bot.wechaty.on('logout', () => resolve('logged out'));
          bot.wechaty.on('stop', () => resolve('stopped'));
          bot.wechaty.on('error', (error) => {
            // Only errors that leave the puppet dead end the run; Wechaty reports many recoverable ones.
            if (!bot.wechaty.isLoggedIn && clock.now() - startedAt > 60_000) resolve(`error: ${(error as Error).message}`);
          });
        });
        await bot.start();
        const reason = await ended;
        log.warn('the bot stopped', { reason });
      } catch (error) {
        log.error('the bot failed', { err: error });
      } finally {
        await this.current?.stop().catch(() => undefined);
        this.current = null;
        this.wake = null;
      }
      if (this.stopping) break;
      if (clock.now() - startedAt > (this.options.healthyAfterMs ?? 10 * 60_000)) delay = initial;
      this.restarts += 1;
      log.info('restarting the bot after a back-off', { delayMs: delay, restarts: this.restarts });
      await clock.sleep(delay);
      delay = Math.min(delay * 2, ceiling);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.current?.stop().catch(() => undefined);
  }
}
