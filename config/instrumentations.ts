import { type EnvReader, quote, quoteAll } from './env.js';
import { INSTRUMENTATION_CLASSES, type InstrumentationName, isInstrumentationName, NAMED_ONLY } from './instrumentation-catalog.js';

/**
 * Every name but the noisy ones: each is only a name in a list until the app first
 * loads a module it instruments (sdk/instrument/activation.ts).
 */
export const DEFAULT_INSTRUMENTATIONS: InstrumentationName[] = (Object.keys(INSTRUMENTATION_CLASSES) as InstrumentationName[]).filter((name) => !NAMED_ONLY.includes(name));

/** Probes and scrapes, not user traffic: requests to these make no spans. */
export const DEFAULT_IGNORE_PATHS = ['/health', '/healthz', '/ready', '/livez', '/metrics'];

export const EXPRESS_LAYERS = ['middleware', 'router', 'request_handler'] as const;
export type ExpressLayer = (typeof EXPRESS_LAYERS)[number];

/**
 * Who makes the incoming requests' server spans: our subscriber to Node's
 * diagnostics channels (sdk/http-server), or instrumentation-http's incoming side
 * as before, to compare when the two differ.
 */
export const HTTP_SERVER_SPANS = ['diagnostics_channel', 'instrumentation-http'] as const;
export const PG_POOL_CONNECT_SPANS = ['waiting', 'always'] as const;
export type PgPoolConnectSpans = (typeof PG_POOL_CONNECT_SPANS)[number];
export type HttpServerSpans = (typeof HTTP_SERVER_SPANS)[number];

export interface LogKeys {
  traceId: string;
  spanId: string;
  traceFlags: string;
}

export interface InstrumentationsConfig {
  /** The names that may activate: started with the SDK, or on the first load of a module they patch. */
  enabled: InstrumentationName[];
  /** True when OTEL_NODE_ENABLED_INSTRUMENTATIONS is not set: the whole catalogue but the noisy ones. */
  auto: boolean;
  http: {
    /** Exact paths, or prefixes when they end in `*`; matched against the path without the query string. */
    ignorePaths: string[];
    serverSpans: HttpServerSpans;
  };
  express: {
    /**
     * Layer types that make spans through instrumentation-express. None by default:
     * the server span carries the route, and wrapping every layer costs every request.
     * With instrumentation-http's server spans, route handlers, as before.
     */
    layers: ExpressLayer[];
  };
  pg: {
    /**
     * `pg-pool.connect` spans: `waiting` (default) only for a checkout that has to wait,
     * for a new connection or for a busy pool, or that fails; `always` for every one.
     * Handing out an idle client takes microseconds and says nothing.
     */
    poolConnectSpans: PgPoolConnectSpans;
  };
  pino: {
    logKeys: LogKeys;
    /** Also send each record as an OTLP log record (only when a logs exporter is configured). */
    sendLogs: boolean;
  };
}

/**
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` replaces the default set (as upstream does);
 * `OTEL_NODE_DISABLED_INSTRUMENTATIONS` then removes names from it. The default set
 * is the whole catalogue but NAMED_ONLY; with metrics on it also measures the Node
 * runtime (event loop, GC, heap).
 */
export function instrumentationsFromEnv(reader: EnvReader, sendLogs: boolean, metricsOn = false): InstrumentationsConfig {
  const enabledList = namesFromEnv(reader, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const disabled = namesFromEnv(reader, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [];
  const defaults: InstrumentationName[] = metricsOn ? [...DEFAULT_INSTRUMENTATIONS, 'runtime-node'] : DEFAULT_INSTRUMENTATIONS;
  const enabled = (enabledList ?? defaults).filter((name) => !disabled.includes(name));
  const serverSpans = reader.choice('OTEL_PRELOAD_HTTP_SERVER_SPANS', HTTP_SERVER_SPANS, 'diagnostics_channel');
  return {
    enabled,
    auto: enabledList === undefined,
    http: { ignorePaths: ignorePathsFromEnv(reader), serverSpans },
    express: { layers: expressLayersFromEnv(reader, serverSpans === 'diagnostics_channel' ? [] : ['request_handler']) },
    pg: { poolConnectSpans: reader.choice('OTEL_PRELOAD_PG_POOL_CONNECT_SPANS', PG_POOL_CONNECT_SPANS, 'waiting') },
    pino: { logKeys: logKeysFromEnv(reader), sendLogs },
  };
}

function namesFromEnv(reader: EnvReader, name: string): InstrumentationName[] | undefined {
  const listed = reader.list(name);
  if (listed === undefined) return undefined;
  // Accept the full package name too: it is what users copy from upstream documentation.
  const short = listed.map((item) => item.replace(/^@opentelemetry\/instrumentation-/, ''));
  const unknown = short.filter((item) => !isInstrumentationName(item));
  if (unknown.length > 0) {
    reader.warn(`${name} has unknown instrumentation ${quoteAll(unknown)}; ignoring ${unknown.length === 1 ? 'it' : 'them'}`);
  }
  return short.filter(isInstrumentationName);
}

function ignorePathsFromEnv(reader: EnvReader): string[] {
  const raw = reader.string('OTEL_PRELOAD_IGNORE_PATHS');
  if (raw === undefined) return DEFAULT_IGNORE_PATHS;
  const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const bad = items.filter((item) => !item.startsWith('/'));
  if (bad.length > 0) reader.warn(`OTEL_PRELOAD_IGNORE_PATHS has entries that do not start with "/": ${quoteAll(bad)}; ignoring them`);
  return items.filter((item) => item.startsWith('/'));
}

function expressLayersFromEnv(reader: EnvReader, fallback: ExpressLayer[]): ExpressLayer[] {
  const listed = reader.list('OTEL_PRELOAD_EXPRESS_LAYERS');
  if (listed === undefined) return fallback;
  if (listed.includes('all')) return [...EXPRESS_LAYERS];
  if (listed.length === 1 && listed[0] === 'none') return [];
  const known = listed.filter((item): item is ExpressLayer => (EXPRESS_LAYERS as readonly string[]).includes(item));
  if (known.length !== listed.length) {
    const used = known.length > 0 ? known : fallback;
    reader.warn(`OTEL_PRELOAD_EXPRESS_LAYERS=${quote(listed.join(','))} has unknown layer types (known: ${EXPRESS_LAYERS.join(', ')}, all, none); using ${used.join(',') || 'none'}`);
    return used;
  }
  return known;
}

const DEFAULT_LOG_KEYS: LogKeys = { traceId: 'trace_id', spanId: 'span_id', traceFlags: 'trace_flags' };

/** `OTEL_PRELOAD_LOG_KEYS=traceId,spanId,traceFlags` renames the three keys pino records get; case is kept. */
function logKeysFromEnv(reader: EnvReader): LogKeys {
  const raw = reader.string('OTEL_PRELOAD_LOG_KEYS');
  if (raw === undefined) return DEFAULT_LOG_KEYS;
  const keys = raw.split(',').map((item) => item.trim());
  const valid = keys.length === 3 && keys.every((key) => /^[A-Za-z_][\w.-]*$/.test(key)) && new Set(keys).size === 3;
  if (!valid) {
    const fallback = Object.values(DEFAULT_LOG_KEYS).join(',');
    reader.warn(`OTEL_PRELOAD_LOG_KEYS=${quote(raw)} is not three distinct key names separated by commas; using ${fallback}`);
    return DEFAULT_LOG_KEYS;
  }
  const [traceId, spanId, traceFlags] = keys as [string, string, string];
  return { traceId, spanId, traceFlags };
}
