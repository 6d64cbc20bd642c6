// Request bodies → OTLP messages → plain objects.
//
// Both encodings end up as the same generated message objects, so one converter
// serves gRPC, HTTP/protobuf and HTTP/JSON alike:
// - protobuf: the generated decoder;
// - JSON: OTLP/JSON is proto3 JSON with one deviation the generated `fromObject`
//   doesn't know — trace and span ids are hex, not base64 — so we turn those into
//   bytes first and let `fromObject` handle the rest (enum ints or names, int64 as
//   strings, base64 bytesValue, "NaN" doubles).
import {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  type PbMetricsRequest,
  ExportTraceServiceRequest,
  type Int64,
  type PbAnyValue,
  type PbKeyValue,
  type PbLogsRequest,
  type PbScope,
  type PbTraceRequest,
} from './otlp-proto.js';
import type { Attributes, CollectedLog, CollectedMetric, CollectedSpan, MetricKind, InstrumentationScope, SpanKindName, StatusCodeName } from './types.js';

export type Encoding = 'protobuf' | 'json';

export function decodeTraceRequest(body: Uint8Array, encoding: Encoding): PbTraceRequest {
  if (encoding === 'protobuf') return ExportTraceServiceRequest.decode(body);
  const json = parseJsonObject(body);
  for (const resourceSpans of arrayField(json, 'resourceSpans'))
    for (const scopeSpans of arrayField(resourceSpans, 'scopeSpans'))
      for (const span of arrayField(scopeSpans, 'spans')) {
        hexIdsToBytes(span, ['traceId', 'spanId', 'parentSpanId']);
        for (const link of arrayField(span, 'links')) hexIdsToBytes(link, ['traceId', 'spanId']);
      }
  return ExportTraceServiceRequest.fromObject(json);
}

export function decodeLogsRequest(body: Uint8Array, encoding: Encoding): PbLogsRequest {
  if (encoding === 'protobuf') return ExportLogsServiceRequest.decode(body);
  const json = parseJsonObject(body);
  for (const resourceLogs of arrayField(json, 'resourceLogs'))
    for (const scopeLogs of arrayField(resourceLogs, 'scopeLogs'))
      for (const record of arrayField(scopeLogs, 'logRecords')) hexIdsToBytes(record, ['traceId', 'spanId']);
  return ExportLogsServiceRequest.fromObject(json);
}

/** Metrics carry no ids, so OTLP/JSON is plain proto3 JSON here. */
export function decodeMetricsRequest(body: Uint8Array, encoding: Encoding): PbMetricsRequest {
  if (encoding === 'protobuf') return ExportMetricsServiceRequest.decode(body);
  return ExportMetricsServiceRequest.fromObject(parseJsonObject(body));
}

const METRIC_KINDS: MetricKind[] = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

export function metricsFromRequest(request: PbMetricsRequest): CollectedMetric[] {
  const collected: CollectedMetric[] = [];
  for (const resourceMetrics of request.resourceMetrics) {
    const resource = attributesOf(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      const scope = scopeOf(scopeMetrics.scope);
      for (const metric of scopeMetrics.metrics) {
        const kind = METRIC_KINDS.find((candidate) => metric[candidate] !== null) ?? 'gauge';
        const dataPoints = (metric[kind]?.dataPoints ?? []).map((point) => {
          // Fields another point type has are absent (undefined), not null.
          const value = point.asDouble ?? (point.asInt == null ? undefined : Number(point.asInt.toString()));
          return {
            attributes: attributesOf(point.attributes),
            ...(value !== undefined ? { value } : {}),
            ...(point.count != null ? { count: Number(point.count.toString()) } : {}),
            ...(point.sum != null ? { sum: point.sum } : {}),
          };
        });
        collected.push({ name: metric.name ?? '', unit: metric.unit ?? '', description: metric.description ?? '', kind, dataPoints, resource, scope });
      }
    }
  }
  return collected;
}

/** How many spans a request carries, without building objects for them (discard mode). */
export function countSpans(request: PbTraceRequest): number {
  let count = 0;
  for (const resourceSpans of request.resourceSpans) for (const scopeSpans of resourceSpans.scopeSpans) count += scopeSpans.spans.length;
  return count;
}

