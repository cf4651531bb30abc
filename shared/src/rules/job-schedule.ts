import { chinaDateKey, chinaParts } from './china-time';

/**
 * When a job is due, in China time. Each schedule has a cron expression (for node-cron, with
 * timezone Asia/Shanghai) and a period key naming the latest occurrence at or before an instant:
 * a job that has no successful run for the current key is due, which is how a run missed while
 * no server was up is caught up on the next start.
 */
export type JobSchedule =
  | { kind: 'daily'; at: string }
  | { kind: 'hourly'; minute: number }
  | { kind: 'every_minutes'; minutes: number };

export function cronExpression(schedule: JobSchedule): string {
  switch (schedule.kind) {
    case 'daily': {
      const [hours, minutes] = schedule.at.split(':').map(Number);
      return `${minutes} ${hours} * * *`;
    }
    case 'hourly':
      return `${schedule.minute} * * * *`;
    case 'every_minutes':
      return `*/${schedule.minutes} * * * *`;
  }
}

const pad = (value: number): string => String(value).padStart(2, '0');

export function duePeriodKey(schedule: JobSchedule, now: Date): string {
  const { minutes } = chinaParts(now);
  switch (schedule.kind) {
    case 'daily': {
      const [hours, mins] = schedule.at.split(':').map(Number);
      const due = hours * 60 + mins;
      return minutes >= due ? chinaDateKey(now) : chinaDateKey(new Date(now.getTime() - 24 * 3600_000));
    }
    case 'hourly': {
      const shifted = minutes % 60 >= schedule.minute ? now : new Date(now.getTime() - 3600_000);
      return `${chinaDateKey(shifted)}T${pad(chinaParts(shifted).minutes / 60 | 0)}`;
    }
    case 'every_minutes': {
      const slot = Math.floor(minutes / schedule.minutes) * schedule.minutes;
      return `${chinaDateKey(now)}T${pad((slot / 60) | 0)}:${pad(slot % 60)}`;
    }
  }
}
