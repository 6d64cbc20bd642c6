import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { type Resource, type Scope, Writer, writeSpan, writeTraceRequest } from './otlp-protobuf.js';

/**
 * A batch of ended spans kept as their OTLP/protobuf bytes, written as each span is
 * added, for the OTLP/protobuf exporters (gRPC and HTTP). A span object is a few
 * dozen small objects (attributes, times, contexts, events); kept while it waits for
 * its batch and while the batch is in flight, they outlive V8's young-generation
 * collections, which then copy them, promote them and grow: most of the RSS the
 * export added on the read route (bench/PROFILING.md). As bytes, a span is a few
 * hundred bytes outside the JavaScript heap and its objects die young. The request
 * is written from the bytes when the batch is sent, the same bytes as
 * serializeTraceRequest of the spans (test/unit/encoded-batch.test.ts).
 */
export class EncodedBatch {
  /** Spans in the batch: what the exporter counts, and the loss count if it fails. */
  length = 0;
  /** The Span messages of each resource and scope, in the order each first came. */
  private readonly groups = new Map<Resource, Map<Scope, Writer>>();

  add(span: ReadableSpan): void {
    let scopes = this.groups.get(span.resource);
    if (scopes === undefined) this.groups.set(span.resource, (scopes = new Map<Scope, Writer>()));
    let out = scopes.get(span.instrumentationScope);
    if (out === undefined) scopes.set(span.instrumentationScope, (out = new Writer(SCOPE_BYTES)));
    const before = out.pos;
    try {
      writeSpan(out, span);
    } catch (error) {
      out.pos = before; // no half span in the request
      throw error;
    }
    this.length += 1;
  }

  /** The resource of the first span, whose asynchronous attributes an export waits for. */
  get resource(): Resource | undefined {
    return this.groups.keys().next().value;
  }

  /** The ExportTraceServiceRequest; `asSent` may change the resource that goes out. */
  request(asSent?: (resource: Resource) => Resource): Uint8Array {
    return writeTraceRequest(this.groups, (out, spans) => out.append(spans), asSent);
  }

  /** What a debug line that prints the exporter's items says, not the bytes. */
  toJSON(): string {
    return `${this.length} spans as OTLP/protobuf`;
  }
}

/** A scope's first buffer in a batch (doubled as it fills): a few spans of a few hundred bytes. */
const SCOPE_BYTES = 8 * 1024;
