// The receiver's public shapes. Everything a caller sees is a plain object:
// ids are lowercase hex, times are bigint nanoseconds (they exceed 2^53),
// attribute values are ordinary JS values.

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type StatusCodeName = 'unset' | 'ok' | 'error';

/** Flattened attributes: an OTLP AnyValue becomes string / number / boolean / bigint (int64 beyond 2^53) / Uint8Array / array / object / null. */
export type Attributes = Record<string, unknown>;

export interface InstrumentationScope {
  name: string;
  version?: string;
}

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  durationMs: number;
  attributes: Attributes;
  status: { code: StatusCodeName; message?: string };
  events: { name: string; timeUnixNano: bigint; attributes: Attributes }[];
  links: { traceId: string; spanId: string; attributes: Attributes }[];
  /** Resource attributes (service.name, …). */
  resource: Attributes;
  scope: InstrumentationScope;
}

export interface CollectedLog {
  traceId?: string;
  spanId?: string;
  severityText?: string;
  severityNumber?: number;
  body: unknown;
  attributes: Attributes;
  resource: Attributes;
  scope: InstrumentationScope;
  /** The record's own timestamp, or when the SDK observed it if the record has none. */
  timeUnixNano: bigint;
}

export type MetricKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

/** One metric of one export: its data points' attributes and values, flattened. */
export interface CollectedMetric {
  name: string;
  unit: string;
  description: string;
  kind: MetricKind;
  dataPoints: { attributes: Attributes; value?: number; count?: number; sum?: number }[];
  resource: Attributes;
  scope: InstrumentationScope;
}

export interface ReceiverCounts {
  /** Spans accepted (counted in discard mode too). */
  spans: number;
  /** Log records accepted. */
  logs: number;
  /** Export requests accepted, any signal, any transport. */
  requests: number;
  grpcRequests: number;
  httpRequests: number;
  /** Requests answered with an error (undecodable body, wrong content type, …). */
  rejected: number;
}

export interface ReceiverOptions {
  /** Interface to bind; 127.0.0.1 by default so tests never listen on the network. */
  host?: string;
  /** 0 (the default) lets the OS pick a free port. */
  grpcPort?: number;
  httpPort?: number;
  /** Count only, keep nothing (benchmarks): `spans` and `logs` stay empty. */
  discard?: boolean;
  /** Called with each request's spans as they arrive, in discard mode too. */
  onSpans?: (spans: CollectedSpan[]) => void;
}

export interface Receiver {
  /** For an OTLP/gRPC exporter, e.g. http://127.0.0.1:43567 */
  grpcUrl: string;
  /** For an OTLP/HTTP exporter: the base URL, without /v1/traces, e.g. http://127.0.0.1:43568 */
  httpUrl: string;
  /** Live arrays: they grow as requests arrive. */
  spans: CollectedSpan[];
  logs: CollectedLog[];
  metrics: CollectedMetric[];
  counts: ReceiverCounts;
  /**
   * Resolves with a snapshot of all spans once `predicate` holds over them; rejects after
   * `timeoutMs` (default 15 s) with a message naming the spans that did arrive.
   */
  waitForSpans(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  /** Forgets spans, logs and counts (pending waits keep waiting). */
  reset(): void;
  /** Stops both servers, freeing their ports; pending waits reject. */
  close(): Promise<void>;
}
