import { type Context, trace } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace';

/**
 * The SDK dates each span from `Date.now()` (whole milliseconds) and measures its
 * duration with `performance.now()`: two spans started in the same millisecond can
 * be up to a millisecond apart in where their clocks start, so a pg query can appear
 * to end after the HTTP request that waited for it. A span started under a local
 * parent is dated from its parent's anchor instead (what the SDK did before 2.0), so
 * one process's part of a trace nests exactly as it ran.
 */
interface AnchoredSpan {
  startTime: ReadableSpan['startTime'];
  _performanceStartTime?: unknown;
  _performanceOffset?: unknown;
  _startTimeProvided?: unknown;
}

/** Called as each span starts, before anything reads its start time. */
export function anchorToParent(span: Span, parentContext: Context): void {
  const parent = trace.getSpan(parentContext) as unknown as AnchoredSpan | undefined;
  const child = span as unknown as AnchoredSpan;
  if (parent === undefined || typeof parent._performanceOffset !== 'number') return;
  if (child._startTimeProvided !== false || typeof child._performanceStartTime !== 'number') return;
  child._performanceOffset = parent._performanceOffset;
  child.startTime = hrTime(child._performanceStartTime + parent._performanceOffset);
}
