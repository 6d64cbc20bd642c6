// Asks Jaeger's own query API (v3, OTLP JSON) for traces, so that "the trace is in
// Jaeger" is proven by Jaeger, and turns its answer into the receiver's plain spans.
import type { CollectedSpan } from '../../receiver/index.js';
import { pollTrace } from '../helpers/traces.js';
import { decodeTraceRequest, spansFromRequest } from '../../receiver/decode.js';

/**
 * Jaeger's answer → spans. The body is `{"result": <OTLP/JSON TracesData>}` (the
 * grpc-gateway wrapper; `{"error": …}` when nothing matched), and the TracesData is
 * written by the Collector's pdata JSON marshaller: trace and span ids in hex, enums
 * as numbers, int64 as strings — OTLP/JSON, which the receiver's decoder reads.
 */
export function spansFromJaeger(body: string): CollectedSpan[] {
  const parsed = JSON.parse(body) as { result?: unknown };
  if (parsed.result === undefined || parsed.result === null) throw new Error(`Jaeger answered without a result: ${body.slice(0, 500)}`);
  return spansFromRequest(decodeTraceRequest(Buffer.from(JSON.stringify(parsed.result)), 'json'));
}

/**
 * `/api/v3/traces/<id>`, as stored (`raw_traces=true`: without it, Jaeger's query
 * service adjusts what it returns, e.g. deduplicates spans and moves attributes). A
 * trace Jaeger does not have is a 404: no spans.
 */
export async function fetchTrace(jaegerUrl: string, traceId: string): Promise<CollectedSpan[]> {
  const response = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}?raw_traces=true`);
  if (response.status === 404) return [];
  const body = await response.text();
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for trace ${traceId}: ${body.slice(0, 500)}`);
  return spansFromJaeger(body);
}

/** Polls until the trace satisfies the predicate (spans of other processes arrive later). */
export function waitForTrace(jaegerUrl: string, traceId: string, predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]> {
  return pollTrace('Jaeger', traceId, (id) => fetchTrace(jaegerUrl, id), predicate, timeoutMs);
}

/**
 * The whole traces of a service that started in the time range, newest first, at most
 * `limit` of them. Jaeger's HTTP search takes no attribute filter (its gateway ignores
 * one), so callers filter the spans themselves. Nothing found is a 404: no traces.
 */
export async function searchTraces(jaegerUrl: string, service: string, startSeconds: number, endSeconds: number, limit = 1000): Promise<CollectedSpan[][]> {
  const params = new URLSearchParams({
    'query.service_name': service,
    'query.start_time_min': new Date(startSeconds * 1000).toISOString(),
    'query.start_time_max': new Date(endSeconds * 1000).toISOString(),
    'query.num_traces': String(limit),
    'query.raw_traces': 'true',
  });
  const response = await fetch(`${jaegerUrl}/api/v3/traces?${params.toString()}`);
  if (response.status === 404) return [];
  const body = await response.text();
  if (!response.ok) throw new Error(`Jaeger search answered ${response.status}: ${body.slice(0, 500)}`);
  // All the traces come back as one TracesData; regroup the spans by trace.
  const traces = new Map<string, CollectedSpan[]>();
  for (const span of spansFromJaeger(body)) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return [...traces.values()];
}
