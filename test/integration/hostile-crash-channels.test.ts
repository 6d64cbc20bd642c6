// Two hostile apps. One whose plain node:http handler throws (an Error, a cyclic object)
// or rejects: it must die exactly as bare, with the same exit code and stderr, and as
// promptly: within 3 s of the bare app's time, and when the traces' backend accepts
// connections and never answers, within the documented exit-time bound on top
// (OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS, set to 1 s here: the crashing request's spans are
// sent at exit, and a backend that never answers holds that send until the bound). One that subscribes to the very diagnostics channels
// the preload uses (http.server.request.start, http.server.response.finish, Fastify's
// fastify.request.handler) and logs what it sees: the same log bare and traced.
import t from 'tap';
import { fixture, type RunningApp, startBlackHole } from '../helpers/app.js';
import { fetchAnswer, sameOnBoth, startTwins } from '../helpers/twins.js';

const PROMPT_MS = 3_000;
const EXIT_BOUND_MS = 1_000;

for (const [what, failure] of [['an Error thrown', 'error'], ['a cyclic object thrown', 'cyclic'], ['an async handler rejecting', 'rejection']]) {
  for (const backend of ['a receiver', 'a backend that never answers']) {
    t.test(`node:http, ${what} in the handler (exporting to ${backend}): the process dies as bare, as promptly`, async (t) => {
      const env: Record<string, string> = { THROW: failure };
      if (backend !== 'a receiver') {
        env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${(await startBlackHole(t)).port}`;
        env['OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS'] = String(EXIT_BOUND_MS);
      }
      const allowedMs = PROMPT_MS + (backend === 'a receiver' ? 0 : EXIT_BOUND_MS);
      const twins = await startTwins(t, fixture('hostile', 'throw-in-handler.js'), { env });
      const exitMs = new Map<RunningApp, number>();
      const { bare, traced } = await sameOnBoth(
        t,
        twins,
        `${what}`,
        async (port, app) => {
          const sent = performance.now();
          void app.exited.then(() => exitMs.set(app, performance.now() - sent));
          return fetchAnswer(port, '/');
        },
        { restart: false },
      );
      t.notOk(bare.alive, 'bare: the process dies of it');
      t.not(bare.exit?.code, 0, 'bare: with a failure exit code');
      const [bareMs, tracedMs] = [exitMs.get(twins.bare.app), exitMs.get(twins.traced.app)];
      t.ok(bareMs !== undefined && tracedMs !== undefined && tracedMs <= bareMs + allowedMs, `traced, it dies within ${allowedMs} ms of the bare app's time (bare ${bareMs?.toFixed(0)} ms, traced ${tracedMs?.toFixed(0)} ms)`);
      t.ok(traced.stderr.includes(failure === 'cyclic' ? "message: 'cyclic'" : 'failed'), 'traced: the error is on stderr');
    });
  }
}

t.test('an app subscribed to the same diagnostics channels sees and logs the same', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'channel-subscriber.js'));
  const requests: [string, string, string?][] = [
    ['a route', '/orders/42'],
    ['a synchronous handler', '/sync/7'],
    ['a 404', '/nowhere'],
    ['a JSON body', '/echo', '{"a":[1,2,3]}'],
    ['a handler rejecting', '/throws'],
    ['a handler throwing', '/throws-sync'],
    ['a handler rejecting with a cyclic object', '/throws-cyclic'],
    ['a route after all that', '/orders/43'],
  ];
  for (const [what, path, body] of requests) {
    const { bare } = await sameOnBoth(t, twins, what, (port) =>
      fetchAnswer(port, path, body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': 'application/json' } }),
    );
    if (bare.alive) t.match(bare.stdout, /"request\.start"/, `bare: ${what}: the app's subscriber saw the request`);
  }
});
