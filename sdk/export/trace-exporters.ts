import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import { type ISerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { OtlpProtocol } from '../../config/exporter.js';
import type { EncodedBatch } from './encoded-batch.js';
import { serializeTraceRequest } from './otlp-protobuf.js';
// The JSON serialiser, also for the exit-time send over http/json (sdk/export/exit-export.ts).
export { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';

type TraceExporterClass = new (config: object) => SpanExporter;
type Spans = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0];

/**
 * Upstream's protobuf serialiser with our writer of the request (otlp-protobuf.ts),
 * the same bytes; a batch of spans already written as bytes (encoded-batch.ts) is
 * sent as it is (told apart by shape: this file is bundled apart from the runtime,
 * with its own copy of the class).
 */
const protobuf: ISerializer<Spans | EncodedBatch, ReturnType<typeof ProtobufTraceSerializer.deserializeResponse>> = {
  serializeRequest: (spans) => (Array.isArray(spans) ? serializeTraceRequest(spans) : spans.request()),
  deserializeResponse: (response) => ProtobufTraceSerializer.deserializeResponse(response),
};

/** The official OTLP/gRPC trace exporter, built from its own parts, with our serialiser. */
class GrpcTraceExporter extends OTLPExporterBase<Spans | EncodedBatch> {
  constructor(config: object) {
    super(createOtlpGrpcExportDelegate(convertLegacyOtlpGrpcOptions(config, 'TRACES'), protobuf, 'otlp_grpc_span_exporter', TraceExporterMetricsHelper, undefined, 'TraceExportService', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'));
  }
}

/** The official OTLP/HTTP protobuf trace exporter, built from its own parts, with our serialiser. */
class ProtobufHttpTraceExporter extends OTLPExporterBase<Spans | EncodedBatch> {
  constructor(config: object) {
    super(createOtlpHttpExportDelegate(convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }), protobuf, 'otlp_http_span_exporter', TraceExporterMetricsHelper, undefined));
  }
}

/**
 * The OTLP trace exporter class of a protocol, written out (not by package name) so
 * that the build bundles them into a file of their own (scripts/bundle.mjs), loaded
 * two seconds after start: the packages' ~170 files took ~90 ms on the event loop.
 */
export function traceExporterClass(protocol: OtlpProtocol): TraceExporterClass {
  switch (protocol) {
    case 'grpc':
      return GrpcTraceExporter;
    case 'http/protobuf':
      return ProtobufHttpTraceExporter;
    case 'http/json':
      return (require('@opentelemetry/exporter-trace-otlp-http') as { OTLPTraceExporter: TraceExporterClass }).OTLPTraceExporter;
  }
}
