import type { SpanExporter } from '@opentelemetry/sdk-trace';
// The serialisers the exporters use, for the exit-time send (sdk/export/exit-export.ts): in
// this bundle they are already loaded, or load in a few ms, when a process exits.
export { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { OtlpProtocol } from '../../config/exporter.js';

type TraceExporterClass = new (config: object) => SpanExporter;

/**
 * The OTLP trace exporter class of a protocol, written out (not by package name) so
 * that the build bundles them into a file of their own (scripts/bundle.mjs), loaded
 * two seconds after start: the packages' ~170 files took ~90 ms on the event loop.
 */
export function traceExporterClass(protocol: OtlpProtocol): TraceExporterClass {
  switch (protocol) {
    case 'grpc':
      return (require('@opentelemetry/exporter-trace-otlp-grpc') as { OTLPTraceExporter: TraceExporterClass }).OTLPTraceExporter;
    case 'http/protobuf':
      return (require('@opentelemetry/exporter-trace-otlp-proto') as { OTLPTraceExporter: TraceExporterClass }).OTLPTraceExporter;
    case 'http/json':
      return (require('@opentelemetry/exporter-trace-otlp-http') as { OTLPTraceExporter: TraceExporterClass }).OTLPTraceExporter;
  }
}
