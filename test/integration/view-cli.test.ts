// `otel-preload view` as a user runs it: a process receiving real OTLP over gRPC
// and HTTP, printing trees (or JSON), with piped pino lines under their spans.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { appEnv, fixture, get, repoRoot, startApp, stop, until } from '../helpers/app.js';

interface Viewer {
  child: ChildProcess;
  grpcUrl: string;
  httpUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startViewer(args: string[] = []): Promise<Viewer> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'view', 'cli.js'), 'view', '--grpc-port', '0', '--http-port', '0', '--quiet-ms', '300', ...args], {
    env: appEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const urls = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`viewer did not start: ${err}`)), 10_000);
    child.stderr?.on('data', () => {
      const match = /on (http:\/\/\S+) \(gRPC\) and (http:\/\/\S+) \(HTTP\)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
  return { child, grpcUrl: urls[1], httpUrl: urls[2], output: () => out, exited };
}

t.test('OTLP/HTTP JSON intake: a recorded trace is printed as its tree; Ctrl-C exits cleanly', async (t) => {
  const viewer = await startViewer();
  const payloads = JSON.parse(readFileSync(fixture('otlp', 'create-task.json'), 'utf8')) as unknown[];
  for (const payload of payloads) {
    const response = await fetch(`${viewer.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    t.equal(response.status, 200);
  }
  const golden = readFileSync(fixture('otlp', 'create-task.tree.txt'), 'utf8');
  await until('the tree', () => viewer.output().includes(golden));
  t.ok(viewer.output().includes(golden), 'the golden tree, uncoloured when stdout is not a terminal');
  viewer.child.kill('SIGINT');
  t.equal(await viewer.exited, 0);
});

t.test('OTLP/gRPC intake from a traced app, --json, and --logs - with the app piped in', async (t) => {
  const viewer = await startViewer(['--json', '--logs', '-']);
  t.teardown(() => viewer.child.kill('SIGKILL'));
  const app = await startApp(fixture('cjs-app', 'server.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: viewer.grpcUrl } });
  t.teardown(() => stop(app));
  app.child.stdout?.pipe(viewer.child.stdin!);
  await get(app.port, '/hello/viewer');
  await until('the JSON trace', () => viewer.output().includes('GET /hello/:name'));
  const documents = viewer.output().trim().split('\n').map((line) => JSON.parse(line) as { traceId: string; spans: { name: string; spanId: string; logs: { msg: string }[] }[] });
  const trace = documents.find((doc) => doc.spans.some((span) => span.name === 'GET /hello/:name'));
  t.ok(trace, 'one JSON document per trace');
  const handler = trace?.spans.find((span) => span.name === 'GET /hello/:name');
  t.same(handler?.logs.map((log) => log.msg), ['saying hello'], 'the pino line sits under the span it was written in');
});
