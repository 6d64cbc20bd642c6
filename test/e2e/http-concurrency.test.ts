// Context isolation under concurrency, with a real PostgreSQL: hundreds of requests on
// shared keep-alive sockets, each with its own incoming traceparent, each querying the
// database and logging. Every pg span and every pino line must be in its own request's
// trace, under its server span and inside its time window; never in a neighbour's.
import { Agent, request } from 'node:http';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, startApp, stop, until } from '../helpers/app.js';
import { requireServices } from './services.js';

t.test('300 concurrent requests on 16 keep-alive sockets, each with pg queries and log lines', async (t) => {
  const services = await requireServices();
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'pg-under-load.js'), {
    env: { DATABASE_URL: services.databaseUrl, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_BSP_MAX_QUEUE_SIZE: '8192', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024' },
  });
  t.teardown(() => stop(app));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  t.teardown(() => agent.destroy());
  const count = 300;
  const traceOf = (n: number) => `e${n.toString(16).padStart(31, '0')}`;
  const answers = await Promise.all(
    Array.from(
      { length: count },
      (_, n) =>
        new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: app.port, path: `/lookup/${n}`, agent, headers: { traceparent: `00-${traceOf(n)}-00f067aa0ba902b7-01` } }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  t.ok(answers.every((body, n) => (JSON.parse(body) as { n: number }).n === n), 'every request answered with its own result');

  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.name.startsWith('pg.query')).length >= count && all.filter((s) => s.kind === 'server').length >= count, 60_000);
  // The app's stdout reaches us through a pipe, apart from its answers: on a busy machine its last lines can trail them.
  const logged = () => app.jsonLines().filter((l) => l['msg'] === 'looked up').length;
  await until('every log line read', () => logged() >= count, 10_000).catch(() => undefined);
  const misplaced: string[] = [];
  const outside: string[] = [];
  for (let n = 0; n < count; n++) {
    const server = spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === `/lookup/${n}`);
    if (server?.traceId !== traceOf(n)) {
      misplaced.push(`${n}: server span in ${String(server?.traceId)}`);
      continue;
    }
    const children = spans.filter((s) => s.traceId === server.traceId && s !== server);
    const queries = children.filter((s) => s.name.startsWith('pg.query'));
    if (queries.length !== 1) misplaced.push(`${n}: ${queries.length} pg.query spans in its trace`);
    const byId = new Map(children.map((s) => [s.spanId, s]));
    const underServer = (span: (typeof spans)[number]): boolean => span.parentSpanId === server.spanId || (byId.has(span.parentSpanId ?? '') && underServer(byId.get(span.parentSpanId ?? '') as typeof span));
    for (const child of children) {
      if (!underServer(child)) misplaced.push(`${n}: ${child.name} not under the server span`);
      if (child.startTimeUnixNano < server.startTimeUnixNano || child.endTimeUnixNano > server.endTimeUnixNano) outside.push(`${n}: ${child.name}`);
    }
    for (const line of app.jsonLines().filter((l) => l['n'] === String(n))) {
      if (line['trace_id'] !== server.traceId || line['span_id'] !== server.spanId) misplaced.push(`${n}: log line "${String(line['msg'])}" in ${String(line['trace_id'])}`);
    }
  }
  t.equal(logged(), count, 'every request logged');
  t.same(misplaced.slice(0, 5), [], "no pg span or log line in a neighbour's trace");
  t.same(outside.slice(0, 5), [], 'every pg span starts and ends inside its server span');
});
