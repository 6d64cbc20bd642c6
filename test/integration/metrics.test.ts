// Metrics with zero code changes: off by default (nothing loaded), and on request a
// Prometheus endpoint on its own port with HTTP durations by route and runtime health.
import t from 'tap';
import { freePort, fixture, get, startApp, stop } from '../helpers/app.js';
import { startReceiver } from '../../receiver/index.js';


t.test('OTEL_METRICS_EXPORTER unset: no metrics package loaded, no timer', async (t) => {
  const app = await startApp(fixture('scripts', 'report-loaded.js'), { waitForPort: false, env: { OTEL_TRACES_EXPORTER: 'none' } });
  t.same(await app.exited, { code: 0, signal: null }, 'and the process ends by itself: nothing keeps it alive');
  const loaded = app.jsonLines()[0]?.['instrumentations'] as string[];
  t.notOk(loaded.includes('instrumentation-runtime-node'), 'no runtime instrumentation');
  t.notMatch(app.stderr(), 'metrics to', 'the start-up line mentions no metrics');
});

t.test('prometheus: HTTP durations by route and status, runtime health, on its own port', async (t) => {
  const port = await freePort();
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
  });
  t.teardown(() => stop(app));
  t.not(app.port, port, 'not the app\'s port');
  for (let i = 0; i < 3; i++) await get(app.port, `/hello/m${i}`);
  await get(app.port, '/fail');
  t.match(app.stderr(), `metrics to prometheus http://127.0.0.1:${port}/metrics`);
  let text = '';
  const deadline = Date.now() + 10_000;
  // The runtime instruments report once they have sampled for a moment: scrape until all of them are there.
  const runtimeSeries = ['nodejs_eventloop_delay_', 'nodejs_eventloop_utilization', 'v8js_memory_heap_'];
  while (!runtimeSeries.every((name) => text.includes(`\n${name}`)) && Date.now() < deadline) {
    text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const count = /^http_server_request_duration(?:_seconds)?_count\{[^}]*http_route="\/hello\/:name"[^}]*\} (\d+)/m.exec(text);
  t.ok(count, 'http.server.request.duration by route');
  t.equal(Number(count?.[1]), 3, 'three requests to /hello/:name');
  t.match(text, /^http_server_request_duration(?:_seconds)?_count\{[^}]*http_response_status_code="500"[^}]*\} 1/m, 'and by status code');
  t.match(text, /^nodejs_eventloop_delay_\w+/m, 'event-loop delay');
  t.match(text, /^v8js_memory_heap_(used\w*|space_available_size)/m, 'heap');
  t.match(text, /^nodejs_eventloop_utilization/m, 'event-loop utilisation');
  t.match(text, /service_name="cjs-app"/, 'with the resource');
});

t.test('otlp: metrics arrive over OTLP/gRPC with their names, units and attributes', async (t) => {
  const { startReceiver } = await import('../../receiver/index.js');
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_METRIC_EXPORT_INTERVAL: '300' },
  });
  t.teardown(() => stop(app));
  for (let i = 0; i < 3; i++) await get(app.port, `/hello/o${i}`);
  const deadline = Date.now() + 10_000;
  const latest = (name: string) => receiver.metrics.filter((metric) => metric.name === name).at(-1);
  const complete = () =>
    (latest('http.server.request.duration')?.dataPoints.find((p) => p.attributes['http.route'] === '/hello/:name')?.count ?? 0) >= 3 &&
    latest('nodejs.eventloop.utilization') !== undefined &&
    receiver.metrics.some((metric) => metric.name.startsWith('v8js.'));
  while (Date.now() < deadline && !complete()) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const duration = latest('http.server.request.duration');
  t.equal(duration?.unit, 's');
  t.equal(duration?.kind, 'histogram');
  const point = duration?.dataPoints.find((p) => p.attributes['http.route'] === '/hello/:name');
  t.equal(point?.count, 3, 'three requests counted');
  t.equal(point?.attributes['http.response.status_code'], 200);
  t.equal(point?.attributes['http.request.method'], 'GET');
  t.ok((point?.sum ?? 0) > 0, 'a positive total duration');
  t.equal(duration?.resource['service.name'], 'cjs-app');
  const loop = latest('nodejs.eventloop.utilization');
  t.ok(loop && loop.dataPoints.every((p) => (p.value ?? -1) >= 0 && (p.value ?? 2) <= 1), 'event-loop utilisation between 0 and 1');
  t.ok(receiver.metrics.some((metric) => metric.name.startsWith('v8js.')), 'V8 heap/GC metrics');
});

// The same promise as for spans (backend-recovery.test.ts): a metrics backend that is
// down gets one warning, not one per export interval, and one line when it is back.
t.test('otlp: a metrics backend down at start gets one warning, and one line when it is back', async (t) => {
  const probe = await startReceiver();
  const grpcPort = Number(new URL(probe.grpcUrl).port);
  await probe.close(); // the port is now free: the backend is "down"
  const app = await startApp(fixture('cjs-app', 'server.js'), {
    env: {
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://user:s3cret@127.0.0.1:${grpcPort}`,
      // The reader's own timeout (at most the interval) says "timed out" on its own line when it
      // fires first: 150 ms did, once, with two test suites on 2 cores; 1 s leaves room.
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_METRIC_EXPORT_TIMEOUT: '1000',
    },
  });
  t.teardown(() => stop(app));
  const deadline = Date.now() + 15_000;
  // Several export intervals while it is down.
  for (let i = 0; i < 6; i++) {
    t.equal((await get(app.port, `/hello/down-${i}`)).status, 200, 'the app serves while the backend is down');
    await new Promise((resolve) => setTimeout(resolve, 600));
  }
  const receiver = await startReceiver({ grpcPort });
  t.teardown(() => receiver.close());
  const recovered = /exporting metrics to \S+ works again$/m;
  while (!recovered.test(app.stderr()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const ours = app.stderr().split('\n').filter((line) => line.startsWith('otel-preload:') && !line.includes('tracing service'));
  t.equal(ours.filter((line) => /exporting metrics to \S+ failed: .+/.test(line)).length, 1, `one failure warning:\n${app.stderr()}`);
  t.equal(ours.filter((line) => recovered.test(line)).length, 1, `one recovery line:\n${ours.join('\n')}`);
  t.equal(ours.length, 2, `and nothing else:\n${ours.join('\n')}`);
  t.notMatch(app.stderr(), 's3cret', 'the endpoint is printed with its credentials redacted');
  t.ok(receiver.metrics.length > 0, 'metrics flow again without a restart');
});
