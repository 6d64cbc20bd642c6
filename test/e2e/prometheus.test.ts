// Metrics with zero code changes, scraped by a real Prometheus (Debian's package):
// after driving the example, the series users build dashboards on exist with sane values.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { freePort, repoRoot, startApp, stop } from '../helpers/app.js';
import { requirePrometheus, requireServices } from './services.js';


interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(url: string, promql: string): Promise<Sample[]> {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
  const body = (await response.json()) as { status: string; data?: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}

async function until(url: string, promql: string, ok: (samples: Sample[]) => boolean, timeoutMs = 30_000): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  let samples: Sample[] = [];
  while (Date.now() < deadline) {
    samples = await query(url, promql);
    if (ok(samples)) return samples;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no satisfying samples for ${promql} within ${timeoutMs} ms; last: ${JSON.stringify(samples).slice(0, 500)}`);
}

t.test('Prometheus scrapes RED, pool and runtime metrics of the example', async (t) => {
  const services = await requireServices();
  const prometheus = requirePrometheus();
  const run = randomBytes(4).toString('hex');
  const metricsPort = await freePort();
  const app = await startApp(join(repoRoot, 'examples', 'task-manager', 'server.js'), {
    env: {
      DATABASE_URL: services.databaseUrl,
      KAFKA_BROKERS: services.kafkaBrokers,
      KAFKA_TOPIC: `prom-${run}`,
      KAFKA_GROUP_ID: `prom-${run}`,
      PORT: '0',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    },
  });
  t.teardown(() => stop(app));
  writeFileSync(prometheus.targetsFile, JSON.stringify([{ targets: [`127.0.0.1:${metricsPort}`], labels: { run } }]));
  t.teardown(() => rmSync(prometheus.targetsFile, { force: true }));

  for (let i = 0; i < 3; i++) {
    const created = await fetch(`http://127.0.0.1:${app.port}/api/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userEmail: 'p@example.org', baseUrl: 'https://example.org', userQuery: `q${i}` }) });
    t.equal(created.status, 201);
  }
  await fetch(`http://127.0.0.1:${app.port}/api/metrics?hours=1`);

  const requests = await until(prometheus.url, `{__name__=~"http_server_request_duration(_seconds)?_count", run="${run}", http_route="/api/tasks"}`, (s) => s.some((x) => Number(x.value[1]) >= 3));
  t.equal(requests[0]?.metric['http_request_method'], 'POST', 'HTTP server durations by route and method');
  t.equal(requests[0]?.metric['http_response_status_code'], '201', 'and status');
  const sum = await query(prometheus.url, `{__name__=~"http_server_request_duration(_seconds)?_sum", run="${run}", http_route="/api/tasks"}`);
  t.ok(Number(sum[0]?.value[1]) > 0 && Number(sum[0]?.value[1]) < 60, 'the total duration is plausible (seconds)');

  const pool = await until(prometheus.url, `{__name__=~"db_client_connection_count.*", run="${run}"}`, (s) => s.length > 0);
  t.ok(pool.some((s) => ['idle', 'used'].includes(s.metric['db_client_connection_state'] ?? '')), 'pg pool connections by state');
  t.ok(pool.every((s) => Number(s.value[1]) >= 0 && Number(s.value[1]) <= 10), 'within the pool size');

  // kafkajs' own instruments: the three messages sent and consumed (the example's consumer runs in-process), and per-request broker durations.
  const sent = await until(prometheus.url, `{__name__=~"messaging_client_sent_messages(_total)?", run="${run}", messaging_destination_name="prom-${run}"}`, (s) => s.some((x) => Number(x.value[1]) >= 3));
  t.equal(sent[0]?.metric['messaging_operation_name'], 'send', 'messages sent, by topic and operation');
  t.equal(sent[0]?.metric['messaging_system'], 'kafka');
  const consumed = await until(prometheus.url, `{__name__=~"messaging_client_consumed_messages(_total)?", run="${run}"}`, (s) => s.reduce((n, x) => n + Number(x.value[1]), 0) >= 3);
  t.ok(consumed.every((s) => s.metric['messaging_system'] === 'kafka'), 'messages consumed');
  const processed = await until(prometheus.url, `{__name__=~"messaging_process_duration(_seconds)?_count", run="${run}", messaging_destination_name="prom-${run}"}`, (s) => s.some((x) => Number(x.value[1]) >= 3));
  t.ok(processed.length > 0, 'processing durations by topic');
  const broker = await until(prometheus.url, `{__name__=~"messaging_client_operation_duration(_seconds)?_count", run="${run}"}`, (s) => s.length > 0);
  t.ok(broker.some((s) => s.metric['messaging_operation_name'] === 'Produce' && s.metric['server_port'] !== undefined), 'broker request durations by API and broker');

  const loop = await until(prometheus.url, `nodejs_eventloop_utilization{run="${run}"}`, (s) => s.length > 0);
  t.ok(loop.every((s) => Number(s.value[1]) >= 0 && Number(s.value[1]) <= 1), 'event-loop utilisation between 0 and 1');
  const heap = await until(prometheus.url, `{__name__=~"v8js_memory_heap.*", run="${run}"}`, (s) => s.length > 0);
  t.ok(heap.some((s) => Number(s.value[1]) > 0), 'heap figures');
  const service = await query(prometheus.url, `target_info{run="${run}"}`);
  t.equal(service[0]?.metric['service_name'], 'task-manager', 'the resource, as target_info');
});
