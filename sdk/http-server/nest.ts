import type { Attributes, Span } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { failedInApp, VERSION } from '../guard.js';
import { firstTimeOn, recordOnServerSpan, serverSpanOf } from './in-flight.js';

/**
 * NestJS on the request's server span, with no span of its own (upstream's
 * nestjs-core makes "Create Nest App" at start-up and two spans per request):
 * - **which controller and method** handled the request: `nestjs.controller` and
 *   `nestjs.callback` (upstream's attribute names). Nest builds each route's handler
 *   once, at start-up, with `RouterExecutionContext.create`; the handler it returns
 *   is wrapped there, its attributes computed then, so that per request it costs one
 *   `setAttributes` on the server span. (A request-scoped controller gets its
 *   handler built per request by Nest itself; the wrapping then costs one closure.)
 * - **an exception Nest turns into a response** (thrown by a controller, guard,
 *   pipe, interceptor or middleware, an HttpException such as a 404 included): an
 *   exception event on the server span. Nest catches it in its own exception layer
 *   and hands it to `ExceptionsHandler.next`, which runs only on the error path and
 *   before any exception filter, the app's own included. The span's error status
 *   comes from the 5xx it ends with, as for any framework (4xx is not an error).
 *
 * Express platform: the response Nest passes is node's ServerResponse; Fastify
 * platform: Fastify's reply, whose `.raw` is.
 */

interface NestResponse {
  raw?: unknown;
}
interface ArgumentsHost {
  getArgByIndex?: (index: number) => unknown;
}
type Next = (this: unknown, exception: unknown, host: ArgumentsHost) => unknown;
type RouteHandler = (this: unknown, req: unknown, res: NestResponse | undefined, next: unknown) => unknown;
type Create = (this: unknown, instance: unknown, callback: unknown, methodName: unknown, ...rest: unknown[]) => RouteHandler;

const VERSIONS = ['>=4.0.0 <12'];

export interface NestConfig extends InstrumentationConfig {
  /** Off when upstream's nestjs-core is named: it wraps (and first unwraps) the same method. */
  handlerAttributes?: boolean;
}

export class NestInstrumentation extends InstrumentationBase<NestConfig> {
  constructor(config: NestConfig = {}) {
    super('otel-preload/nest', VERSION, config);
  }

  protected init() {
    const files = [
      new InstrumentationNodeModuleFile(
        '@nestjs/core/exceptions/exceptions-handler.js',
        VERSIONS,
        (exports: { ExceptionsHandler?: { prototype: { next: Next } } }) => {
          if (exports.ExceptionsHandler) this._wrap(exports.ExceptionsHandler.prototype, 'next', recordingFirst);
          return exports;
        },
        (exports?: { ExceptionsHandler?: { prototype: { next: Next } } }) => {
          if (exports?.ExceptionsHandler) this._unwrap(exports.ExceptionsHandler.prototype, 'next');
        },
      ),
    ];
    // init() runs inside the base constructor: the configuration is there, this class's own fields not yet.
    if (this.getConfig().handlerAttributes !== false) {
      files.push(
        new InstrumentationNodeModuleFile(
          '@nestjs/core/router/router-execution-context.js',
          VERSIONS,
          (exports: { RouterExecutionContext?: { prototype: { create: Create } } }) => {
            if (exports.RouterExecutionContext) this._wrap(exports.RouterExecutionContext.prototype, 'create', namingHandlers);
            return exports;
          },
          (exports?: { RouterExecutionContext?: { prototype: { create: Create } } }) => {
            if (exports?.RouterExecutionContext) this._unwrap(exports.RouterExecutionContext.prototype, 'create');
          },
        ),
      );
    }
    return [new InstrumentationNodeModuleDefinition('@nestjs/core', VERSIONS, undefined, undefined, files)];
  }
}

function spanOf(res: NestResponse | undefined): Span | undefined {
  return serverSpanOf(res) ?? serverSpanOf(res?.raw);
}

function recordingFirst(original: Next): Next {
  return function next(this: unknown, exception, host) {
    record(exception, host);
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [unknown, ArgumentsHost]);
  };
}

function record(exception: unknown, host: ArgumentsHost): void {
  try {
    if (exception === undefined || exception === null) return;
    const res = host?.getArgByIndex?.(1) as NestResponse | undefined;
    // A request-scoped route hands what its inner layer's filter threw to its outer one: once per error.
    if (res === undefined || res === null) return;
    if (spanOf(res) === undefined || !firstTimeOn(res, exception)) return;
    if (!recordOnServerSpan(res, exception)) recordOnServerSpan(res.raw, exception);
  } catch (failure) {
    failedInApp('Nest error recording', failure);
  }
}

function namingHandlers(original: Create): Create {
  return function create(this: unknown, instance, callback, methodName) {
    // eslint-disable-next-line prefer-rest-params
    const handler = original.apply(this, arguments as unknown as Parameters<Create>);
    let attributes: Attributes;
    try {
      attributes = handlerAttributes(instance, callback, methodName);
    } catch {
      return handler;
    }
    return function nestRouteHandler(this: unknown, _req, res) {
      try {
        spanOf(res)?.setAttributes(attributes);
      } catch (failure) {
        failedInApp('Nest handler attributes', failure);
      }
      // eslint-disable-next-line prefer-rest-params
      return handler.apply(this, arguments as unknown as [unknown, NestResponse | undefined, unknown]);
    };
  };
}

function handlerAttributes(instance: unknown, callback: unknown, methodName: unknown): Attributes {
  const attributes: Attributes = {};
  const controller = (instance as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof controller === 'string' && controller !== '') attributes['nestjs.controller'] = controller;
  const method = typeof methodName === 'string' && methodName !== '' ? methodName : (callback as { name?: unknown } | null)?.name;
  if (typeof method === 'string' && method !== '') attributes['nestjs.callback'] = method;
  return attributes;
}
