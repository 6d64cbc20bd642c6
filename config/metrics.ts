import { type EnvReader, quoteAll } from './env.js';
import { type OtlpConfig, otlpFromEnv } from './exporter.js';

export type MetricsExporterName = 'otlp' | 'prometheus' | 'console';
const KNOWN: readonly MetricsExporterName[] = ['otlp', 'prometheus', 'console'];

export interface MetricsConfig {
  /** Empty (the default) means no metrics work at all: no SDK loaded, no timer, no instruments. */
  exporters: MetricsExporterName[];
  otlp?: OtlpConfig;
  intervalMillis: number;
  timeoutMillis: number;
  prometheus: { host: string; port: number };
}

/**
 * `OTEL_METRICS_EXPORTER` defaults to none, unlike the specification's otlp: a
 * Tempo-only setup would otherwise send metrics nobody receives, failing every minute.
 */
export function metricsFromEnv(reader: EnvReader): MetricsConfig {
  const exporters = exportersFromEnv(reader);
  const intervalMillis = reader.number('OTEL_METRIC_EXPORT_INTERVAL', 60_000, { integer: true, min: 100, max: 86_400_000 });
  let timeoutMillis = reader.number('OTEL_METRIC_EXPORT_TIMEOUT', 30_000, { integer: true, min: 1, max: 86_400_000 });
  if (timeoutMillis > intervalMillis) {
    // An export may not outlast the interval; only a value the user set is worth a warning.
    if (reader.string('OTEL_METRIC_EXPORT_TIMEOUT') !== undefined) {
      reader.warn(`OTEL_METRIC_EXPORT_TIMEOUT=${timeoutMillis} is above OTEL_METRIC_EXPORT_INTERVAL=${intervalMillis}; using ${intervalMillis}`);
    }
    timeoutMillis = intervalMillis;
  }
  return {
    exporters,
    ...(exporters.includes('otlp') ? { otlp: otlpFromEnv(reader, 'metrics') } : {}),
    intervalMillis,
    timeoutMillis,
    prometheus: {
      host: reader.string('OTEL_EXPORTER_PROMETHEUS_HOST') ?? 'localhost',
      port: reader.number('OTEL_EXPORTER_PROMETHEUS_PORT', 9464, { integer: true, min: 0, max: 65_535 }),
    },
  };
}

function exportersFromEnv(reader: EnvReader): MetricsExporterName[] {
  const listed = reader.list('OTEL_METRICS_EXPORTER');
  if (listed === undefined || listed.includes('none')) return [];
  const known = listed.filter((name): name is MetricsExporterName => (KNOWN as readonly string[]).includes(name));
  const unknown = listed.filter((name) => !(KNOWN as readonly string[]).includes(name));
  if (unknown.length > 0) reader.warn(`OTEL_METRICS_EXPORTER has unknown exporter ${quoteAll(unknown)} (known: ${KNOWN.join(', ')}, none); using ${known.join(',') || 'none'}`);
  return known;
}
