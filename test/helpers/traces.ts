// Reading a trace back from a real trace store (Jaeger in CI, a Tempo by hand).
import type { CollectedSpan } from '../../receiver/index.js';

/** Polls the store until the trace satisfies the predicate (spans of other processes arrive later); on timeout, says what it had. */
export async function pollTrace(
  store: string,
  traceId: string,
  fetchTrace: (traceId: string) => Promise<CollectedSpan[]>,
  predicate: (spans: CollectedSpan[]) => boolean,
  timeoutMs = 30_000,
): Promise<CollectedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: CollectedSpan[] = [];
  while (Date.now() < deadline) {
    spans = await fetchTrace(traceId);
    if (predicate(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`trace ${traceId} not complete in ${store} within ${timeoutMs} ms; it has: ${spans.map((s) => `${s.kind} ${s.name} [${String(s.resource['service.name'])}]`).join(', ') || 'nothing'}`);
}
