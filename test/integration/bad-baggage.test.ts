// Malformed `baggage` headers from clients are ignored as the W3C specification asks:
// the request is served exactly as without the preload, its server span is recorded
// as the root of a new trace, nothing is printed, and what the app forwards to the
// next service is a well-formed, bounded baggage header (or none).
import { connect } from 'node:net';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, startApp, stop } from '../helpers/app.js';

interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** A request written byte for byte, so that any header value can be sent (http.request refuses some). */
function rawGet(port: number, path: string, headerLines: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const contentType = head.find((line) => line.toLowerCase().startsWith('content-type:'))?.slice('content-type:'.length).trim();
      resolve({ status: Number(head[0]?.split(' ')[1]), contentType, body: text.slice(split + 4) });
    });
    socket.write(Buffer.concat([Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`), headerLines, Buffer.from('\r\n')]));
  });
}

const line = (value: string | Buffer, name = 'baggage') => Buffer.concat([Buffer.from(`${name}: `), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n')]);

/** Printable ASCII chosen by a fixed linear congruential sequence: the same 10 KB of garbage every run. */
function garbage(length: number): string {
  let seed = 7;
  let text = '';
  while (text.length < length) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    text += String.fromCharCode(0x21 + (seed % 94));
  }
  return text;
}

const CASES: [string, Buffer][] = [
  ['garbage', line('%%%;;;===,,,=;=,!!@@ {}[]')],
  ['empty value', line('')],
  ['only separators', line(',,,,;;;;,=,')],
  ['keys and values missing', line('=v,k=,=,k')],
  ['one 10 KB member', line(`big=${'x'.repeat(10 * 1024)}`)],
  ['10 KB of random printable garbage', line(garbage(10 * 1024))],
  ['1000 members (the limit is 180)', line(Array.from({ length: 1000 }, (_, i) => `k${i}=v${i}`).join(','))],
  ['bad percent-encoding', line('user=%E0%A4%A,tenant=%ZZ,ok=%,x=%C3%28,%=1')],
  ['unicode as raw UTF-8 bytes', line(Buffer.from('user=José,emoji=🙂,名前=値'))],
  ['invalid UTF-8 bytes', line(Buffer.concat([Buffer.from('k='), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0]), Buffer.from(',k2=v2')]))],
  ['property garbage', line('k=v;;;=;;=x;;p=;=q,k2=v2;;;;')],
  ['two baggage headers, one broken', Buffer.concat([line('a=1'), line('===,b')])],
];

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
/**
 * A list member as the W3C baggage grammar has it: a token key, `=`, a value of
 * baggage-octets (printable ASCII but `"`, `,`, `;`, `\`), then properties, which the
 * propagator passes on as it received them (printable, no comma).
 */
const MEMBER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*(;[\x20-\x2b\x2d-\x7e]*)?$/;

t.test('malformed baggage headers: served as without us, new traces, no output, sane forwarding', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const bare = await startApp(fixture('scripts', 'header-echo.js'), { nodeArgs: [] });
  t.teardown(() => stop(bare));
  const ours = await startApp(fixture('scripts', 'header-echo.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(ours));

  for (const [index, [what, headers]] of CASES.entries()) {
    const expected = await rawGet(bare.port, `/echo?case=${index}`, headers);
    const got = await rawGet(ours.port, `/echo?case=${index}`, headers);
    t.equal(expected.status, 200, `${what}: the bare app serves it`);
    t.same(got, expected, `${what}: same status, type and body as without the preload (the app sees the header unchanged)`);
  }

  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= CASES.length);
  const servers = spans.filter((s) => s.kind === 'server');
  t.equal(servers.length, CASES.length, 'one server span per request');
  for (const [index, [what]] of CASES.entries()) {
    const span = servers.find((s) => s.attributes['url.query'] === `case=${index}`);
    t.ok(span, `${what}: its server span was recorded`);
    t.equal(span?.parentSpanId, undefined, `${what}: the root of a new trace`);
    t.match(span?.traceId, TRACE_ID, `${what}: with a valid trace id`);
  }
  t.equal(new Set(servers.map((s) => s.traceId)).size, servers.length, 'each request its own trace');

  for (const [index, [what, headers]] of CASES.entries()) {
    const relayed = await rawGet(ours.port, `/relay?case=${index}`, headers);
    t.equal(relayed.status, 200, `${what}: an outgoing call inside the request works`);
    const { forwarded } = JSON.parse(relayed.body) as { forwarded: { baggage: string | null; traceparent: string | null } };
    t.match(forwarded.traceparent, TRACEPARENT, `${what}: the next service gets a valid traceparent`);
    if (forwarded.baggage === null) continue;
    const members = forwarded.baggage.split(',');
    t.ok(forwarded.baggage.length <= 8192 && members.length <= 180, `${what}: forwarded baggage within the limits (${forwarded.baggage.length} bytes, ${members.length} members)`);
    const bad = members.filter((member) => !MEMBER.test(member));
    t.same(bad, [], `${what}: every forwarded member is well-formed`);
  }

  // A burst of them: still nothing on stderr but the start-up line, still serving.
  const statuses: number[] = [];
  for (let i = 0; i < 120; i++) statuses.push((await rawGet(ours.port, '/echo', CASES[i % CASES.length][1])).status);
  t.same(new Set(statuses), new Set([200]), '120 more requests with those headers, every one served');
  const stderr = ours.stderr().split('\n').filter((l) => l !== '');
  t.equal(stderr.length, 1, `only the start-up line on stderr:\n${ours.stderr()}`);
  t.match(stderr[0], /^otel-preload: .*tracing service/);
  t.equal(ours.child.exitCode, null, 'still running');
});

t.test('malformed baggage next to a valid traceparent: the caller\'s trace continues, the baggage is dropped', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const ours = await startApp(fixture('scripts', 'header-echo.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(ours));
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const traceparent = line(`00-${callerTrace}-00f067aa0ba902b7-01`, 'traceparent');
  const relayed = await rawGet(ours.port, '/relay', Buffer.concat([traceparent, line('%%%;;;===,,,=;=,!!@@ {}[]')]));
  const { forwarded } = JSON.parse(relayed.body) as { forwarded: { baggage: string | null; traceparent: string | null } };
  t.equal(forwarded.baggage, null, 'nothing of the garbage is forwarded');
  t.equal(TRACEPARENT.exec(forwarded.traceparent ?? '')?.[1], callerTrace, 'the next service is in the caller\'s trace');
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 2);
  const outer = spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === '/relay');
  t.equal(outer?.traceId, callerTrace, 'the server span continues the caller\'s trace');
  t.equal(outer?.parentSpanId, '00f067aa0ba902b7', 'as a child of the caller\'s span');
});
