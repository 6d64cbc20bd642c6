// An in-process OTLP receiver speaking the real protocols — OTLP/gRPC and OTLP/HTTP
// (protobuf and JSON, gzip or not) — that turns what exporters send into plain
// objects. One implementation serves the integration tests (spawn an instrumented
// app, assert on its spans), the trace viewer, and benchmarks (`discard`: count only).
//
//   const receiver = await startReceiver();
//   // run something with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.grpcUrl
//   const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
//   await receiver.close();
import { Collector } from './collector.js';
import { startGrpcServer } from './grpc.js';
import { startHttpServer } from './http.js';
import type { Receiver, ReceiverOptions } from './types.js';
import type { RunningServer } from './util.js';

export type {
  Attributes,
  CollectedLog,
  CollectedMetric,
  CollectedSpan,
  InstrumentationScope,
  Receiver,
  ReceiverCounts,
  ReceiverOptions,
  SpanKindName,
  StatusCodeName,
} from './types.js';

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const collector = new Collector(options);
  const grpc = await startGrpcServer(collector, host, options.grpcPort ?? 0);
  let http: RunningServer;
  try {
    http = await startHttpServer(collector, host, options.httpPort ?? 0);
  } catch (error) {
    // Don't leave the gRPC port bound when the receiver as a whole failed to start.
    await grpc.close();
    throw error;
  }
  const servers = [grpc, http];
  return {
    grpcUrl: grpc.url,
    httpUrl: http.url,
    spans: collector.spans,
    logs: collector.logs,
    metrics: collector.metrics,
    counts: collector.counts,
    waitForSpans: (predicate, timeoutMs) => collector.waitForSpans(predicate, timeoutMs),
    reset: () => collector.reset(),
    close: async () => {
      collector.close();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
