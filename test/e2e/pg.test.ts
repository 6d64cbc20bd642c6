// pg against the real PostgreSQL: pool queries, a transaction on a checked-out
// client, a failing query — each a span under the active one, no values recorded.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, startApp } from '../helpers/app.js';
import { requireServices } from './services.js';

t.test('pool, transaction and error spans', async (t) => {
  const services = await requireServices();
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const secret = `grace.${randomBytes(3).toString('hex')}@example.org`;
  const app = await startApp(fixture('scripts', 'pg-usage.js'), {
    waitForPort: false,
    env: { DATABASE_URL: services.databaseUrl, SECRET_EMAIL: secret, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_METRICS_EXPORTER: 'otlp' },
  });
  t.same(await app.exited, { code: 0, signal: null }, app.stderr());
  t.same(app.jsonLines()[0], { count: 1, error: '42P01' }, 'the app sees the same results and errors as without us');

  const spans = receiver.spans;
  const job = spans.find((s) => s.name === 'pg-fixture.job');
  const queries = spans.filter((s) => s.name.startsWith('pg.query'));
  const text = (s: (typeof spans)[number]) => {
    const value = s.attributes['db.query.text'] ?? s.attributes['db.statement'];
    return typeof value === 'string' ? value : '';
  };
  t.ok(job, 'the business span');
  for (const statement of ['CREATE TABLE', 'BEGIN', 'INSERT INTO', 'COMMIT', 'SELECT count', 'SELECT * FROM no_such_table_here', 'DROP TABLE']) {
    const span = queries.find((s) => text(s).startsWith(statement));
    t.ok(span, `a span for ${statement}`);
    t.equal(span?.traceId, job?.traceId, `${statement}: in the job's trace`);
    t.equal(span?.kind, 'client');
    t.equal(span?.attributes['db.system.name'] ?? span?.attributes['db.system'], 'postgresql');
  }
  t.ok(spans.some((s) => s.name === 'pg-pool.connect'), 'pool checkouts are spans too');
  const failing = queries.find((s) => text(s).includes('no_such_table_here'));
  t.equal(failing?.status.code, 'error', 'the failing query is an error span');
  t.ok(failing?.events.some((e) => e.name === 'exception'), 'with the exception recorded');
  t.match(text(queries.find((s) => text(s).startsWith('INSERT')) ?? job!), '$1', 'placeholders, not values');
  t.ok(queries.some((s) => /WHERE email = \? AND id > \?$/.test(text(s))), 'literals in concatenated SQL replaced by ?');
  const all = JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  t.notOk(all.includes(secret), 'the parameter value appears nowhere');

  // With metrics on, the pool reports its connections and the client its operation durations (flushed at exit).
  const names = new Set(receiver.metrics.map((metric) => metric.name));
  t.ok(names.has('db.client.connection.count'), `pool usage: db.client.connection.count (got ${[...names].join(', ')})`);
  const states = receiver.metrics.filter((m) => m.name === 'db.client.connection.count').flatMap((m) => m.dataPoints.map((p) => p.attributes['db.client.connection.state']));
  t.ok(states.includes('idle') || states.includes('used'), 'by connection state');
  t.ok(names.has('db.client.connection.pending_requests'), 'pending requests');
  t.ok(names.has('db.client.operation.duration'), 'operation durations');
});

t.test('pg-pool.connect: a span for a checkout that waits (a new connection), none for an idle client handed out; every one with OTEL_PRELOAD_PG_POOL_CONNECT_SPANS=always', async (t) => {
  const services = await requireServices();
  // pg-usage.js, one after another: five pool.query calls and one pool.connect; two of them wait for a new
  // connection (the first, and the one after the failing query, whose client the pool discards).
  const checkouts = 6;
  for (const [setting, expected] of [[undefined, 2], ['always', checkouts]] as const) {
    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    const app = await startApp(fixture('scripts', 'pg-usage.js'), {
      waitForPort: false,
      env: { DATABASE_URL: services.databaseUrl, SECRET_EMAIL: 'pool@example.org', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_PRELOAD_PG_POOL_CONNECT_SPANS: setting },
    });
    t.same(await app.exited, { code: 0, signal: null }, app.stderr());
    t.same(app.jsonLines()[0], { count: 1, error: '42P01' }, 'the app sees the same results either way');
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === 'pg-fixture.job'));
    const connects = spans.filter((s) => s.name === 'pg-pool.connect');
    t.equal(connects.length, expected, `${setting ?? 'default'}: ${expected} pg-pool.connect span(s) for ${checkouts} checkouts`);
    t.ok(connects.every((s) => spans.some((child) => child.parentSpanId === s.spanId && child.name === 'pg.connect')) || setting === 'always', 'each kept one is the wait for a new connection');
    t.equal(spans.filter((s) => s.name.startsWith('pg.query')).length, 8, `every query still has its span: ${spans.map((s) => s.name).join(', ')}`);
  }
});
