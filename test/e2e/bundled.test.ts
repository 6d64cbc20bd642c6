// Bundled services are traced too (issue 21): the task-manager example (Express 5,
// pg, kafkajs, pino; ESM source; an API server and a worker in two processes) built
// with esbuild and with webpack, CommonJS and ESM output, with our plugin, gives in
// Jaeger the same trace as the example run from node_modules: the same spans (names,
// kinds, scopes, parentage, attribute names and stable values), compared span by
// span, and its log lines carry the ids. Without the plugin the preload names what it
// cannot see; with the plugin and without the preload the bundle behaves as the
// unbundled example does.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { buildBundles, COMBINATIONS, shape } from '../helpers/bundle.js';
import { repoRoot, type RunningApp, startApp, stop, until } from '../helpers/app.js';
import { type Backend, openBackend } from './backends.js';
import { requireServices } from './services.js';

const example = (file: string) => join(repoRoot, 'examples', 'task-manager', file);
const ENTRIES = [example('server.js'), example('worker.js')];
/** The run's own topic and group in names and attributes. */
const RUN_ID = /bundled-(tasks|worker)-[0-9a-f]+/g;

interface Run {
  server: RunningApp;
  worker: RunningApp;
  traceId?: string;
  spans: CollectedSpan[];
  /** The trace of a request that fails in PostgreSQL and goes through Express's error handler (500). */
  failedSpans: CollectedSpan[];
  answers: string[];
}

/**
 * The two processes, one task posted and followed to its end. Under the preload when
 * there is a backend to export to; its trace read back from it when `followTrace`.
 */
