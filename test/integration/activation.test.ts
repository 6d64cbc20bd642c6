// Activation on first use: with no variable set, an instrumentation is loaded and at
// work when the app first requires or imports a module it patches (the very load
// that triggered it is patched), under CommonJS and ESM, and not at all otherwise.
import t, { type Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { fixture, get, registerPath, startApp, startCallee, stop } from '../helpers/app.js';

async function receiverFor(t: Test) {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  return receiver;
}

// Both views: require.cache, and every URL the module loader loaded (a hook imported
// before the preload), which is where a package loaded through `import` would show.
for (const script of ['report-loaded.js', 'report-loaded.mjs']) {
  t.test(`${script}: an app that loads none of the instrumented libraries loads none of their instrumentations`, async (t) => {
    const app = await startApp(fixture('scripts', script), {
      waitForPort: false,
      nodeArgs: ['--import', fixture('scripts', 'record-loads.mjs'), '--import', registerPath],
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'debug' },
    });
    t.same(await app.exited, { code: 0, signal: null });
    const report = app.jsonLines()[0] ?? {};
    t.same(report['instrumentations'], [], 'no instrumentation package in require.cache');
    t.ok(Number(report['loadedUrls']) > 50, `the loader hook saw the process load (${String(report['loadedUrls'])} modules)`);
    t.same(report['instrumentationsByUrl'], [], 'none among the URLs the module loader loaded');
    t.notMatch(app.stderr(), 'activated', 'and none of those bundled with the SDK (pg, kafkajs, pino, express) was created');
    t.match(app.stderr(), 'instrumentations auto;', 'the start-up line says auto');
  });
}

for (const script of ['graphql.js', 'graphql.mjs']) {
  t.test(`${script}: graphql traced with no variable set, the first load patched`, async (t) => {
    const receiver = await receiverFor(t);
    const app = await startApp(fixture('activation', script), { waitForPort: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_LOG_LEVEL: 'debug' } });
    t.same(await app.exited, { code: 0, signal: null }, 'exits normally');
    t.notMatch(app.stderr(), /warn|Error/, 'no warning, no error');
    t.match(app.jsonLines()[0], { data: { hello: /^hi / } }, 'the query ran as without us');
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.name.startsWith('query')));
    t.ok(spans.some((s) => s.name === 'graphql.parse'), 'parse span');
    t.ok(spans.some((s) => s.name === 'graphql.validate'), 'validate span');
    t.equal(spans.filter((s) => s.name.startsWith('query')).length, 1, 'one execute span');
    t.equal(app.stderr().match(/instrumentation "graphql" activated/g)?.length, 1, 'one debug line names it');
    t.notMatch(app.stderr(), 'instrumentation "grpc" activated', "the gRPC our exporter loads is not the app's: it activates nothing");
  });
}

for (const script of ['graphql-cjs-then-esm.mjs', 'graphql-esm-then-cjs.mjs']) {
  t.test(`${script}: one module loaded both ways is traced once`, async (t) => {
    const receiver = await receiverFor(t);
    const app = await startApp(fixture('activation', script), { waitForPort: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
    t.same(await app.exited, { code: 0, signal: null }, app.stderr());
    t.match(app.jsonLines()[0], { data: { hello: /^hi / } });
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.name.startsWith('query')));
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal(spans.filter((s) => s.name.startsWith('query')).length, 1, 'one execute span, not one per wrapper');
  });
}

