// A backend that is down when the app starts and comes back later: the app is
// unaffected, we say once that export fails and once that it works again, and
// spans flow again without a restart.
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, get, startApp, stop } from '../helpers/app.js';

t.test('export failing, then recovering', async (t) => {
  const probe = await startReceiver();
  const grpcPort = Number(new URL(probe.grpcUrl).port);
  await probe.close(); // the port is now free: the backend is "down"
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
  });
  t.teardown(() => stop(app));
  for (let i = 0; i < 5; i++) {
    t.equal((await get(app.port, `/hello/down-${i}`)).status, 200, 'the app serves while the backend is down');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const receiver = await startReceiver({ grpcPort });
  t.teardown(() => receiver.close());
  const deadline = Date.now() + 20_000;
  while (!receiver.spans.some((s) => s.attributes['url.path'] === '/hello/up') && Date.now() < deadline) {
    await get(app.port, '/hello/up');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  t.ok(receiver.spans.some((s) => s.attributes['url.path'] === '/hello/up'), 'spans flow again after the backend is back');
  // The recovery line is written when the export's answer comes back, just after the spans landed.
  while (!app.stderr().includes('works again') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const ours = app.stderr().split('\n').filter((line) => line.startsWith('otel-preload:'));
  t.equal(ours.filter((line) => line.includes(' failed: ')).length, 1, `one failure warning:\n${app.stderr()}`);
  t.equal(ours.filter((line) => line.includes('works again (')).length, 1, `one recovery line:\n${ours.join('\n')}`);
  t.match(ours.find((line) => line.includes('works again (')) ?? '', /\d+ spans were dropped while it failed/, 'it says how many were dropped');
});

for (const [what, endpoint] of [
  ['a DNS name that does not resolve', 'http://otel-backend.invalid:4317'],
  ['TLS to a plain-text receiver', 'https://127.0.0.1:PORT'],
  ['the wrong port (nothing listens)', 'http://127.0.0.1:9'],
] as const) {
  t.test(`${what}: one clear message, the app unaffected`, async (t) => {
    const plain = await startReceiver();
    t.teardown(() => plain.close());
    const app = await startApp(fixture('cjs-app', 'server.js'), {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.replace('PORT', new URL(plain.grpcUrl).port), OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS: '1000' },
    });
    t.teardown(() => stop(app));
    for (let i = 0; i < 4; i++) {
      t.equal((await get(app.port, `/hello/${i}`)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const deadline = Date.now() + 10_000;
    while (!app.stderr().includes(' failed: ') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const ours = app.stderr().split('\n').filter((line) => line.startsWith('otel-preload:') && !line.includes('tracing service'));
    t.equal(ours.length, 1, `exactly one message:\n${app.stderr()}`);
    t.match(ours[0] ?? '', /exporting spans to \S+ failed: .+/, 'naming the endpoint and the cause');
    t.equal(plain.spans.length, 0, 'nothing was delivered by mistake');
    app.child.kill('SIGTERM');
    t.equal((await app.exited).signal, 'SIGTERM', 'and the app still ends as it would');
  });
}
