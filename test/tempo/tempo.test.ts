// Grafana Tempo, the production target of deploy/compose.yaml, checked through its own
// API: `TEMPO_URL=http://tempo:3200 TEMPO_OTLP_GRPC=http://tempo:4317 npm run test:tempo`.
// Not part of `npm test` (Tempo cannot be built on the CI machines; Jaeger stands in
// there): it runs against a Tempo the user points at, with the test PostgreSQL and
// Kafka of scripts/services/up. One POST /api/tasks of the task-manager example, sent
// with the preload's defaults (OTLP gRPC), must come back from Tempo as one trace across
// both processes, and be found by a TraceQL search on its service and route.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import type { CollectedSpan } from '../../receiver/index.js';
import { repoRoot, startApp, stop, until } from '../helpers/app.js';
import { requireServices } from '../e2e/services.js';
import { fetchTrace, searchTraces, waitForTrace } from './tempo.js';

const example = (file: string) => join(repoRoot, 'examples', 'task-manager', file);
const isDb = (s: CollectedSpan) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql';

function tempoSettings(): { url: string; otlpGrpc: string } {
  const url = process.env['TEMPO_URL'];
  const otlpGrpc = process.env['TEMPO_OTLP_GRPC'];
  if (url === undefined || otlpGrpc === undefined) throw new Error('set TEMPO_URL (its HTTP API, e.g. http://127.0.0.1:3200) and TEMPO_OTLP_GRPC (its OTLP gRPC receiver, e.g. http://127.0.0.1:4317)');
  return { url, otlpGrpc };
}

t.test('Tempo answers an unknown trace id with nothing, not an error', async (t) => {
  t.same(await fetchTrace(tempoSettings().url, `${'0'.repeat(31)}1`), []);
});

t.test('POST /api/tasks is one trace in Tempo, found by TraceQL', async (t) => {
  const tempo = tempoSettings();
  const services = await requireServices();
  const run = randomBytes(4).toString('hex');
  const env = {
    DATABASE_URL: services.databaseUrl,
    KAFKA_BROKERS: services.kafkaBrokers,
    KAFKA_TOPIC: `tempo-tasks-${run}`,
    KAFKA_GROUP_ID: `tempo-worker-${run}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: tempo.otlpGrpc,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  const worker = await startApp(example('worker.js'), { waitForPort: false, env: { ...env, OTEL_SERVICE_NAME: 'task-worker' } });
  t.teardown(() => stop(worker));
  await until('the worker to join its group', () => worker.jsonLines().find((line) => line['msg'] === 'worker started'), 60_000);
  const server = await startApp(example('server.js'), { env: { ...env, PORT: '0', WORKER_MODE: 'off' } });
  t.teardown(() => stop(server));

  const startedAt = Math.floor(Date.now() / 1000);
  const body = { userEmail: 'ada@example.org', baseUrl: 'https://example.org/docs', userQuery: 'tempo' };
  const created = await fetch(`http://127.0.0.1:${server.port}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.equal(created.status, 201);
  const taskId = ((await created.json()) as { id: number }).id;
  const line = await until('the "task created and queued" line', () => server.jsonLines().find((l) => l['msg'] === 'task created and queued' && l['taskId'] === taskId));
  const traceId = String(line['trace_id']);

  const spans = await waitForTrace(tempo.url, traceId, (all) =>
    all.some((s) => s.kind === 'server' && s.attributes['http.route'] === '/api/tasks') && all.some((s) => s.kind === 'producer') && all.some((s) => s.kind === 'consumer') && all.filter((s) => isDb(s) && s.resource['service.name'] === 'task-worker').length >= 2,
  60_000);
  const root = spans.find((s) => s.kind === 'server');
  t.equal(root?.parentSpanId, undefined, 'the server span is the root');
  t.equal(root?.resource['service.name'], 'task-manager');
  const producer = spans.find((s) => s.kind === 'producer');
  const consumer = spans.find((s) => s.kind === 'consumer');
  t.equal(consumer?.resource['service.name'], 'task-worker', 'the consumer span comes from the other process');
  t.equal(consumer?.parentSpanId, producer?.spanId, 'under the producer span');

  const found = await until('the trace by TraceQL search', async () => {
    const ids = await searchTraces(tempo.url, '{ resource.service.name = "task-manager" && span.http.route = "/api/tasks" }', startedAt - 60, Math.floor(Date.now() / 1000) + 60);
    return ids.includes(traceId) ? ids : undefined;
  }, 60_000);
  t.ok(found.includes(traceId), 'TraceQL finds it by service and route');
});
