import { type EnvReader, parseKeyValueList, quote, quoteAll } from './env.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf', 'http/json'];

export type Signal = 'traces' | 'logs' | 'metrics';

/** Where and how one signal is sent over OTLP. Certificates are left to the exporter, which reads them itself. */
export interface OtlpConfig {
  protocol: OtlpProtocol;
  /** The full URL the exporter is given: for HTTP it includes the `/v1/<signal>` path. */
  endpoint: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
}

/**
 * Tempo (and the Collector) listen for OTLP gRPC on 4317, so that is our default,
 * unlike the specification's http/protobuf: a user pointing us at Tempo sets only
 * the endpoint, or nothing at all next to a local Tempo.
 */
export const DEFAULT_PROTOCOL: OtlpProtocol = 'grpc';
const DEFAULT_TIMEOUT_MILLIS = 10_000;

function defaultEndpoint(protocol: OtlpProtocol, signal: Signal): string {
  return protocol === 'grpc' ? 'http://localhost:4317' : `http://localhost:4318/v1/${signal}`;
}

/**
 * Precedence, per the OTLP exporter specification, for every setting:
 * `OTEL_EXPORTER_OTLP_<SIGNAL>_<SETTING>` > `OTEL_EXPORTER_OTLP_<SETTING>` > default.
 * The generic endpoint is a base to which HTTP exporters append `/v1/<signal>`;
 * the signal-specific endpoint is used as given.
 */
export function otlpFromEnv(reader: EnvReader, signal: Signal): OtlpConfig {
  const specific = (setting: string) => `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${setting}`;
  const generic = (setting: string) => `OTEL_EXPORTER_OTLP_${setting}`;
  const both = (setting: string) => [specific(setting), generic(setting)];

  const protocol = pickProtocol(reader, both('PROTOCOL'));
  return {
    protocol,
    endpoint: pickEndpoint(reader, signal, protocol, specific('ENDPOINT'), generic('ENDPOINT')),
    headers: pickHeaders(reader, generic('HEADERS'), specific('HEADERS')),
    compression: pickCompression(reader, both('COMPRESSION')),
    timeoutMillis: pickTimeout(reader, both('TIMEOUT')),
  };
}

function pickProtocol(reader: EnvReader, names: string[]): OtlpProtocol {
  const found = reader.firstOf(...names);
  if (found === undefined) return DEFAULT_PROTOCOL;
  const lower = found.value.toLowerCase();
  const known = OTLP_PROTOCOLS.find((protocol) => protocol === lower);
  if (known !== undefined) return known;
  reader.warn(`${found.name}=${quote(found.value)} is not one of ${OTLP_PROTOCOLS.join(', ')}; using ${DEFAULT_PROTOCOL}`);
  return DEFAULT_PROTOCOL;
}

function pickEndpoint(reader: EnvReader, signal: Signal, protocol: OtlpProtocol, specific: string, generic: string): string {
  const fallback = defaultEndpoint(protocol, signal);
  const found = reader.firstOf(specific, generic);
  if (found === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(found.value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    reader.warn(`${found.name}=${quote(found.value)} is not an http:// or https:// URL; using ${fallback}`);
    return fallback;
  }
  if (found.name === generic && protocol !== 'grpc') {
    return `${found.value.replace(/\/+$/, '')}/v1/${signal}`;
  }
  return found.value;
}

/** Generic headers first, signal-specific ones override them key by key. */
function pickHeaders(reader: EnvReader, generic: string, specific: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of [generic, specific]) {
    const { pairs, malformed } = parseKeyValueList(reader.string(name));
    // The value may be a credential: name the variable and the key only, never the value.
    if (malformed.length > 0) reader.warn(`${name} has ${malformed.length} malformed entr${malformed.length === 1 ? 'y' : 'ies'} (expected key=value); they are ignored`);
    for (const [key, value] of Object.entries(pairs)) headers[key.toLowerCase()] = value;
  }
  return headers;
}

function pickCompression(reader: EnvReader, names: string[]): 'gzip' | 'none' {
  const found = reader.firstOf(...names);
  if (found === undefined) return 'none';
  const lower = found.value.toLowerCase();
  if (lower === 'gzip' || lower === 'none') return lower;
  reader.warn(`${found.name}=${quote(found.value)} is not gzip or none; using none`);
  return 'none';
}

function pickTimeout(reader: EnvReader, names: string[]): number {
  const found = reader.firstOf(...names);
  if (found === undefined) return DEFAULT_TIMEOUT_MILLIS;
  return reader.checkNumber(found.name, found.value, DEFAULT_TIMEOUT_MILLIS, { min: 1, max: 600_000, integer: true });
}

export type TracesExporterName = 'otlp' | 'console';

/** `OTEL_TRACES_EXPORTER`: a list of otlp/console, or none; default otlp. */
export function tracesExportersFromEnv(reader: EnvReader): TracesExporterName[] {
  return exportersFromEnv(reader, 'OTEL_TRACES_EXPORTER', ['otlp', 'console'], ['otlp']);
}

export type LogsExporterName = 'otlp' | 'console';

/**
 * `OTEL_LOGS_EXPORTER`: default none, unlike the specification's otlp, because
 * Tempo accepts traces only; pino lines still carry the trace ids either way.
 */
export function logsExportersFromEnv(reader: EnvReader): LogsExporterName[] {
  return exportersFromEnv(reader, 'OTEL_LOGS_EXPORTER', ['otlp', 'console'], []);
}

function exportersFromEnv<T extends string>(reader: EnvReader, name: string, known: readonly T[], fallback: T[]): T[] {
  const listed = reader.list(name);
  if (listed === undefined) return fallback;
  if (listed.includes('none')) return [];
  const chosen = listed.filter((item): item is T => (known as readonly string[]).includes(item));
  const unknown = listed.filter((item) => !(known as readonly string[]).includes(item));
  if (unknown.length > 0) {
    const used = chosen.length > 0 ? chosen : fallback;
    reader.warn(`${name} has unknown exporter ${quoteAll(unknown)} (known: ${known.join(', ')}, none); using ${used.join(',') || 'none'}`);
    return used;
  }
  return chosen;
}
