// The three configurations, and the one environment both tracers get.
import { fileURLToPath } from 'node:url';
import { cleanEnv } from './proc.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = fileURLToPath(new URL('../', import.meta.url));
export const PROBE = fileURLToPath(new URL('../fixtures/probe.cjs', import.meta.url));
export const HELLO = fileURLToPath(new URL('../fixtures/hello.cjs', import.meta.url));
export const SPANS = fileURLToPath(new URL('../fixtures/spans.mjs', import.meta.url));
export const EXAMPLE = fileURLToPath(new URL('../../examples/task-manager/server.js', import.meta.url));

export const OURS_SPECIFIER = 'otel-preload/register';
export const OFFICIAL_SPECIFIER = '@opentelemetry/auto-instrumentations-node/register';
/** The official ESM loader hook (import-in-the-middle, every module): the documented way to trace an ESM app with it. */
export const OFFICIAL_ESM_HOOK = '@opentelemetry/instrumentation/hook.mjs';

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
];

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
 * Identical for both tracers: endpoint, protocol (the official register defaults to
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
