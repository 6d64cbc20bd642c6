// Start-up behaviour: configuration switches, package resolution, never failing the app.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { appEnv, fixture, get, registerPath, repoRoot, startApp, stop } from '../helpers/app.js';

t.test('OTEL_SDK_DISABLED=true loads nothing at all', async (t) => {
  const app = await startApp(fixture('scripts', 'report-loaded.js'), { waitForPort: false, env: { OTEL_SDK_DISABLED: 'true' } });
  t.same(await app.exited, { code: 0, signal: null });
  t.same(app.jsonLines()[0], { loaded: 0, instrumentations: [], exporters: [], sdkBundle: false, traceExporters: false, httpPatched: false, serverEmitPatched: false, appApiShared: false }, 'no @opentelemetry module in the process, nor our SDK');
  t.equal(app.stderr(), '', 'silent');
});

t.test('only the instrumentations started with the SDK are at work, the others wait for their module', async (t) => {
  const plain = await startApp(fixture('scripts', 'report-loaded.js'), { waitForPort: false, env: { OTEL_TRACES_EXPORTER: 'otlp' } });
  await plain.exited;
  t.match(plain.jsonLines()[0], { sdkBundle: true, httpPatched: true }, 'the default instrumentations, from our bundled SDK, are at work');
  t.equal(plain.jsonLines()[0]?.['serverEmitPatched'], false, 'and node:http servers are not patched: their spans come from diagnostics channels');
  // The api refuses a global registered by an older minor version: a copy frozen into our
  // bundle would make a newer api, installed for the app, see no tracer at all.
  t.equal(plain.jsonLines()[0]?.['appApiShared'], true, 'with the @opentelemetry/api npm installed, the one the app gets');
  t.same(plain.jsonLines()[0]?.['instrumentations'], [], 'no other instrumentation package is loaded');
  t.same(plain.jsonLines()[0]?.['exporters'], [], 'the OTLP exporter (and gRPC) are not loaded at start-up');
  t.equal(plain.jsonLines()[0]?.['traceExporters'], false, 'nor our bundle of it');

  const later = await startApp(fixture('scripts', 'report-loaded.js'), { waitForPort: false, env: { REPORT_AFTER_MS: '3000' } });
  await later.exited;
  t.same(later.jsonLines()[0]?.['exporters'], ['@grpc/grpc-js'], 'but a few seconds later, before any span needs them: gRPC');
  t.equal(later.jsonLines()[0]?.['traceExporters'], true, 'and the exporters, from our bundle');

  const chosen = await startApp(fixture('scripts', 'report-loaded.js'), {
    waitForPort: false,
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,redis', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' },
  });
  await chosen.exited;
  t.same(chosen.jsonLines()[0]?.['instrumentations'], [], 'one the user turns on waits for its module: this app never loads redis');
  t.equal(chosen.jsonLines()[0]?.['httpPatched'], false, 'a default the user turns off is not at work');
});

// The defaults are bundled with the SDK; one turned on by name is loaded from its own
// package, with its own copy of @opentelemetry/instrumentation and api: its spans must
// still join the trace the bundled ones started.
t.test('an instrumentation turned on by name traces into the same trace as the defaults', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,net' },
  });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/call-out')).status, 200);
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === 'tcp.connect') && all.filter((s) => s.kind === 'server').length === 2);
  const outer = spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === '/call-out');
  const client = spans.find((s) => s.kind === 'client' && s.traceId === outer?.traceId);
  const connect = spans.find((s) => s.name === 'tcp.connect');
  t.ok(outer && client, 'the bundled http instrumentation traced both sides');
  t.equal(connect?.traceId, outer?.traceId, 'the net span is in the same trace');
  t.equal(connect?.parentSpanId, client?.spanId, 'under the outgoing request that opened the connection');
});

t.test('bad values: one warning naming the variable, the default used, the app unaffected', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_BSP_MAX_QUEUE_SIZE: 'abc', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,pino,nosuch' },
  });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/hello/x')).status, 200);
  await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  const warnings = app.stderr().split('\n').filter((line) => line.startsWith('otel-preload: warn:'));
  t.equal(warnings.length, 3, app.stderr());
  t.match(app.stderr(), 'OTEL_BSP_MAX_QUEUE_SIZE="abc" is not a number; using 2048');
  t.match(app.stderr(), 'OTEL_TRACES_SAMPLER_ARG="7" is above the maximum 1; using 1');
  t.match(app.stderr(), 'OTEL_NODE_ENABLED_INSTRUMENTATIONS has unknown instrumentation "nosuch"');
});

