// What is exported stays the same: a fixed workload (Express 4, pg, pino, an outgoing
// call, a business span with an event, a link and an exception) against the real
// PostgreSQL, its spans compared span by span with test/fixtures/golden/fixed-workload.json,
// which an earlier build exported for the same workload. Ids, times, ports and process
// details are normalised; parentage, names, kinds, scopes, attributes, status, events,
// links, one clock per trace and log correlation are compared as they are.
//
// To record the golden file from a build (e.g. before a change to the span pipeline):
//   GOLDEN_UPDATE=1 GOLDEN_PRELOAD=<dir>/dist/register.js tap dist/test/e2e/exported-output.test.js
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import type { CollectedSpan } from '../../receiver/types.js';
import { fixture, registerPath, startApp } from '../helpers/app.js';
import { requireServices } from './services.js';

const GOLDEN = fixture('golden', 'fixed-workload.json');

/** Resource attributes whose values are the same on every run; the others are compared by type. */
const STABLE_RESOURCE = new Set(['service.name', 'telemetry.sdk.language', 'telemetry.sdk.name', 'telemetry.sdk.version', 'process.runtime.name']);

/** Present or not depending on the machine the test runs on (a container, a machine id). */
const MACHINE_RESOURCE = /^(container\.|host\.id$)/;

function stable(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key === 'exception.stacktrace') return value.split('\n')[0];
    return value.replace(/workload_\d+/g, 'workload_PID').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
  }
  if (typeof value === 'number' && /port$/.test(key)) return 'PORT';
  if (Array.isArray(value)) return value.map((item) => stable(item));
  return value;
}

function stableAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(attributes).sort().map((key) => [key, stable(attributes[key], key)]));
}

function normalise(spans: CollectedSpan[], logs: Record<string, unknown>[]) {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const label = (span: CollectedSpan | undefined) => (span === undefined ? 'not exported' : `${span.kind} ${span.name}`);
  const normalised = spans.map((span) => {
    const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
    return {
      name: span.name,
      kind: span.kind,
      scope: span.scope.name,
      parent: span.parentSpanId === undefined ? 'none' : label(parent),
      startsWithinParent: parent === undefined ? null : span.startTimeUnixNano >= parent.startTimeUnixNano,
      attributes: stableAttributes(span.attributes),
      status: { code: span.status.code, message: stable(span.status.message ?? '') },
      events: span.events.map((event) => ({ name: event.name, attributes: stableAttributes(event.attributes) })),
      links: span.links.map((link) => ({ to: byId.has(link.spanId) ? label(byId.get(link.spanId)) : link.spanId, attributes: stableAttributes(link.attributes) })),
    };
  });
  const resources = [...new Set(spans.map((span) => JSON.stringify(Object.keys(span.resource).filter((key) => !MACHINE_RESOURCE.test(key)).sort().map((key) => [key, STABLE_RESOURCE.has(key) ? span.resource[key] : typeof span.resource[key]]))))];
  const correlated = logs
    .filter((line) => typeof line['msg'] === 'string' && line['msg'] !== 'listening')
    .map((line) => ({ msg: line['msg'], span: label(byId.get(String(line['span_id']))), sameTrace: byId.get(String(line['span_id']))?.traceId === line['trace_id'] }));
  return { spans: normalised.map((span) => JSON.stringify(span)).sort().map((span) => JSON.parse(span) as unknown), resources, logs: correlated };
}

t.test('the spans of a fixed workload are those the golden file holds, span by span', async (t) => {
  const services = await requireServices();
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const preload = process.env['GOLDEN_PRELOAD'] ?? registerPath;
  const app = await startApp(fixture('scripts', 'fixed-workload.js'), {
    waitForPort: false,
    nodeArgs: ['--import', preload],
    env: { DATABASE_URL: services.databaseUrl, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl },
  });
  t.same(await app.exited, { code: 0, signal: null }, app.stderr());
  const answers = app.jsonLines().find((line) => Array.isArray(line['answers']))?.['answers'];
  t.same(answers, ['200 body', '500 body', '404 body', '200 body', 'render failed'], 'the app answers as it does without us');
  const spans = await receiver.waitForSpans((all) => all.some((span) => span.name === 'nightly.report'));
  const output = normalise(spans, app.jsonLines());
  if (process.env['GOLDEN_UPDATE'] === '1') {
    writeFileSync(GOLDEN, `${JSON.stringify(output, null, 2)}\n`);
    t.pass(`recorded ${output.spans.length} spans from ${preload} into ${GOLDEN}`);
    return;
  }
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as typeof output;
  t.equal(output.spans.length, golden.spans.length, 'as many spans');
  for (let i = 0; i < golden.spans.length; i++) t.same(output.spans[i], golden.spans[i], `span ${i}: ${JSON.stringify(golden.spans[i]).slice(0, 80)}`);
  t.same(output.resources, golden.resources, 'the same resource');
  t.same(output.logs, golden.logs, 'log lines carry the ids of the same spans');
});
