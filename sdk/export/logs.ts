import { logs } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Config } from '../../config/index.js';
import { reportSdkErrorsOf } from '../diag.js';
import { ExportFailures, exportReporting } from './export-failures.js';
import { createOtlpExporter } from './exporters.js';

/**
 * Opt-in (`OTEL_LOGS_EXPORTER=otlp|console`): pino records also leave as OTLP log
 * records. Loaded only then; Tempo takes no logs, so this points at a Collector.
 */
export function startLogs(config: Config, resource: Resource): { forceFlush(): Promise<void>; shutdown(): Promise<void> } {
  const sdkLogs = require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
  reportSdkErrorsOf('@opentelemetry/sdk-logs');
  const otlp = config.logs.otlp ?? config.traces.otlp;
  const processors: LogRecordProcessor[] = config.logs.exporters.map((name) =>
    name === 'console'
      ? new sdkLogs.SimpleLogRecordProcessor({ exporter: new sdkLogs.ConsoleLogRecordExporter() })
      : new sdkLogs.BatchLogRecordProcessor({ exporter: withFailureReports(createOtlpExporter<LogRecordExporter>('logs', otlp), otlp.endpoint) }),
  );
  const provider = new sdkLogs.LoggerProvider({ resource, processors });
  logs.setGlobalLoggerProvider(provider);
  return provider;
}

/** The OTLP exporter with its failures reported once (export-failures.ts). */
function withFailureReports(inner: LogRecordExporter, endpoint: string): LogRecordExporter {
  const failures = new ExportFailures('log records', endpoint);
  return {
    export: (records, done) => exportReporting(inner, failures, records, records.length, done),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => inner.shutdown(),
  };
}
