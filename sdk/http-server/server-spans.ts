import { type Attributes, type Context, context, type Histogram, type Meter, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { type RPCMetadata, RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ignoresPath } from './ignore-paths.js';
import { requestAttributes } from './attributes.js';
import { traceFastifyRoutes } from './fastify.js';
import { routeOf } from './route.js';

/**
 * One SERVER span per incoming request of every `node:http` / `node:https` server,
 * made from the diagnostics channels Node publishes synchronously around each
 * request, instead of patching `Server.prototype.emit` and binding the request and
 * response emitters as instrumentation-http does: that patching is most of what
 * holds a traced hello-world to a fifth of its untraced throughput (bench/PROFILING.md).
 *
 * - `http.server.request.start` is published just before the server emits
 *   'request': the span starts there and its context is entered for the rest of
 *   that synchronous call (`attach`, AsyncLocalStorage's `enterWith`), so the app's
 *   handler and everything it starts, sync or async, run inside it.
 * - `http.server.response.finish` ends it, with the route the framework matched
 *   (route.ts; or, for frameworks only an upstream instrumentation sees into, the
 *   route it left in the context's RPC metadata, as it does for instrumentation-http).
 * - a response closed before it finished (the client went away) ends it with
 *   `error.type` `aborted`, from one shared 'close' listener; a span never leaks.
 */

export interface ServerSpanOptions {
  tracer: Tracer;
  /** The context manager we installed: `attach` enters a context for the rest of the current call. */
  contextManager: { attach: (context: Context) => unknown };
  ignorePaths: readonly string[];
  redactedQueryParams: readonly string[];
  captureHeaders: readonly string[];
  /** With metrics on: `http.server.request.duration` from the same two events. */
  meter?: Meter;
  report: (message: string) => void;
}

interface RequestStart {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket & { encrypted?: boolean };
}

interface InFlight {
  span: Span;
  /** Where upstream framework instrumentations (Koa, Hapi, Restify) leave the route they matched. */
  metadata: RPCMetadata;
  request: IncomingMessage;
  method: string;
  scheme: 'http' | 'https';
  startedAt: number;
  ended: boolean;
}

const IN_FLIGHT = Symbol('otel-preload.server-span');
const REQUEST_CONTEXT = Symbol('otel-preload.request-context');

type TrackedResponse = ServerResponse & { [IN_FLIGHT]?: InFlight };
type TrackedRequest = IncomingMessage & { [REQUEST_CONTEXT]?: Context };

/** The server span of the request this response answers, while it is open. */
export function serverSpanOf(response: unknown): Span | undefined {
  const inFlight = (response as TrackedResponse | undefined)?.[IN_FLIGHT];
  return inFlight !== undefined && !inFlight.ended ? inFlight.span : undefined;
}

/** What a framework caught, as an exception event: thrown values need not be Errors. */
export function recordThrown(span: Span | undefined, thrown: unknown): void {
  span?.recordException(thrown instanceof Error ? thrown : typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? 'a non-Error value'));
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Subscribes; returns the unsubscribe. */
export function traceHttpServers(options: ServerSpanOptions): () => void {
  const { tracer, contextManager, ignorePaths, redactedQueryParams, captureHeaders, report } = options;
  const duration: Histogram | undefined = options.meter?.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const ignored = suppressTracing(ROOT_CONTEXT);
  let failures = 0;
  const failed = (error: unknown) => {
    // Once, then quiet: a bug of ours must not flood the app's stderr on every request.
    if (failures++ === 0) report(`HTTP server span failed (the request itself is unaffected): ${error instanceof Error ? error.message : String(error)}`);
  };

  const onRequestStart = (message: unknown) => {
    try {
      const { request, response, socket } = message as RequestStart;
      if (ignorePaths.length > 0 && ignoresPath(ignorePaths, request.url)) {
        // Nothing the app does for a probe is traced (and on a keep-alive socket, no earlier request's context lingers).
        contextManager.attach(ignored);
        return;
      }
      const scheme = socket.encrypted === true ? 'https' : 'http';
      const { attributes, method } = requestAttributes(request, scheme, redactedQueryParams, captureHeaders);
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const span = tracer.startSpan(spanName(method, undefined), { kind: SpanKind.SERVER, attributes }, parent);
      const metadata: RPCMetadata = { type: RPCType.HTTP, span };
      const active = setRPCMetadata(trace.setSpan(parent, span), metadata);
      (response as TrackedResponse)[IN_FLIGHT] = { span, metadata, request, method, scheme, startedAt: performance.now(), ended: false };
      response.on('close', onResponseClose);
      if (hasBody(request)) runEventsIn(request, active);
      contextManager.attach(active);
    } catch (error) {
      failed(error);
    }
  };

  const onResponseFinish = (message: unknown) => {
    try {
      end((message as RequestStart).response, false);
    } catch (error) {
      failed(error);
    }
  };

  function onResponseClose(this: ServerResponse) {
    try {
      end(this, true);
    } catch (error) {
      failed(error);
    }
  }

  function end(response: TrackedResponse, closedEarly: boolean) {
    const inFlight = response[IN_FLIGHT];
    if (inFlight === undefined || inFlight.ended) return;
    inFlight.ended = true;
    const { span, request, method } = inFlight;
    const attributes: Attributes = {};
    const status = response.statusCode;
    let errorType: string | undefined;
    if (!closedEarly || response.headersSent) attributes['http.response.status_code'] = status;
    if (closedEarly) errorType = 'aborted';
    else if (status >= 500 && status < 600) errorType = String(status);
    if (errorType !== undefined) attributes['error.type'] = errorType;
    const route = routeOf(request) ?? inFlight.metadata.route;
    if (route !== undefined) {
      attributes['http.route'] = route;
      span.updateName(spanName(method, route));
    }
    for (const name of captureHeaders) {
      const value = response.getHeader(name);
      if (value !== undefined) attributes[`http.response.header.${name}`] = Array.isArray(value) ? value : [String(value)];
    }
    span.setAttributes(attributes);
    // 4xx is the client's error, not the server's (semantic conventions).
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, ...(closedEarly ? { message: 'the client closed the connection before the response was complete' } : {}) });
    span.end();
    if (duration !== undefined) {
      const metricAttributes: Attributes = {
        'http.request.method': method,
        'url.scheme': inFlight.scheme,
        'network.protocol.version': request.httpVersion,
      };
      for (const key of ['http.route', 'http.response.status_code', 'error.type'] as const) if (attributes[key] !== undefined) metricAttributes[key] = attributes[key];
      duration.record((performance.now() - inFlight.startedAt) / 1000, metricAttributes);
    }
  }

  subscribe('http.server.request.start', onRequestStart);
  subscribe('http.server.response.finish', onResponseFinish);
  const untraceFastify = traceFastifyRoutes();
  return () => {
    untraceFastify();
    unsubscribe('http.server.request.start', onRequestStart);
    unsubscribe('http.server.response.finish', onResponseFinish);
  };
}

