import { batchFromEnv, type BatchConfig } from './batch.js';
import { type LogLevel, logLevelFromEnv } from './diagnostics.js';
import { type Env, EnvReader } from './env.js';
import { type LogsExporterName, logsExportersFromEnv, type OtlpConfig, otlpFromEnv, type TracesExporterName, tracesExportersFromEnv } from './exporter.js';
import { type InstrumentationsConfig, instrumentationsFromEnv } from './instrumentations.js';
import { type MetricsConfig, metricsFromEnv } from './metrics.js';
import { type PropagatorName, propagatorsFromEnv } from './propagators.js';
import { type RedactionConfig, redactionFromEnv } from './redaction.js';
import { type ResourceConfig, type ResourceFacts, resourceFromEnv } from './resource.js';
import { type SamplerConfig, samplerFromEnv } from './sampler.js';
import { shutdownTimeoutFromEnv } from './shutdown.js';

export type { Env } from './env.js';

/**
 * Everything the preload does, decided once from the environment. A plain,
 * serialisable object: the start-up line prints it (redacted), tests compare it,
 * and nothing after `configFromEnv` reads `process.env` again.
 */
export interface Config {
  logLevel: LogLevel;
  resource: ResourceConfig;
  traces: { exporters: TracesExporterName[]; otlp: OtlpConfig; batch: BatchConfig };
  logs: { exporters: LogsExporterName[]; otlp?: OtlpConfig };
  metrics: MetricsConfig;
  sampler: SamplerConfig;
  propagators: PropagatorName[];
  instrumentations: InstrumentationsConfig;
  /** What never leaves the process: SQL literals, sensitive query values, secret headers. */
  redaction: RedactionConfig;
  shutdownTimeoutMillis: number;
}

export interface ConfigResult {
  config: Config;
  /** One line per bad value: the variable, what it held, what is used instead. */
  warnings: string[];
}

export function configFromEnv(env: Env, facts: ResourceFacts): ConfigResult {
  const reader = new EnvReader(env);
  reader.boolean('OTEL_SDK_DISABLED', false); // only to warn about a typo: a clear "true" never gets here
  const logsExporters = logsExportersFromEnv(reader);
  const metrics = metricsFromEnv(reader);
  const config: Config = {
    logLevel: logLevelFromEnv(reader),
    resource: resourceFromEnv(reader, facts),
    traces: { exporters: tracesExportersFromEnv(reader), otlp: otlpFromEnv(reader, 'traces'), batch: batchFromEnv(reader) },
    logs: { exporters: logsExporters, ...(logsExporters.includes('otlp') ? { otlp: otlpFromEnv(reader, 'logs') } : {}) },
    metrics,
    sampler: samplerFromEnv(reader),
    propagators: propagatorsFromEnv(reader),
    instrumentations: instrumentationsFromEnv(reader, logsExporters.length > 0, metrics.exporters.length > 0),
    redaction: redactionFromEnv(reader),
    shutdownTimeoutMillis: shutdownTimeoutFromEnv(reader),
  };
  return { config, warnings: reader.warnings };
}

/**
 * `OTEL_SDK_DISABLED=true` loads nothing at all, so it is read before anything else.
 * Anything but a clear "true" keeps the SDK on; a typo is worth a warning, later.
 */
export function isDisabled(env: Env): boolean {
  return env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true';
}
