// The backend gone and back, with a real trace store (test/integration/backend-recovery
// does it with the in-process receiver): the app starts while nothing listens on its
// OTLP gRPC endpoint, serves all along, and once Jaeger comes up there its spans reach
// Jaeger without a restart, read back from Jaeger's query API. The Jaeger is a private
// one (the binary scripts/services/jaeger.sh built, our jaeger.yaml, free ports): the
// shared one must stay up for the other tests.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fixture, freePort, get, repoRoot, startApp, stop, until } from '../helpers/app.js';
import { searchTraces } from './jaeger.js';

async function startPrivateJaeger(t: Test, otlpGrpcPort: number): Promise<string> {
  const [binary = '', config = ''] = execFileSync(join(repoRoot, 'scripts', 'services', 'jaeger.sh'), ['binary'], { encoding: 'utf8' }).trim().split('\n');
  if (!existsSync(binary)) throw new Error(`no Jaeger binary at ${binary}: run scripts/services/up jaeger (npm test does)`);
  const queryPort = await freePort();
  const env = {
    PATH: process.env['PATH'],
    JAEGER_MAX_TRACES: '1000',
    JAEGER_OTLP_GRPC_PORT: String(otlpGrpcPort),
    JAEGER_OTLP_HTTP_PORT: String(await freePort()),
    JAEGER_QUERY_PORT: String(queryPort),
    JAEGER_QUERY_GRPC_PORT: String(await freePort()),
  };
  let log = '';
  const jaeger: ChildProcess = spawn(binary, ['--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  jaeger.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  jaeger.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => jaeger.on('exit', () => resolve()));
  t.teardown(async () => {
    jaeger.kill('SIGTERM');
    await exited;
  });
  const url = `http://127.0.0.1:${queryPort}`;
  await until('the private Jaeger to answer', async () => jaeger.exitCode === null && (await fetch(`${url}/api/v3/services`).then((r) => r.ok, () => false)), 60_000).catch((error: Error) => {
    throw new Error(`${error.message}; its log:\n${log.split('\n').slice(-40).join('\n')}`);
  });
  return url;
}

t.test('Jaeger down when the app starts, then up: the spans reach it without a restart', async (t) => {
  const grpcPort = await freePort(); // nothing listens there yet: the backend is "down"
  const service = `recovery-${randomBytes(4).toString('hex')}`;
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
  });
  t.teardown(() => stop(app));
  const startedAt = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 5; i++) {
    t.equal((await get(app.port, `/hello/down-${i}`)).status, 200, 'the app serves while the backend is down');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await until('the export failure warning', () => app.stderr().includes(' failed: '), 10_000);

  const jaegerUrl = await startPrivateJaeger(t, grpcPort);
  const traces = await until('a /hello/up span in Jaeger', async () => {
    t.equal((await get(app.port, '/hello/up')).status, 200);
    const found = await searchTraces(jaegerUrl, service, startedAt - 60, Math.floor(Date.now() / 1000) + 60);
    return found.some((spans) => spans.some((s) => s.attributes['url.path'] === '/hello/up')) ? found : undefined;
  }, 30_000);
  const up = traces.flat().find((s) => s.attributes['url.path'] === '/hello/up');
  t.equal(up?.kind, 'server', 'the server span of a request made after Jaeger came back');
  t.equal(up?.resource['service.name'], service);
  await until('the recovery line', () => app.stderr().includes('works again ('), 10_000);
  const ours = app.stderr().split('\n').filter((line) => line.startsWith('otel-preload:'));
  t.equal(ours.filter((line) => line.includes(' failed: ')).length, 1, `one failure warning:\n${ours.join('\n')}`);
  t.equal(ours.filter((line) => line.includes('works again (')).length, 1, 'one recovery line');
});
