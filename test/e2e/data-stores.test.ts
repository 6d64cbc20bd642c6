// mysql2 against the real MariaDB, ioredis and node-redis against the real Redis (Debian's
// packages, started by scripts/services/up), from a node:http service under ESM and
// CommonJS with no OTEL_NODE_* variable set: every query and command is a client span
// under the request's server span, in its trace, with the pino lines written meanwhile
// carrying that trace's ids, and no value written appears in any span. With the three
// instrumentations disabled by name the spans vanish (the first case is the preload's doing).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { fixture, get, startApp, stop } from '../helpers/app.js';
import { requireDataStores } from './services.js';

const scopes = {
  mysql2: '@opentelemetry/instrumentation-mysql2',
  ioredis: '@opentelemetry/instrumentation-ioredis',
  redis: '@opentelemetry/instrumentation-redis',
} as const;
const statement = (s: CollectedSpan) => {
  const value = s.attributes['db.query.text'] ?? s.attributes['db.statement'];
  return typeof value === 'string' ? value : '';
};
const system = (s: CollectedSpan) => s.attributes['db.system.name'] ?? s.attributes['db.system'];
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

for (const script of ['app.js', 'app.mjs']) {
  t.test(`${script}: mysql2, ioredis and redis traced with no variable set, in the request's trace with its log lines`, async (t) => {
    const stores = await requireDataStores();
    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    // Letters only, as the ids below: no digit that a statement sanitizer would mask, hiding a leak from the check.
    const letters = () => [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
    const secret = `secret-${letters()}${letters()}`;
    const app = await startApp(fixture('data-stores', script), {
      env: { MYSQL_URL: stores.mysqlUrl, REDIS_URL: stores.redisUrl, SECRET: secret, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl },
    });
    t.teardown(() => stop(app));

    const ids = [letters(), letters()];
    for (const id of ids) {
      const response = await get(app.port, `/data?id=${id}`);
      t.same(JSON.parse(response.body), { mysql: true, ioredis: true, redis: true }, `request ${id}: the app reads back what it wrote`);
    }

    // A request's trace: its server span, and the client spans of each library in that trace.
    const inTrace = (all: CollectedSpan[], id: string) => {
      const server = all.find((s) => s.kind === 'server' && json(s.attributes).includes(id));
      const of = (scope: string) => (server ? all.filter((s) => s.traceId === server.traceId && s.scope.name === scope) : []);
      return { server, mysql2: of(scopes.mysql2), ioredis: of(scopes.ioredis), redis: of(scopes.redis) };
    };
    const complete = (all: CollectedSpan[]) =>
      ids.every((id) => {
        const trace = inTrace(all, id);
        return trace.server && trace.mysql2.length >= 1 && trace.ioredis.length >= 2 && trace.redis.length >= 2;
      });
    const spans = await receiver.waitForSpans(complete);

    const traceIds = new Set<string>();
    for (const id of ids) {
      const { server, mysql2, ioredis, redis } = inTrace(spans, id);
      if (!server) throw new Error('unreachable');
      traceIds.add(server.traceId);
      t.equal(server.parentSpanId, undefined, `${id}: the server span starts the trace`);
      for (const [library, list] of Object.entries({ mysql2, ioredis, redis })) {
        for (const span of list) {
          t.equal(span.parentSpanId, server.spanId, `${id}: ${library} ${span.name} is a child of the server span`);
          t.equal(span.kind, 'client', `${id}: ${library} ${span.name} is a client span`);
          t.equal(span.status.code === 'error', false, `${id}: ${library} ${span.name} did not fail`);
        }
      }
      const query = mysql2.find((s) => statement(s).includes('SELECT'));
      t.ok(query, `${id}: a mysql2 span for the query`);
      t.match(statement(query!), /^SELECT \? AS secret, \? \+ \? AS two$/, `${id}: mysql2 statement with its placeholder, not the value (literals masked too)`);
      t.match(String(system(query!)), /^(mysql|mariadb)$/, `${id}: mysql2 db.system(.name) (${String(system(query!))})`);
      for (const [library, list, names] of [
        ['ioredis', ioredis, ['set', 'get']],
        ['redis', redis, ['SET', 'GET']],
      ] as const) {
        for (const name of names) {
          const span = list.find((s) => s.name.toUpperCase().endsWith(name.toUpperCase()));
          t.ok(span, `${id}: a ${library} span for ${name} (got ${list.map((s) => s.name).join(', ')})`);
          t.equal(system(span!), 'redis', `${id}: ${library} ${name} db.system(.name) redis`);
          t.match(statement(span!), `${library}:${id}`, `${id}: ${library} ${name} statement names the key`);
        }
      }
      // pino lines written during the request carry its trace and the server span.
      for (const msg of ['data request start', 'data request end']) {
        const line = app.jsonLines().find((l) => l['msg'] === msg && l['id'] === id);
        t.ok(line, `${id}: pino line "${msg}"`);
        t.equal(line?.['trace_id'], server.traceId, `${id}: "${msg}" carries the request's trace id`);
        t.equal(line?.['span_id'], server.spanId, `${id}: "${msg}" carries the server span id`);
      }
    }
    t.equal(traceIds.size, ids.length, 'one trace per request');
    t.notOk(json(spans).includes(secret), 'the value written (SET, the query parameter, a literal, a set member, a script argument) appears in no span');
    t.notOk(json(spans).toLowerCase().includes(Buffer.from(secret).toString('hex')), 'nor its hexadecimal literal');
  });

  t.test(`${script}: with mysql2, ioredis and redis disabled by name, their spans vanish (the proof above is the preload's)`, async (t) => {
    const stores = await requireDataStores();
    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    const app = await startApp(fixture('data-stores', script), {
      env: { MYSQL_URL: stores.mysqlUrl, REDIS_URL: stores.redisUrl, SECRET: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'mysql2,ioredis,redis' },
    });
    const response = await get(app.port, '/data?id=off');
    t.same(JSON.parse(response.body), { mysql: true, ioredis: true, redis: true }, 'the app works the same');
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
    await stop(app);
    const server = spans.find((s) => s.kind === 'server');
    t.ok(server, 'the server span is still there');
    t.equal(app.jsonLines().find((l) => l['msg'] === 'data request end')?.['trace_id'], server?.traceId, 'and the log line in its trace');
    t.same(
      receiver.spans.filter((s) => Object.values<string>(scopes).includes(s.scope.name)).map((s) => `${s.scope.name} ${s.name}`),
      [],
      'no mysql2, ioredis or redis span',
    );
  });
}
