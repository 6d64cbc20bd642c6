#!/usr/bin/env node
// EXPERIMENT: the OTLP/protobuf trace request of a batch, written by upstream's
// ProtobufTraceSerializer and by ours (sdk/export/otlp-protobuf.ts), interleaved in
// one process: median µs per span over rounds, for batches shaped like the read
// route's (a server span and its pg spans, 512 per batch).
//
//   node bench/experiments/serialiser.mjs [--rounds=15]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { summary } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const { values: options } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { TracerProvider } = require('@opentelemetry/sdk-trace');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { context, trace, SpanKind } = require('@opentelemetry/api');
const { serializeTraceRequest } = require('../../dist/sdk/export/otlp-protobuf.js');

const spans = [];
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'read-route', 'service.version': '1.0.0', 'host.name': 'bench', 'process.pid': 4242, 'telemetry.sdk.language': 'nodejs' }),
  spanProcessors: [{ onStart() {}, onEnd: (span) => spans.push(span), forceFlush: async () => {}, shutdown: async () => {} }],
});
const server = provider.getTracer('otel-preload/http-server', '0.1.0');
const pg = provider.getTracer('@opentelemetry/instrumentation-pg', '0.60.0');
while (spans.length < 512) {
  const request = server.startSpan('GET /tasks/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/tasks/42', 'url.scheme': 'http', 'http.route': '/tasks/:id', 'http.response.status_code': 200, 'server.address': 'localhost', 'server.port': 3000, 'network.protocol.version': '1.1', 'user_agent.original': 'autocannon' } });
  const parent = trace.setSpan(context.active(), request);
  for (const text of ['SELECT id, title, done FROM tasks WHERE id = $1', 'SELECT count(*) FROM tasks WHERE done = $1']) {
    pg.startSpan('pg.query:SELECT tasks', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'tasks', 'db.query.text': text, 'server.address': '127.0.0.1', 'server.port': 25432, 'db.operation.name': 'SELECT' } }, parent).end();
  }
  request.end();
}

const WRITERS = { upstream: (batch) => ProtobufTraceSerializer.serializeRequest(batch), ours: (batch) => serializeTraceRequest(batch) };
const perSpan = { upstream: [], ours: [] };
for (let round = 0; round <= Number(options.rounds); round++) {
  for (const [name, write] of Object.entries(WRITERS)) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) write(spans);
    const micros = Number(process.hrtime.bigint() - started) / 1000 / 200 / spans.length;
    if (round > 0) perSpan[name].push(micros); // round 0 warms up
  }
}
const bytes = Buffer.from(serializeTraceRequest(spans)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)));
console.log('| serialiser | µs per span (median) | same bytes |');
console.log('|---|---|---|');
for (const name of Object.keys(WRITERS)) console.log(`| ${name} | ${summary(perSpan[name]).median.toFixed(3)} | ${bytes} |`);
