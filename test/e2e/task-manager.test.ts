// The seed's promise, proven against the real PostgreSQL and Kafka, read back from
// the in-process receiver and from Jaeger's own query API: one POST /api/tasks
// followed through HTTP → SQL → Kafka produce → Kafka consume (in another process) →
// SQL and an outgoing HTTP call, sent with the preload's defaults (OTLP gRPC) and
// fetched back from the backend, with the pino lines of both processes carrying its ids. The example contains no
// tracing code; it runs under the built preload.
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import type { CollectedSpan } from '../../receiver/index.js';
import { repoRoot, type RunningApp, startApp, stop, until } from '../helpers/app.js';
import { join } from 'node:path';
import { BACKENDS, type Backend, openBackend } from './backends.js';
import { requireServices, type Services } from './services.js';

const example = (file: string) => join(repoRoot, 'examples', 'task-manager', file);
const isDb = (s: CollectedSpan) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql';
const statement = (s: CollectedSpan): string => {
  const text = s.attributes['db.query.text'] ?? s.attributes['db.statement'];
  return typeof text === 'string' ? text : '';
};

interface Stack {
  services: Services;
  backend: Backend;
  server: RunningApp;
  worker: RunningApp;
  base: string;
}

/** The API server and the worker as two processes, each on its own topic and group for this run. */
async function startStack(t: Test, backend: Backend, extraEnv: Record<string, string> = {}): Promise<Stack> {
  const services = await requireServices();
  const run = randomBytes(4).toString('hex');
  const env = {
    DATABASE_URL: services.databaseUrl,
    KAFKA_BROKERS: services.kafkaBrokers,
    KAFKA_TOPIC: `web-crawl-tasks-${run}`,
    KAFKA_GROUP_ID: `task-worker-${run}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ...extraEnv,
  };
  const worker = await startApp(example('worker.js'), { waitForPort: false, env: { ...env, OTEL_SERVICE_NAME: 'task-worker' } });
  t.teardown(() => stop(worker));
  await until('the worker to join its group', () => worker.jsonLines().find((line) => line['msg'] === 'worker started'), 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\nworker stdout:\n${worker.stdout()}\nworker stderr:\n${worker.stderr()}`);
  });
  const server = await startApp(example('server.js'), { env: { ...env, PORT: '0', WORKER_MODE: 'off' } });
  t.teardown(() => stop(server));
  return { services, backend, server, worker, base: `http://127.0.0.1:${server.port}` };
}

const secrets = { userEmail: `ada.${randomBytes(3).toString('hex')}@example.org`, baseUrl: `https://secret-${randomBytes(3).toString('hex')}.example.net/docs`, userQuery: 'distributed tracing' };

