// Shutdown loses nothing and changes nothing: spans sent although the batch delay
// (one minute here) has not passed, and the app ends exactly as it would without us.
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, get, startApp, startBlackHole, stop } from '../helpers/app.js';

const LONG_BATCH_DELAY = { OTEL_BSP_SCHEDULE_DELAY: '60000' };

t.test('SIGTERM, app without a handler: flushed, then dies of SIGTERM as Node would', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('esm-app', 'server.js'), { env: { ...LONG_BATCH_DELAY, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  await get(app.port, '/hello/x');
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  t.same(exit, { code: null, signal: 'SIGTERM' }, 'killed by the signal, as without the preload');
  t.ok(receiver.spans.some((s) => s.kind === 'server'), 'server span arrived before the process died');
});

t.test('SIGTERM, app kept alive by a signal-exit callback that returns true: it still decides', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const exits = [];
  for (const nodeArgs of [[], undefined]) {
    const app = await startApp(fixture('scripts', 'signal-exit-keeps-alive.js'), { ...(nodeArgs ? { nodeArgs } : {}), withoutTapPreload: true, env: { ...LONG_BATCH_DELAY, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
    t.teardown(() => stop(app));
    await get(app.port, '/');
    app.child.kill('SIGTERM');
    exits.push(await app.exited);
  }
  t.same(exits[0], { code: 0, signal: null }, 'without the preload it finishes and exits 0');
  t.same(exits[1], exits[0], 'with it, the same');
  t.ok(receiver.spans.some((s) => s.kind === 'server'), 'and its span was sent');
});

t.test('SIGTERM, app with its own graceful handler: its exit code, its timing, spans flushed', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { ...LONG_BATCH_DELAY, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, APP_SIGTERM: 'graceful', APP_EXIT_CODE: '3' },
  });
  t.teardown(() => stop(app));
  await get(app.port, '/hello/x');
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  t.same(exit, { code: 3, signal: null }, 'the app decided how to exit');
  t.ok(app.jsonLines().some((line) => line['msg'] === 'graceful shutdown'), 'the app handler ran');
  t.ok(receiver.spans.some((s) => s.kind === 'server' && s.attributes['http.route'] === '/hello/:name'), 'request span arrived');
});

for (const [how, expected] of [
  ['natural', { code: 7, signal: null }],
  ['exit', { code: 5, signal: null }],
  ['throw', { code: 1, signal: null }],
] as const) {
  t.test(`exit by ${how}: pending spans sent, exit status unchanged`, async (t) => {
    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    const app = await startApp(fixture('scripts', 'outgoing-then-exit.js'), {
      waitForPort: false,
      env: { ...LONG_BATCH_DELAY, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, EXIT_HOW: how },
    });
    t.same(await app.exited, expected);
    const kinds = receiver.spans.map((s) => s.kind).sort();
    t.same(kinds, ['client', 'server'], 'both spans of the request arrived');
    if (how === 'throw') t.match(app.stderr(), 'uncaught on purpose', 'the app\'s own error is still printed');
  });
}

t.test('exit in the first tick: the span is sent, with no SDK error about the resource', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('scripts', 'exit-at-once.js'), { waitForPort: false, env: { ...LONG_BATCH_DELAY, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.same(await app.exited, { code: 3, signal: null });
  const span = receiver.spans.find((s) => s.name === 'startup.check');
  t.ok(span, 'the span arrived');
  t.equal(span?.resource['service.name'], 'fixture-scripts', 'with the resource known so far');
  t.notMatch(app.stderr(), /error|warn/, `nothing but the start-up line:\n${app.stderr()}`);
});

t.test('a backend that accepts connections and never answers: shutdown stays within the bound', async (t) => {
  const { port } = await startBlackHole(t);
  const app = await startApp(fixture('esm-app', 'server.js'), {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '30000',
      OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    },
  });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/hello/x')).status, 200, 'the app serves while the backend hangs');
  const started = Date.now();
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  const took = Date.now() - started;
  t.equal(exit.signal, 'SIGTERM');
  // The export itself would wait 30 s; the 1 s bound must cut it short (slack for a loaded CI machine).
  t.ok(took < 10_000, `exited after ${took} ms, well before the 30 s export timeout`);
});

t.test('a dead endpoint: the app runs normally, one warning, exit within the bound', async (t) => {
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS: '1000', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
  t.teardown(() => stop(app));
  for (let i = 0; i < 5; i++) {
    t.equal((await get(app.port, `/hello/${i}`)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  t.equal(exit.signal, 'SIGTERM');
  const failures = app.stderr().split('\n').filter((line) => line.includes('failed'));
  t.equal(failures.length, 1, `one export-failure warning, not one per batch:\n${app.stderr()}`);
  t.match(failures[0] ?? '', 'http://127.0.0.1:1');
});