t.test('OTEL_PRELOAD_IGNORE_PATHS replaces the list; OTEL_PRELOAD_EXPRESS_LAYERS=all brings middleware spans back', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_PRELOAD_IGNORE_PATHS: '/hello/*', OTEL_PRELOAD_EXPRESS_LAYERS: 'all' },
  });
  t.teardown(() => stop(app));
  await get(app.port, '/hello/ignored');
  await get(app.port, '/health');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  const servers = spans.filter((s) => s.kind === 'server');
  t.same(servers.map((s) => s.attributes['url.path']), ['/health'], '/health traced now, /hello/* not');
  t.ok(spans.some((s) => s.attributes['express.type'] === 'middleware'), 'middleware spans are back');
});

t.test('OTEL_PRELOAD_LOG_KEYS renames the pino keys', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('esm-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_PRELOAD_LOG_KEYS: 'traceId,spanId,traceFlags' } });
  t.teardown(() => stop(app));
  await get(app.port, '/hello/x');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  const line = app.jsonLines().find((l) => l['msg'] === 'saying hello');
  t.equal(line?.['traceId'], spans[0]?.traceId);
  t.notOk(line && 'trace_id' in line);
});

t.test('pino records outside a span are untouched', async (t) => {
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'outside', type: 'commonjs' }), 'app.js': "require('pino')().info('no span here');" });
  const app = await startApp(join(dir, 'app.js'), { waitForPort: false, env: { OTEL_TRACES_EXPORTER: 'none', NODE_PATH: join(repoRoot, 'node_modules') } });
  await app.exited;
  const line = app.jsonLines()[0];
  t.equal(line?.['msg'], 'no span here');
  t.notOk(line && ('trace_id' in line || 'span_id' in line));
});

t.test('http/protobuf and http/json exporters reach an OTLP/HTTP endpoint', async (t) => {
  for (const protocol of ['http/protobuf', 'http/json']) {
    const receiver = await startReceiver();
    const app = await startApp(fixture('cjs-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpUrl, OTEL_EXPORTER_OTLP_PROTOCOL: protocol } });
    await get(app.port, '/hello/x');
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
    t.equal(spans.find((s) => s.kind === 'server')?.name, 'GET /hello/:name', protocol);
    t.match(app.stderr(), `otlp ${protocol} ${receiver.httpUrl}/v1/traces`, `${protocol}: start-up line names it`);
    await stop(app);
    await receiver.close();
  }
});

t.test('code given with -e and -p runs unchanged under --import and --require', async (t) => {
  const code = "const os = require('node:os'); require('module'); process.stdout.write(String(os.EOL.length))";
  for (const flag of ['--import', '--require']) {
    for (const [mode, args] of [['-e', ['-e', code]], ['-p', ['-p', "require('os').EOL.length"]]] as const) {
      const run = spawnSync(process.execPath, [flag, registerPath, ...args], { env: appEnv({ OTEL_TRACES_EXPORTER: 'none' }), encoding: 'utf8', timeout: 30_000 });
      t.equal(run.status, 0, `${flag} ${mode}: exit status 0 (${run.stderr})`);
      t.match(run.stdout, /^1\n?$/, `${flag} ${mode}: output unchanged`);
    }
  }
});

t.test('worker threads inherit --import but start no second SDK', async (t) => {
  const app = await startApp(fixture('scripts', 'worker-thread.js'), { waitForPort: false, env: { OTEL_TRACES_EXPORTER: 'none' } });
  t.same(await app.exited, { code: 0, signal: null });
  t.equal(app.stderr().split('\n').filter((line) => line.includes('tracing service')).length, 1, 'one start-up line');
});

t.test('installed as a package: --import and --require otel-preload/register resolve through the exports map', async (t) => {
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'installed-user', version: '1.0.0' }), 'app.js': 'setTimeout(() => {}, 10);' });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, join(dir, 'node_modules', 'otel-preload'), 'dir');
  writeFileSync(join(dir, 'esm.mjs'), "import { withSpan } from 'otel-preload'; if (typeof withSpan !== 'function') process.exit(9);");
  for (const flag of ['--import', '--require']) {
    const app = await startApp(join(dir, 'app.js'), { waitForPort: false, nodeArgs: [flag, 'otel-preload/register'], env: { OTEL_TRACES_EXPORTER: 'none' } });
    t.same(await app.exited, { code: 0, signal: null }, flag);
    t.match(app.stderr(), 'tracing service "installed-user"', `${flag}: started, named from the app's package.json`);
  }
  const esm = await startApp(join(dir, 'esm.mjs'), { waitForPort: false, nodeArgs: [], env: {} });
  t.same(await esm.exited, { code: 0, signal: null }, 'the package root exports withSpan to ESM');
});

