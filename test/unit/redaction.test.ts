// What the span pipeline's redaction removes from spans before any exporter sees them.
import { SpanStatusCode } from '@opentelemetry/api';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import type { RedactionConfig } from '../../config/redaction.js';
import { SpanPipeline } from '../../sdk/spans/pipeline.js';

function recording(sqlLiterals: RedactionConfig['sqlLiterals']) {
  const ended: ReadableSpan[] = [];
  const sink = { add: (span: ReadableSpan) => ended.push(span), forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  const provider = new TracerProvider({ spanProcessors: [new SpanPipeline({ sqlLiterals, redactedQueryParams: [], captureHeaders: [] }, [sink])] });
  return { tracer: provider.getTracer('test'), ended };
}

/** A request span whose handler fails because of a query PostgreSQL rejected, as the instrumentations record it. */
function failedQueryUnderRequest(sqlLiterals: RedactionConfig['sqlLiterals']) {
  const { tracer, ended } = recording(sqlLiterals);
  const message = 'invalid input syntax for type integer: "hunter2"';
  const request = tracer.startSpan('request handler /age');
  const query = tracer.startSpan('pg.query:SELECT', { attributes: { 'db.query.text': "SELECT $1::int, 'literal'", 'messaging.kafka.message.key': 'customer-42' } });
  query.setStatus({ code: SpanStatusCode.ERROR, message });
  query.end();
  const error = new Error(message);
  request.recordException(error);
  request.setStatus({ code: SpanStatusCode.ERROR, message });
  request.end();
  return ended;
}

for (const sqlLiterals of ['redact', 'keep'] as const) {
  t.test(`OTEL_PRELOAD_SQL_LITERALS=${sqlLiterals}: a value PostgreSQL quotes in its error appears nowhere`, async (t) => {
    const spans = failedQueryUnderRequest(sqlLiterals);
    t.equal(spans.length, 2);
    const [query, request] = spans;
    t.equal(query?.status.message, 'invalid input syntax for type integer: "?"', 'the database span');
    t.equal(request?.status.message, 'invalid input syntax for type integer: "?"', 'the span the error failed next');
    const exception = request?.events.find((e) => e.name === 'exception');
    t.equal(exception?.attributes?.['exception.message'], 'invalid input syntax for type integer: "?"', 'its exception event');
    t.match(exception?.attributes?.['exception.stacktrace'], /^Error: invalid input syntax for type integer: "\?"\n\s+at /, 'and its stack, frames kept');
    t.notMatch(JSON.stringify(spans.map((s) => [s.attributes, s.events, s.status])), 'hunter2');
    t.equal(query?.attributes['db.query.text'], sqlLiterals === 'redact' ? 'SELECT $1::int, ?' : "SELECT $1::int, 'literal'", 'literals as configured');
    t.notOk('messaging.kafka.message.key' in (query?.attributes ?? {}), 'message keys never');
  });
}

t.test('other errors are left as they are', async (t) => {
  const { tracer, ended } = recording('redact');
  const span = tracer.startSpan('request handler /x');
  span.recordException(new Error('Cannot find module "left-pad"'));
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'Cannot find module "left-pad"' });
  span.end();
  t.equal(ended[0]?.status.message, 'Cannot find module "left-pad"');
});
