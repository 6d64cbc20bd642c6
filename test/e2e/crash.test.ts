// A service that dies of an uncaught exception or an unhandled rejection thrown from a
// request's asynchronous work: it dies exactly as it does bare (exit code, stderr, no
// later), and the trace of the request that killed it reaches Jaeger: the server span
// and the app's own span active where it was thrown, each with the exception and an
// error status.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, get, registerPath, startApp, stop, until } from '../helpers/app.js';
import { waitForTrace } from './jaeger.js';
import { requireJaeger } from './services.js';

const app = fixture('crash', 'app.js');

/** Sends a request without waiting for its answer: the server may die or hold it (its socket error is expected). */
function send(port: number, path: string, headers: Record<string, string> = {}): void {
  const req = request({ host: '127.0.0.1', port, path, headers });
  req.on('error', () => undefined);
  req.end();
}

/** Sends one request with a known trace id; resolves when the process has died. */
async function crash(mode: string, traced: boolean, otlpGrpc: string, traceId: string) {
  const started = Date.now();
  const running = await startApp(app, {
    nodeArgs: traced ? ['--import', registerPath] : [],
    env: { CRASH: mode, OTEL_EXPORTER_OTLP_ENDPOINT: otlpGrpc, OTEL_SERVICE_NAME: 'crash-fixture' },
  });
  const sent = Date.now();
  send(running.port, '/orders/7/pay', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  const exit = await running.exited;
  const stderr = running
    .stderr()
    .split('\n')
    .filter((line) => !line.startsWith('otel-preload:'))
    .join('\n');
  return { exit, stderr, dyingMs: Date.now() - sent, startMs: sent - started };
}

for (const mode of ['throw', 'reject']) {
  t.test(`an ${mode === 'throw' ? 'uncaught exception' : 'unhandled rejection'} kills the service as it does bare, and its trace reaches Jaeger`, async (t) => {
    const jaeger = await requireJaeger();
    const bare = await crash(mode, false, jaeger.otlpGrpc, randomBytes(16).toString('hex'));
    const traceId = randomBytes(16).toString('hex');
    const traced = await crash(mode, true, jaeger.otlpGrpc, traceId);
    t.same(traced.exit, bare.exit, 'the same exit code');
    t.not(bare.exit.code, 0);
    t.equal(traced.stderr, bare.stderr, 'the same stderr, but for our own lines');
    t.match(traced.stderr, mode === 'throw' ? /RangeError: card service exploded/ : /TypeError: card service rejected/);
    t.ok(traced.dyingMs < bare.dyingMs + 3000, `dies within the exit-time bound (${traced.dyingMs} ms traced, ${bare.dyingMs} ms bare)`);

    const spans = await waitForTrace(jaeger.url, traceId, (all) => all.some((s) => s.kind === 'server') && all.some((s) => s.name === 'charge card'));
    const message = mode === 'throw' ? 'card service exploded' : 'card service rejected';
    const type = mode === 'throw' ? 'RangeError' : 'TypeError';
    for (const span of [spans.find((s) => s.kind === 'server'), spans.find((s) => s.name === 'charge card')]) {
      t.equal(span?.status.code, 'error', `${span?.name}: error status`);
      t.same(span?.events.filter((e) => e.name === 'exception').map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]), [[type, message]], `${span?.name}: the exception, once`);
    }
    const server = spans.find((s) => s.kind === 'server');
    t.equal(server?.attributes['error.type'], type, 'error.type: no status was sent, the exception type');
    t.notOk(server !== undefined && 'http.response.status_code' in server.attributes, 'no status code: none was sent');
  });
}

t.test('every request still open when the service dies ends as crashed, and one answered before it does not', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const running = await startApp(app, { env: { CRASH: 'throw', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl }, nodeArgs: ['--import', registerPath] });
  t.teardown(() => stop(running));
  for (const n of ['1', '2', '3']) {
    send(running.port, `/hold?n=${n}`);
    await until(`request ${n} to be held`, () => running.stdout().includes(`held ${n}\n`));
  }
  // The middle one of three is answered: the other two are still open when the app dies.
  t.equal((await get(running.port, '/release?n=2')).status, 200);
  send(running.port, '/orders/7/pay');
  await running.exited;
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 5);
  const server = (path: string) => spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === '/hold' && s.attributes['url.query'] === path);
  for (const n of ['1', '3']) {
    t.equal(server(`n=${n}`)?.attributes['error.type'], 'RangeError', `held request ${n}: ended as crashed`);
    t.equal(server(`n=${n}`)?.status.code, 'error');
  }
  t.equal(server('n=2')?.attributes['http.response.status_code'], 200, 'the released request: answered');
  t.equal(server('n=2')?.status.code, 'unset');
  t.equal(spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === '/orders/7/pay')?.attributes['error.type'], 'RangeError', 'the request that crashed it');
});

t.test('an app with its own uncaughtException handler survives: its open requests are not ended as crashed', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  // The same fixture with a handler of the app's own that logs and carries on.
  const running = await startApp(app, { env: { CRASH: 'throw', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl }, nodeArgs: ['--import', registerPath, '--require', fixture('crash', 'survive.js')] });
  t.teardown(() => stop(running));
  send(running.port, '/orders/7/pay');
  await until('the app to survive its error', () => /survived: card service exploded/.test(running.stdout()));
  t.equal((await get(running.port, '/status')).status, 200, 'still answering');
  await receiver.waitForSpans((all) => all.some((s) => s.attributes['url.path'] === '/status'));
  t.notOk(receiver.spans.some((s) => s.events.some((e) => e.name === 'exception')), 'nothing ended as crashed: the request is still open');
});