t.test('withSpan: a business span under the request, errors recorded and rethrown', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('scripts', 'with-span.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/ok')).body, '42');
  t.equal((await get(app.port, '/fail')).status, 402, 'the error reached the app unchanged');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === 'checkout.charge'));
  const compute = spans.find((s) => s.name === 'checkout.compute-total');
  const server = spans.find((s) => s.kind === 'server' && s.traceId === compute?.traceId);
  t.equal(compute?.parentSpanId, server?.spanId, 'child of the request span');
  t.same([compute?.attributes['cart.items'], compute?.attributes['cart.currency']], [3, 'EUR']);
  const charge = spans.find((s) => s.name === 'checkout.charge');
  t.same(charge?.status, { code: 'error', message: 'card declined' });
  t.ok(charge?.events.some((e) => e.name === 'exception' && e.attributes['exception.message'] === 'card declined'), 'exception recorded');
});

t.test('pg and kafkajs are patched when the app loads them', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('scripts', 'db-and-kafka-closed-ports.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, CLOSED_PORT: '1' } });
  t.teardown(() => stop(app));
  const answer = JSON.parse((await get(app.port, '/')).body) as { pgError: string; kafkaError: string };
  t.equal(answer.pgError, 'ECONNREFUSED', 'the app sees the same pg error as without us');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql') && all.some((s) => s.attributes['messaging.system'] === 'kafka'));
  const server = spans.find((s) => s.kind === 'server');
  const pg = spans.find((s) => s.name.startsWith('pg.connect'));
  t.equal(pg?.status.code, 'error', 'failed pg connection span');
  t.equal(pg?.traceId, server?.traceId, 'pg span in the request trace');
  const kafka = spans.find((s) => s.attributes['messaging.system'] === 'kafka');
  t.equal(kafka?.kind, 'producer');
  t.equal(kafka?.status.code, 'error');
});

t.test('NODE_OPTIONS through npm start: the service is traced, npm itself is not', async (t) => {
  const dir = t.testdir({
    'package.json': JSON.stringify({ name: 'npm-started', version: '1.0.0', scripts: { start: 'node app.js' } }),
    'app.js': 'setTimeout(() => {}, 10);',
  });
  const { execFile } = await import('node:child_process');
  const { appEnv, registerPath } = await import('../helpers/app.js');
  const stderr = await new Promise<string>((resolve, reject) =>
    execFile('npm', ['start', '--silent'], { cwd: dir, env: appEnv({ NODE_OPTIONS: `--import ${registerPath}`, OTEL_TRACES_EXPORTER: 'none', PATH: `${process.execPath.replace(/[\\/]node$/, '')}:${process.env['PATH'] ?? ''}` }) }, (error, _out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(err),
    ),
  );
  const startLines = stderr.split('\n').filter((line) => line.includes('tracing service'));
  t.same(startLines.map((line) => /tracing service "([^"]+)"/.exec(line)?.[1]), ['npm-started'], stderr);
});

t.test('OTEL_LOG_LEVEL=none silences us; OTEL_LOGS_EXPORTER=otlp sends pino records with their span ids', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_LOGS_EXPORTER: 'otlp', OTEL_LOG_LEVEL: 'NONE', OTEL_BLRP_SCHEDULE_DELAY: '100' },
  });
  t.teardown(() => stop(app));
  await get(app.port, '/hello/logs');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  const handler = spans.find((s) => s.kind === 'server');
  const deadline = Date.now() + 10_000;
  while (!receiver.logs.some((log) => log.body === 'saying hello') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const record = receiver.logs.find((log) => log.body === 'saying hello');
  t.equal(record?.spanId, handler?.spanId, 'the OTLP log record carries the active span');
  t.equal(record?.resource['service.name'], 'cjs-app');
  t.equal(app.stderr(), '', 'nothing on stderr');
});
