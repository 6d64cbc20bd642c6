// Our server spans (diagnostics channels) against instrumentation-http's, for the
// same requests to the same app: the same attribute names and values, but for the
// differences listed here on purpose.
import { request } from 'node:http';
import t, { type Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { fixture, startApp, stop } from '../helpers/app.js';

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Where we differ on purpose: our route, and why. */
  ourRoute?: { route: string | undefined; why: string };
}

const REQUESTS: Sent[] = [
  { method: 'GET', path: '/api/v1/orders/1?token=abc&page=2&q=a+b%20c', headers: { 'user-agent': 'parity/1.0' } },
  { method: 'get', path: '/admin/users/3', headers: {}, ourRoute: { route: '/admin/users/:uid', why: 'instrumentation-express loses the path a sub-app is mounted on' } },
  { method: 'GET', path: '/nowhere', headers: {} },
  { method: 'GET', path: '/throws', headers: {} },
  { method: 'GET', path: '/teapot', headers: { host: 'shop.example.org' } },
  { method: 'GET', path: '/static/x.css', ourRoute: { route: undefined, why: 'answered by middleware: instrumentation-express gives its mount path as the route' }, headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'x-forwarded-host': 'edge.example.org:8443', 'x-forwarded-proto': 'https' } },
  { method: 'GET', path: '/plain', headers: { forwarded: 'for="[2001:db8::17]:4711";host=api.example.org;proto=https' } },
  { method: 'PURGE', path: '/plain?x=1', headers: {} },
  { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' } },
  { method: 'POST', path: '/api/v1/orders', headers: {} },
];

/** Attributes that differ between any two runs, whoever makes the span: each app listens, and each client connects, on a port of its own. */
const PER_RUN = ['network.peer.port', 'server.port'];

function send(port: number, sent: Sent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: sent.path, method: sent.method, headers: sent.headers }, (res) => res.resume().on('end', () => resolve()));
    req.on('error', reject);
    req.end(sent.method === 'POST' ? '{"a":1}' : undefined);
  });
}

async function serverSpans(t: Test, env: Record<string, string>): Promise<CollectedSpan[]> {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'express-routes.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_PRELOAD_IGNORE_PATHS: ',', ...env } });
  t.teardown(() => stop(app));
  for (const sent of REQUESTS) await send(app.port, sent);
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= REQUESTS.length);
  return spans.filter((s) => s.kind === 'server').sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
}

t.test('for the same requests, the same server span attributes as instrumentation-http', async (t) => {
  const ours = await serverSpans(t, {});
  const theirs = await serverSpans(t, { OTEL_PRELOAD_HTTP_SERVER_SPANS: 'instrumentation-http' });
  t.equal(ours.length, REQUESTS.length);
  for (const [i, sent] of REQUESTS.entries()) {
    const [a, b] = [ours[i], theirs[i]];
    const label = `${sent.method} ${sent.path}`;
    t.equal(theirs[i]?.scope.name, '@opentelemetry/instrumentation-http', `${label}: compared with the upstream span`);
    for (const key of new Set([...Object.keys(a.attributes), ...Object.keys(b.attributes)])) {
      if (PER_RUN.includes(key)) t.equal(typeof a.attributes[key], typeof b.attributes[key], `${label}: ${key} (a number in both)`);
      else if (key === 'http.route' && sent.ourRoute) t.equal(a.attributes[key], sent.ourRoute.route, `${label}: http.route differs on purpose: ${sent.ourRoute.why}`);
      else t.same(a.attributes[key], b.attributes[key], `${label}: ${key}`);
    }
    t.equal(a.status.code, b.status.code, `${label}: status`);
    const method = String(a.attributes['http.request.method']);
    if (sent.ourRoute) t.equal(a.name, sent.ourRoute.route ? `${method} ${sent.ourRoute.route}` : method, `${label}: name from our route`);
    // A method outside the known set: `HTTP` as the conventions say, where upstream uses the method as sent.
    else if (method === '_OTHER') t.equal(a.name, 'HTTP', `${label}: name`);
    else t.equal(a.name, b.name, `${label}: name`);
  }
});
