// `otel-preload view` as a user runs it: a process receiving real OTLP over gRPC
// and HTTP, printing trees (or JSON), with piped pino lines under their spans.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { appEnv, fixture, get, repoRoot, startApp, stop, until } from '../helpers/app.js';

interface Viewer {
  child: ChildProcess;
  grpcUrl: string;
  httpUrl: string;
  output: () => string;
  /** Exactly the bytes the viewer wrote to its stdout. */
  bytes: () => Buffer;
  errors: () => string;
  exited: Promise<number | null>;
}

async function startViewer(args: string[] = []): Promise<Viewer> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'view', 'cli.js'), 'view', '--grpc-port', '0', '--http-port', '0', '--quiet-ms', '300', ...args], {
    env: appEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const urls = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`viewer did not start: ${err}`)), 10_000);
    child.stderr?.on('data', () => {
      const match = /on (http:\/\/\S+) \(gRPC\) and (http:\/\/\S+) \(HTTP\)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
  return { child, grpcUrl: urls[1], httpUrl: urls[2], output: () => out, bytes: () => Buffer.concat(chunks), errors: () => err, exited };
}

t.test('OTLP/HTTP JSON intake: a recorded trace is printed as its tree; Ctrl-C exits cleanly', async (t) => {
  const viewer = await startViewer();
  const payloads = JSON.parse(readFileSync(fixture('otlp', 'create-task.json'), 'utf8')) as unknown[];
  for (const payload of payloads) {
    const response = await fetch(`${viewer.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    t.equal(response.status, 200);
  }
  const golden = readFileSync(fixture('otlp', 'create-task.tree.txt'), 'utf8');
  await until('the tree', () => viewer.output().includes(golden));
  t.ok(viewer.output().includes(golden), 'the golden tree, uncoloured when stdout is not a terminal');
  viewer.child.kill('SIGINT');
  t.equal(await viewer.exited, 0);
});

t.test('OTLP/gRPC intake from a traced app, --json, and --logs - with the app piped in', async (t) => {
  const viewer = await startViewer(['--json', '--logs', '-']);
  t.teardown(() => viewer.child.kill('SIGKILL'));
  const app = await startApp(fixture('cjs-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: viewer.grpcUrl } });
  t.teardown(() => stop(app));
  app.child.stdout?.pipe(viewer.child.stdin!);
  await get(app.port, '/hello/viewer');
  await until('the JSON trace', () => viewer.output().includes('GET /hello/:name'));
  const documents = viewer.output().trim().split('\n').map((line) => JSON.parse(line) as { traceId: string; spans: { name: string; spanId: string; logs: { msg: string }[] }[] });
  const trace = documents.find((doc) => doc.spans.some((span) => span.name === 'GET /hello/:name'));
  t.ok(trace, 'one JSON document per trace');
  const handler = trace?.spans.find((span) => span.name === 'GET /hello/:name');
  t.same(handler?.logs.map((log) => log.msg), ['saying hello'], 'the pino line sits under the span it was written in');
});

// One of each kind of sequence a terminal acts on instead of showing: CSI (clear the
// screen), OSC (set the window title, BEL-terminated), CR/LF and a forged line, the
// 8-bit CSI, a Unicode line separator, a bidi override.
const HOSTILE = {
  csi: '\x1b[2J\x1b[H',
  osc: '\x1b]0;pwned title\x07',
  crlf: '\r\notel-preload view: FAKE LINE',
  c1: '\u009b2J',
  separator: '\u2028SEPARATED',
  bidi: '\u202eevil\u202c',
};
const ALL = Object.values(HOSTILE).join('');

/** A server span with a failed database child and an HTTP-client child, every printed field hostile. */
async function hostileSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': `svc${HOSTILE.osc}` }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('hostile');
  const root = tracer.startSpan(`GET /${HOSTILE.csi}${HOSTILE.crlf}`, { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 500, [`key${HOSTILE.csi}`]: `value${ALL}` } }, ROOT_CONTEXT);
  root.addEvent(`event${ALL}`, { [`event.key${HOSTILE.osc}`]: `event value${ALL}` });
  const inRoot = trace.setSpan(ROOT_CONTEXT, root);
  const query = tracer.startSpan(`pg.query${HOSTILE.c1}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': `postgresql${HOSTILE.bidi}`, 'db.query.text': `SELECT 1 ${HOSTILE.separator}` } }, inRoot);
  query.setStatus({ code: SpanStatusCode.ERROR, message: `status${HOSTILE.crlf}` }); // the tree shows a failed child's status message
  query.end();
  tracer.startSpan(`GET${HOSTILE.bidi}`, { kind: SpanKind.CLIENT, attributes: { 'url.full': `http://127.0.0.1/${HOSTILE.crlf}` } }, inRoot).end();
  root.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

async function exportTo(viewer: Viewer, transport: 'grpc' | 'http', spans: ReadableSpan[]): Promise<void> {
  const exporter = transport === 'grpc' ? new GrpcTraceExporter({ url: viewer.grpcUrl }) : new HttpTraceExporter({ url: `${viewer.httpUrl}/v1/traces` });
  try {
    await new Promise<void>((resolve, reject) =>
      exporter.export(spans, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')))),
    );
  } finally {
    await exporter.shutdown();
  }
}

/** Control characters a terminal may act on: C0 but LF (the viewer's own line ends), DEL, C1, separators, bidi. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

for (const transport of ['grpc', 'http'] as const) {
  t.test(`hostile text received over ${transport} is printed escaped: no raw control bytes reach the terminal`, async (t) => {
    const viewer = await startViewer(['--logs', '-']);
    t.teardown(() => viewer.child.kill('SIGKILL'));
    const spans = await hostileSpans();
    const root = spans.find((span) => span.kind === SpanKind.SERVER) as ReadableSpan;
    const ids = { trace_id: root.spanContext().traceId, span_id: root.spanContext().spanId };
    viewer.child.stdin?.write(`${JSON.stringify({ level: 50, msg: `log line${ALL}`, ...ids })}\n`);
    // Not JSON: a text line, which ends at its LF; a lone CR inside it must not return the cursor.
    viewer.child.stdin?.write(`an app line without span ids${HOSTILE.csi}${HOSTILE.osc}\rFAKE${HOSTILE.c1}${HOSTILE.separator}${HOSTILE.bidi}\n`);
    await exportTo(viewer, transport, spans);
    await until('the tree', () => viewer.output().includes('log line'));
    await until('the passed-through line', () => viewer.errors().includes('an app line'));

    const bytes = viewer.bytes();
    for (const [name, byte] of [['ESC', 0x1b], ['CR', 0x0d], ['BEL', 0x07]] as const) t.equal(bytes.indexOf(byte), -1, `no raw ${name} byte on stdout`);
    const text = bytes.toString('utf8');
    t.notMatch(text, RAW_CONTROL, 'no raw C1, separator or bidi character either');
    t.notOk(text.split('\n').some((line) => line.startsWith('otel-preload view: FAKE')), 'no forged line');
    for (const shown of [
      'GET /\\x1b[2J\\x1b[H\\r\\notel-preload view: FAKE LINE', // span name
      'svc\\x1b]0;pwned title\\x07', // service name
      'ERROR status\\r\\notel-preload view: FAKE', // status message (shortened)
      'pg.query\\x9b2J', // C1 CSI
      'postgresql\\u202eevil\\u202c', // attribute value, bidi
      'SELECT 1 \\u2028SEPARATED', // attribute value, line separator
      'GET\\u202eevil\\u202c (client)  http://127.0.0.1/\\r\\notel-preload view: FAKE LINE', // url.full
      '· error: log line\\x1b[2J\\x1b[H\\x1b]0;pwned title\\x07\\r\\notel-preload', // a --logs - line under its span
    ]) {
      t.ok(text.includes(shown), `shows ${shown}`);
    }
    const passedThrough = viewer.errors().split('\n').find((line) => line.startsWith('an app line')) ?? '';
    t.notMatch(passedThrough, RAW_CONTROL, 'an app line passed through to stderr is escaped too');
    t.equal(passedThrough, 'an app line without span ids\\x1b[2J\\x1b[H\\x1b]0;pwned title\\x07\\rFAKE\\x9b2J\\u2028SEPARATED\\u202eevil\\u202c', 'whole, on one line');
  });
}

t.test('--json keeps received text exact and still writes no raw control character', async (t) => {
  const viewer = await startViewer(['--json']);
  t.teardown(() => viewer.child.kill('SIGKILL'));
  const spans = await hostileSpans();
  await exportTo(viewer, 'grpc', spans);
  await until('the JSON trace', () => viewer.output().includes('"traceId"'));
  const text = viewer.bytes().toString('utf8');
  t.notMatch(text, RAW_CONTROL, 'no raw control character: C0 as JSON.stringify escapes it, C1/separators/bidi as \\u escapes');
  const document = JSON.parse(text.trim()) as { spans: { name: string; resource: Record<string, string>; attributes: Record<string, string>; events: { name: string }[] }[] };
  const root = document.spans.find((span) => span.name.startsWith('GET /'));
  t.equal(root?.name, `GET /${HOSTILE.csi}${HOSTILE.crlf}`, 'the exact span name, once decoded');
  t.equal(root?.resource['service.name'], `svc${HOSTILE.osc}`);
  t.equal(root?.attributes[`key${HOSTILE.csi}`], `value${ALL}`, 'attribute keys and values exact');
  t.equal(root?.events[0]?.name, `event${ALL}`);
});

t.test('view --logs - with a finite input: prints everything pending, then exits 0 when the input ends', async (t) => {
  // A quiet period far longer than the test: only the end of the input can make it print.
  const viewer = await startViewer(['--logs', '-', '--quiet-ms', '600000']);
  t.teardown(() => viewer.child.kill('SIGKILL'));
  const payloads = JSON.parse(readFileSync(fixture('otlp', 'create-task.json'), 'utf8')) as { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string; spanId: string }[] }[] }[] }[];
  for (const payload of payloads) {
    const response = await fetch(`${viewer.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    t.equal(response.status, 200);
  }
  const spans = payloads.flatMap((payload) => payload.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const consumer = spans.find((span) => span.name === 'process web-crawl-tasks');
  // OTLP/JSON carries ids as base64 or hex depending on the writer; the tree shows the one LogsBySpan keys by.
  const hex = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));
  const stdin = viewer.child.stdin!;
  stdin.write('starting\n');
  stdin.write(`${JSON.stringify({ level: 30, msg: 'task running', trace_id: hex(consumer!.traceId), span_id: hex(consumer!.spanId) })}\n`);
  stdin.end(`${JSON.stringify({ level: 30, msg: 'last line, no newline', trace_id: hex(consumer!.traceId), span_id: hex(consumer!.spanId) })}`);
  const code = await Promise.race([viewer.exited, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after its input ended'), 10_000))]);
  t.equal(code, 0, 'exits 0 by itself');
  const golden = readFileSync(fixture('otlp', 'create-task.tree.txt'), 'utf8').split('\n');
  const printed = viewer.output().split('\n');
  t.same(printed.filter((line) => !line.includes('· log:')).slice(0, golden.length - 1), golden.slice(0, -1), 'the pending trace, printed whole');
  const at = printed.findIndex((line) => line.includes('process web-crawl-tasks'));
  t.same(printed.slice(at + 1, at + 3).map((line) => line.trim()), ['│ · log: task running', '│ · log: last line, no newline'], 'with every log line under its span, the unterminated last one too');
  t.match(viewer.errors(), /^starting$/m, 'app lines without span ids passed through');
});
