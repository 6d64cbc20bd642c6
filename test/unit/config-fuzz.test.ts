// Whatever a user puts in the environment, reading the configuration never throws,
// always yields a usable Config, and never quotes more than a short excerpt back.
import fc from 'fast-check';
import t from 'tap';
import { configFromEnv } from '../../config/index.js';

const VARIABLES = [
  'OTEL_SDK_DISABLED', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_NODE_RESOURCE_DETECTORS', 'NODE_ENV', 'HOSTNAME',
  'OTEL_TRACES_EXPORTER', 'OTEL_LOGS_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_BSP_EXPORT_TIMEOUT', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_PROPAGATORS', 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
  'OTEL_PRELOAD_IGNORE_PATHS', 'OTEL_PRELOAD_EXPRESS_LAYERS', 'OTEL_PRELOAD_LOG_KEYS', 'OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS', 'OTEL_LOG_LEVEL',
  'OTEL_PRELOAD_SQL_LITERALS', 'OTEL_PRELOAD_REDACTED_QUERY_PARAMS', 'OTEL_PRELOAD_HTTP_CAPTURE_HEADERS',
  'OTEL_METRICS_EXPORTER', 'OTEL_METRIC_EXPORT_INTERVAL', 'OTEL_METRIC_EXPORT_TIMEOUT', 'OTEL_EXPORTER_PROMETHEUS_HOST', 'OTEL_EXPORTER_PROMETHEUS_PORT',
];

const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('', ' ', 'true', 'TRUE', 'none', '-1', '0', '1e309', 'NaN', '%zz', '=,=,', 'http://', 'grpc', 'x'.repeat(10_000)),
  fc.integer().map(String),
  fc.double().map(String),
);

t.test('configFromEnv never throws and always yields usable values', async (t) => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...VARIABLES), value), (env) => {
      const { config, warnings } = configFromEnv(env, { inContainer: false, randomId: 'r' });
      const { batch } = config.traces;
      return (
        Number.isInteger(batch.maxQueueSize) && batch.maxQueueSize >= 1 &&
        batch.maxExportBatchSize <= batch.maxQueueSize &&
        config.sampler.ratio >= 0 && config.sampler.ratio <= 1 &&
        /^https?:\/\//.test(config.traces.otlp.endpoint) &&
        typeof config.resource.attributes['service.name'] === 'string' &&
        warnings.every((warning) => warning.length < 600)
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 random environments');
});
