// The NestJS example service (examples/nest-orders: NestJS 11 on Express, nestjs-pino,
// a StockClient calling out with Node's fetch) under the preload with no variable set,
// against a stock service started here that records the traceparent it receives. Its
// node_modules are installed by scripts/fixtures-install from its package-lock.
import { join } from 'node:path';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { get, repoRoot, startApp, startCallee, stop } from '../helpers/app.js';

t.test('nest-orders: controller and method, the exception it throws, the fetch it makes and the traceparent sent, its pino lines, two spans per request', async (t) => {
  const stock = await startCallee(t, { level: 3 });
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(join(repoRoot, 'examples', 'nest-orders', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, PORT: '0', STOCK_URL: stock.url },
  });
  t.teardown(() => stop(app));

  t.same(JSON.parse((await get(app.port, '/orders/41')).body), { id: '41', level: 3 });
  t.equal((await get(app.port, '/orders/41/price')).status, 500);
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 2);
  const server = (path: string) => spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === path);

  const order = server('/orders/41');
  t.equal(order?.name, 'GET /orders/:id');
  t.equal(order?.attributes['nestjs.controller'], 'OrdersController');
  t.equal(order?.attributes['nestjs.callback'], 'find');
  const inTrace = spans.filter((s) => s.traceId === order?.traceId);
  t.same(inTrace.map((s) => `${s.kind} ${s.name}`).sort(), ['client GET', 'server GET /orders/:id'], 'two spans per request: the server span and the fetch');
  const fetchSpan = inTrace.find((s) => s.kind === 'client');
  t.equal(fetchSpan?.parentSpanId, order?.spanId, 'the fetch under the server span');
  t.equal(fetchSpan?.attributes['url.full'], `${stock.url}/stock/41`);
  t.equal(stock.received.length, 1);
  t.equal(stock.received[0]?.['traceparent'], `00-${order?.traceId}-${fetchSpan?.spanId}-01`, 'the stock service receives the trace, the fetch span as parent');

  const priced = server('/orders/41/price');
  t.equal(priced?.name, 'GET /orders/:id/price');
  t.equal(priced?.status.code, 'error');
  t.equal(priced?.attributes['nestjs.callback'], 'price');
  const exceptions = priced?.events.filter((e) => e.name === 'exception') ?? [];
  t.same(exceptions.map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]), [['Error', 'order 41 could not be priced']]);
  t.match(String(exceptions[0]?.attributes['exception.stacktrace']), /OrdersController\.price .*server\.js:\d+/);
  t.same(spans.filter((s) => s.traceId === priced?.traceId).map((s) => s.name), ['GET /orders/:id/price'], 'one span for the failing request');
  t.same(spans.filter((s) => s.name === 'Create Nest App' || 'nestjs.type' in s.attributes), [], 'no Nest spans');

  const lines = app.jsonLines();
  const read = lines.find((l) => l['msg'] === 'order read');
  t.equal(read?.['trace_id'], order?.traceId, "nestjs-pino's line joins the request's trace");
  t.equal(read?.['span_id'], order?.spanId);
  const failure = lines.find((l) => l['msg'] === 'order 41 could not be priced');
  t.equal(failure?.['trace_id'], priced?.traceId, "Nest's error line too");
});
