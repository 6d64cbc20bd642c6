import { Buffer } from 'node:buffer';
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/**
 * The OTLP/protobuf ExportTraceServiceRequest of a batch, byte for byte what
 * @opentelemetry/otlp-transformer's ProtobufTraceSerializer writes (the test
 * test/unit/otlp-protobuf.test.ts compares them), at about half its cost
 * (bench/PROFILING.md): upstream measures every message in a first pass to size its
 * buffer, and turns every hex id into a new Uint8Array; here one buffer, kept
 * between exports, is written once, ids straight from their hex, and the result copied out.
 */
export function serializeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  return writeTraceRequest(byResourceAndScope(spans), writeSpans);
}

function writeSpans(out: Writer, spans: readonly ReadableSpan[]): void {
  for (const span of spans) writeSpan(out, span);
}

/**
 * The request of spans grouped by resource, then scope, in the order each first
 * appeared (upstream's order); `write` writes the Span messages of one group, and
 * `asSent` may change the resource that goes out (exit-export.ts).
 */
export function writeTraceRequest<Spans>(groups: Map<Resource, Map<Scope, Spans>>, write: (out: Writer, spans: Spans) => void, asSent: (resource: Resource) => Resource = (resource) => resource): Uint8Array {
  const out = writer;
  out.pos = 0;
  for (const [grouped, scopes] of groups) {
    const resource = asSent(grouped);
    out.tag(1, LENGTH);
    const resourceSpans = out.open();
    out.tag(1, LENGTH); // Resource
    const resourceMessage = out.open();
    writeAttributes(out, resource.attributes, 1);
    out.tag(2, VARINT);
    out.varint(0);
    out.close(resourceMessage);
    for (const [scope, spans] of scopes) {
      out.tag(2, LENGTH);
      const scopeMessage = out.open();
      writeScope(out, scope);
      write(out, spans);
      if (scope.schemaUrl) {
        out.tag(3, LENGTH);
        out.string(scope.schemaUrl);
      }
      out.close(scopeMessage);
    }
    if (resource.schemaUrl) {
      out.tag(3, LENGTH);
      out.string(resource.schemaUrl);
    }
    out.close(resourceSpans);
  }
  return out.copy();
}

export type Resource = ReadableSpan['resource'];
export type Scope = ReadableSpan['instrumentationScope'];

function byResourceAndScope(spans: readonly ReadableSpan[]): Map<Resource, Map<Scope, ReadableSpan[]>> {
  const resources = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = resources.get(span.resource);
    if (scopes === undefined) resources.set(span.resource, (scopes = new Map<Scope, ReadableSpan[]>()));
    const sameScope = scopes.get(span.instrumentationScope);
    if (sameScope === undefined) scopes.set(span.instrumentationScope, [span]);
    else sameScope.push(span);
  }
  return resources;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;
/** Span.flags: the context's trace flags, and whether its parent was remote (OTLP 1.4). */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function writeScope(out: Writer, scope: Scope): void {
  out.tag(1, LENGTH);
  const message = out.open();
  out.tag(1, LENGTH);
  out.string(scope.name);
  if (scope.version) {
    out.tag(2, LENGTH);
    out.string(scope.version);
  }
  const { attributes, droppedAttributesCount } = scope as { attributes?: Attributes; droppedAttributesCount?: number };
  if (attributes) writeAttributes(out, attributes, 3);
  if (droppedAttributesCount) {
    out.tag(4, VARINT);
    out.varint(droppedAttributesCount);
  }
  out.close(message);
}

/** One Span message, as field 2 of ScopeSpans. */
export function writeSpan(out: Writer, span: ReadableSpan): void {
  out.tag(2, LENGTH);
  const message = out.open();
  const context = span.spanContext();
  writeContext(out, context);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    out.tag(4, LENGTH);
    out.hexBytes(parent.spanId);
  }
  out.tag(5, LENGTH);
  out.string(span.name);
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    out.tag(6, VARINT);
    out.varint(kind);
  }
  out.tag(7, FIXED64);
  out.hrTime(span.startTime);
  out.tag(8, FIXED64);
  out.hrTime(span.endTime);
  writeAttributes(out, span.attributes, 9);
  out.tag(10, VARINT);
  out.varint(span.droppedAttributesCount);
  for (const event of span.events) writeEvent(out, event);
  out.tag(12, VARINT);
  out.varint(span.droppedEventsCount);
  for (const link of span.links) writeLink(out, link);
  out.tag(14, VARINT);
  out.varint(span.droppedLinksCount);
  out.tag(15, LENGTH);
  const status = out.open();
  if (span.status.message) {
    out.tag(2, LENGTH);
    out.string(span.status.message);
  }
  out.tag(3, VARINT);
  out.varint(span.status.code);
  out.close(status);
  out.tag(16, FIXED32);
  out.fixed32(flags(context, parent?.isRemote));
  out.close(message);
}

/** A span's or a link's context: fields 1-3 of both messages (trace id, span id, trace state). */
function writeContext(out: Writer, context: SpanContext): void {
  out.tag(1, LENGTH);
  out.hexBytes(context.traceId);
  out.tag(2, LENGTH);
  out.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    out.tag(3, LENGTH);
    out.string(traceState);
  }
}

function flags(context: SpanContext, remote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
}

function writeEvent(out: Writer, event: TimedEvent): void {
  out.tag(11, LENGTH);
  const message = out.open();
  out.tag(1, FIXED64);
  out.hrTime(event.time);
  out.tag(2, LENGTH);
  out.string(event.name);
  if (event.attributes) writeAttributes(out, event.attributes, 3);
  out.tag(4, VARINT);
  out.varint(event.droppedAttributesCount || 0);
  out.close(message);
}

