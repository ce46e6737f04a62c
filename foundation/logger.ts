// One way to make loggers: pino, JSON lines on stdout (docs/operations.md "Logs"), child
// loggers per component. Quiet by default (level 'info' shows only what an operator should
// see); --log-level or ORCH_LOG_LEVEL changes it. Errors are logged as `{ err }`: pino's
// err serializer keeps the type, message and stack (never `{ err: err.message }`, which
// loses where it came from). Never log secret values.

import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** 1 = stdout (services, the default), 2 = stderr (CLI commands whose stdout is their output). */
  fd?: 1 | 2;
}

export function createLogger(component: string, level?: string, opts: LoggerOptions = {}): Logger {
  const lvl = (level ?? process.env.ORCH_LOG_LEVEL ?? 'info') as LevelWithSilent;
  return pino(
    { level: lvl, base: { component }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: pino.stdSerializers.err } },
    pino.destination(opts.fd ?? 1),
  );
}

/** For tests: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
