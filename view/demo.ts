/**
 * `npm run demo`: runs the hello example under the preload, exporting over OTLP
 * gRPC to a receiver in this process, sends a few real requests, and prints each
 * trace as a tree next to the app's pino lines that carry its ids.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { startReceiver } from '../receiver/index.js';
import { renderTrace } from './tree.js';

const root = resolve(__dirname, '..', '..');

function get(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    })
      .on('error', fail)
      .end();
  });
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  const app = spawn(process.execPath, ['--import', join(root, 'dist', 'register.js'), join(root, 'examples', 'hello', 'server.js')], {
    env: { ...process.env, PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_BSP_SCHEDULE_DELAY: '200' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logLines: Record<string, unknown>[] = [];
  const port = await new Promise<number>((done, fail) => {
    let buffered = '';
    app.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const text of lines) {
        try {
          const record = JSON.parse(text) as Record<string, unknown>;
          logLines.push(record);
          if (record['msg'] === 'listening') done(record['port'] as number);
        } catch {
          process.stdout.write(`${text}\n`);
        }
      }
    });
    app.on('exit', (code) => fail(new Error(`the example exited early (${code})`)));
  });

  const requests = ['/api/greetings/en', '/api/welcome', '/api/greetings/xx', '/health'];
  for (const path of requests) console.log(`GET ${path} → ${await get(port, path)}`);
  console.log('(/health is a probe: it makes no trace)\n');

  await receiver.waitForSpans((spans) => new Set(spans.filter((s) => s.kind === 'server').map((s) => s.traceId)).size >= 3, 10_000).catch(() => undefined);
  const traces = new Map<string, typeof receiver.spans>();
  for (const span of receiver.spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const colour = process.stdout.isTTY;
  for (const [traceId, spans] of traces) {
    console.log(renderTrace(spans, { colour }));
    for (const line of logLines.filter((record) => record['trace_id'] === traceId)) {
      console.log(`   log: "${String(line['msg'])}" trace_id=${traceId.slice(0, 8)}… span_id=${String(line['span_id'])}`);
    }
    console.log('');
  }
  const exited = new Promise((done) => app.on('exit', done));
  app.kill('SIGTERM');
  await exited;
  await receiver.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
