// The README's first command, end to end: `npm run demo` exits 0 and shows the
// create-task request as one tree, from HTTP through SQL and Kafka to the worker.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { appEnv, repoRoot } from '../helpers/app.js';
import { requireServices } from './services.js';

// A topic of each run's own: the demos of two checkouts testing at once share PostgreSQL
// and Kafka, and each demo's consumer (a group of its own) would also take the other's tasks.
const topic = () => ({ KAFKA_TOPIC: `web-crawl-tasks-${randomBytes(4).toString('hex')}` });

t.test('the demo prints the create-task tree', async (t) => {
  await requireServices();
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, [join(repoRoot, 'dist', 'view', 'demo.js')], { env: appEnv({ OTEL_BSP_SCHEDULE_DELAY: undefined, ...topic() }), timeout: 120_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve({ stdout: out, stderr: err }),
    ),
  );
  t.match(stderr, 'traced by otel-preload');
  const lines = stdout.split('\n');
  const root = lines.findIndex((line) => /^POST \/api\/tasks {2}201 /.test(line));
  t.ok(root >= 0, `a tree rooted at POST /api/tasks 201:\n${stdout}`);
  const tree = lines.slice(root, lines.indexOf('', root)).join('\n');
  for (const shape of [
    /^├─ pg\.query:INSERT tasks \(client\)/m,
    /^└─ send web-crawl-tasks-\w+ \(producer\)/m,
    /^ {3}└─ process web-crawl-tasks-\w+ \(consumer\)/m,
    /^ {6}├─ pg\.query:UPDATE tasks \(client\).*SET status = \?/m,
    /^ {6}├─ POST \(client\).*\/crawl 200/m,
    /^ {6}└─ pg\.query:UPDATE tasks \(client\).*SET status = \?/m,
    /· log: task created and queued/,
  ]) t.match(tree, shape, String(shape));
  t.match(stdout, /^GET \/api\/metrics {2}200 /m, 'the metrics request');
  t.match(stdout, /^POST \/api\/tasks {2}400 /m, 'the failing request');
  t.notMatch(stdout, /^GET \/health {2}/m, 'no trace for the health probe');
});

t.test('each request is followed by its tree within about a second, and no kafkajs warning', async (t) => {
  await requireServices();
  const { spawn } = await import('node:child_process');
  const demo = spawn(process.execPath, [join(repoRoot, 'dist', 'view', 'demo.js')], { env: appEnv({ OTEL_BSP_SCHEDULE_DELAY: undefined }), stdio: ['ignore', 'pipe', 'pipe'] });
  /** Each stdout line with the time it arrived. */
  const lines: { at: number; text: string }[] = [];
  let partial = '';
  demo.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  let stderr = '';
  demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => demo.on('exit', (exitCode) => resolve(exitCode)));
  t.equal(code, 0, 'the demo exits 0');
  t.notMatch(stderr, /TimeoutNegativeWarning|negative number/, 'no TimeoutNegativeWarning from kafkajs', { stderr });
  const texts = lines.map((line) => line.text);
  const output = { stdout: texts.join('\n') }; // shown when an assertion fails
  // The request line the demo prints ("POST /api/tasks → 201"), then the root line of its tree ("POST /api/tasks  201  …").
  for (const [request, root] of [
    [/^POST \/api\/tasks → 201$/, /^POST \/api\/tasks {2}201 /],
    [/^GET \/api\/tasks\/\d+ → 200$/, /^GET \/api\/tasks\/:id {2}200 /],
    [/^GET \/api\/metrics\?hours=24 → 200$/, /^GET \/api\/metrics {2}200 /],
    [/^POST \/api\/tasks → 400$/, /^POST \/api\/tasks {2}400 /],
  ]) {
    const sent = texts.findIndex((text) => request.test(text));
    const tree = texts.findIndex((text, i) => i > sent && root.test(text));
    t.ok(sent >= 0 && tree > sent, `${String(request)} is printed, then its tree`, output);
    const next = texts.findIndex((text, i) => i > sent && / → \d{3}$/.test(text));
    t.ok(next === -1 || tree < next, 'its tree comes before the next request', output);
    const delay = (lines[tree]?.at ?? Infinity) - (lines[sent]?.at ?? 0);
    t.ok(delay <= 1500, `and within about a second of it (${delay} ms)`);
  }
});

t.test('with OTEL_EXPORTER_OTLP_ENDPOINT the demo sends there and prints the trace ids', async (t) => {
  await requireServices();
  const { startReceiver } = await import('../../receiver/index.js');
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [join(repoRoot, 'dist', 'view', 'demo.js')], { env: appEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, ...topic() }), timeout: 120_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve(out),
    ),
  );
  const ids = [...stdout.matchAll(/^ {2}([0-9a-f]{32})$/gm)].map((match) => match[1]);
  t.ok(ids.length >= 4, `trace ids printed:\n${stdout}`);
  await receiver.waitForSpans((spans) => ids.every((id) => spans.some((span) => span.traceId === id)));
  t.pass('every printed trace id arrived at the backend');
});

t.test('Ctrl-C stops everything the demo started', async (t) => {
  await requireServices();
  const { spawn } = await import('node:child_process');
  const demo = spawn(process.execPath, [join(repoRoot, 'dist', 'view', 'demo.js')], { env: appEnv(topic()), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  demo.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!/listening on port (\d+)/.test(err) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const port = Number(/listening on port (\d+)/.exec(err)?.[1]);
  t.ok(port > 0, 'the example is up');
  const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
  demo.kill('SIGINT');
  t.equal(await exited, 130, 'the demo exits as interrupted');
  const stillServing = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
  t.notOk(stillServing, 'the example it started is gone');
});
