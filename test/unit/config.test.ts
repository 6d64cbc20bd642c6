// Table tests for config/: every variable we read, good and bad values, with the
// warning asserted. Each row is { env, expect(config), warning? }.
import t from 'tap';
import { type Config, configFromEnv, type Env, isDisabled } from '../../config/index.js';
import { parseKeyValueList } from '../../config/env.js';

const facts = { appPackage: { name: 'orders', version: '3.1.4', path: '/app/package.json' }, inContainer: false, randomId: 'random-id' };

interface Row {
  name: string;
  env: Env;
  check: (config: Config) => unknown;
  expected: unknown;
  /** A substring every warning must contain; none means no warning at all. */
  warning?: string;
}

function runRows(title: string, rows: Row[]): void {
  t.test(title, async (t) => {
    for (const row of rows) {
      const { config, warnings } = configFromEnv(row.env, facts);
      t.same(row.check(config), row.expected, `${row.name}: value`);
      if (row.warning === undefined) {
        t.same(warnings, [], `${row.name}: no warning`);
      } else {
        t.equal(warnings.length, 1, `${row.name}: exactly one warning (got ${JSON.stringify(warnings)})`);
        t.match(warnings[0] ?? '', row.warning, `${row.name}: warning text`);
      }
    }
  });
}

