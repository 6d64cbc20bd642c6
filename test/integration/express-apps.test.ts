// The heart of the product: an unseen Express + pino app, CommonJS, ESM or
// TypeScript, traced with nothing but `--import otel-preload/register`.
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import type { CollectedSpan } from '../../receiver/index.js';
import { fixture, get, startApp, stop } from '../helpers/app.js';

const apps = [
  { name: 'cjs-app', script: fixture('cjs-app', 'server.js'), version: '1.2.3', nodeArgs: [] as string[] },
  { name: 'esm-app', script: fixture('esm-app', 'server.js'), version: '2.0.0', nodeArgs: [] as string[] },
  { name: 'ts-app', script: fixture('ts-app', 'server.ts'), version: '0.3.0', nodeArgs: ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'] },
];

for (const fixtureApp of apps) {
  t.test(`${fixtureApp.name}: request → server span, route handler span, pino line joined to the active span`, async (t) => {
    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    const { registerPath } = await import('../helpers/app.js');
    const app = await startApp(fixtureApp.script, {
      nodeArgs: [...fixtureApp.nodeArgs, '--import', registerPath],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl },
    });
    t.teardown(() => stop(app));

    t.equal((await get(app.port, '/health')).status, 200);
    const hello = await get(app.port, '/hello/ada');
    t.equal(hello.status, 200);
    t.same(JSON.parse(hello.body), { hello: 'ada' }, 'the app answers exactly as without us');

    const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
    const server = spans.find((s) => s.kind === 'server') as CollectedSpan;
    t.equal(server.name, 'GET /hello/:name', 'server span named by method and route');
    t.equal(server.attributes['http.route'], '/hello/:name');
    t.equal(server.attributes['http.response.status_code'], 200);
    t.equal(server.parentSpanId, undefined, 'a new trace starts at the server');
    t.equal(server.resource['service.name'], fixtureApp.name, 'service.name from the app package.json');
    t.equal(server.resource['service.version'], fixtureApp.version);
    t.type(server.resource['service.instance.id'], 'string');
    t.type(server.resource['host.name'], 'string', 'host detector ran');
    t.type(server.resource['process.pid'], 'number', 'process detector ran');
    t.notOk('process.command_args' in server.resource, 'command arguments (which may hold secrets) are left out');
    t.notOk(spans.some((s) => s.attributes['express.type'] !== undefined), 'Express layers make no spans by default: the server span carries the route');
    t.notOk(spans.some((s) => s.attributes['url.path'] === '/health' || s.name.includes('/health')), '/health makes no span');

    const logLine = app.jsonLines().find((line) => line['msg'] === 'saying hello');
    t.ok(logLine, 'pino line written');
    t.equal(logLine?.['trace_id'], server.traceId, 'pino trace_id is the trace');
    t.equal(logLine?.['span_id'], server.spanId, 'pino span_id is the span active at the log call');
    t.equal(logLine?.['trace_flags'], '01');
    t.match(app.stderr(), new RegExp(`otel-preload: v\\d+\\.\\d+\\.\\d+ tracing service "${fixtureApp.name}"`), 'one start-up line');
    t.equal(app.stderr().split('\n').filter((line) => line.startsWith('otel-preload:')).length, 1, 'and nothing else on stderr from us');
  });
}

t.test('outgoing call: client span under the server span, context propagated to the callee', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/call-out')).status, 200);
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 2 && all.some((s) => s.kind === 'client'));
  const outer = spans.find((s) => s.kind === 'server' && s.attributes['http.route'] === '/call-out') as CollectedSpan;
  const client = spans.find((s) => s.kind === 'client') as CollectedSpan;
  const inner = spans.find((s) => s.kind === 'server' && s.attributes['http.route'] === '/hello/:name') as CollectedSpan;
  t.ok(outer && client && inner, 'three spans');
  t.equal(client.traceId, outer.traceId, 'one trace');
  t.equal(inner.traceId, outer.traceId, 'traceparent carried the trace to the callee');
  t.equal(inner.parentSpanId, client.spanId, 'callee server span is the child of the client span');
  t.equal(client.attributes['http.request.method'], 'GET');
});

t.test('an incoming traceparent continues the caller\'s trace; a malformed one starts a new trace', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  await get(app.port, '/hello/a', { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
  t.equal((await get(app.port, '/hello/b', { traceparent: '00-zzzz-not-valid-01' })).status, 200, 'malformed header does not hurt the request');
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 2);
  const [first, second] = spans.filter((s) => s.kind === 'server').sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
  t.equal(first?.traceId, callerTrace);
  t.equal(first?.parentSpanId, '00f067aa0ba902b7');
  t.not(second?.traceId, callerTrace);
  t.equal(second?.parentSpanId, undefined);
});

t.test('a failing route: error status on the server span, response unchanged', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/fail')).status, 500);
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  const server = spans.find((s) => s.kind === 'server') as CollectedSpan;
  t.equal(server.status.code, 'error');
  t.equal(server.attributes['http.response.status_code'], 500);
});
