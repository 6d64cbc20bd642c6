// Nothing sensitive leaves the process by default: query values of sensitive keys,
// credentials in URLs, Authorization/Cookie headers (even when capturing is asked for).
import { request } from 'node:http';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, startApp, stop } from '../helpers/app.js';

const SECRET = 'Sup3rS3cretValue';

function call(port: number, path: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('secrets in query strings, URLs and headers stay out of spans', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('scripts', 'secrets.js'), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, SECRET, OTEL_PRELOAD_HTTP_CAPTURE_HEADERS: 'authorization,cookie,set-cookie,x-request-id' },
  });
  t.teardown(() => stop(app));
  await call(app.port, `/call?token=${SECRET}&password=${SECRET}&page=1`, { authorization: `Basic ${SECRET}`, cookie: `sid=${SECRET}`, 'x-request-id': 'req-1' });
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 2 && all.some((s) => s.kind === 'client'));
  const outer = spans.find((s) => s.kind === 'server' && String(s.attributes['url.path']) === '/call');
  t.equal(outer?.attributes['url.query'], 'token=REDACTED&password=REDACTED&page=1', 'sensitive query values redacted, others kept');
  t.same(outer?.attributes['http.request.header.x-request-id'], ['req-1'], 'a header the user asked for is captured');
  const client = spans.find((s) => s.kind === 'client');
  t.match(String(client?.attributes['url.full']), /^http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/inner\?api_key=REDACTED&page=2$/, 'URL credentials and the api_key redacted');
  const everything = JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  t.notOk(everything.includes(SECRET), 'the secret appears nowhere in any span');
  t.notOk(/authorization|cookie/.test(everything), 'no Authorization, Cookie or Set-Cookie attribute at all');
  t.match(app.stderr(), 'never recorded', 'the user is told those headers are never captured');
});