runRows('exporter endpoint, protocol and precedence', [
  { name: 'default is gRPC to localhost:4317', env: {}, check: (c) => [c.traces.otlp.protocol, c.traces.otlp.endpoint], expected: ['grpc', 'http://localhost:4317'] },
  { name: 'generic endpoint used as-is for gRPC', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4317' }, check: (c) => c.traces.otlp.endpoint, expected: 'http://tempo:4317' },
  {
    name: 'generic endpoint gets /v1/traces for http',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/otlp/', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    check: (c) => c.traces.otlp.endpoint,
    expected: 'https://otlp.example.com/otlp/v1/traces',
  },
  {
    name: 'signal-specific endpoint wins and is used as-is',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://specific:4318/custom', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    check: (c) => c.traces.otlp.endpoint,
    expected: 'http://specific:4318/custom',
  },
  { name: 'default http endpoint', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, check: (c) => c.traces.otlp.endpoint, expected: 'http://localhost:4318/v1/traces' },
  { name: 'signal-specific protocol wins', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, check: (c) => c.traces.otlp.protocol, expected: 'grpc' },
  { name: 'protocol is case-insensitive and trimmed', env: { OTEL_EXPORTER_OTLP_PROTOCOL: ' HTTP/Protobuf ' }, check: (c) => c.traces.otlp.protocol, expected: 'http/protobuf' },
  { name: 'bad protocol', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' }, check: (c) => c.traces.otlp.protocol, expected: 'grpc', warning: 'OTEL_EXPORTER_OTLP_PROTOCOL="carrier-pigeon" is not one of grpc, http/protobuf, http/json; using grpc' },
  { name: 'bad endpoint', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'tempo:4317' }, check: (c) => c.traces.otlp.endpoint, expected: 'http://localhost:4317', warning: 'OTEL_EXPORTER_OTLP_ENDPOINT="tempo:4317" is not an http:// or https:// URL; using http://localhost:4317' },
  { name: 'blank endpoint counts as unset', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '  ', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b:4317' }, check: (c) => c.traces.otlp.endpoint, expected: 'http://b:4317' },
]);

runRows('exporter headers, compression, timeout', [
  {
    name: 'headers merged, specific wins per key, percent-decoded',
    env: { OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20abc,x-scope=a', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-scope=b' },
    check: (c) => c.traces.otlp.headers,
    expected: { authorization: 'Basic abc', 'x-scope': 'b' },
  },
  {
    name: 'malformed header entry warned without its value',
    env: { OTEL_EXPORTER_OTLP_HEADERS: 'good=1,secret-token-no-equals' },
    check: (c) => c.traces.otlp.headers,
    expected: { good: '1' },
    warning: 'OTEL_EXPORTER_OTLP_HEADERS has 1 malformed entry (expected key=value); they are ignored',
  },
  { name: 'gzip', env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP' }, check: (c) => c.traces.otlp.compression, expected: 'gzip' },
  { name: 'bad compression', env: { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'zstd' }, check: (c) => c.traces.otlp.compression, expected: 'none', warning: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="zstd" is not gzip or none; using none' },
  { name: 'timeout', env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2500' }, check: (c) => c.traces.otlp.timeoutMillis, expected: 2500 },
  { name: 'specific timeout wins', env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700' }, check: (c) => c.traces.otlp.timeoutMillis, expected: 700 },
  { name: 'negative timeout', env: { OTEL_EXPORTER_OTLP_TIMEOUT: '-5' }, check: (c) => c.traces.otlp.timeoutMillis, expected: 10000, warning: 'OTEL_EXPORTER_OTLP_TIMEOUT="-5" is below the minimum 1; using 10000' },
  { name: 'garbage timeout', env: { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' }, check: (c) => c.traces.otlp.timeoutMillis, expected: 10000, warning: 'OTEL_EXPORTER_OTLP_TIMEOUT="soon" is not a number; using 10000' },
]);

runRows('OTEL_TRACES_EXPORTER and OTEL_LOGS_EXPORTER', [
  { name: 'default otlp', env: {}, check: (c) => c.traces.exporters, expected: ['otlp'] },
  { name: 'console', env: { OTEL_TRACES_EXPORTER: 'Console' }, check: (c) => c.traces.exporters, expected: ['console'] },
  { name: 'none', env: { OTEL_TRACES_EXPORTER: 'none' }, check: (c) => c.traces.exporters, expected: [] },
  { name: 'both', env: { OTEL_TRACES_EXPORTER: 'otlp, console' }, check: (c) => c.traces.exporters, expected: ['otlp', 'console'] },
  { name: 'unknown', env: { OTEL_TRACES_EXPORTER: 'zipkin' }, check: (c) => c.traces.exporters, expected: ['otlp'], warning: 'OTEL_TRACES_EXPORTER has unknown exporter "zipkin" (known: otlp, console, none); using otlp' },
  { name: 'logs off by default', env: {}, check: (c) => [c.logs.exporters, c.instrumentations.pino.sendLogs, c.logs.otlp], expected: [[], false, undefined] },
  {
    name: 'logs opt-in uses the logs endpoint rules',
    env: { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    check: (c) => [c.logs.exporters, c.instrumentations.pino.sendLogs, c.logs.otlp?.endpoint],
    expected: [['otlp'], true, 'http://collector:4318/v1/logs'],
  },
]);

runRows('OTEL_BSP_*', [
  { name: 'defaults', env: {}, check: (c) => c.traces.batch, expected: { scheduledDelayMillis: 5000, exportTimeoutMillis: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 } },
  { name: 'set', env: { OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_BSP_MAX_QUEUE_SIZE: '50', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_BSP_EXPORT_TIMEOUT: '1000' }, check: (c) => c.traces.batch, expected: { scheduledDelayMillis: 100, exportTimeoutMillis: 1000, maxQueueSize: 50, maxExportBatchSize: 10 } },
  { name: 'abc queue size', env: { OTEL_BSP_MAX_QUEUE_SIZE: 'abc' }, check: (c) => c.traces.batch.maxQueueSize, expected: 2048, warning: 'OTEL_BSP_MAX_QUEUE_SIZE="abc" is not a number; using 2048' },
  { name: 'fractional batch size', env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1.5' }, check: (c) => c.traces.batch.maxExportBatchSize, expected: 512, warning: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1.5" is not a whole number; using 512' },
  { name: 'batch above queue', env: { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' }, check: (c) => c.traces.batch.maxExportBatchSize, expected: 100, warning: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE=200 is above OTEL_BSP_MAX_QUEUE_SIZE=100; using 100' },
  { name: 'huge queue', env: { OTEL_BSP_MAX_QUEUE_SIZE: '1e12' }, check: (c) => c.traces.batch.maxQueueSize, expected: 2048, warning: 'is above the maximum 1000000; using 2048' },
]);

runRows('sampler', [
  { name: 'default', env: {}, check: (c) => c.sampler, expected: { name: 'parentbased_always_on', ratio: 1 } },
  { name: 'ratio', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, check: (c) => c.sampler, expected: { name: 'parentbased_traceidratio', ratio: 0.25 } },
  { name: 'ratio without arg', env: { OTEL_TRACES_SAMPLER: 'traceidratio' }, check: (c) => c.sampler, expected: { name: 'traceidratio', ratio: 1 } },
  { name: 'case-insensitive', env: { OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }, check: (c) => c.sampler.name, expected: 'always_off' },
  { name: 'ratio 7', env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, check: (c) => c.sampler.ratio, expected: 1, warning: 'OTEL_TRACES_SAMPLER_ARG="7" is above the maximum 1; using 1' },
  { name: 'unknown sampler', env: { OTEL_TRACES_SAMPLER: 'jaeger_remote' }, check: (c) => c.sampler.name, expected: 'parentbased_always_on', warning: 'OTEL_TRACES_SAMPLER="jaeger_remote" is not one of' },
  { name: 'arg for a sampler without one', env: { OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.5' }, check: (c) => c.sampler.name, expected: 'always_on', warning: 'OTEL_TRACES_SAMPLER_ARG="0.5" is ignored by the always_on sampler' },
]);

runRows('propagators', [
  { name: 'default', env: {}, check: (c) => c.propagators, expected: ['tracecontext', 'baggage'] },
  { name: 'b3', env: { OTEL_PROPAGATORS: 'b3, tracecontext' }, check: (c) => c.propagators, expected: ['b3', 'tracecontext'] },
  { name: 'none', env: { OTEL_PROPAGATORS: 'none' }, check: (c) => c.propagators, expected: [] },
  { name: 'unknown', env: { OTEL_PROPAGATORS: 'tracecontext,xray' }, check: (c) => c.propagators, expected: ['tracecontext'], warning: 'OTEL_PROPAGATORS has unknown propagator "xray"' },
]);

runRows('resource', [
  {
    name: 'defaults from package.json and a random id',
    env: {},
    check: (c) => c.resource.attributes,
    expected: { 'service.name': 'orders', 'service.version': '3.1.4', 'service.instance.id': 'random-id' },
  },
  { name: 'OTEL_SERVICE_NAME wins over everything', env: { OTEL_SERVICE_NAME: ' checkout ', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' }, check: (c) => c.resource.attributes['service.name'], expected: 'checkout' },
  { name: 'service.name from OTEL_RESOURCE_ATTRIBUTES wins over package.json', env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=billing' }, check: (c) => c.resource.attributes['service.name'], expected: 'billing' },
  { name: 'NODE_ENV gives deployment.environment.name', env: { NODE_ENV: 'production' }, check: (c) => c.resource.attributes['deployment.environment.name'], expected: 'production' },
  {
    name: 'attributes trimmed and decoded; explicit ones win',
    env: { OTEL_RESOURCE_ATTRIBUTES: ' team = payments , note=a%20b,service.version=9 ', NODE_ENV: 'dev' },
    check: (c) => [c.resource.attributes['team'], c.resource.attributes['note'], c.resource.attributes['service.version']],
    expected: ['payments', 'a b', '9'],
  },
  {
    name: 'malformed pair warned, the rest apply',
    env: { OTEL_RESOURCE_ATTRIBUTES: 'team=payments,oops,=x,bad=%zz' },
    check: (c) => c.resource.attributes['team'],
    expected: 'payments',
    warning: 'OTEL_RESOURCE_ATTRIBUTES has malformed entries "oops", "=x", "bad=%zz" (expected key=value); the other attributes apply',
  },
  { name: 'default detectors', env: {}, check: (c) => c.resource.detectors, expected: ['host', 'os', 'process', 'container'] },
  { name: 'detectors chosen', env: { OTEL_NODE_RESOURCE_DETECTORS: 'env, Host' }, check: (c) => c.resource.detectors, expected: ['env', 'host'] },
  { name: 'detectors none', env: { OTEL_NODE_RESOURCE_DETECTORS: 'none' }, check: (c) => c.resource.detectors, expected: [] },
  { name: 'detectors all', env: { OTEL_NODE_RESOURCE_DETECTORS: 'all' }, check: (c) => c.resource.detectors.length, expected: 10 },
  { name: 'unknown detector', env: { OTEL_NODE_RESOURCE_DETECTORS: 'host,mars' }, check: (c) => c.resource.detectors, expected: ['host'], warning: 'OTEL_NODE_RESOURCE_DETECTORS has unknown detector "mars"' },
]);

t.test('service.instance.id is HOSTNAME only in a container', async (t) => {
  const inPod = configFromEnv({ HOSTNAME: 'orders-7d9f-x2' }, { ...facts, inContainer: true }).config;
  t.equal(inPod.resource.attributes['service.instance.id'], 'orders-7d9f-x2');
  const onLaptop = configFromEnv({ HOSTNAME: 'laptop' }, facts).config;
  t.equal(onLaptop.resource.attributes['service.instance.id'], 'random-id');
  const noPackage = configFromEnv({}, { inContainer: false, randomId: 'r' }).config;
  t.equal(noPackage.resource.attributes['service.name'], 'unknown_service:node');
  t.notOk('service.version' in noPackage.resource.attributes);
});

runRows('instrumentations', [
  { name: 'defaults: all but the noisy ones, on first use', env: {}, check: (c) => [c.instrumentations.auto, c.instrumentations.enabled.length, ['fs', 'dns', 'net', 'undici', 'koa', 'mysql2'].filter((n) => c.instrumentations.enabled.includes(n as never))], expected: [true, 33, ['undici', 'koa', 'mysql2']] },
  { name: 'a list is not auto', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }, check: (c) => c.instrumentations.auto, expected: false },
  { name: 'enabled replaces the default set', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, Redis' }, check: (c) => c.instrumentations.enabled, expected: ['http', 'redis'] },
  { name: 'full package names accepted', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: '@opentelemetry/instrumentation-http' }, check: (c) => c.instrumentations.enabled, expected: ['http'] },
  { name: 'disabled removes', env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'kafkajs,pino' }, check: (c) => [c.instrumentations.auto, c.instrumentations.enabled.length, c.instrumentations.enabled.includes('pino')], expected: [true, 31, false] },
  { name: 'disabled removes from a list', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg,pino', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' }, check: (c) => c.instrumentations.enabled, expected: ['http', 'pg'] },
  { name: 'unknown name', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,expresss' }, check: (c) => c.instrumentations.enabled, expected: ['http'], warning: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS has unknown instrumentation "expresss"; ignoring it' },
  { name: 'ignore paths default', env: {}, check: (c) => c.instrumentations.http.ignorePaths, expected: ['/health', '/healthz', '/ready', '/livez', '/metrics'] },
  { name: 'ignore paths replaced, case kept', env: { OTEL_PRELOAD_IGNORE_PATHS: '/Status, /internal/*' }, check: (c) => c.instrumentations.http.ignorePaths, expected: ['/Status', '/internal/*'] },
  { name: 'ignore paths empty list', env: { OTEL_PRELOAD_IGNORE_PATHS: ',' }, check: (c) => c.instrumentations.http.ignorePaths, expected: [] },
  { name: 'ignore path without slash', env: { OTEL_PRELOAD_IGNORE_PATHS: 'health,/ok' }, check: (c) => c.instrumentations.http.ignorePaths, expected: ['/ok'], warning: 'do not start with "/": "health"' },
  { name: 'express layers default: none, the server span carries the route', env: {}, check: (c) => c.instrumentations.express.layers, expected: [] },
  { name: 'express layers default with the upstream server spans', env: { OTEL_PRELOAD_HTTP_SERVER_SPANS: 'instrumentation-http' }, check: (c) => c.instrumentations.express.layers, expected: ['request_handler'] },
  { name: 'express layers none', env: { OTEL_PRELOAD_EXPRESS_LAYERS: 'none', OTEL_PRELOAD_HTTP_SERVER_SPANS: 'instrumentation-http' }, check: (c) => c.instrumentations.express.layers, expected: [] },
  { name: 'server spans default', env: {}, check: (c) => c.instrumentations.http.serverSpans, expected: 'diagnostics_channel' },
  { name: 'server spans switched back', env: { OTEL_PRELOAD_HTTP_SERVER_SPANS: 'Instrumentation-HTTP' }, check: (c) => c.instrumentations.http.serverSpans, expected: 'instrumentation-http' },
  { name: 'server spans bad', env: { OTEL_PRELOAD_HTTP_SERVER_SPANS: 'patching' }, check: (c) => c.instrumentations.http.serverSpans, expected: 'diagnostics_channel', warning: 'OTEL_PRELOAD_HTTP_SERVER_SPANS="patching" is not one of diagnostics_channel, instrumentation-http; using diagnostics_channel' },
  { name: 'express layers all', env: { OTEL_PRELOAD_EXPRESS_LAYERS: 'all' }, check: (c) => c.instrumentations.express.layers, expected: ['middleware', 'router', 'request_handler'] },
  { name: 'express layers bad', env: { OTEL_PRELOAD_EXPRESS_LAYERS: 'middleware,plugins' }, check: (c) => c.instrumentations.express.layers, expected: ['middleware'], warning: 'OTEL_PRELOAD_EXPRESS_LAYERS="middleware,plugins" has unknown layer types' },
  { name: 'pg-pool.connect spans: when the checkout waits, by default', env: {}, check: (c) => c.instrumentations.pg.poolConnectSpans, expected: 'waiting' },
  { name: 'pg-pool.connect spans: always', env: { OTEL_PRELOAD_PG_POOL_CONNECT_SPANS: 'Always' }, check: (c) => c.instrumentations.pg.poolConnectSpans, expected: 'always' },
  { name: 'pg-pool.connect spans: bad', env: { OTEL_PRELOAD_PG_POOL_CONNECT_SPANS: 'never' }, check: (c) => c.instrumentations.pg.poolConnectSpans, expected: 'waiting', warning: 'OTEL_PRELOAD_PG_POOL_CONNECT_SPANS="never" is not one of waiting, always; using waiting' },
  { name: 'log keys default', env: {}, check: (c) => c.instrumentations.pino.logKeys, expected: { traceId: 'trace_id', spanId: 'span_id', traceFlags: 'trace_flags' } },
  { name: 'log keys renamed, case kept', env: { OTEL_PRELOAD_LOG_KEYS: 'traceId, spanId, traceFlags' }, check: (c) => c.instrumentations.pino.logKeys, expected: { traceId: 'traceId', spanId: 'spanId', traceFlags: 'traceFlags' } },
  { name: 'log keys wrong count', env: { OTEL_PRELOAD_LOG_KEYS: 'a,b' }, check: (c) => c.instrumentations.pino.logKeys.traceId, expected: 'trace_id', warning: 'OTEL_PRELOAD_LOG_KEYS="a,b" is not three distinct key names' },
]);

runRows('metrics', [
  { name: 'off by default, no runtime instrumentation', env: {}, check: (c) => [c.metrics.exporters, c.instrumentations.enabled.includes('runtime-node')], expected: [[], false] },
  {
    name: 'prometheus defaults per the specification',
    env: { OTEL_METRICS_EXPORTER: 'prometheus' },
    check: (c) => [c.metrics.exporters, c.metrics.prometheus, c.instrumentations.enabled.includes('runtime-node')],
    expected: [['prometheus'], { host: 'localhost', port: 9464 }, true],
  },
  {
    name: 'otlp follows the OTLP endpoint rules for metrics',
    env: { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_METRIC_EXPORT_INTERVAL: '5000' },
    check: (c) => [c.metrics.otlp?.endpoint, c.metrics.intervalMillis, c.metrics.timeoutMillis],
    expected: ['http://collector:4318/v1/metrics', 5000, 5000],
  },
  { name: 'none', env: { OTEL_METRICS_EXPORTER: 'none' }, check: (c) => c.metrics.exporters, expected: [] },
  { name: 'timeout above interval', env: { OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' }, check: (c) => c.metrics.timeoutMillis, expected: 1000, warning: 'OTEL_METRIC_EXPORT_TIMEOUT=5000 is above OTEL_METRIC_EXPORT_INTERVAL=1000; using 1000' },
  { name: 'unknown', env: { OTEL_METRICS_EXPORTER: 'statsd' }, check: (c) => c.metrics.exporters, expected: [], warning: 'OTEL_METRICS_EXPORTER has unknown exporter "statsd"' },
  { name: 'bad interval', env: { OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: 'often' }, check: (c) => c.metrics.intervalMillis, expected: 60000, warning: 'OTEL_METRIC_EXPORT_INTERVAL="often" is not a number; using 60000' },
  { name: 'bad prometheus port', env: { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: '70000' }, check: (c) => c.metrics.prometheus.port, expected: 9464, warning: 'OTEL_EXPORTER_PROMETHEUS_PORT="70000" is above the maximum 65535; using 9464' },
]);

runRows('redaction', [
  { name: 'SQL literals redacted by default', env: {}, check: (c) => c.redaction.sqlLiterals, expected: 'redact' },
  { name: 'SQL literals kept on request', env: { OTEL_PRELOAD_SQL_LITERALS: 'KEEP' }, check: (c) => c.redaction.sqlLiterals, expected: 'keep' },
  { name: 'SQL literals bad', env: { OTEL_PRELOAD_SQL_LITERALS: 'some' }, check: (c) => c.redaction.sqlLiterals, expected: 'redact', warning: 'OTEL_PRELOAD_SQL_LITERALS="some" is not one of redact, keep; using redact' },
  { name: 'no headers captured by default', env: {}, check: (c) => c.redaction.captureHeaders, expected: [] },
  { name: 'headers captured, lower-cased', env: { OTEL_PRELOAD_HTTP_CAPTURE_HEADERS: 'X-Request-Id, user-agent' }, check: (c) => c.redaction.captureHeaders, expected: ['x-request-id', 'user-agent'] },
  {
    name: 'secret headers never captured',
    env: { OTEL_PRELOAD_HTTP_CAPTURE_HEADERS: 'Authorization,x-request-id,Cookie' },
    check: (c) => c.redaction.captureHeaders,
    expected: ['x-request-id'],
    warning: 'OTEL_PRELOAD_HTTP_CAPTURE_HEADERS names "authorization", "cookie", which are never recorded; capturing the others',
  },
  { name: 'query params default includes token', env: {}, check: (c) => c.redaction.redactedQueryParams.includes('token') && c.redaction.redactedQueryParams.includes('X-Amz-Signature'), expected: true },
  { name: 'query params replaced, case kept', env: { OTEL_PRELOAD_REDACTED_QUERY_PARAMS: 'Ticket, otp' }, check: (c) => c.redaction.redactedQueryParams, expected: ['Ticket', 'otp'] },
]);

runRows('diagnostics, shutdown and the SDK switch', [
  { name: 'log level default', env: {}, check: (c) => c.logLevel, expected: 'info' },
  { name: 'log level case-insensitive', env: { OTEL_LOG_LEVEL: 'DEBUG' }, check: (c) => c.logLevel, expected: 'debug' },
  { name: 'log level bad', env: { OTEL_LOG_LEVEL: 'loud' }, check: (c) => c.logLevel, expected: 'info', warning: 'OTEL_LOG_LEVEL="loud" is not one of none, error, warn, info, debug, verbose, all; using info' },
  { name: 'shutdown default', env: {}, check: (c) => c.shutdownTimeoutMillis, expected: 5000 },
  { name: 'shutdown set', env: { OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS: '1500' }, check: (c) => c.shutdownTimeoutMillis, expected: 1500 },
  { name: 'shutdown bad', env: { OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS: '-1' }, check: (c) => c.shutdownTimeoutMillis, expected: 5000, warning: 'OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS="-1" is below the minimum 0; using 5000' },
  { name: 'SDK switch typo', env: { OTEL_SDK_DISABLED: 'yes' }, check: (c) => c.traces.exporters, expected: ['otlp'], warning: 'OTEL_SDK_DISABLED="yes" is not true or false; using false' },
]);

t.test('isDisabled reads only a clear true', async (t) => {
  t.equal(isDisabled({ OTEL_SDK_DISABLED: 'true' }), true);
  t.equal(isDisabled({ OTEL_SDK_DISABLED: ' TRUE ' }), true);
  t.equal(isDisabled({ OTEL_SDK_DISABLED: 'false' }), false);
  t.equal(isDisabled({ OTEL_SDK_DISABLED: '1' }), false);
  t.equal(isDisabled({}), false);
});

t.test('a 10 KB value is quoted back shortened, not in full', async (t) => {
  const huge = 'x'.repeat(10_000);
  const { warnings } = configFromEnv({ OTEL_TRACES_SAMPLER: huge }, facts);
  t.equal(warnings.length, 1);
  t.ok((warnings[0] ?? '').length < 300, 'warning stays short');
});

t.test('a generic variable shared by traces and logs warns once', async (t) => {
  const { warnings } = configFromEnv({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'smoke' }, facts);
  t.equal(warnings.length, 1, JSON.stringify(warnings));
});

t.test('parseKeyValueList', async (t) => {
  t.same(parseKeyValueList('a=1,b=x=y'), { pairs: { a: '1', b: 'x=y' }, malformed: [] }, 'value may contain =');
  t.same(parseKeyValueList(undefined), { pairs: {}, malformed: [] });
  t.same(parseKeyValueList(' , ,'), { pairs: {}, malformed: [] }, 'blank items are not errors');
});
