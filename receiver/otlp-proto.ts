// The official OTLP protobuf messages, as code the OpenTelemetry project generated
// (pbjs static module, --null-defaults) from opentelemetry-proto and published in
// @opentelemetry/otlp-transformer up to 0.52. Newer otlp-transformer releases
// (0.300, the one the SDK uses) hand-write their encoder and ship no decoder, so the
// project installs 0.52.1 under the alias `otlp-protos` purely for this root, as a
// dev dependency: the build bundles this file with it (scripts/bundle.mjs), so the
// published package does not carry its 17 MB.
//
// The root ships without useful typings (`$protobuf.Root`), so the interfaces below
// describe the decoded messages exactly as far as the receiver reads them. Field
// names follow the .proto files in lowerCamelCase, as protobufjs generates them.
import generatedRoot from 'otlp-protos/build/src/generated/root.js';

/**
 * An int64/fixed64: a `Long` (protobufjs finds the `long` package, installed with it)
 * or, without it, a number. Both print as exact decimals, which is all we rely on.
 */
export type Int64 = { toString(): string } | number;

// Scalars are null when the field was absent (--null-defaults); repeated fields are
// always arrays; embedded messages are null when absent.

export interface PbAnyValue {
  /** The oneof's virtual discriminator: which member is set. */
  readonly value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue: string | null;
  boolValue: boolean | null;
  intValue: Int64 | null;
  doubleValue: number | null;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array | null;
}

export interface PbKeyValue {
  key: string | null;
  value: PbAnyValue | null;
}

export interface PbResource {
  attributes: PbKeyValue[];
}

export interface PbScope {
  name: string | null;
  version: string | null;
}

export interface PbSpan {
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  parentSpanId: Uint8Array | null;
  name: string | null;
  kind: number | null;
  startTimeUnixNano: Int64 | null;
  endTimeUnixNano: Int64 | null;
  attributes: PbKeyValue[];
  events: { name: string | null; timeUnixNano: Int64 | null; attributes: PbKeyValue[] }[];
  links: { traceId: Uint8Array | null; spanId: Uint8Array | null; attributes: PbKeyValue[] }[];
  status: { code: number | null; message: string | null } | null;
}

export interface PbTraceRequest {
  resourceSpans: { resource: PbResource | null; scopeSpans: { scope: PbScope | null; spans: PbSpan[] }[] }[];
}

export interface PbLogRecord {
  timeUnixNano: Int64 | null;
  observedTimeUnixNano: Int64 | null;
  severityNumber: number | null;
  severityText: string | null;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
}

export interface PbLogsRequest {
  resourceLogs: { resource: PbResource | null; scopeLogs: { scope: PbScope | null; logRecords: PbLogRecord[] }[] }[];
}

/** A data point of any metric type, as far as the receiver reads it. */
export interface PbDataPoint {
  attributes: PbKeyValue[];
  timeUnixNano: Int64 | null;
  asDouble: number | null;
  asInt: Int64 | null;
  count: Int64 | null;
  sum: number | null;
}

export interface PbMetric {
  name: string | null;
  description: string | null;
  unit: string | null;
  gauge: { dataPoints: PbDataPoint[] } | null;
  sum: { dataPoints: PbDataPoint[]; isMonotonic: boolean | null } | null;
  histogram: { dataPoints: PbDataPoint[] } | null;
  exponentialHistogram: { dataPoints: PbDataPoint[] } | null;
  summary: { dataPoints: PbDataPoint[] } | null;
}

export interface PbMetricsRequest {
  resourceMetrics: { resource: PbResource | null; scopeMetrics: { scope: PbScope | null; metrics: PbMetric[] }[] }[];
}

/** The generated static methods we use on one message type. */
export interface MessageType<T> {
  decode(bytes: Uint8Array): T;
  /** Builds a message from a proto3-JSON-like object (camelCase keys, base64 bytes, enum names or numbers, int64 as string or number). */
  fromObject(object: Record<string, unknown>): T;
  encode(message: object): { finish(): Uint8Array };
}

interface OtlpRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: MessageType<PbTraceRequest>; ExportTraceServiceResponse: MessageType<object> } };
        logs: { v1: { ExportLogsServiceRequest: MessageType<PbLogsRequest>; ExportLogsServiceResponse: MessageType<object> } };
        metrics: { v1: { ExportMetricsServiceRequest: MessageType<PbMetricsRequest>; ExportMetricsServiceResponse: MessageType<object> } };
      };
    };
  };
}

// The one cast from the untyped generated module to the shapes above.
const { trace, logs, metrics } = (generatedRoot as unknown as OtlpRoot).opentelemetry.proto.collector;

export const ExportTraceServiceRequest = trace.v1.ExportTraceServiceRequest;
export const ExportLogsServiceRequest = logs.v1.ExportLogsServiceRequest;
export const ExportMetricsServiceRequest = metrics.v1.ExportMetricsServiceRequest;

// Both responses are "accepted everything": no partial_success, which encodes to zero bytes.
export const emptyTraceResponse: Uint8Array = trace.v1.ExportTraceServiceResponse.encode({}).finish();
export const emptyLogsResponse: Uint8Array = logs.v1.ExportLogsServiceResponse.encode({}).finish();
export const emptyMetricsResponse: Uint8Array = metrics.v1.ExportMetricsServiceResponse.encode({}).finish();
