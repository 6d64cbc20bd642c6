// Where the end-to-end tests read traces back from. The same scenarios run against
// both: the in-process OTLP receiver, and Jaeger (scripts/services/jaeger.sh) through
// its own query API. Both are always there; a missing Jaeger fails the test with its
// log tail (see services.ts), it never skips.
import type { Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { requireJaeger } from './services.js';
import { searchTraces, waitForTrace } from './jaeger.js';

export interface Backend {
  name: 'receiver' | 'jaeger';
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (gRPC). */
  endpoint: string;
  /** The trace once the predicate holds over its spans. */
  trace(traceId: string, predicate: (spans: CollectedSpan[]) => boolean): Promise<CollectedSpan[]>;
  /** Whole traces holding a span of the service with the given attribute value. */
  tracesWith(service: string, attribute: string, value: string, sinceSeconds: number): Promise<CollectedSpan[][]>;
}

export const BACKENDS = ['receiver', 'jaeger'] as const;

const holds = (service: string, attribute: string, value: string) => (spans: CollectedSpan[]) =>
  spans.some((s) => s.resource['service.name'] === service && s.attributes[attribute] === value);

export async function openBackend(t: Test, name: Backend['name']): Promise<Backend> {
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
      tracesWith: async (service, attribute, value) => [...group().values()].filter(holds(service, attribute, value)),
    };
  }
  const jaeger = await requireJaeger();
  return {
    name,
    endpoint: jaeger.otlpGrpc,
    trace: (traceId, predicate) => waitForTrace(jaeger.url, traceId, predicate),
    // Jaeger's HTTP search cannot filter by attribute: ask for the service's traces
    // in the time range (a minute of slack for clocks), filter here.
    tracesWith: async (service, attribute, value, since) => {
      const now = Math.floor(Date.now() / 1000);
      return (await searchTraces(jaeger.url, service, since - 60, now + 60)).filter(holds(service, attribute, value));
    },
  };
}
