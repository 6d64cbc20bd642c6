// Reading Jaeger's query API answer into the receiver's spans (test/e2e/jaeger.ts), on
// a real answer: test/fixtures/jaeger/trace-response.json is what Jaeger v1.76.0 gave
// for GET /api/v3/traces/<id>?raw_traces=true after it received sent-otlp.json (OTLP/JSON
// over HTTP, every field kind the tests read). Jaeger writes ids in hex and enums as
// numbers: read as base64 or by name, ids, kinds and status would come out wrong.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { spansFromJaeger } from '../e2e/jaeger.js';
import { fixture } from '../helpers/app.js';

const answer = readFileSync(fixture('jaeger', 'trace-response.json'), 'utf8');

t.test('a Jaeger trace answer becomes the spans that were sent', async (t) => {
  const spans = spansFromJaeger(answer);
  t.equal(spans.length, 2);
  const root = spans.find((s) => s.name === 'GET /things/:id');
  const child = spans.find((s) => s.name === 'send things');
  t.match(root, {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    kind: 'server',
    startTimeUnixNano: 1764504000000000000n,
    endTimeUnixNano: 1764504000250000000n,
    durationMs: 250,
    status: { code: 'error', message: 'boom' },
    resource: { 'service.name': 'jaeger-capture', 'service.instance.id': 'instance-1' },
    scope: { name: 'capture-scope', version: '1.2.3' },
  });
  t.equal(root?.parentSpanId, undefined, 'a root has no parent');
  t.same(root?.attributes, { 'http.route': '/things/:id', 'http.response.status_code': 500, retry: true, ratio: 0.25, tags: ['a', 'b'] });
  t.same(root?.events, [{ name: 'exception', timeUnixNano: 1764504000100000000n, attributes: { 'exception.message': 'boom' } }]);
  t.match(child, { traceId: '5b8efff798038103d269b633813fc60c', spanId: '0102030405060708', parentSpanId: 'eee19b7ec3c1b174', kind: 'producer', status: { code: 'ok' } });
  t.same(child?.links, [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: { 'link.reason': 'batch' } }]);
});

t.test("Jaeger's error answer (no result) is an error, not an empty trace", async (t) => {
  t.throws(() => spansFromJaeger('{"error":{"httpCode":404,"message":"No traces found"}}'), /without a result/);
});
