// Whatever a traced app went through, what it exported must be well-formed.
import type { Test } from 'tap';
import type { CollectedSpan } from '../../receiver/index.js';

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/;

/** The spans that are not well-formed, each with what is wrong with it. */
export function malformedSpans(spans: readonly CollectedSpan[]): string[] {
  const bad: string[] = [];
  for (const span of spans) {
    const problems = [
      TRACE_ID.test(span.traceId) ? '' : `traceId ${JSON.stringify(span.traceId)}`,
      SPAN_ID.test(span.spanId) ? '' : `spanId ${JSON.stringify(span.spanId)}`,
      span.parentSpanId === undefined || SPAN_ID.test(span.parentSpanId) ? '' : `parentSpanId ${JSON.stringify(span.parentSpanId)}`,
      typeof span.name === 'string' && span.name !== '' ? '' : 'no name',
      span.startTimeUnixNano > 0n ? '' : 'no start time',
      span.endTimeUnixNano >= span.startTimeUnixNano ? '' : `ends (${span.endTimeUnixNano}) before it starts (${span.startTimeUnixNano})`,
    ].filter((problem) => problem !== '');
    if (problems.length > 0) bad.push(`${span.name || '<unnamed>'}: ${problems.join(', ')}`);
  }
  return bad;
}

export function assertWellFormedSpans(t: Test, spans: readonly CollectedSpan[]): void {
  t.same(malformedSpans(spans), [], `every span the traced app exported (${spans.length}) is well-formed: trace and span ids, a name, an end not before its start`);
}
