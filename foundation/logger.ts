// One way to make loggers: pino, JSON lines on stderr, child loggers per component.
// Quiet by default (level 'info' shows only what an operator should see); --log-level
// or ORCH_LOG_LEVEL changes it. Never log secret values.

import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(component: string, level?: string): Logger {
  const lvl = (level ?? process.env.ORCH_LOG_LEVEL ?? 'info') as LevelWithSilent;
  return pino({ level: lvl, base: { component }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/** For tests: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
