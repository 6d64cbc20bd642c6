// Our OTLP/protobuf trace serialiser against the official one: the same bytes for
// every kind of span the SDK can hand it, so nothing exported got worse.
import { SpanKind, SpanStatusCode, TraceFlags, context, trace, type Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { serializeTraceRequest } from '../../sdk/export/otlp-protobuf.js';

function recorded(build: (provider: TracerProvider) => void, resource = resourceFromAttributes({ 'service.name': 'orders', 'host.cpus': 2 })): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const sink = { onStart() {}, onEnd: (span: ReadableSpan) => ended.push(span), forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  build(new TracerProvider({ resource, spanProcessors: [sink] }));
  return ended;
}

const VALUES: Attributes = {
  'a.string': 'text',
  'a.empty': '',
  'a.unicode': 'café ☕ 注文 🚀',
  'a.long': 'x'.repeat(70),
  'a.longer': 'é'.repeat(20_000),
  'a.true': true,
  'a.false': false,
  'a.zero': 0,
  'a.int': 42,
  'a.negative': -7,
  'a.big': 2 ** 40 + 3,
  'a.max.safe': Number.MAX_SAFE_INTEGER,
  'a.min.safe': Number.MIN_SAFE_INTEGER,
  'a.double': 3.25,
  'a.negative.double': -0.1,
  'a.nan': Number.NaN,
  'a.infinity': Number.POSITIVE_INFINITY,
  'a.huge': 2 ** 70,
  'a.strings': ['x', '', 'ü'],
  'a.numbers': [1, 2.5, -3],
  'a.booleans': [true, false],
  'a.holes': ['x', null, undefined, 'y'] as unknown,
  'a.empty.array': [],
};

t.test('the same bytes as @opentelemetry/otlp-transformer, span by span and field by field', async (t) => {
  const spans = recorded((provider) => {
    const tracer = provider.getTracer('app', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
    const other = provider.getTracer('@opentelemetry/instrumentation-pg', '0.50.0');
    const remote = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=value,other=1'),
    });
    const root = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: VALUES }, remote);
    const child = other.startSpan('pg.query:SELECT', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, trace.setSpan(context.active(), root));
    child.addEvent('started', { 'event.count': 3 }, [1_700_000_000, 123_456_789]);
    child.addEvent('plain');
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'relation "orders" does not exist' });
    child.recordException(new Error('boom'));
    child.end([4_000_000_000, 999_999_999]);
    const linked = tracer.startSpan('consume', {
      kind: SpanKind.CONSUMER,
      links: [
        { context: root.spanContext(), attributes: { 'link.kind': 'cause' } },
        { context: { traceId: 'ABCDEF0123456789abcdef0123456789', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true } },
      ],
      startTime: [0, 0],
    });
    linked.setStatus({ code: SpanStatusCode.OK });
    linked.end([1, 1]);
    for (const kind of [SpanKind.INTERNAL, SpanKind.PRODUCER]) tracer.startSpan(`kind ${kind}`, { kind }).end();
    root.end();
  });
  const ours = Buffer.from(serializeTraceRequest(spans));
  const official = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
  t.equal(ours.length, official.length, 'as long');
  t.equal(ours.toString('hex'), official.toString('hex'), 'byte for byte');
});

t.test('several resources, scopes and a full batch of spans, as exported together', async (t) => {
  const spans = [
    ...recorded((provider) => {
      for (let i = 0; i < 600; i++) provider.getTracer(`scope-${i % 3}`).startSpan(`span ${i}`, { attributes: { i, 'http.route': '/a/:b' } }).end();
    }),
    ...recorded((provider) => provider.getTracer('elsewhere').startSpan('other resource').end(), resourceFromAttributes({ 'service.name': 'billing' })),
  ];
  t.equal(Buffer.from(serializeTraceRequest(spans)).toString('hex'), Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array).toString('hex'));
  t.equal(Buffer.from(serializeTraceRequest([])).length, Buffer.from(ProtobufTraceSerializer.serializeRequest([]) as Uint8Array).length, 'an empty batch');
});

t.test('each result is its own copy: the next export does not overwrite the last', async (t) => {
  const first = recorded((provider) => provider.getTracer('a').startSpan('first').end());
  const second = recorded((provider) => provider.getTracer('a').startSpan('second, longer name').end());
  const kept = serializeTraceRequest(first);
  const before = Buffer.from(kept).toString('hex');
  serializeTraceRequest(second);
  t.equal(Buffer.from(kept).toString('hex'), before);
});
