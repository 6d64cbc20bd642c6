import type { EnvReader } from './env.js';

/**
 * `OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS`: the most time a flush on SIGTERM, SIGINT or
 * exit may add, even when the backend is unreachable. Kubernetes gives a pod 30 s
 * between SIGTERM and SIGKILL by default; 5 s leaves the app most of it.
 */
export function shutdownTimeoutFromEnv(reader: EnvReader): number {
  return reader.number('OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS', 5000, { integer: true, min: 0, max: 120_000 });
}
