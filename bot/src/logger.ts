/** A small structured logger (one JSON line per entry on stderr); the bot has no logging dependency. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

function describe(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

export function createLogger(level: keyof typeof LEVELS, name = 'bot'): Logger {
  const threshold = LEVELS[level];
  const write = (entryLevel: keyof typeof LEVELS) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[entryLevel] < threshold) return;
    const safe = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, describe(value)]));
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, name, msg: message, ...safe })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
