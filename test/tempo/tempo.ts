// Asks Grafana Tempo's own HTTP API for traces (npm run test:tempo), so that "the trace is in Tempo"
// is proven by Tempo, and turns its answer into the receiver's plain spans.
import type { CollectedSpan } from '../../receiver/index.js';
import { pollTrace } from '../helpers/traces.js';
import { spansFromRequest } from '../../receiver/decode.js';
import { ExportTraceServiceRequest } from '../../receiver/otlp-proto.js';

/**
 * `/api/traces/<id>` answers OTLP/JSON as Tempo's Go protobuf marshaller writes it:
 * `batches` instead of `resourceSpans`, ids in base64, enums by name. The generated
 * code's `fromObject` reads exactly that (bytes as base64, enums by name).
 */
export async function fetchTrace(tempoUrl: string, traceId: string): Promise<CollectedSpan[]> {
  const response = await fetch(`${tempoUrl}/api/traces/${traceId}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Tempo answered ${response.status} for trace ${traceId}: ${await response.text()}`);
  const body = (await response.json()) as { batches?: unknown[]; resourceSpans?: unknown[] };
  const request = ExportTraceServiceRequest.fromObject({ resourceSpans: body.batches ?? body.resourceSpans ?? [] });
  return spansFromRequest(request);
}

/** Polls until the trace satisfies the predicate (spans of other processes arrive later). */
export function waitForTrace(tempoUrl: string, traceId: string, predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]> {
  return pollTrace('Tempo', traceId, (id) => fetchTrace(tempoUrl, id), predicate, timeoutMs);
}

/** TraceQL search over a time range; returns the trace ids found. */
export async function searchTraces(tempoUrl: string, query: string, startSeconds: number, endSeconds: number): Promise<string[]> {
  const params = new URLSearchParams({ q: query, start: String(startSeconds), end: String(endSeconds), limit: '100' });
  const response = await fetch(`${tempoUrl}/api/search?${params.toString()}`);
  if (!response.ok) throw new Error(`Tempo search answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { traces?: { traceID: string }[] };
  return (body.traces ?? []).map((trace) => trace.traceID.padStart(32, '0'));
}
