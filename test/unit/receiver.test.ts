// The OTLP receiver, driven by the real OpenTelemetry exporters over every protocol
// they speak (gRPC, HTTP/protobuf, HTTP/JSON; plain and gzip), plus hand-made
// requests for the edges the exporters never produce.
import t from 'tap';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type HrTime, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, type LogRecordExporter, LoggerProvider, type ReadableLogRecord, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { type CollectedSpan, type Receiver, startReceiver } from '../../receiver/index.js';

// The exporters type `compression` as otlp-exporter-base's CompressionAlgorithm enum,
// a package we don't depend on directly; its 'gzip' member is this string.
type Compression = NonNullable<NonNullable<ConstructorParameters<typeof GrpcTraceExporter>[0]>['compression']>;
const GZIP = 'gzip' as Compression;

const resource = resourceFromAttributes({ 'service.name': 'receiver-test', 'service.version': '9.9.9' });
const SCOPE = { name: 'receiver-test-scope', version: '1.2.3' };

/** A server span with a client child that failed: ids, parent, kinds, typed attributes, an exception event, a link. */
async function makeSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer(SCOPE.name, SCOPE.version);
  const parent = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } }, ROOT_CONTEXT);
  const child = tracer.startSpan(
    'SELECT orders',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system': 'postgresql', 'db.rows': 42, ratio: 0.25, cached: false, tags: ['a', 'b'], ports: [5432, 5433] },
      links: [{ context: parent.spanContext(), attributes: { 'link.reason': 'retry' } }],
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.recordException(new Error('connection reset'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'query failed' });
  child.end();
  parent.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

function exportWith<T>(exporter: { export(items: T[], done: (result: ExportResult) => void): void }, items: T[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(items, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')))),
  );
}

const nanos = ([seconds, ns]: HrTime): bigint => BigInt(seconds) * 1_000_000_000n + BigInt(ns);

function named(spans: CollectedSpan[], name: string): CollectedSpan {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

/** Everything the receiver should have reconstructed from `sent`. */
function assertSpans(t: tap.Test, received: CollectedSpan[], sent: ReadableSpan[]): void {
  const sentParent = sent.find((s) => s.name === 'GET /orders');
  const sentChild = sent.find((s) => s.name === 'SELECT orders');
  if (!sentParent || !sentChild) throw new Error('makeSpans() changed');
  t.equal(received.length, 2, 'both spans');
  const parent = named(received, 'GET /orders');
  const child = named(received, 'SELECT orders');

  t.equal(parent.traceId, sentParent.spanContext().traceId, 'trace id (hex)');
  t.match(parent.traceId, /^[0-9a-f]{32}$/);
  t.equal(parent.spanId, sentParent.spanContext().spanId, 'span id (hex)');
  t.equal(parent.parentSpanId, undefined, 'a root span has no parent');
  t.notOk('parentSpanId' in parent, 'and no parentSpanId key at all');
  t.equal(child.traceId, parent.traceId, 'same trace');
  t.equal(child.parentSpanId, parent.spanId, 'child points at its parent');

  t.equal(parent.kind, 'server');
  t.equal(child.kind, 'client');
  t.same(parent.status, { code: 'unset' });
  t.same(child.status, { code: 'error', message: 'query failed' });

  t.same(child.attributes, { 'db.system': 'postgresql', 'db.rows': 42, ratio: 0.25, cached: false, tags: ['a', 'b'], ports: [5432, 5433] }, 'typed attributes');
  t.equal(typeof child.attributes['db.rows'], 'number', 'int64 comes back as a number');

  t.equal(child.startTimeUnixNano, nanos(sentChild.startTime), 'start time, to the nanosecond');
  t.equal(child.endTimeUnixNano, nanos(sentChild.endTime), 'end time, to the nanosecond');
  t.equal(child.durationMs, Number(nanos(sentChild.endTime) - nanos(sentChild.startTime)) / 1e6, 'duration in ms');

  t.equal(child.events.length, 1, 'one event');
  const event = child.events[0];
  t.equal(event?.name, 'exception');
  t.equal(event?.attributes['exception.type'], 'Error');
  t.equal(event?.attributes['exception.message'], 'connection reset');
  t.match(event?.attributes['exception.stacktrace'], /connection reset/);
  t.equal(typeof event?.timeUnixNano, 'bigint');

  t.same(child.links, [{ traceId: parent.traceId, spanId: parent.spanId, attributes: { 'link.reason': 'retry' } }], 'link');

  t.same(child.resource, { 'service.name': 'receiver-test', 'service.version': '9.9.9' }, 'resource attributes');
  t.same(child.scope, SCOPE, 'instrumentation scope');
}

async function receiverFor(t: tap.Test, options?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const receiver = await startReceiver(options);
  t.teardown(() => receiver.close());
  return receiver;
}

interface Protocol {
  name: string;
  exporter: (receiver: Receiver) => SpanExporter;
  transport: 'grpcRequests' | 'httpRequests';
}

const protocols: Protocol[] = [
  { name: 'grpc', exporter: (r) => new GrpcTraceExporter({ url: r.grpcUrl }), transport: 'grpcRequests' },
  { name: 'grpc + gzip', exporter: (r) => new GrpcTraceExporter({ url: r.grpcUrl, compression: GZIP }), transport: 'grpcRequests' },
  { name: 'http/protobuf', exporter: (r) => new ProtoTraceExporter({ url: `${r.httpUrl}/v1/traces` }), transport: 'httpRequests' },
  { name: 'http/protobuf + gzip', exporter: (r) => new ProtoTraceExporter({ url: `${r.httpUrl}/v1/traces`, compression: GZIP }), transport: 'httpRequests' },
  { name: 'http/json', exporter: (r) => new JsonTraceExporter({ url: `${r.httpUrl}/v1/traces` }), transport: 'httpRequests' },
  { name: 'http/json + gzip', exporter: (r) => new JsonTraceExporter({ url: `${r.httpUrl}/v1/traces`, compression: GZIP }), transport: 'httpRequests' },
];

t.test('spans from the real exporters, every protocol', async (t) => {
  const sent = await makeSpans();
  const receiver = await receiverFor(t);
  t.match(receiver.grpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/, 'grpcUrl binds 127.0.0.1');
  t.match(receiver.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/, 'httpUrl is a base URL');
  for (const protocol of protocols) {
    await t.test(protocol.name, async (t) => {
      receiver.reset();
      const exporter = protocol.exporter(receiver);
      t.teardown(() => exporter.shutdown());
      await exportWith(exporter, sent);
      t.equal(receiver.counts.requests, 1, 'one request');
      t.equal(receiver.counts[protocol.transport], 1, `counted as ${protocol.transport}`);
      t.equal(receiver.counts.spans, 2, 'two spans counted');
      t.equal(receiver.counts.rejected, 0, 'nothing rejected');
      assertSpans(t, receiver.spans, sent);
    });
  }
});

t.test('waitForSpans', async (t) => {
  const sent = await makeSpans();
  const receiver = await receiverFor(t);
  const exporter = new ProtoTraceExporter({ url: `${receiver.httpUrl}/v1/traces` });
  t.teardown(() => exporter.shutdown());

  const waiting = receiver.waitForSpans((all) => all.some((s) => s.kind === 'client'), 5_000);
  await exportWith(exporter, sent);
  const spans = await waiting;
  t.equal(spans.length, 2, 'resolves once the spans arrive');
  t.not(spans, receiver.spans, 'with a snapshot, not the live array');

  t.equal((await receiver.waitForSpans((all) => all.length === 2, 10)).length, 2, 'resolves at once when already true');

  await t.rejects(receiver.waitForSpans((all) => all.some((s) => s.name === 'never sent'), 150), {
    message: /within 150 ms; 2 span\(s\) received in 1 request\(s\): GET \/orders \(server\), SELECT orders \(client\)|within 150 ms; 2 span\(s\) received in 1 request\(s\): SELECT orders \(client\), GET \/orders \(server\)/,
  }, 'a timeout names the spans that did arrive');

  await t.rejects(receiver.waitForSpans(() => false, 100), { message: /none|received/ });
  receiver.reset();
  t.same([receiver.spans.length, receiver.counts.spans, receiver.counts.requests], [0, 0, 0], 'reset forgets spans and counts');
  await t.rejects(receiver.waitForSpans(() => false, 100), { message: /0 span\(s\) received in 0 request\(s\): none/ }, 'timeout with nothing received');

  const pending = receiver.waitForSpans(() => false, 10_000);
  await receiver.close();
  await t.rejects(pending, { message: /closed/ }, 'close() rejects pending waits');
});

t.test('discard mode counts spans but keeps none', async (t) => {
  const sent = await makeSpans();
  const receiver = await receiverFor(t, { discard: true });
  const exporter = new GrpcTraceExporter({ url: receiver.grpcUrl });
  t.teardown(() => exporter.shutdown());
  for (let i = 0; i < 3; i++) await exportWith(exporter, sent);
  t.same(receiver.counts, { spans: 6, logs: 0, requests: 3, grpcRequests: 3, httpRequests: 0, rejected: 0 });
  t.equal(receiver.spans.length, 0, 'nothing kept');

  const batches: CollectedSpan[][] = [];
  const observed = await receiverFor(t, { discard: true, onSpans: (spans) => batches.push(spans) });
  const httpExporter = new JsonTraceExporter({ url: `${observed.httpUrl}/v1/traces` });
  t.teardown(() => httpExporter.shutdown());
  await exportWith(httpExporter, sent);
  t.equal(observed.spans.length, 0, 'with onSpans: still nothing kept');
  t.equal(batches.length, 1, 'onSpans sees each request');
  assertSpans(t, batches[0] ?? [], sent);
});

t.test('logs, over gRPC and HTTP/JSON', async (t) => {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  provider.getLogger(SCOPE.name, SCOPE.version).emit({
    body: 'order placed',
    severityNumber: 9,
    severityText: 'INFO',
    attributes: { 'order.id': 17 },
    context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
  });
  await provider.forceFlush();
  const records: ReadableLogRecord[] = memory.getFinishedLogRecords();
  await provider.shutdown();

  const receiver = await receiverFor(t);
  const exporters: [string, LogRecordExporter][] = [
    ['grpc', new GrpcLogExporter({ url: receiver.grpcUrl })],
    ['http/json', new JsonLogExporter({ url: `${receiver.httpUrl}/v1/logs` })],
  ];
  for (const [name, exporter] of exporters) {
    t.teardown(() => exporter.shutdown());
    receiver.reset();
    await exportWith(exporter, records);
    t.equal(receiver.counts.logs, 1, `${name}: one record counted`);
    t.equal(receiver.spans.length, 0, `${name}: logs are kept apart from spans`);
    const log = receiver.logs[0];
    t.match(log, {
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
      severityText: 'INFO',
      severityNumber: 9,
      body: 'order placed',
      attributes: { 'order.id': 17 },
      resource: { 'service.name': 'receiver-test' },
      scope: SCOPE,
    }, `${name}: the record`);
    t.equal(typeof log?.timeUnixNano, 'bigint');
    t.ok((log?.timeUnixNano ?? 0n) > 0n, `${name}: has a time`);
  }
});

/** POST to the receiver with node:http, returning status, content type and body. */
function post(url: string, body: Buffer | string, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('OTLP/JSON edges: hex ids, enum ints, string int64s, nested values, gzip', async (t) => {
  const receiver = await receiverFor(t);
  const payload = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hand-made' } }] },
        scopeSpans: [
          {
            scope: { name: 'manual' },
            spans: [
              {
                traceId: '5B8EFFF798038103D269B633813FC60C',
                spanId: 'EEE19B7EC3C1B174',
                parentSpanId: '',
                name: 'publish',
                kind: 4,
                startTimeUnixNano: '1700000000123456789',
                endTimeUnixNano: '1700000000223456789',
                attributes: [
                  { key: 'small', value: { intValue: '7' } },
                  { key: 'huge', value: { intValue: '9007199254740993' } },
                  { key: 'nested', value: { kvlistValue: { values: [{ key: 'list', value: { arrayValue: { values: [{ doubleValue: 1.5 }, { boolValue: true }, {}] } } }] } } },
                  { key: 'raw', value: { bytesValue: Buffer.from('hi').toString('base64') } },
                ],
                status: { code: 2 },
              },
            ],
          },
        ],
      },
    ],
  };
  const reply = await post(`${receiver.httpUrl}/v1/traces`, gzipSync(JSON.stringify(payload)), { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
  t.same(reply, { status: 200, type: 'application/json', body: '{}' }, 'an empty JSON response');
  const [span] = receiver.spans;
  t.match(span, {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'publish',
    kind: 'producer',
    status: { code: 'error' },
    resource: { 'service.name': 'hand-made' },
    scope: { name: 'manual' },
  });
  t.equal(span?.parentSpanId, undefined, 'an empty parentSpanId is no parent');
  t.equal(span?.startTimeUnixNano, 1700000000123456789n, 'int64 nanoseconds kept exact');
  t.equal(span?.durationMs, 100);
  t.equal(span?.attributes['small'], 7);
  t.equal(span?.attributes['huge'], 9007199254740993n, 'an int64 beyond 2^53 stays exact, as a bigint');
  t.same(span?.attributes['nested'], { list: [1.5, true, null] }, 'kvlist → object, array → array, empty value → null');
  t.same(Buffer.from(span?.attributes['raw'] as Uint8Array).toString(), 'hi', 'bytes (base64 in JSON) → bytes');
});

t.test('bad requests are refused, and counted', async (t) => {
  const receiver = await receiverFor(t);
  const traces = `${receiver.httpUrl}/v1/traces`;
  const protobuf = { 'content-type': 'application/x-protobuf' };
  t.match(await post(traces, Buffer.from([0x0a, 0xff, 0xff]), protobuf), { status: 400, body: /undecodable/ }, 'truncated protobuf → 400');
  t.match(await post(traces, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}', { 'content-type': 'application/json' }), { status: 400, body: /traceId must be hex/ }, 'non-hex id → 400');
  t.match(await post(traces, '{', { 'content-type': 'application/json' }), { status: 400 }, 'broken JSON → 400');
  t.match(await post(traces, Buffer.from('not gzip'), { ...protobuf, 'content-encoding': 'gzip' }), { status: 400, body: /gzip/ }, 'bad gzip → 400');
  t.match(await post(traces, '', { 'content-type': 'text/plain' }), { status: 415 }, 'unknown content type → 415');
  t.match(await post(traces, '', { ...protobuf, 'content-encoding': 'br' }), { status: 415 }, 'unknown content encoding → 415');
  t.match(await post(`${receiver.httpUrl}/v1/profiles`, '', protobuf), { status: 404 }, 'no profiles endpoint → 404');
  t.match(await post(traces, '', protobuf, 'PUT'), { status: 405 }, 'not POST → 405');
  t.equal(receiver.counts.requests, 0, 'none accepted');

  t.match(await post(traces, Buffer.alloc(0), protobuf), { status: 200, type: 'application/x-protobuf', body: '' }, 'an empty request is a valid empty export');

  const client = new grpc.Client(receiver.grpcUrl.replace('http://', ''), grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const raw = (bytes: Buffer) => bytes;
  const error = await new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', raw, raw, Buffer.from([0x0a, 0xff, 0xff]), (err) => resolve(err)),
  );
  t.equal(error?.code, grpc.status.INVALID_ARGUMENT, 'undecodable gRPC message → INVALID_ARGUMENT');
  t.equal(receiver.counts.rejected, 9, 'every refusal counted');
  await t.rejects(receiver.waitForSpans(() => false, 50), { message: /9 request\(s\) rejected, last: grpc: undecodable/ }, 'and named when a wait times out');
});

/** Resolves true if nothing is listening on the port (we can bind it ourselves). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

t.test('close() releases both ports, even with exporters still connected', async (t) => {
  const sent = await makeSpans();
  const first = await startReceiver();
  const grpcPort = Number(new URL(first.grpcUrl).port);
  const httpPort = Number(new URL(first.httpUrl).port);
  const grpcExporter = new GrpcTraceExporter({ url: first.grpcUrl });
  const httpExporter = new ProtoTraceExporter({ url: `${first.httpUrl}/v1/traces` });
  t.teardown(() => Promise.all([grpcExporter.shutdown(), httpExporter.shutdown()]));
  await exportWith(grpcExporter, sent);
  await exportWith(httpExporter, sent);
  t.equal(await portIsFree(grpcPort), false, 'gRPC port in use while running');

  const started = Date.now();
  await first.close();
  t.ok(Date.now() - started < 1_500, 'close() does not wait for idle keep-alive connections');
  t.equal(await portIsFree(grpcPort), true, 'gRPC port free after close');
  t.equal(await portIsFree(httpPort), true, 'HTTP port free after close');

  const second = await startReceiver({ grpcPort, httpPort });
  t.teardown(() => second.close());
  t.equal(second.grpcUrl, `http://127.0.0.1:${grpcPort}`, 'configured gRPC port honoured');
  t.equal(second.httpUrl, `http://127.0.0.1:${httpPort}`, 'configured HTTP port honoured');
});

t.test('a port already taken fails start-up without leaking the other', async (t) => {
  const blocker = await startReceiver();
  t.teardown(() => blocker.close());
  const httpPort = Number(new URL(blocker.httpUrl).port);
  const grpcPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  await t.rejects(startReceiver({ grpcPort, httpPort }), { code: 'EADDRINUSE' });
  t.equal(await portIsFree(grpcPort), true, 'the gRPC port bound first was released');
});