function writeLink(out: Writer, link: Link): void {
  out.tag(13, LENGTH);
  const message = out.open();
  const context = link.context;
  writeContext(out, context);
  if (link.attributes) writeAttributes(out, link.attributes, 4);
  out.tag(5, VARINT);
  out.varint(link.droppedAttributesCount || 0);
  out.tag(6, FIXED32);
  out.fixed32(flags(context, context.isRemote));
  out.close(message);
}

function writeAttributes(out: Writer, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    out.tag(field, LENGTH);
    const keyValue = out.open();
    writeKeyValue(out, key, attributes[key]);
    out.close(keyValue);
  }
}

function writeKeyValue(out: Writer, key: string, value: unknown): void {
  out.tag(1, LENGTH);
  out.string(key);
  out.tag(2, LENGTH);
  const anyValue = out.open();
  writeAnyValue(out, value);
  out.close(anyValue);
}

/** AnyValue, as upstream: integers within 64 bits as int, other numbers as double, objects as key-value lists. */
function writeAnyValue(out: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      out.tag(1, LENGTH);
      out.string(value);
      return;
    case 'boolean':
      out.tag(2, VARINT);
      out.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
        out.tag(3, VARINT);
        out.varint(value);
      } else {
        out.tag(4, FIXED64);
        out.double(value);
      }
      return;
  }
  if (value instanceof Uint8Array) {
    out.tag(7, LENGTH);
    out.bytes(value);
  } else if (Array.isArray(value)) {
    out.tag(5, LENGTH);
    const array = out.open();
    for (const item of value as unknown[]) {
      out.tag(1, LENGTH);
      const element = out.open();
      writeAnyValue(out, item);
      out.close(element);
    }
    out.close(array);
  } else if (typeof value === 'object' && value !== null) {
    out.tag(6, LENGTH);
    const list = out.open();
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      out.tag(1, LENGTH);
      const keyValue = out.open();
      writeKeyValue(out, key, (value as Record<string, unknown>)[key]);
      out.close(keyValue);
    }
    out.close(list);
  }
}

/**
 * A protobuf writer over one growing buffer. A message's length is written before
 * it, and known only after: one byte is reserved for it (most messages are shorter
 * than 128 bytes), and the message is moved along when its length needs more.
 */
export class Writer {
  pos = 0;
  private buffer: Buffer;
  private view: DataView;

  constructor(size = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  copy(): Uint8Array {
    const result = Buffer.allocUnsafe(this.pos);
    this.buffer.copy(result, 0, 0, this.pos);
    return result;
  }

  /** What another writer holds, as it is. */
  append(other: Writer): void {
    this.room(other.pos);
    other.buffer.copy(this.buffer, this.pos, 0, other.pos);
    this.pos += other.pos;
  }

  private room(size: number): void {
    if (this.pos + size <= this.buffer.length) return;
    let length = this.buffer.length * 2;
    while (length < this.pos + size) length *= 2;
    const grown = Buffer.allocUnsafe(length);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** Starts a length-delimited message; returns where its length goes. */
  open(): number {
    this.room(1);
    return this.pos++;
  }

  close(at: number): void {
    const length = this.pos - at - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.room(size - 1);
      this.buffer.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    let value = length;
    let i = at;
    while (value > 127) {
      this.buffer[i++] = (value & 127) | 128;
      value >>>= 7;
    }
    this.buffer[i] = value;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  varint(value: number): void {
    this.room(10);
    const buffer = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 127) {
        buffer[this.pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    // Beyond 32 bits, or negative (two's complement over 64 bits): low and high words.
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = (magnitude / 4294967296) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 127) {
      buffer[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low & 127;
  }

  fixed32(value: number): void {
    this.room(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, exact beyond 2^53. */
  hrTime([seconds, nanos]: HrTime): void {
    this.room(8);
    const lowSeconds = (seconds & 0xffff) * 1e9;
    const highSeconds = ((seconds / 0x10000) >>> 0) * 1e9;
    const low = (lowSeconds >>> 0) + (((highSeconds & 0xffff) * 0x10000) >>> 0) + nanos;
    const high = Math.floor(lowSeconds / 4294967296) + ((highSeconds / 0x10000) >>> 0) + Math.floor(low / 4294967296);
    this.view.setUint32(this.pos, low >>> 0, true);
    this.view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.room(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  /** A hex id (trace or span) as its bytes, without making them an object first. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.room(length);
    for (let i = 0; i < length; i++) this.buffer[this.pos++] = (NIBBLES[hex.charCodeAt(2 * i)] << 4) | NIBBLES[hex.charCodeAt(2 * i + 1)];
  }

  string(value: string): void {
    const length = value.length;
    if (length < 64) {
      let ascii = true;
      for (let i = 0; i < length; i++) {
        if (value.charCodeAt(i) > 127) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.room(length + 1);
        this.buffer[this.pos++] = length;
        for (let i = 0; i < length; i++) this.buffer[this.pos++] = value.charCodeAt(i);
        return;
      }
    }
    const size = Buffer.byteLength(value, 'utf8');
    this.varint(size);
    this.room(size);
    this.pos += this.buffer.write(value, this.pos, size, 'utf8');
  }
}

/** One writer for the process: exports are serialised one at a time, synchronously. */
const writer = new Writer();

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/**
 * A hex digit's value by its char code (a table: 2.4× faster than comparisons): 0-9,
 * a-f and A-F, and for any other character what upstream's hexToBinary makes of it,
 * for the same bytes from an invalid id. Ids are ASCII; a wider code reads as 0.
 */
const NIBBLES = Int16Array.from({ length: 256 }, (_, code) => {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
});