for (const backendName of BACKENDS) t.test(`POST /api/tasks: the whole request is one trace [${backendName}]`, async (t) => {
  const backend = await openBackend(t, backendName);
  const stack = await startStack(t, backend);
  const startedAt = Math.floor(Date.now() / 1000);
  const created = await fetch(`${stack.base}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(secrets) });
  t.equal(created.status, 201);
  const task = (await created.json()) as { id: number };
  await until('the worker to finish the task', async () => {
    const current = (await (await fetch(`${stack.base}/api/tasks/${task.id}`)).json()) as { status: string };
    return current.status === 'done' || current.status === 'failed' ? current : undefined;
  });

  const queuedLine = await until('the "task created and queued" line', () => stack.server.jsonLines().find((line) => line['msg'] === 'task created and queued' && line['taskId'] === task.id));
  const traceId = String(queuedLine['trace_id']);
  t.match(traceId, /^[0-9a-f]{32}$/, 'the server log line carries the trace id');

  const workerUpdates = (all: CollectedSpan[]) => all.filter((s) => s.resource['service.name'] === 'task-worker' && isDb(s) && /UPDATE/i.test(statement(s)));
  // Both processes export on their own schedule: wait until each one's part has arrived.
  const spans = await backend.trace(traceId, (all) =>
    all.some((s) => s.kind === 'server' && s.attributes['http.route'] === '/api/tasks') &&
    all.some((s) => s.kind === 'producer') &&
    all.some((s) => isDb(s) && /INSERT/i.test(statement(s))) &&
    all.some((s) => s.kind === 'consumer') && workerUpdates(all).length >= 2 && all.some((s) => s.kind === 'client' && s.resource['service.name'] === 'task-worker'),
  );
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parentOf = (s: CollectedSpan) => (s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId));
  const ancestors = (s: CollectedSpan): CollectedSpan[] => {
    const chain: CollectedSpan[] = [];
    for (let p = parentOf(s); p !== undefined; p = parentOf(p)) chain.push(p);
    return chain;
  };

  const server = spans.find((s) => s.kind === 'server' && s.attributes['http.route'] === '/api/tasks');
  t.ok(server, 'the POST /api/tasks server span');
  if (!server) return;
  t.equal(server.name, 'POST /api/tasks');
  t.equal(server.attributes['http.response.status_code'], 201);
  t.equal(server.resource['service.name'], 'task-manager', 'service.name from the example package.json');
  t.equal(server.parentSpanId, undefined, 'it is the root');

  const insert = spans.find((s) => isDb(s) && /INSERT/i.test(statement(s)) && s.resource['service.name'] === 'task-manager');
  t.ok(insert, 'the pg INSERT span');
  t.ok(insert && ancestors(insert).includes(server), 'INSERT under the server span');

  const producer = spans.find((s) => s.kind === 'producer');
  t.ok(producer, 'the Kafka send span');
  t.equal(producer?.attributes['messaging.system'], 'kafka');
  t.match(String(producer?.attributes['messaging.destination.name']), /^web-crawl-tasks-/);
  t.ok(producer && ancestors(producer).includes(server), 'producer under the server span');

  const consumer = spans.find((s) => s.kind === 'consumer');
  t.ok(consumer, 'the Kafka process span');
  t.equal(consumer?.resource['service.name'], 'task-worker', 'in the other process');
  t.equal(consumer?.parentSpanId, producer?.spanId, 'its parent is the producer span, through the traceparent message header');
  t.equal(consumer?.attributes['messaging.system'], 'kafka');

  const workerDb = workerUpdates(spans);
  t.ok(workerDb.length >= 2, `the consumer's UPDATE spans (running, then done/failed): ${workerDb.length}`);
  t.ok(consumer && workerDb.every((s) => ancestors(s).includes(consumer)), 'UPDATEs under the consumer span');
  const crawl = spans.find((s) => s.kind === 'client' && s.resource['service.name'] === 'task-worker');
  t.ok(consumer && crawl && ancestors(crawl).includes(consumer), 'the outgoing HTTP call under the consumer span');

  for (const child of spans) {
    const parent = parentOf(child);
    if (!parent || parent.resource['service.name'] !== child.resource['service.name']) continue;
    t.ok(child.startTimeUnixNano >= parent.startTimeUnixNano, `${child.name} starts inside ${parent.name}`);
  }
  t.ok(spans.every((s) => s.durationMs >= 0 && s.durationMs < 30_000), 'durations are plausible');

  const whole = JSON.stringify(spans, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  for (const [field, value] of Object.entries(secrets)) {
    if (field === 'userQuery') continue; // not personal; the crawl may legitimately use it
    t.notOk(whole.includes(value), `the ${field} appears nowhere in the trace`);
  }
  t.ok(statement(insert ?? server).includes('$1'), 'statements are recorded with their placeholders');

  const traceSpanIds = new Set(spans.map((s) => s.spanId));
  for (const [name, app] of [['server', stack.server], ['worker', stack.worker]] as const) {
    const lines = app.jsonLines().filter((line) => line['taskId'] === task.id);
    t.ok(lines.length > 0, `${name} logged about the task`);
    for (const line of lines) {
      t.equal(line['trace_id'], traceId, `${name} "${String(line['msg'])}" carries the trace id`);
      t.ok(traceSpanIds.has(String(line['span_id'])), `${name} "${String(line['msg'])}" carries the id of a span in the trace`);
    }
  }

  const found = await until('the trace by search (service and route)', async () => {
    const traces = await backend.tracesWith('task-manager', 'http.route', '/api/tasks', startedAt);
    return traces.some((trace) => trace[0]?.traceId === traceId) ? traces : undefined;
  }, 60_000);
  t.ok(found.length > 0, 'found by searching for the service and route');
});

for (const backendName of BACKENDS) t.test(`failures: 400 and 500 keep their responses and mark spans as errors; /health makes no trace; /api/metrics has pg children [${backendName}]`, async (t) => {
  const backend = await openBackend(t, backendName);
  const stack = await startStack(t, backend);
  const startedAt = Math.floor(Date.now() / 1000);
  const invalid = await fetch(`${stack.base}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userEmail: 'nope' }) });
  t.equal(invalid.status, 400);
  t.match(await invalid.json(), { error: 'invalid task' });
  const sqlError = await fetch(`${stack.base}/api/tasks/99999999999`);
  t.equal(sqlError.status, 500, 'an id out of integer range makes PostgreSQL fail');
  t.same(await sqlError.json(), { error: 'internal error' });

  // The same requests to the same app without the preload get exactly the same answers.
  const bare = await startApp(example('server.js'), {
    nodeArgs: [],
    env: { DATABASE_URL: stack.services.databaseUrl, KAFKA_BROKERS: stack.services.kafkaBrokers, PORT: '0', WORKER_MODE: 'off', KAFKA_TOPIC: `bare-${randomBytes(4).toString('hex')}` },
  });
  t.teardown(() => stop(bare));
  for (const [path, init] of [
    ['/api/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userEmail: 'nope' }) }],
    ['/api/tasks/99999999999', {}],
    ['/api/tasks/not-a-number', {}],
    ['/api/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{ broken json' }],
  ] as const) {
    const traced = await fetch(`${stack.base}${path}`, init);
    const untraced = await fetch(`http://127.0.0.1:${bare.port}${path}`, init);
    t.same([traced.status, await traced.text()], [untraced.status, await untraced.text()], `${init.method ?? 'GET'} ${path}: same answer with and without the preload`);
  }
  t.notMatch(bare.stderr(), 'otel-preload', 'the bare run really had no preload');
  t.equal((await fetch(`${stack.base}/health`)).status, 200);
  t.equal((await fetch(`${stack.base}/api/metrics?hours=24`)).status, 200);

  const traceOf = (path: string) => until(`the log line of ${path}`, () => stack.server.jsonLines().find((line) => line['msg'] === 'request completed' && line['path'] === path && typeof line['trace_id'] === 'string'));
  const badTrace = String((await traceOf('/api/tasks'))['trace_id']);
  const bad = await backend.trace(badTrace, (all) => all.some((s) => s.kind === 'server'));
  t.equal(bad.find((s) => s.kind === 'server')?.attributes['http.response.status_code'], 400);

  const failTrace = String((await traceOf('/api/tasks/99999999999'))['trace_id']);
  const failed = await backend.trace(failTrace, (all) => all.some((s) => s.kind === 'server') && all.some(isDb));
  const failedServer = failed.find((s) => s.kind === 'server');
  t.equal(failedServer?.status.code, 'error', '500 → error status');
  const failedQuery = failed.find((s) => isDb(s) && s.status.code === 'error');
  t.ok(failedQuery, 'the failing query span has error status');
  // pg's instrumentation records the SQLSTATE, not the message (which can quote values).
  t.ok(failedQuery?.events.some((e) => e.name === 'exception' && /22003/.test(String(e.attributes['exception.message']))), 'and the exception recorded, with its SQLSTATE');
  t.ok(failedServer?.events.some((e) => e.name === 'exception' && /out of range/.test(String(e.attributes['exception.message']))), 'the server span records the exception the app saw (from Express\'s error path)');

  const metricsTrace = String((await traceOf('/api/metrics'))['trace_id']);
  const metrics = await backend.trace(metricsTrace, (all) => all.some((s) => s.kind === 'server') && all.some(isDb));
  const metricsServer = metrics.find((s) => s.kind === 'server');
  t.equal(metricsServer?.name, 'GET /api/metrics');
  t.ok(metrics.some((s) => isDb(s) && /SELECT/i.test(statement(s))), 'a pg SELECT in the metrics trace');

  const healthLine = stack.server.jsonLines().find((line) => line['msg'] === 'request completed' && line['path'] === '/health');
  t.ok(healthLine, 'health request logged');
  t.notOk(healthLine && 'trace_id' in healthLine, 'no span was active for /health');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  t.same(await backend.tracesWith('task-manager', 'url.path', '/health', startedAt), [], 'no /health trace at all');
});

for (const backendName of BACKENDS) t.test(`eachBatch consumer: each batch is its own trace, each message a process span linked to its producer span [${backendName}]`, async (t) => {
  const backend = await openBackend(t, backendName);
  const stack = await startStack(t, backend, { CONSUMER_MODE: 'eachBatch' });
  const started = Math.floor(Date.now() / 1000);
  const producers: CollectedSpan[] = [];
  for (let i = 0; i < 2; i++) {
    const created = await fetch(`${stack.base}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...secrets, userQuery: `batch ${i}` }) });
    t.equal(created.status, 201);
    const id = ((await created.json()) as { id: number }).id;
    const line = await until(`the queued line of task ${id}`, () => stack.server.jsonLines().find((l) => l['msg'] === 'task created and queued' && l['taskId'] === id));
    const spans = await backend.trace(String(line['trace_id']), (all) => all.some((s) => s.kind === 'producer'));
    producers.push(spans.find((s) => s.kind === 'producer') as CollectedSpan);
  }
  const topic = String(producers[0]?.attributes['messaging.destination.name']);
  for (const producer of producers) {
    const batchTrace = await until(`the batch trace linking to producer ${producer.spanId}`, async () => {
      const traces = await backend.tracesWith('task-worker', 'messaging.destination.name', topic, started);
      return traces.find((spans) => spans.some((s) => s.kind === 'consumer' && s.links.some((l) => l.spanId === producer.spanId)));
    }, 60_000);
    const process = batchTrace.find((s) => s.kind === 'consumer' && s.links.some((l) => l.spanId === producer.spanId)) as CollectedSpan;
    t.equal(process.name, `process ${topic}`, 'one process span per message');
    t.same(process.links.find((l) => l.spanId === producer.spanId)?.traceId, producer.traceId, 'linked to the producer span of its message');
    const poll = batchTrace.find((s) => s.spanId === process.parentSpanId);
    t.equal(poll?.name, `poll ${topic}`, 'under the batch\'s poll span');
    t.equal(poll?.parentSpanId, undefined, 'which starts the batch trace');
    t.ok(batchTrace.some((s) => isDb(s) && /UPDATE/i.test(statement(s))), 'the handler\'s SQL is in the batch trace');
  }
});
