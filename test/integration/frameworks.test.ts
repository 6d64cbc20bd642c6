// Server spans and routes for the frameworks services run on, each from its own
// node_modules (test/fixtures/frameworks, installed by scripts/fixtures-install):
// Express 4, Fastify 5, Koa 3 with @koa/router, NestJS 11 on Express and on Fastify. Express 5 is http-server.test.ts.
// Fastify and Koa also as ES modules, calling out with fetch and logging with pino.
import { request } from 'node:http';
import t, { type Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { fixture, get, startApp, startCallee, stop } from '../helpers/app.js';

function postJson(port: number, path: string, body: string, type = 'application/json'): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(t: Test, script: string, env: Record<string, string> = {}) {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('frameworks', script), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, ...env } });
  t.teardown(() => stop(app));
  const serverSpan = async (path: string) =>
    (await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server' && s.attributes['url.path'] === path))).find(
      (s) => s.kind === 'server' && s.attributes['url.path'] === path,
    ) as CollectedSpan;
  return { app, serverSpan, receiver };
}

t.test('Express 4: nested routers, a mounted app, middleware-only answers, errors', async (t) => {
  const { app, serverSpan } = await run(t, 'express4.js');
  for (const path of ['/api/v1/orders/42', '/admin/users/7', '/static/a.css', '/throws', '/passes-error', '/handled/fails']) await get(app.port, path);
  t.equal((await serverSpan('/api/v1/orders/42')).name, 'GET /api/v1/orders/:id');
  t.equal((await serverSpan('/admin/users/7')).attributes['http.route'], '/admin/users/:uid');
  t.notOk('http.route' in (await serverSpan('/static/a.css')).attributes, 'middleware alone: no route');
  for (const [path, message] of [['/throws', 'thrown in a handler'], ['/passes-error', 'passed to next'], ['/handled/fails', 'handled by the error middleware']]) {
    const span = await serverSpan(path);
    t.equal(span.status.code, 'error', `${path}: error status`);
    t.same(span.events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.message']), [message], `${path}: one exception event`);
  }
  const line = app.jsonLines().find((l) => l['msg'] === 'order read');
  t.equal(line?.['trace_id'], (await serverSpan('/api/v1/orders/42')).traceId, 'the log line joins the trace');
  // (Not /rejects-value: Express 4 does not catch an async handler's rejection, and the process dies of it, bare too.)
  for (const [path, type] of [['/throws-value', 'Object'], ['/passes-value', 'symbol']]) {
    t.equal((await get(app.port, path)).status, 500);
    t.same((await serverSpan(path)).events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.type']), [type], `${path}: a value that is not an Error, recorded once`);
  }
});

t.test('Fastify 5: the route from its diagnostics channel, handler errors recorded, its pino lines joined', async (t) => {
  const { app, serverSpan, receiver } = await run(t, 'fastify.js');
  for (const path of ['/orders/42', '/api/v1/items/9', '/throws', '/teapot', '/missing']) await get(app.port, path);
  const order = await serverSpan('/orders/42');
  t.equal(order.name, 'GET /orders/:id');
  t.equal(order.attributes['http.route'], '/orders/:id');
  t.equal((await serverSpan('/api/v1/items/9')).attributes['http.route'], '/api/v1/items/:item', 'a prefixed plugin');
  const thrown = await serverSpan('/throws');
  t.equal(thrown.status.code, 'error');
  t.equal(thrown.attributes['http.response.status_code'], 500);
  t.same(thrown.events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.message']), ['thrown in a fastify handler']);
  t.equal((await serverSpan('/teapot')).status.code, 'unset', '4xx is not a server error');
  const missing = await serverSpan('/missing');
  t.equal(missing.attributes['http.response.status_code'], 404);
  t.notOk('http.route' in missing.attributes, 'no route for a 404');
  const line = app.jsonLines().find((l) => l['msg'] === 'order read');
  t.equal(line?.['trace_id'], order.traceId, "Fastify's own pino logger writes the trace id");

  // Answers given before the handler runs still carry the route that matched.
  t.equal((await get(app.port, '/private/7')).status, 401);
  t.equal((await postJson(app.port, '/validated', '{}')).status, 400);
  t.equal((await postJson(app.port, '/validated', 'x', 'text/weird')).status, 415);
  t.equal((await get(app.port, '/hook-throws')).status, 500);
  t.equal((await get(app.port, '/throws-value')).status, 500, 'a cyclic non-Error value: answered as without us, the process lives');
  t.equal((await serverSpan('/private/7')).attributes['http.route'], '/private/:id', "an auth hook's 401");
  const rejected = (await receiver.waitForSpans((all) => all.filter((s) => s.attributes['url.path'] === '/validated').length === 2)).filter((s) => s.attributes['url.path'] === '/validated');
  t.same(rejected.map((s) => [s.attributes['http.response.status_code'], s.attributes['http.route']]).sort(), [[400, '/validated'], [415, '/validated']], 'validation 400 and 415');
  const hook = await serverSpan('/hook-throws');
  t.equal(hook.attributes['http.route'], '/hook-throws');
  t.same(hook.events.filter((e) => e.name === 'exception').map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]), [['RangeError', 'thrown in a preHandler hook']], "a hook's error, once");
  const value = await serverSpan('/throws-value');
  t.same(value.events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.type']).slice(0, 1), ['Object'], 'the thrown value recorded first');
  t.equal((await get(app.port, '/orders/1')).status, 200, 'the app serves on');
  t.equal(line?.['span_id'], order.spanId);
});

t.test('Koa 3 with @koa/router: the route instrumentation-koa matched, on the server span; status', async (t) => {
  const { app, serverSpan } = await run(t, 'koa.js');
  t.equal((await get(app.port, '/orders/1')).status, 200);
  t.equal((await get(app.port, '/throws')).status, 500);
  const order = await serverSpan('/orders/1');
  t.equal(order.name, 'GET /orders/:id');
  t.equal(order.attributes['http.route'], '/orders/:id');
  t.equal(order.attributes['http.response.status_code'], 200);
  t.equal((await serverSpan('/throws')).status.code, 'error');
  t.equal((await get(app.port, '/throws-value')).status, 500);
  t.same((await serverSpan('/throws-value')).events.filter((e) => e.name === 'exception').map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]), [['symbol', 'Symbol(thrown in a koa handler)']], 'a thrown Symbol, as the app threw it');
});

