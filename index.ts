/**
 * The public API, for the few who want a span of their own around a business
 * operation. Nothing in the zero-code path depends on it, and without the preload
 * (or with OTEL_SDK_DISABLED=true) it costs one no-op span: the function still runs.
 */
import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

export type { Attributes, Span } from '@opentelemetry/api';

/**
 * Asked once: the api's proxy tracer finds the SDK's tracer on first use if the
 * preload registers it later, and asking the provider on every call costs a string
 * key and a Map lookup per span.
 */
let cachedTracer: ReturnType<typeof trace.getTracer> | undefined;
const tracer = () => (cachedTracer ??= trace.getTracer('otel-preload'));

/**
 * Runs `fn` inside a new span named `name`, a child of whatever span is active.
 * The span ends when `fn` returns or, for a promise, settles; a thrown error or a
 * rejection is recorded on the span and marks it as an error, then rethrown
 * unchanged. `fn` receives the span to add attributes or events.
 *
 * @example
 *   const order = await withSpan('place-order', { 'order.items': items.length }, () => placeOrder(items));
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
