// The configurations (bare, ours, the official register, and the peers a user would
// pick instead: Datadog's dd-trace and Elastic's EDOT), and the one environment they get.
import { fileURLToPath } from 'node:url';
import { cleanEnv } from './proc.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = fileURLToPath(new URL('../', import.meta.url));
export const PROBE = fileURLToPath(new URL('../fixtures/probe.cjs', import.meta.url));
export const HELLO = fileURLToPath(new URL('../fixtures/hello.cjs', import.meta.url));
export const HELLO_ESM = fileURLToPath(new URL('../fixtures/hello.mjs', import.meta.url));
export const FASTIFY = fileURLToPath(new URL('../fixtures/fastify.cjs', import.meta.url));
export const FASTIFY_OTEL = fileURLToPath(new URL('../fixtures/fastify-otel.mjs', import.meta.url));
export const READ_ROUTE = fileURLToPath(new URL('../fixtures/read-route.cjs', import.meta.url));
export const SPANS = fileURLToPath(new URL('../fixtures/spans.mjs', import.meta.url));
export const EXAMPLE = fileURLToPath(new URL('../../examples/task-manager/server.js', import.meta.url));

export const OURS_SPECIFIER = 'otel-preload/register';
export const OFFICIAL_SPECIFIER = '@opentelemetry/auto-instrumentations-node/register';
/** The official ESM loader hook (import-in-the-middle, every module): the documented way to trace an ESM app with it. */
export const OFFICIAL_ESM_HOOK = '@opentelemetry/instrumentation/hook.mjs';
/** Datadog's documented preloads: `--require dd-trace/init` (CommonJS), `--import dd-trace/initialize.mjs` (ESM: also its loader hook). */
export const DD_CJS_SPECIFIER = 'dd-trace/init';
export const DD_ESM_SPECIFIER = 'dd-trace/initialize.mjs';
/** Elastic's EDOT Node.js: `--import` registers its loader hook and starts its SDK (CommonJS and ESM alike). */
export const EDOT_SPECIFIER = '@elastic/opentelemetry-node';

/**
 * dd-trace exports to a Datadog agent: here a fake one in the receiver process
 * (HTTP 200 to everything, counts spans, keeps nothing). dd-trace also reads OTEL_*
 * variables: with OTEL_TRACES_EXPORTER=otlp it would export OTLP instead, so that one
 * (and the OTLP endpoint) is unset to keep it on its default agent protocol (msgpack
 * over HTTP, `/v0.4/traces`). Everything a user would not have an agent for is off:
 * start-up logs, telemetry, remote configuration, runtime metrics, profiling.
 */
function ddTraceEnv(receiver, { naming = false } = {}) {
  return {
    OTEL_TRACES_EXPORTER: undefined,
    OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
    OTEL_EXPORTER_OTLP_PROTOCOL: undefined,
    DD_TRACE_AGENT_URL: naming ? receiver.namingAgentUrl : receiver.agentUrl,
    DD_SERVICE: 'bench-app',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
    DD_PROFILING_ENABLED: 'false',
  };
}

/**
 * Configurations, in the order they are interleaved. `esmArgs` is what an ESM app
 * needs: ours registers its own (filtered) loader hook; the official register does
 * not, so the official ESM recipe adds `--experimental-loader` with its hook
 * (see the spans-per-request check, which proves what each actually traces).
 */
export const CONFIGS = [
  { name: 'bare', args: [], esmArgs: [] },
  { name: 'ours', args: ['--import', OURS_SPECIFIER], esmArgs: ['--import', OURS_SPECIFIER] },
  {
    name: 'official',
    args: ['--import', OFFICIAL_SPECIFIER],
    esmArgs: [`--experimental-loader=${OFFICIAL_ESM_HOOK}`, '--import', OFFICIAL_SPECIFIER],
  },
  {
    name: 'dd-trace',
    args: ['--require', DD_CJS_SPECIFIER],
    esmArgs: ['--import', DD_ESM_SPECIFIER],
    receiverEnv: ddTraceEnv,
    // Its spans reach the fake agent, not the OpenTelemetry API: the OTLP export-cost phase does not apply.
    otlp: false,
  },
  // EDOT: OTLP gRPC to the same receiver, metrics and logs off by the same OTEL_* variables
  // as the others (OTEL_METRICS_EXPORTER=none is what its docs say; ELASTIC_OTEL_METRICS_DISABLED is deprecated).
  { name: 'edot', args: ['--import', EDOT_SPECIFIER], esmArgs: ['--import', EDOT_SPECIFIER] },
];

/** The peers, as opposed to bare, ours and the official register. */
export const PEERS = ['dd-trace', 'edot'];

/**
 * The environment of one configuration: tracingEnv plus its own variables
 * (`receiverEnv`, which may point it at the naming receivers) and `env` (experiments).
 * A variable set to undefined is removed.
 */
export function configEnv(config, receiver, extra = {}, { naming = false } = {}) {
  const env = tracingEnv(naming ? receiver.namingGrpcUrl : receiver.grpcUrl, {
    ...extra,
    ...config.receiverEnv?.(receiver, { naming }),
    ...config.env,
  });
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/**
 * Ours with metrics on (issue 8), in the load phase only: OTLP metrics to the same
 * receiver, exported every 5 s so that each measured run includes exports (the default
 * interval, 60 s, would export none during it).
 */
export const OURS_WITH_METRICS = {
  name: 'ours+metrics',
  args: CONFIGS[1].args,
  esmArgs: CONFIGS[1].esmArgs,
  env: { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '5000' },
};
export const LOAD_CONFIGS = [...CONFIGS, OURS_WITH_METRICS];

/** The official register without its ESM hook: only for the spans-per-request check of the ESM example. */
export const OFFICIAL_REGISTER_ONLY = { name: 'official (register only)', args: ['--import', OFFICIAL_SPECIFIER] };

/**
 * Identical for every tracer (dd-trace: see ddTraceEnv): endpoint, protocol (the official register defaults to
 * http/protobuf), sampler, service name, resource detectors (ours' default set; the
 * official default `all` also queries cloud metadata endpoints, which on a machine
 * without them delays exit by seconds), and no metrics or logs export.
 */
export function tracingEnv(grpcUrl, extra = {}) {
  return cleanEnv({
    OTEL_SERVICE_NAME: 'bench-app',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: grpcUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance,container',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    NODE_ENV: 'production',
    ...extra,
  });
}