// A service calling out with fetch, under CommonJS and ESM, nothing set: the server span
// with its route, the fetch's client span under it, the traceparent the callee receives,
// and the pino line written meanwhile, all in one trace.
for (const script of ['fastify.js', 'fastify.mjs', 'koa.js', 'koa.mjs']) {
  t.test(`${script}: route, the fetch it makes and the traceparent sent, its pino line, one trace`, async (t) => {
    const callee = await startCallee(t, '42.00');
    const { app, serverSpan, receiver } = await run(t, script, { CALLEE_URL: `${callee.url}/price` });
    const response = await get(app.port, '/orders/7/price');
    t.same([response.status, JSON.parse(response.body)], [200, { price: '42.00' }], 'the app answers as without us');
    const server = await serverSpan('/orders/7/price');
    t.equal(server.attributes['http.route'], '/orders/:id/price');
    const client = (await receiver.waitForSpans((all) => all.some((s) => s.kind === 'client'))).find((s) => s.kind === 'client') as CollectedSpan;
    t.equal(client.traceId, server.traceId, "the fetch's client span is in the request's trace");
    t.equal(client.attributes['http.response.status_code'], 200);
    t.equal(callee.received[0]?.['traceparent'], `00-${client.traceId}-${client.spanId}-01`, 'the callee receives the trace, through the client span');
    const line = app.jsonLines().find((l) => l['msg'] === 'pricing order');
    t.equal(line?.['trace_id'], server.traceId, 'the pino line carries the trace id');
  });
}

