import { trace } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { failedInApp, VERSION } from '../guard.js';
import { recordThrown } from '../spans/exception-attributes.js';
import { firstTimeOn, recordOnServerSpan } from './in-flight.js';

/**
 * An error thrown in an Express handler, or passed to `next(err)`, is recorded on
 * the request's server span (an exception event: type, message, stack; the span's
 * error status comes from the 5xx it ends with). Express's layers are not wrapped:
 * - when an error middleware follows, the router hands the error to each later
 *   layer's `handle_error` (Express 4) / `handleError` (router 2, Express 5), which
 *   runs only on the error path;
 * - when none does, the error reaches the `done` callback Express makes per request
 *   with `finalhandler`: that callback is wrapped, the one thing this adds to a
 *   request that does not fail (one small closure). finalhandler's own `onerror`
 *   would be simpler but runs a turn after the response, when the span has ended.
 */
type ExpressRequest = object;
type HandleError = (this: unknown, error: unknown, req: ExpressRequest, res: unknown, next: unknown) => unknown;
type FinalHandler = (req: ExpressRequest, res: unknown, options?: unknown) => (error?: unknown) => unknown;

export class ExpressErrorsInstrumentation extends InstrumentationBase {
  constructor() {
    super('otel-preload/express-errors', VERSION, {});
  }

  protected init() {
    const layerFile = (path: string, versions: string[], method: 'handle_error' | 'handleError') =>
      new InstrumentationNodeModuleFile(
        path,
        versions,
        (Layer: { prototype: Record<string, HandleError> }) => {
          this._wrap(Layer.prototype, method, recordingFirst);
          return Layer;
        },
        (Layer?: { prototype: Record<string, HandleError> }) => {
          if (Layer) this._unwrap(Layer.prototype, method);
        },
      );
    return [
      new InstrumentationNodeModuleDefinition('express', ['>=4.0.0 <5'], undefined, undefined, [layerFile('express/lib/router/layer.js', ['>=4.0.0 <5'], 'handle_error')]),
      new InstrumentationNodeModuleDefinition('router', ['>=2.0.0 <3'], undefined, undefined, [layerFile('router/lib/layer.js', ['>=2.0.0 <3'], 'handleError')]),
      new InstrumentationNodeModuleDefinition('finalhandler', ['>=1.0.0 <3'], (finalhandler: FinalHandler) => withErrorsRecorded(finalhandler)),
    ];
  }
}

function recordingFirst(original: HandleError): HandleError {
  return function handleError(this: unknown, error, req, res, next) {
    record(error, req, res);
    return original.call(this, error, req, res, next);
  };
}

function withErrorsRecorded(finalhandler: FinalHandler): FinalHandler {
  return function finalhandlerRecordingErrors(req, res, options) {
    const done = finalhandler(req, res, options);
    return function done_(this: unknown, error?: unknown) {
      record(error, req, res);
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(done, this, arguments) as unknown;
    };
  };
}

function record(error: unknown, req: ExpressRequest, res: unknown): void {
  try {
    // 'route' and 'router' are Express's routing signals, and a falsy value (0, '') is no error to Express either.
    if (!error || error === 'route' || error === 'router' || !firstTimeOn(req, error)) return;
    if (!recordOnServerSpan(res, error)) recordThrown(trace.getActiveSpan(), error);
  } catch (failure) {
    failedInApp('Express error recording', failure);
  }
}
