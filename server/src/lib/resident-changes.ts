import type { Types } from 'mongoose';
import type { Logger } from './logger';

/** Called after something about a resident changed (an order settled, a task event recorded). */
export type ResidentChangeListener = (residentId: Types.ObjectId, cause: string) => void | Promise<void>;

/**
 * The listeners a service notifies after a resident changed. Notifying never waits for a listener
 * and never throws: a listener's failure is logged, and the work it stood for is repaired by a
 * nightly job (labels are fully recomputed every night).
 */
export class ResidentChangeListeners {
  private readonly listeners: { listener: ResidentChangeListener; logger: Pick<Logger, 'error'> | null }[] = [];

  add(listener: ResidentChangeListener, logger: Pick<Logger, 'error'> | null = null): void {
    this.listeners.push({ listener, logger });
  }

  notify(residentId: Types.ObjectId, cause: string): void {
    for (const { listener, logger } of this.listeners) {
      const report = (error: unknown) => logger?.error({ err: error, residentId: String(residentId), cause }, 'a resident-change listener failed');
      try {
        Promise.resolve(listener(residentId, cause)).catch(report);
      } catch (error) {
        report(error);
      }
    }
  }
}