export function spansFromRequest(request: PbTraceRequest): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of request.resourceSpans) {
    // One resource object per ResourceSpans, shared by its spans: it is the same resource.
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      const scope = scopeOf(scopeSpans.scope);
      for (const span of scopeSpans.spans) {
        const startTimeUnixNano = nanos(span.startTimeUnixNano);
        const endTimeUnixNano = nanos(span.endTimeUnixNano);
        const parentSpanId = optionalHex(span.parentSpanId);
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          ...(parentSpanId !== undefined && { parentSpanId }),
          name: span.name ?? '',
          kind: SPAN_KINDS[span.kind ?? 0] ?? 'unspecified',
          startTimeUnixNano,
          endTimeUnixNano,
          durationMs: Number(endTimeUnixNano - startTimeUnixNano) / 1e6,
          attributes: attributesOf(span.attributes),
          status: {
            code: STATUS_CODES[span.status?.code ?? 0] ?? 'unset',
            ...(span.status?.message ? { message: span.status.message } : {}),
          },
          events: span.events.map((event) => ({ name: event.name ?? '', timeUnixNano: nanos(event.timeUnixNano), attributes: attributesOf(event.attributes) })),
          links: span.links.map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId), attributes: attributesOf(link.attributes) })),
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

export function logsFromRequest(request: PbLogsRequest): CollectedLog[] {
  const logs: CollectedLog[] = [];
  for (const resourceLogs of request.resourceLogs) {
    const resource = attributesOf(resourceLogs.resource?.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs) {
      const scope = scopeOf(scopeLogs.scope);
      for (const record of scopeLogs.logRecords) {
        const traceId = optionalHex(record.traceId);
        const spanId = optionalHex(record.spanId);
        const time = nanos(record.timeUnixNano);
        logs.push({
          ...(traceId !== undefined && { traceId }),
          ...(spanId !== undefined && { spanId }),
          ...(record.severityText ? { severityText: record.severityText } : {}),
          ...(record.severityNumber ? { severityNumber: record.severityNumber } : {}),
          body: record.body ? anyValue(record.body) : undefined,
          attributes: attributesOf(record.attributes),
          resource,
          scope,
          timeUnixNano: time !== 0n ? time : nanos(record.observedTimeUnixNano),
        });
      }
    }
  }
  return logs;
}

// Indexed by the proto enum values (SpanKind, Status.StatusCode).
const SPAN_KINDS: readonly SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES: readonly StatusCodeName[] = ['unset', 'ok', 'error'];

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An AnyValue as a JS value; int64 is a number when that is exact, else a bigint. */
export function anyValue(value: PbAnyValue): unknown {
  switch (value.value) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'intValue': {
      const big = nanos(value.intValue);
      return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
    }
    case 'doubleValue':
      return value.doubleValue;
    case 'arrayValue':
      return value.arrayValue?.values.map(anyValue) ?? [];
    case 'kvlistValue':
      return attributesOf(value.kvlistValue?.values);
    case 'bytesValue':
      return value.bytesValue;
    default:
      // An empty AnyValue is legal (e.g. an array hole); null says "present, no value".
      return null;
  }
}

export function attributesOf(keyValues: PbKeyValue[] | undefined): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of keyValues ?? []) attributes[key ?? ''] = value ? anyValue(value) : null;
  return attributes;
}

function scopeOf(scope: PbScope | null): InstrumentationScope {
  return { name: scope?.name ?? '', ...(scope?.version ? { version: scope.version } : {}) };
}

/** int64 → bigint, exactly: a Long's or number's decimal string. */
function nanos(value: Int64 | null): bigint {
  return value === null ? 0n : BigInt(value.toString());
}

function hex(bytes: Uint8Array | null): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : '';
}

/** Ids that may be unset (a root span's parent, a log outside a span): empty or all-zero means "none". */
function optionalHex(bytes: Uint8Array | null): string | undefined {
  return bytes && bytes.some((byte) => byte !== 0) ? hex(bytes) : undefined;
}

// --- OTLP/JSON preparation ---------------------------------------------------

type JsonObject = Record<string, unknown>;

const isJsonObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJsonObject(body: Uint8Array): JsonObject {
  const parsed: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  if (!isJsonObject(parsed)) throw new Error('OTLP/JSON body must be a JSON object');
  return parsed;
}

/** The objects in `object[key]`; anything malformed is left for `fromObject` to reject. */
function arrayField(object: unknown, key: string): JsonObject[] {
  const value = isJsonObject(object) ? object[key] : undefined;
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

const HEX_ID = /^(?:[0-9a-fA-F]{2})*$/;

function hexIdsToBytes(object: JsonObject, keys: string[]): void {
  for (const key of keys) {
    const value = object[key];
    if (typeof value !== 'string') continue;
    if (!HEX_ID.test(value)) throw new Error(`OTLP/JSON ${key} must be hex, got ${JSON.stringify(value)}`);
    object[key] = Buffer.from(value, 'hex');
  }
}
