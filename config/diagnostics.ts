import type { EnvReader } from './env.js';

export const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `OTEL_LOG_LEVEL`, case-insensitive; how chatty we and the SDK are on stderr. */
export function logLevelFromEnv(reader: EnvReader): LogLevel {
  return reader.choice('OTEL_LOG_LEVEL', LOG_LEVELS, 'info');
}
