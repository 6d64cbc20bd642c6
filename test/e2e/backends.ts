// Where the end-to-end tests read traces back from. The same scenarios run against
// both: the in-process OTLP receiver (always), and Grafana Tempo through its own
// HTTP API (when Tempo could be installed here; otherwise the test says why).
import type { Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { tempo } from './services.js';
import { fetchTrace, searchTraces, waitForTrace } from './tempo.js';

export interface Backend {
  name: 'receiver' | 'tempo';
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (gRPC). */
  endpoint: string;
  /** The trace once the predicate holds over its spans. */
  trace(traceId: string, predicate: (spans: CollectedSpan[]) => boolean): Promise<CollectedSpan[]>;
  /** Whole traces holding a span of the service with the given attribute value. */
  tracesWith(service: string, attribute: string, value: string, sinceSeconds: number): Promise<CollectedSpan[][]>;
}

export const BACKENDS = ['receiver', 'tempo'] as const;

/** The backend, or undefined after marking the test skipped with the reason. */
export async function openBackend(t: Test, name: Backend['name']): Promise<Backend | undefined> {
  if (name === 'receiver') {
    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    const group = () => {
      const traces = new Map<string, CollectedSpan[]>();
      for (const span of receiver.spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
      return traces;
    };
    return {
      name,
      endpoint: receiver.grpcUrl,
      trace: async (traceId, predicate) => (await receiver.waitForSpans((all) => predicate(all.filter((s) => s.traceId === traceId)), 30_000)).filter((s) => s.traceId === traceId),
      tracesWith: async (service, attribute, value) =>
        [...group().values()].filter((spans) => spans.some((s) => s.resource['service.name'] === service && s.attributes[attribute] === value)),
    };
  }
  const found = await tempo();
  if ('unavailable' in found) {
    t.test("against Grafana Tempo", { skip: `Tempo is not available on this machine, so this test did not run against it: ${found.unavailable}` }, () => undefined);
    return undefined;
  }
  return {
    name,
    endpoint: found.otlpGrpc,
    trace: (traceId, predicate) => waitForTrace(found.url, traceId, predicate),
    tracesWith: async (service, attribute, value, since) => {
      const now = Math.floor(Date.now() / 1000);
      const ids = await searchTraces(found.url, `{ resource.service.name = "${service}" && span.${attribute} = "${value}" }`, since - 60, now + 60);
      return Promise.all(ids.map((id) => fetchTrace(found.url, id)));
    },
  };
}
