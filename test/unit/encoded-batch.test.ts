// Spans kept as their OTLP/protobuf bytes while they wait to be exported: the request
// written from those bytes is the one the official serialiser writes from the spans,
// and what an exit sends (several such requests, one after the other) decodes as one
// request with every span.
import { SpanStatusCode } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import type { BatchConfig } from '../../config/batch.js';
import { decodeTraceRequest } from '../../receiver/decode.js';
import { EncodedBatch } from '../../sdk/export/encoded-batch.js';
import { exitRequestBody } from '../../sdk/export/exit-export.js';
import { ExportFailures } from '../../sdk/export/export-failures.js';
import { OTLP_PROTOBUF, SpanBatches } from '../../sdk/export/span-batches.js';

const ORDERS = resourceFromAttributes({ 'service.name': 'orders' });
const BILLING = resourceFromAttributes({ 'service.name': 'billing', 'host.cpus': 2 });

/** Spans of two services and three scopes, ended interleaved, as a busy service ends them. */
function interleaved(count: number): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const sink = { onStart() {}, onEnd: (span: ReadableSpan) => ended.push(span), forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  const orders = new TracerProvider({ resource: ORDERS, spanProcessors: [sink] });
  const billing = new TracerProvider({ resource: BILLING, spanProcessors: [sink] });
  const tracers = [orders.getTracer('http'), orders.getTracer('pg', '0.50.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }), billing.getTracer('kafka'), orders.getTracer('pino')];
  for (let i = 0; i < count; i++) {
    const span = tracers[i % tracers.length].startSpan(`span ${i}`, { attributes: { i, 'db.query.text': 'SELECT $1'.repeat(i % 5), 'a.list': ['x', 'ü'] } });
    if (i % 7 === 0) span.addEvent('retry', { attempt: i });
    if (i % 11 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    span.end();
  }
  return ended;
}

const official = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array).toString('hex');
const spanNames = (body: Uint8Array) => decodeTraceRequest(body, 'protobuf').resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => span.name)));

t.test('the request written from the bytes is the official serialiser’s, byte for byte', async (t) => {
  for (const count of [1, 5, 512]) {
    const spans = interleaved(count);
    const batch = new EncodedBatch();
    for (const span of spans) batch.add(span);
    t.equal(batch.length, count, 'counts its spans');
    t.equal(batch.resource, ORDERS, "the first span's resource");
    t.equal(Buffer.from(batch.request()).toString('hex'), official(spans), `${count} spans of two resources and four scopes`);
  }
});

t.test('the resource as sent may be another (an exit before detection settled); the bytes of the spans are kept', async (t) => {
  const spans = interleaved(8);
  const batch = new EncodedBatch();
  for (const span of spans) batch.add(span);
  const settled = resourceFromAttributes({ 'service.name': 'orders', 'host.id': 'h1' });
  const asSent = (resource: ReadableSpan['resource']) => (resource === ORDERS ? settled : resource);
  const expected = spans.map((span) => (span.resource === ORDERS ? (Object.create(span, { resource: { value: settled } }) as ReadableSpan) : span));
  t.equal(Buffer.from(batch.request(asSent)).toString('hex'), official(expected));
  t.equal(Buffer.from(batch.request()).toString('hex'), official(spans), 'and the batch itself is unchanged');
});

t.test('a span no OTLP message can hold is lost alone, counted, and leaves nothing half-written', async (t) => {
  const spans = interleaved(6);
  const unwritable = Object.create(spans[1], { status: { value: { code: SpanStatusCode.ERROR, message: 404 } } }) as ReadableSpan;
  const exported: EncodedBatch[] = [];
  const failures = new ExportFailures('spans', 'http://collector:4317');
  let lost = 0;
  failures.unwritable = (count: number) => void (lost += count);
  const batches = new SpanBatches({ export: (batch, done) => (exported.push(batch), done({ code: 0 })), shutdown: () => Promise.resolve() }, failures, { scheduledDelayMillis: 60_000, exportTimeoutMillis: 30_000, maxQueueSize: 64, maxExportBatchSize: 32 }, OTLP_PROTOBUF);
  batches.add(unwritable); // first in its batch
  for (const span of spans.slice(0, 3)) batches.add(span);
  batches.add(unwritable); // after others of its scope
  for (const span of spans.slice(3)) batches.add(span);
  await batches.forceFlush();
  t.equal(lost, 2, 'each time one span lost, in the one loss count');
  t.equal(exported.length, 1);
  t.equal(exported[0].length, 6);
  t.equal(Buffer.from(exported[0].request()).toString('hex'), official(spans), 'the others exported as if it had never come');
});

t.test('at exit: the batches in flight and queued, one request after the other, decode as one request with every span', async (t) => {
  const spans = interleaved(10);
  const held: EncodedBatch[] = [];
  const batch: BatchConfig = { scheduledDelayMillis: 60_000, exportTimeoutMillis: 30_000, maxQueueSize: 64, maxExportBatchSize: 4 };
  const batches = new SpanBatches({ export: (b) => void held.push(b), shutdown: () => Promise.resolve() }, new ExportFailures('spans', 'http://collector:4317'), batch, OTLP_PROTOBUF);
  for (const span of spans) batches.add(span);
  t.equal(held.length, 2, 'two batches of 4 in flight, 2 spans queued');
  const owed = batches.drain();
  t.same(owed.map((b) => b.length), [4, 4, 2]);
  const body = exitRequestBody(owed, 'grpc') as Uint8Array;
  t.same(spanNames(body).sort(), spans.map((span) => span.name).sort(), 'every span, once');
});
