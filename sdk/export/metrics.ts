import { metrics } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { IMetricReader, MeterProvider, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { OtlpConfig } from '../../config/exporter.js';
import type { MetricsConfig } from '../../config/metrics.js';
import { reportSdkErrorsOf } from '../diag.js';
import { ExportFailures, exportReporting } from './export-failures.js';
import { createOtlpExporter } from './exporters.js';

/**
 * Opt-in (`OTEL_METRICS_EXPORTER`): a MeterProvider the instrumentations already
 * loaded report into — HTTP request durations, pg pool usage, kafkajs messaging
 * metrics, the runtime's event loop, GC and heap. Loaded only then: with metrics
 * off no metrics package is required, no timer runs and every instrument is a no-op.
 * The Prometheus endpoint is its own server, never the app's port.
 */
export function startMetrics(config: MetricsConfig, resource: Resource): MeterProvider {
  const sdk = require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  reportSdkErrorsOf('@opentelemetry/sdk-metrics');
  const readers = config.exporters.map((name): IMetricReader => {
    if (name === 'prometheus') {
      const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus');
      return new PrometheusExporter({ host: config.prometheus.host, port: config.prometheus.port });
    }
    const otlp = config.otlp as OtlpConfig;
    const exporter = name === 'console' ? new sdk.ConsoleMetricExporter() : withFailureReports(createOtlpExporter<PushMetricExporter>('metrics', otlp), otlp.endpoint);
    return new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: config.intervalMillis, exportTimeoutMillis: config.timeoutMillis });
  });
  const provider = new sdk.MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(provider);
  return provider;
}

/** The OTLP exporter with its failures reported once (export-failures.ts); aggregation choices stay its own. */
function withFailureReports(inner: PushMetricExporter, endpoint: string): PushMetricExporter {
  const failures = new ExportFailures('metrics', endpoint);
  return {
    export: (metrics, done) => exportReporting(inner, failures, metrics, undefined, done),
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    selectAggregationTemporality: inner.selectAggregationTemporality?.bind(inner),
    selectAggregation: inner.selectAggregation?.bind(inner),
  };
}