for (const [label, script] of [
  ['CommonJS', fixture('activation', 'koa.js')],
  ['ESM', fixture('activation', 'koa.mjs')],
  ['from a nested node_modules', fixture('frameworks', 'koa.js')],
] as const) {
  t.test(`Koa (${label}): middleware spans under the server span, no variable set`, async (t) => {
    const receiver = await receiverFor(t);
    const app = await startApp(script, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
    t.teardown(() => stop(app));
    const path = script.includes('frameworks') ? '/orders/1' : '/';
    t.equal((await get(app.port, path)).status, 200);
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server') && all.some((s) => s.attributes['koa.type'] !== undefined));
    const server = spans.find((s) => s.kind === 'server') as CollectedSpan;
    const koa = spans.filter((s) => s.attributes['koa.type'] !== undefined);
    t.ok(koa.length > 0, `koa spans: ${koa.map((s) => s.name).join(', ')}`);
    t.ok(koa.every((s) => s.traceId === server.traceId), 'in the request trace');
  });
}

t.test("fetch: a client span, and the callee receives the trace's traceparent", async (t) => {
  const receiver = await receiverFor(t);
  const callee = await startCallee(t, 'pong');
  const base = `${callee.url}/ping`;
  const url = `${base}?page=2&token=s3cret`;
  const app = await startApp(fixture('activation', 'fetch.js'), { waitForPort: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, CALLEE_URL: url } });
  t.same(await app.exited, { code: 0, signal: null }, app.stderr());
  t.same(app.jsonLines()[0], { status: 200, body: 'pong' }, 'the app got its answer');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'client'));
  const client = spans.find((s) => s.kind === 'client') as CollectedSpan;
  t.equal(client.attributes['url.full'], `${base}?page=2&token=REDACTED`, 'token redacted as for node:http');
  t.notMatch(JSON.stringify(client.attributes), 's3cret', 'nowhere in the span');
  t.equal(client.attributes['http.response.status_code'], 200);
  t.equal(callee.received[0]?.['traceparent'], `00-${client.traceId}-${client.spanId}-01`, 'traceparent names the client span');
});

t.test('OTEL_NODE_ENABLED_INSTRUMENTATIONS restricts, OTEL_NODE_DISABLED_INSTRUMENTATIONS removes: graphql then never activates', async (t) => {
  for (const env of [{ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg' }, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'graphql' }]) {
    const app = await startApp(fixture('activation', 'graphql.js'), { waitForPort: false, env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'debug', ...env } });
    t.same(await app.exited, { code: 0, signal: null });
    t.match(app.jsonLines()[0], { data: { hello: 'hi cjs' } });
    t.notMatch(app.stderr(), 'activated', JSON.stringify(env));
    t.notMatch(app.stderr(), 'instrumentation-graphql', 'its package not loaded');
  }
});

for (const script of ['data-clients-closed-ports.js', 'data-clients-closed-ports.mjs']) {
  t.test(`${script}: mysql2, ioredis and redis traced with no variable set, in the request's trace`, async (t) => {
    const receiver = await receiverFor(t);
    const app = await startApp(fixture('activation', script), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, CLOSED_PORT: '1' } });
    t.teardown(() => stop(app));
    const answer = JSON.parse((await get(app.port, '/')).body) as Record<string, string>;
    t.same(answer, { mysqlError: 'ECONNREFUSED', ioredisError: 'Connection is closed.', redisError: 'ECONNREFUSED' }, 'the app sees the errors it would without us');
    const byLibrary = (all: CollectedSpan[]) => ({
      mysql2: all.find((s) => s.name === 'SELECT' && s.kind === 'client'),
      ioredis: all.find((s) => s.name === 'connect' && s.kind === 'client'),
      redis: all.find((s) => s.name === 'redis-connect'),
    });
    const spans = await receiver.waitForSpans((all) => Object.values(byLibrary(all)).every(Boolean) && all.some((s) => s.kind === 'server'));
    const server = spans.find((s) => s.kind === 'server') as CollectedSpan;
    for (const [library, span] of Object.entries(byLibrary(spans))) {
      t.equal(span?.traceId, server.traceId, `${library}: in the request's trace`);
      // ioredis ends its connect span when the attempt ends, without the error its connect() rejects with.
      if (library !== 'ioredis') t.equal(span?.status.code, 'error', `${library}: the failure recorded`);
    }
  });
}

t.test('a package required by the absolute path it resolved to activates too', async (t) => {
  const app = await startApp(fixture('activation', 'koa-by-path.js'), { waitForPort: false, env: { OTEL_TRACES_EXPORTER: 'none' } });
  t.same(await app.exited, { code: 0, signal: null });
  t.same(app.jsonLines()[0], { patched: true }, "Koa's use is wrapped, on that very load");
});