async function runTask(t: Test, files: { server: string; worker: string }, backend: Pick<Backend, 'endpoint' | 'trace'> | undefined, followTrace = backend !== undefined, extraEnv: Record<string, string> = {}): Promise<Run> {
  const services = await requireServices();
  const run = randomBytes(4).toString('hex');
  const env = {
    DATABASE_URL: services.databaseUrl,
    KAFKA_BROKERS: services.kafkaBrokers,
    KAFKA_TOPIC: `bundled-tasks-${run}`,
    KAFKA_GROUP_ID: `bundled-worker-${run}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ...(backend ? { OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoint } : {}),
    ...extraEnv,
  };
  const nodeArgs = backend ? undefined : [];
  const worker = await startApp(files.worker, { waitForPort: false, nodeArgs, env: { ...env, OTEL_SERVICE_NAME: 'task-worker' } });
  t.teardown(() => stop(worker));
  await until('the worker to join its group', () => worker.jsonLines().find((line) => line['msg'] === 'worker started'), 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\nworker stderr:\n${worker.stderr()}`);
  });
  const server = await startApp(files.server, { nodeArgs, env: { ...env, PORT: '0', WORKER_MODE: 'off', OTEL_SERVICE_NAME: 'task-manager' } });
  t.teardown(() => stop(server));
  const base = `http://127.0.0.1:${server.port}`;
  const created = await fetch(`${base}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userEmail: 'ada@example.org', baseUrl: 'https://example.net/docs', userQuery: 'bundles' }) });
  const task = (await created.json()) as { id: number };
  const finished = await until('the worker to finish the task', async () => {
    const current = (await (await fetch(`${base}/api/tasks/${task.id}`)).json()) as { status: string };
    return current.status === 'done' || current.status === 'failed' ? current : undefined;
  });
  // An id out of PostgreSQL's integer range: the query fails, and Express's error handler answers 500.
  const failing = await fetch(`${base}/api/tasks/99999999999`);
  const answers = [`POST ${created.status}`, `task ${finished.status}`, `failing ${failing.status} ${await failing.text()}`];
  // Its log lines ("request failed", then "request completed") are written after the answer: wait for the last one.
  const failedLine = await until('the failing request\'s line', () => server.jsonLines().find((line) => line['msg'] === 'request completed' && line['path'] === '/api/tasks/99999999999'));
  if (backend === undefined || !followTrace) return { server, worker, spans: [], failedSpans: [], answers };
  const queued = await until('the "task created and queued" line', () => server.jsonLines().find((line) => line['msg'] === 'task created and queued' && line['taskId'] === task.id));
  const traceId = String(queued['trace_id']);
  const updates = (all: CollectedSpan[]) => all.filter((s) => s.resource['service.name'] === 'task-worker' && /UPDATE/i.test(String(s.attributes['db.query.text']))).length;
  // Each process exports on its own schedule: wait for the server's part (the span its line names) as for the worker's.
  const spans = await backend.trace(traceId, (all) => all.some((s) => s.spanId === queued['span_id']) && all.some((s) => s.kind === 'consumer') && updates(all) >= 2 && all.some((s) => s.kind === 'client' && s.resource['service.name'] === 'task-worker' && s.attributes['http.request.method'] !== undefined));
  for (const [name, app] of [['server', server], ['worker', worker]] as const) {
    for (const line of app.jsonLines().filter((l) => l['taskId'] === task.id)) {
      t.equal(line['trace_id'], traceId, `${name} "${String(line['msg'])}" carries the trace id`);
      t.ok(spans.some((s) => s.spanId === line['span_id']), `${name} "${String(line['msg'])}" carries the id of a span in the trace`);
    }
  }
  const failedSpans = await backend.trace(String(failedLine['trace_id']), (all) => all.some((s) => s.kind === 'server') && all.some((s) => s.status.code === 'error' && s.kind === 'client'));
  return { server, worker, traceId, spans, failedSpans, answers };
}

/** The shape of a trace (see shape()) with each span's events: the exceptions recorded on the error path. */
function withEvents(spans: CollectedSpan[]): string[] {
  const events = spans.map((s) => `${s.kind} ${s.name}: ${s.events.map((e) => `${e.name} ${JSON.stringify(e.attributes['exception.type'] ?? null)}`).join(', ')}`);
  return [...shape(spans), ...events.sort()];
}

t.test('task-manager bundled with the plugin gives the trace it gives unbundled, span by span, read back from Jaeger', async (t) => {
  const jaeger = await openBackend(t, 'jaeger');
  const unbundled = await runTask(t, { server: ENTRIES[0], worker: ENTRIES[1] }, jaeger);
  const reference = shape(unbundled.spans, RUN_ID);
  t.ok(reference.some((line) => line.includes('pg.query')) && reference.some((line) => line.includes(' consumer ')), 'the unbundled trace has pg and Kafka spans');
  const failedReference = withEvents(unbundled.failedSpans);
  t.ok(failedReference.some((line) => /^server .*: exception/.test(line)) && failedReference.some((line) => /^client .*: exception/.test(line)), 'unbundled, the failing request records its exception on the server span (Express\'s error path) and on the query');
  for (const { bundler, format } of COMBINATIONS) {
    await t.test(`${bundler}, ${format} output`, async (t) => {
      const [server, worker] = await buildBundles({ bundler, format, plugin: true, entries: ENTRIES, outDir: t.testdir() });
      const run = await runTask(t, { server, worker }, jaeger);
      t.same(shape(run.spans, RUN_ID), reference, 'the same spans as unbundled');
      t.same(withEvents(run.failedSpans), failedReference, 'a request failing through Express\'s error handler: the same spans, status and exceptions as unbundled');
    });
  }
});

t.test('a bundle built without the plugin: the preload names the libraries it cannot trace; unbundled, no such warning', async (t) => {
  const jaeger = await openBackend(t, 'jaeger');
  const unbundled = await runTask(t, { server: ENTRIES[0], worker: ENTRIES[1] }, jaeger);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  t.notMatch(unbundled.server.stderr() + unbundled.worker.stderr(), /bundled into/, 'no false alarm on an app run from node_modules');
  for (const { bundler, format } of COMBINATIONS) {
    await t.test(`${bundler}, ${format} output`, async (t) => {
      const [server, worker] = await buildBundles({ bundler, format, plugin: false, entries: ENTRIES, outDir: t.testdir() });
      const run = await runTask(t, { server: server, worker: worker }, jaeger, false);
      const warned = await until('the hidden-libraries line', () => /(\S.*) are bundled into .* not traced/.exec(run.server.stderr()) ?? undefined, 10_000);
      for (const name of ['pg', 'kafkajs', 'pino']) t.match(warned[1], new RegExp(`\\b${name}\\b`), `it names ${name}`);
      
      t.match(run.server.stderr(), /otelPreload\(\)/, 'and gives the plugin line to add');
      t.notOk(run.server.jsonLines().some((line) => line['trace_id'] !== undefined), 'indeed no log correlation without the plugin');
    });
  }
});

t.test('a bundle built with the plugin, run without the preload: as the unbundled example, and none of our code in it', async (t) => {
  const bare = await runTask(t, { server: ENTRIES[0], worker: ENTRIES[1] }, undefined);
  // Which lines, not how many: the test polls the task's status as often as it takes.
  const messages = (app: RunningApp) => [...new Set(app.jsonLines().map((line) => line['msg']).filter((msg) => typeof msg === 'string'))].sort();
  const stderr = (app: RunningApp) => app.stderr().replace(/\d+/g, 'N');
  for (const { bundler, format } of COMBINATIONS) {
    await t.test(`${bundler}, ${format} output`, async (t) => {
      const [server, worker] = await buildBundles({ bundler, format, plugin: true, entries: ENTRIES, outDir: t.testdir() });
      const run = await runTask(t, { server: server, worker: worker }, undefined);
      t.same(run.answers, bare.answers, 'the same answers');
      t.same(messages(run.server), messages(bare.server), 'the server logs the same lines');
      t.same(messages(run.worker), messages(bare.worker), 'the worker logs the same lines');
      t.equal(stderr(run.server), stderr(bare.server), 'and writes the same to stderr (numbers aside: pids, times)');
      const code = readFileSync(server, 'utf8');
      t.notMatch(code, /otel-preload[\\/](dist|bundlers|sdk)|@opentelemetry\//, 'no code of ours or of OpenTelemetry in the bundle');
      t.match(code, /otel-preload\.bundled-module\.v1/, 'only the lines that hand modules on');
    });
  }
});

t.test('in a bundle, OTEL_NODE_DISABLED_INSTRUMENTATIONS applies as it does unbundled', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const [server, worker] = await buildBundles({ bundler: 'esbuild', format: 'cjs', plugin: true, entries: ENTRIES, outDir: t.testdir() });
  const backend = { endpoint: receiver.grpcUrl, trace: () => Promise.resolve([]) };
  const run = await runTask(t, { server, worker }, backend, false, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' });
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'consumer') && all.some((s) => s.kind === 'producer'));
  t.notOk(spans.some((s) => s.name.startsWith('pg') || s.attributes['db.system.name'] !== undefined), 'no pg span: pg is disabled');
  t.ok(run.server.jsonLines().some((line) => typeof line['trace_id'] === 'string'), 'pino, still enabled, still correlates');
});