/** `METHOD route`, or `METHOD` alone; `HTTP` for a method outside the known set (semantic conventions). */
function spanName(method: string, route: string | undefined): string {
  const name = method === '_OTHER' ? 'HTTP' : method;
  return route === undefined ? name : `${name} ${route}`;
}

function hasBody(request: IncomingMessage): boolean {
  const { headers } = request;
  return (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
}

/**
 * A request body that arrives after the headers is read in a later callback of the
 * socket, where (from Node 24, whose AsyncLocalStorage follows the socket's own
 * async context) the request's context is no longer entered: the body parser's
 * `next()`, and so the route handler, would run outside the trace. Only for requests
 * with a body, their events are emitted inside the request's context; one shared
 * function, no closure per request.
 */
function runEventsIn(request: TrackedRequest, active: Context): void {
  request[REQUEST_CONTEXT] = active;
  request.emit = emitInRequestContext;
}

function emitInRequestContext(this: TrackedRequest, event: string | symbol, ...args: unknown[]): boolean {
  const { emit } = Object.getPrototypeOf(this) as { emit: (this: IncomingMessage, event: string | symbol, ...args: unknown[]) => boolean };
  const active = this[REQUEST_CONTEXT];
  return active === undefined ? emit.call(this, event, ...args) : context.with(active, emit, this, event, ...args);
}
