// Bundled services, NestJS (issue 21): the nest-orders example (NestJS 11 on Express,
// nestjs-pino, an outgoing fetch; CommonJS source) bundled with esbuild and webpack,
// CommonJS and ESM output, with our plugin, gives in Jaeger the same spans as the
// example run from node_modules: the controller and method on the server span, the
// exception of the failing route, the fetch under it, and the pino lines carry the ids.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { CollectedSpan } from '../../receiver/index.js';
import { buildBundles, COMBINATIONS, shape } from '../helpers/bundle.js';
import { get, repoRoot, startApp, startCallee, stop, until } from '../helpers/app.js';
import { type Backend, openBackend } from './backends.js';

const ENTRY = join(repoRoot, 'examples', 'nest-orders', 'server.js');

/** The two requests of nest-orders.test.ts (integration), their traces read back from the backend. */
async function run(t: Test, file: string, backend: Backend, stockUrl: string): Promise<{ spans: CollectedSpan[]; answers: string[] }> {
  const app = await startApp(file, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_SERVICE_NAME: 'nest-orders', PORT: '0', STOCK_URL: stockUrl } });
  t.teardown(() => stop(app));
  const found = await get(app.port, '/orders/41');
  const failed = await get(app.port, '/orders/41/price');
  const answers = [`${found.status} ${found.body}`, `${failed.status}`];
  const spans: CollectedSpan[] = [];
  for (const msg of ['order read', 'order 41 could not be priced']) {
    const line = await until(`the "${msg}" line`, () => app.jsonLines().find((l) => l['msg'] === msg));
    t.match(String(line['trace_id']), /^[0-9a-f]{32}$/, `"${msg}" carries a trace id`);
    const trace = await backend.trace(String(line['trace_id']), (all) => all.some((s) => s.kind === 'server' && s.spanId === line['span_id']) && (msg !== 'order read' || all.some((s) => s.kind === 'client')));
    spans.push(...trace);
  }
  return { spans, answers };
}

t.test('nest-orders bundled with the plugin gives the spans it gives unbundled, read back from Jaeger', async (t) => {
  const stock = await startCallee(t, { level: 3 });
  const jaeger = await openBackend(t, 'jaeger');
  const unbundled = await run(t, ENTRY, jaeger, stock.url);
  const reference = shape(unbundled.spans);
  t.ok(reference.some((line) => line.includes('nestjs.controller=OrdersController')), 'the unbundled server span names the controller');
  for (const { bundler, format } of COMBINATIONS) {
    await t.test(`${bundler}, ${format} output`, async (t) => {
      const [file] = await buildBundles({ bundler, format, plugin: true, entries: [ENTRY], outDir: t.testdir() });
      const bundled = await run(t, file, jaeger, stock.url);
      t.same(bundled.answers, unbundled.answers, 'the same answers');
      t.same(shape(bundled.spans), reference, 'the same spans as unbundled');
    });
  }
});

t.test('nest-orders bundled without the plugin: the preload names @nestjs/core and pino; with the plugin and without the preload, the same answers and lines as unbundled', async (t) => {
  const stock = await startCallee(t, { level: 3 });
  const bare = async (file: string) => {
    const app = await startApp(file, { nodeArgs: [], env: { PORT: '0', STOCK_URL: stock.url } });
    t.teardown(() => stop(app));
    const answers = [await get(app.port, '/orders/41'), await get(app.port, '/orders/41/price')].map((r) => `${r.status} ${r.body}`);
    await until('the error line', () => app.jsonLines().find((l) => l['msg'] === 'order 41 could not be priced'));
    return { answers, messages: app.jsonLines().map((l) => l['msg']).filter((m) => typeof m === 'string'), stderr: app.stderr().replace(/\d+/g, 'N') };
  };
  const reference = await bare(ENTRY);
  for (const { bundler, format } of COMBINATIONS) {
    await t.test(`${bundler}, ${format} output`, async (t) => {
      const [plain] = await buildBundles({ bundler, format, plugin: false, entries: [ENTRY], outDir: join(t.testdir(), 'plain') });
      const app = await startApp(plain, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', PORT: '0', STOCK_URL: stock.url } });
      t.teardown(() => stop(app));
      const warned = await until('the hidden-libraries line', () => /(\S.*) are bundled into .* not traced/.exec(app.stderr()) ?? undefined, 10_000);
      t.match(warned[1], /@nestjs\/core/, 'it names @nestjs/core');
      t.match(warned[1], /\bpino\b/, 'and pino');

      const [withPlugin] = await buildBundles({ bundler, format, plugin: true, entries: [ENTRY], outDir: join(t.testdir(), 'plugin') });
      const run = await bare(withPlugin);
      t.same(run.answers, reference.answers, 'the same answers, without the preload');
      t.same(run.messages, reference.messages, 'the same log lines');
      t.equal(run.stderr, reference.stderr, 'the same stderr (numbers aside)');
    });
  }
});
