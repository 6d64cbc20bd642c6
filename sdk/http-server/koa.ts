import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { failedInApp, VERSION } from '../guard.js';
import { firstTimeOn, recordOnServerSpan } from './in-flight.js';

/**
 * What a Koa app threw, recorded on the request's server span as the app threw it.
 * Every error of a request reaches `ctx.onerror` (Koa's context prototype), on the
 * error path only; Koa turns a non-Error value into `new Error('non-error thrown:
 * …')` there, so it is recorded before that. Upstream's instrumentation-koa, which
 * gives the route and the middleware spans, records errors on its own spans only.
 */
interface KoaContext {
  res?: unknown;
}
type OnError = (this: KoaContext, error: unknown) => unknown;

const VERSIONS = ['>=2.0.0 <4'];

export class KoaErrorsInstrumentation extends InstrumentationBase {
  constructor() {
    super('otel-preload/koa-errors', VERSION, {});
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition('koa', VERSIONS, undefined, undefined, [
        new InstrumentationNodeModuleFile(
          'koa/lib/context.js',
          VERSIONS,
          (context: { onerror: OnError }) => {
            if (typeof context?.onerror === 'function') this._wrap(context, 'onerror', recordingFirst);
            return context;
          },
          (context?: { onerror: OnError }) => {
            if (context) this._unwrap(context, 'onerror');
          },
        ),
      ]),
    ];
  }
}

function recordingFirst(original: OnError): OnError {
  return function onerror(this: KoaContext, error: unknown) {
    try {
      // Koa calls onerror(null) as a no-op (node-style callbacks), and may see one error twice.
      const res = this?.res as object | undefined;
      if (error !== undefined && error !== null && res !== undefined && firstTimeOn(res, error)) recordOnServerSpan(res, error);
    } catch (failure) {
      failedInApp('Koa error recording', failure);
    }
    return original.call(this, error);
  };
}
