import type { Instrumentation, InstrumentationBase, InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { Config } from '../../config/index.js';
import { isBuiltin } from 'node:module';
import { INSTRUMENTATION_CLASSES, INSTRUMENTED_MODULES, type InstrumentationName, instrumentationPackage } from '../../config/instrumentation-catalog.js';
import { ignoresPath } from '../http-server/ignore-paths.js';
import { carriesTraceparent, rawHeaderArray, tuneHttp } from './http-client.js';
import { tuneKafkajs } from './kafkajs.js';
import { tunePg } from './pg.js';
import { redisStatement } from './redis.js';

type InstrumentationClass = new (config?: InstrumentationConfig) => Instrumentation;

/**
 * The instrumentations that were the default set, and undici (fetch), written out so
 * that the build bundles them with the SDK they share (scripts/bundle.mjs); each is
 * evaluated only when first created. Any other name is required by package name.
 */
const BUNDLED: Partial<Record<InstrumentationName, () => Record<string, unknown>>> = {
  http: () => require('@opentelemetry/instrumentation-http') as Record<string, unknown>,
  express: () => require('@opentelemetry/instrumentation-express') as Record<string, unknown>,
  pg: () => require('@opentelemetry/instrumentation-pg') as Record<string, unknown>,
  kafkajs: () => require('@opentelemetry/instrumentation-kafkajs') as Record<string, unknown>,
  pino: () => require('@opentelemetry/instrumentation-pino') as Record<string, unknown>,
  undici: () => require('@opentelemetry/instrumentation-undici') as Record<string, unknown>,
};

/**
 * Started with the SDK rather than on first use: those that patch only built-ins
 * (node:http is loaded by nearly everything) and those that patch no module at all
 * (undici, for Node's global fetch, listens to diagnostics channels; metrics).
 */
export function startsWithSdk(name: InstrumentationName): boolean {
  return INSTRUMENTED_MODULES[name].every((moduleName) => isBuiltin(moduleName));
}

/**
 * The packages of the app something of ours will patch when they load: those of the
 * enabled instrumentations that patch anything, and those the instrumentations started
 * with the SDK patch (`startedModules`: our framework adapters). What a bundle must not
 * hide (sdk/instrument/hidden-libraries.ts).
 */
export function packagesToPatch(config: Config, startedModules: readonly string[]): string[] {
  const patching = config.instrumentations.enabled.filter((name) => !startsWithSdk(name) && patchesAnything(name, config));
  return [...new Set([...patching.flatMap((name) => INSTRUMENTED_MODULES[name]), ...startedModules])].filter((name) => !isBuiltin(name));
}

/** By default Express makes no spans of its own: the server span carries the route, and its errors are recorded there. */
export function patchesAnything(name: InstrumentationName, config: Config): boolean {
  return !(name === 'express' && config.instrumentations.express.layers.length === 0);
}

/**
 * One instrumentation, its package `require`d now. Undefined when the
 * configuration asks for nothing from it (Express without layer spans). Throws
 * when the package cannot be loaded.
 */
export function createInstrumentation(name: InstrumentationName, config: Config): Instrumentation | undefined {
  if (!patchesAnything(name, config)) return undefined;
  const exports = BUNDLED[name]?.() ?? (require(instrumentationPackage(name)) as Record<string, unknown>);
  const Class = exports[INSTRUMENTATION_CLASSES[name]] as InstrumentationClass;
  const instrumentation = new Class(optionsFor(name, config));
  const metrics = config.metrics.exporters.length > 0;
  if (name === 'pg') tunePg(instrumentation, { poolConnectSpans: config.instrumentations.pg.poolConnectSpans, metrics });
  if (name === 'kafkajs') tuneKafkajs(instrumentation, { metrics });
  if (name === 'http') tuneHttp(instrumentation);
  return instrumentation;
}

/**
 * The instrumentations started with the SDK: those of startsWithSdk among the
 * enabled names. The others wait for their module (sdk/instrument/activation.ts); the
 * framework adapters of our server spans start with the http-server room
 * (sdk/http-server/index.ts). A package that fails to load is reported and skipped;
 * the others still work.
 */
export function createInstrumentations(config: Config, report: (message: string) => void): Instrumentation[] {
  const created: Instrumentation[] = [];
  for (const name of config.instrumentations.enabled) {
    if (!startsWithSdk(name)) continue;
    try {
      const instrumentation = createInstrumentation(name, config);
      if (instrumentation) created.push(instrumentation);
    } catch (error) {
      report(`instrumentation "${name}" could not be loaded and is skipped: ${(error as Error).message}`);
    }
  }
  return created;
}

function optionsFor(name: InstrumentationName, { instrumentations: config, redaction }: Config): InstrumentationConfig {
  switch (name) {
    case 'http': {
      const headers = { requestHeaders: redaction.captureHeaders, responseHeaders: redaction.captureHeaders };
      return {
        // Incoming requests get their spans from sdk/http-server unless the user switched back.
        disableIncomingRequestInstrumentation: config.http.serverSpans === 'diagnostics_channel',
        ignoreIncomingRequestHook: (request: { url?: string }) => ignoresPath(config.http.ignorePaths, request.url),
        ignoreOutgoingRequestHook: rawHeaderArray,
        redactedQueryParams: redaction.redactedQueryParams,
        redactedQueryParamsServer: redaction.redactedQueryParams,
        ...(redaction.captureHeaders.length > 0 ? { headersToSpanAttributes: { server: headers, client: headers } } : {}),
      } as InstrumentationConfig;
    }
    case 'express':
      return {
        ignoreLayersType: (['middleware', 'router', 'request_handler'] as const).filter((type) => !config.express.layers.includes(type)),
      } as InstrumentationConfig;
    case 'undici': {
      // fetch: the same query parameters redacted and headers recorded as for node:http's client.
      const headers = redaction.captureHeaders;
      return {
        startSpanHook: (request: { origin: string; path: string }) => redactedUrl(request, redaction.redactedQueryParams),
        ignoreRequestHook: carriesTraceparent,
        ...(headers.length > 0 ? { headersToSpanAttributes: { requestHeaders: headers, responseHeaders: headers } } : {}),
      } as InstrumentationConfig;
    }
    case 'pg':
      // Statements are recorded as written; parameter values never are.
      return { enhancedDatabaseReporting: false } as InstrumentationConfig;
    case 'redis':
    case 'ioredis':
      // Keys, not values (redis.ts).
      return { dbStatementSerializer: redisStatement } as InstrumentationConfig;
    case 'pino':
      return { logKeys: config.pino.logKeys, disableLogSending: !config.pino.sendLogs } as InstrumentationConfig;
    default:
      return {};
  }
}

/**
 * url.full and url.query with the values of the listed parameters replaced by
 * REDACTED, as instrumentation-http does; nothing (the instrumentation's own
 * attributes stand) when none is there.
 */
export function redactedUrl(request: { origin: string; path: string }, params: string[]): Record<string, string> {
  const url = new URL(request.path, request.origin);
  let redacted = false;
  for (const param of params) {
    if (!url.searchParams.has(param)) continue;
    url.searchParams.set(param, 'REDACTED');
    redacted = true;
  }
  return redacted ? { 'url.full': url.toString(), 'url.query': url.search } : {};
}

/** The module names the enabled instrumentations patch: only these go through the ESM loader hook. */
export function patchedModuleNames(instrumentations: Instrumentation[]): string[] {
  const names = new Set<string>();
  for (const instrumentation of instrumentations) {
    // Every Node instrumentation extends InstrumentationBase, which has this; the interface does not declare it.
    const { getModuleDefinitions } = instrumentation as Partial<InstrumentationBase>;
    for (const definition of getModuleDefinitions?.call(instrumentation) ?? []) {
      names.add(definition.name);
      // Built-ins are imported both as `http` and `node:http`.
      if (!definition.name.includes('/') && !definition.name.startsWith('node:')) names.add(`node:${definition.name}`);
    }
  }
  return [...names];
}