t.test('NestJS 11 on Express: the controller route with the global prefix, the controller and method, exceptions recorded, no spans of its own', async (t) => {
  const { app, serverSpan, receiver } = await run(t, 'nest.js');
  t.same(JSON.parse((await get(app.port, '/api/orders/5')).body), { id: '5' });
  t.equal((await get(app.port, '/api/orders/fail/now')).status, 500);
  t.equal((await get(app.port, '/api/orders/gone/7')).status, 404);
  const order = await serverSpan('/api/orders/5');
  t.equal(order.name, 'GET /api/orders/:id');
  t.equal(order.attributes['http.route'], '/api/orders/:id');
  t.equal(order.attributes['nestjs.controller'], 'OrdersController', 'the controller, on the server span');
  t.equal(order.attributes['nestjs.callback'], 'find', 'and its method');
  t.same(order.events, [], 'no exception event on success');

  const failed = await serverSpan('/api/orders/fail/now');
  t.equal(failed.attributes['http.route'], '/api/orders/fail/now');
  t.equal(failed.status.code, 'error');
  t.equal(failed.attributes['nestjs.callback'], 'fail');
  const exceptions = failed.events.filter((e) => e.name === 'exception');
  t.equal(exceptions.length, 1, 'one exception event for the error Nest answered with a 500');
  t.equal(exceptions[0]?.attributes['exception.type'], 'Error');
  t.equal(exceptions[0]?.attributes['exception.message'], 'thrown in a nest controller');
  t.match(String(exceptions[0]?.attributes['exception.stacktrace']), /nest\.js:\d+/, 'the stack names the controller file');

  const gone = await serverSpan('/api/orders/gone/7');
  t.equal(gone.attributes['http.response.status_code'], 404);
  t.equal(gone.status.code, 'unset', 'an HttpException under 500 is not a server error');
  t.same(
    gone.events.filter((e) => e.name === 'exception').map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]),
    [['NotFoundException', 'order 7 is gone']],
    'but it is recorded',
  );
  t.equal(gone.attributes['nestjs.callback'], 'gone');

  const spans = receiver.spans;
  t.same(spans.filter((s) => s.traceId === order.traceId).map((s) => s.name), ['GET /api/orders/:id'], 'one span per request: the server span');
  t.same(spans.filter((s) => s.name === 'Create Nest App' || 'nestjs.type' in s.attributes).map((s) => s.name), [], 'no span for Nest at start-up or for its internals');
});

t.test('NestJS 11 on Fastify: the route, the controller and method, exceptions recorded from the raw response of its reply', async (t) => {
  const { app, serverSpan, receiver } = await run(t, 'nest-fastify.js');
  t.same(JSON.parse((await get(app.port, '/api/orders/5')).body), { id: '5' });
  t.equal((await get(app.port, '/api/orders/fail/now')).status, 500);
  t.equal((await get(app.port, '/api/orders/gone/7')).status, 404);
  const order = await serverSpan('/api/orders/5');
  t.equal(order.name, 'GET /api/orders/:id');
  t.equal(order.attributes['nestjs.controller'], 'OrdersController');
  t.equal(order.attributes['nestjs.callback'], 'find');
  const failed = await serverSpan('/api/orders/fail/now');
  t.equal(failed.status.code, 'error');
  t.equal(failed.attributes['nestjs.callback'], 'fail');
  t.same(failed.events.filter((e) => e.name === 'exception').map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]), [['Error', 'thrown in a nest controller on fastify']]);
  const gone = await serverSpan('/api/orders/gone/7');
  t.equal(gone.status.code, 'unset');
  t.same(gone.events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.type']), ['NotFoundException']);
  t.same(receiver.spans.filter((s) => s.traceId === order.traceId).map((s) => s.name), ['GET /api/orders/:id'], 'one span per request');
});

t.test("NestJS with upstream's nestjs-core named: its spans come back, and the exception is still on the server span", async (t) => {
  const { app, serverSpan, receiver } = await run(t, 'nest.js', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,nestjs-core' });
  t.equal((await get(app.port, '/api/orders/5')).status, 200);
  t.equal((await get(app.port, '/api/orders/fail/now')).status, 500);
  const order = await serverSpan('/api/orders/5');
  const failed = await serverSpan('/api/orders/fail/now');
  t.same(failed.events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.message']), ['thrown in a nest controller']);
  const nest = receiver.spans.filter((s) => s.traceId === order.traceId && s.attributes['nestjs.type'] !== undefined);
  t.same(nest.map((s) => s.attributes['nestjs.type']).sort(), ['handler', 'request_context'], "upstream's two spans per request");
  t.equal(nest.find((s) => s.attributes['nestjs.type'] === 'request_context')?.attributes['nestjs.controller'], 'OrdersController', 'which name the controller there');
  t.ok(receiver.spans.some((s) => s.name === 'Create Nest App'));
});

t.test('NestJS imported as an ES module: the same controller and method, and exception event', async (t) => {
  const { app, serverSpan } = await run(t, 'nest-esm.mjs');
  t.equal((await get(app.port, '/api/orders/5')).status, 200);
  t.equal((await get(app.port, '/api/orders/fail/now')).status, 500);
  const order = await serverSpan('/api/orders/5');
  t.equal(order.name, 'GET /api/orders/:id');
  t.same([order.attributes['nestjs.controller'], order.attributes['nestjs.callback']], ['OrdersController', 'find']);
  const failed = await serverSpan('/api/orders/fail/now');
  t.equal(failed.status.code, 'error');
  t.same(failed.events.filter((e) => e.name === 'exception').map((e) => e.attributes['exception.message']), ['thrown in an ESM nest controller']);
});
