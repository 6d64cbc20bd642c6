import { type Attributes, type Context, context, type Histogram, type Meter, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { type RPCMetadata, RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { guarded } from '../guard.js';
import { exceptionAttributes, recordThrown } from '../spans/exception-attributes.js';
import { REQUEST_ROOT_CONTEXT } from '../spans/request-context.js';
import { requestAttributes } from './attributes.js';
import { ignoresPath } from './ignore-paths.js';
import { hide, IN_FLIGHT, type InFlight, open, type TrackedResponse } from './in-flight.js';
import { routeOf } from './route.js';
import { http2Attributes, type Http2Stream } from './http2.js';

/**
 * One SERVER span per incoming request of every `node:http` / `node:https` server
 * (and `node:http2`, from its own channels), made from the diagnostics channels Node
 * publishes synchronously around each request, instead of patching
 * `Server.prototype.emit` as instrumentation-http does: that patching is most of
 * what holds a traced hello-world to a fifth of its untraced throughput
 * (bench/PROFILING.md).
 *
 * - `http.server.request.start` is published just before the server emits
 *   'request': the span starts there and its context is entered for the rest of
 *   that synchronous call (`attach`, AsyncLocalStorage's `enterWith`), so the app's
 *   handler and everything it starts, sync or async, run inside it. If anything
 *   fails there, the root context is entered instead: on Node 22 the context is
 *   entered on the connection's parser, and the next request on a keep-alive
 *   connection must not run inside the previous one's trace.
 * - the request's and the response's events are emitted inside that context too
 *   (one shared `emit`, no closure per request), so that the app's 'close',
 *   'aborted', 'error' and 'finish' listeners (SSE and long-poll cleanups), and a
 *   body parser's 'data'/'end', run in the request's trace.
 * - `http.server.response.finish` ends it, with the route the framework matched
 *   (route.ts; or, for frameworks only an upstream instrumentation sees into, the
 *   route it left in the context's RPC metadata, as it does for instrumentation-http).
 * - a response closed before it finished ends it from one shared 'close' listener
 *   (aborts: see `end`); a span never leaks.
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
}

export interface HttpServerTracing {
  /** Unsubscribes (at shutdown). */
  untrace(): void;
  /**
   * The process is dying of an uncaught exception: every open server span ends now,
   * with the exception and an error status, so that the exit-time export sends the
   * trace of the request that crashed it.
   */
  endOnCrash(thrown: unknown): void;
}

interface RequestStart {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket & { encrypted?: boolean };
}

interface Http2StreamMessage {
  stream: Http2Stream & { [IN_FLIGHT]?: InFlight };
  headers: IncomingHttpHeaders;
}

interface Emitter {
  emit: (this: Emitter, event: string | symbol, ...args: unknown[]) => boolean;
  listenerCount(event: string | symbol): number;
  [IN_FLIGHT]?: InFlight;
}

/** EventEmitter's own emit, always called with Reflect.apply on the object it is meant for. */
// eslint-disable-next-line @typescript-eslint/unbound-method
const EVENT_EMITTER_EMIT = EventEmitter.prototype.emit;

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** How a span's request ended. */
type Ending = { how: 'finished' } | { how: 'closed' } | { how: 'crashed'; thrown: unknown };
const FINISHED: Ending = { how: 'finished' };
const CLOSED: Ending = { how: 'closed' };

export function traceHttpServers(options: ServerSpanOptions): HttpServerTracing {
  const { tracer, contextManager, ignorePaths, redactedQueryParams, captureHeaders } = options;
  const duration: Histogram | undefined = options.meter?.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const ignored = suppressTracing(ROOT_CONTEXT);

  function begin(attributes: Attributes, method: string, headers: IncomingHttpHeaders): { span: Span; active: Context; metadata: RPCMetadata } {
    // A root without closures per context: what a request's contexts hold dies young (request-context.ts).
    const parent = propagation.extract(REQUEST_ROOT_CONTEXT, headers);
    const span = tracer.startSpan(spanName(method, undefined), { kind: SpanKind.SERVER, attributes }, parent);
    const metadata: RPCMetadata = { type: RPCType.HTTP, span };
    return { span, active: setRPCMetadata(trace.setSpan(parent, span), metadata), metadata };
  }

  const onRequestStart = (message: unknown) => {
    let entered: Context = ROOT_CONTEXT;
    let started: Span | undefined;
    try {
      const { request, response, socket } = message as RequestStart;
      if (ignorePaths.length > 0 && ignoresPath(ignorePaths, request.url)) {
        // Nothing the app does for a probe is traced (and on a keep-alive socket, no earlier request's context lingers).
        entered = ignored;
        return;
      }
      const scheme = socket.encrypted === true ? 'https' : 'http';
      const { attributes, method } = requestAttributes(request, scheme, redactedQueryParams, captureHeaders);
      const { span, active, metadata } = begin(attributes, method, request.headers);
      started = span;
      const inFlight: InFlight = { span, context: active, metadata, request, response, stream: undefined, method, scheme, protocolVersion: request.httpVersion, startedAt: performance.now(), ended: false, thrown: undefined, previous: undefined, next: undefined };
      track(response, inFlight);
      track(request, inFlight);
      open.add(inFlight);
      entered = active;
      started = undefined;
    } finally {
      // On any failure above: the root context, and no span left open that nothing would end.
      started?.end();
      contextManager.attach(entered);
    }
  };

  const onResponseFinish = (message: unknown) => {
    const { response } = message as RequestStart;
    const inFlight = (response as TrackedResponse)[IN_FLIGHT];
    if (inFlight !== undefined) end(inFlight, response, FINISHED);
  };

  /** A response closed: the span ends here if it has not finished (from the response's own emit: no listener of ours on it). */
  const onResponseClose = guarded('HTTP server span', (inFlight: InFlight, response: ServerResponse) => end(inFlight, response, CLOSED));

  /**
   * Where a request's events are emitted, the request's context is not always the
   * active one: a request body arriving after the headers is read in a later callback
   * of the socket (from Node 24, whose AsyncLocalStorage follows the socket's own
   * async context), and 'close', 'aborted' and 'error' come from the socket's own
   * callbacks on every version. The emitter's own `emit` is replaced by one shared
   * function that emits inside the request's context when the app listens and it is
   * not already active: no closure per request, no wrapper around the app's listeners.
   * The response's 'close' also ends its span, if still open: no listener of ours on
   * the response.
   *
   * Both are own properties that the app does not see: not enumerable, so that the
   * request or response an app logs or inspects (an error holding the request) reads
   * the same as without us. An object with an `emit` of its own already (a class
   * field of a custom IncomingMessage or ServerResponse, often an arrow function
   * bound to it) keeps it: its listeners run in the context Node gives them, and a
   * response's 'close' is heard by a listener of ours instead.
   *
   * The context is entered with `attach` and left in `finally`, not with
   * `context.with`: the app's listeners then run under one frame of ours instead of
   * four (`with` goes through the API, the manager and AsyncLocalStorage.run), so an
   * error a listener throws (a body parser's) has the stack it has without us, but
   * for that frame.
   */
  function track(emitter: Emitter, inFlight: InFlight): void {
    hide(emitter, IN_FLIGHT, inFlight);
    if (!Object.hasOwn(emitter, 'emit')) hide(emitter, 'emit', emitInRequestContext);
    else if (inFlight.response !== undefined && inFlight.response === (emitter as unknown)) {
      const { response } = inFlight;
      response.once('close', () => onResponseClose(inFlight, response));
    }
  }

  function emitInRequestContext(this: Emitter | undefined, event: string | symbol): boolean {
    /* eslint-disable prefer-rest-params */
    const inFlight = this?.[IN_FLIGHT];
    // Called detached, or on another object (`req.emit.call(other, …)`): what EventEmitter's emit does with it, errors included.
    if (this === undefined || this === null || inFlight === undefined) return Reflect.apply(EVENT_EMITTER_EMIT, this, arguments) as boolean;
    const emit = emitWithoutUs(this);
    if (event === 'close' && inFlight.ended === false && inFlight.response !== undefined && inFlight.response === (this as unknown)) onResponseClose(inFlight, inFlight.response);
    // No listener, or already inside: nothing to move (entering a context allocates, and most events have no listener of the app's).
    // `arguments`, not rest parameters: passed on as they came, with no array built per event.
    if (this.listenerCount(event) === 0) return Reflect.apply(emit, this, arguments) as boolean;
    const outside = context.active();
    if (outside === inFlight.context) return Reflect.apply(emit, this, arguments) as boolean;
    contextManager.attach(inFlight.context);
    try {
      return Reflect.apply(emit, this, arguments) as boolean;
    } finally {
      contextManager.attach(outside);
    }
    /* eslint-enable prefer-rest-params */
  }

  /** The emit the object has without us: the first of its prototype chain that is not ours (an object made with `Object.create(req)` inherits ours). */
  function emitWithoutUs(target: Emitter): Emitter['emit'] {
    let prototype = Object.getPrototypeOf(target) as Emitter | null;
    while (prototype !== null && prototype.emit === emitInRequestContext) prototype = Object.getPrototypeOf(prototype) as Emitter | null;
    return prototype?.emit ?? EVENT_EMITTER_EMIT;
  }

  /**
   * Aborts, as the semantic conventions have them (docs/what-it-records.md):
   * - closed before the status was sent: `error.type` `aborted` when the client went
   *   away (the socket saw its end or a reset), `destroyed` when the server closed it
   *   (`res.destroy()`, `socket.destroy()`); either is an error;
   * - closed after a status below 500 was sent: the client leaving a response under
   *   way (a stream, a download) is not a server error; the server cutting its own
   *   response short is (`destroyed`);
   * - 5xx: `error.type` is the status code, whatever happened after.
   */
  function end(inFlight: InFlight, response: ServerResponse | undefined, ending: Ending) {
    if (inFlight.ended) return;
    inFlight.ended = true;
    open.delete(inFlight);
    const { span, request, method } = inFlight;
    const attributes: Attributes = {};
    const headersSent = response?.headersSent === true;
    const status = response?.statusCode ?? 0;
    let errorType: string | undefined;
    let statusMessage: string | undefined;
    // Read now that the app's error handlers have run (recordOnServerSpan).
    if (inFlight.thrown !== undefined) for (const { value, at } of inFlight.thrown) recordThrown(span, value, at);
    inFlight.thrown = undefined;
    if (ending.how === 'finished' || headersSent) attributes['http.response.status_code'] = status;
    if (status >= 500 && status < 600 && (ending.how === 'finished' || headersSent)) errorType = String(status);
    else if (ending.how === 'crashed') {
      const { 'exception.type': type } = exceptionAttributes(ending.thrown);
      errorType = typeof type === 'string' ? type : 'uncaught';
      statusMessage = 'the process ended with an uncaught exception before the response was complete';
      recordThrown(span, ending.thrown);
    } else if (ending.how === 'closed') {
      const clientLeft = clientClosed(request);
      if (!headersSent) {
        errorType = clientLeft ? 'aborted' : 'destroyed';
        statusMessage = clientLeft ? 'the client closed the connection before the response was sent' : 'the server closed the connection before the response was sent';
      } else if (!clientLeft) {
        errorType = 'destroyed';
        statusMessage = 'the server closed the connection before the response was complete';
      }
    }
    if (errorType !== undefined) attributes['error.type'] = errorType;
    const route = (request !== undefined ? routeOf(request) : undefined) ?? inFlight.metadata.route;
    if (route !== undefined) {
      attributes['http.route'] = route;
      span.updateName(spanName(method, route));
    }
    if (response !== undefined) {
      for (const name of captureHeaders) {
        const value = response.getHeader(name);
        if (value !== undefined) attributes[`http.response.header.${name}`] = Array.isArray(value) ? value : [String(value)];
      }
    }
    span.setAttributes(attributes);
    // 4xx is the client's error, not the server's (semantic conventions).
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, ...(statusMessage !== undefined ? { message: statusMessage } : {}) });
    span.end();
    release(inFlight);
    if (duration !== undefined) {
      const metricAttributes: Attributes = {
        'http.request.method': method,
        'url.scheme': inFlight.scheme,
        'network.protocol.version': inFlight.protocolVersion,
      };
      for (const key of ['http.route', 'http.response.status_code', 'error.type'] as const) if (attributes[key] !== undefined) metricAttributes[key] = attributes[key];
      duration.record((performance.now() - inFlight.startedAt) / 1000, metricAttributes);
    }
  }

  // node:http2: the same span from the stream's channels (Node 22.23+ and 24 publish them).
  const onStreamStart = (message: unknown) => {
    let entered: Context = ROOT_CONTEXT;
    try {
      const { stream, headers } = message as Http2StreamMessage;
      if (ignorePaths.length > 0 && ignoresPath(ignorePaths, headers[':path'] as string | undefined)) {
        entered = ignored;
        return;
      }
      const { attributes, method, scheme } = http2Attributes(stream, headers, redactedQueryParams, captureHeaders);
      const { span, active, metadata } = begin(attributes, method, headers);
      const inFlight: InFlight = { span, context: active, metadata, request: undefined, response: undefined, stream, method, scheme, protocolVersion: '2', startedAt: performance.now(), ended: false, thrown: undefined, previous: undefined, next: undefined };
      track(stream as unknown as Emitter, inFlight);
      open.add(inFlight);
      entered = active;
    } finally {
      contextManager.attach(entered);
    }
  };

  const onStreamEnd = (message: unknown) => {
    const { stream } = message as Http2StreamMessage;
    const inFlight = stream[IN_FLIGHT];
    if (inFlight !== undefined) end(inFlight, http2Response(stream), FINISHED);
  };

  const onStreamClose = (message: unknown) => {
    const { stream } = message as Http2StreamMessage;
    const inFlight = stream[IN_FLIGHT];
    if (inFlight !== undefined) end(inFlight, http2Response(stream), CLOSED);
  };

  const subscriptions: [string, (message: unknown) => void][] = [
    ['http.server.request.start', guarded('HTTP server span', onRequestStart)],
    ['http.server.response.finish', guarded('HTTP server span', onResponseFinish)],
    ['http2.server.stream.start', guarded('HTTP/2 server span', onStreamStart)],
    ['http2.server.stream.finish', guarded('HTTP/2 server span', onStreamEnd)],
    ['http2.server.stream.close', guarded('HTTP/2 server span', onStreamClose)],
  ];
  for (const [name, subscriber] of subscriptions) subscribe(name, subscriber);
  return {
    untrace: () => {
      for (const [name, subscriber] of subscriptions) unsubscribe(name, subscriber);
    },
    endOnCrash: (thrown) => {
      for (const inFlight of open.list()) {
        try {
          end(inFlight, inFlight.response ?? (inFlight.stream !== undefined ? http2Response(inFlight.stream) : undefined), { how: 'crashed', thrown });
        } catch {
          // The process is dying; the other spans still end.
        }
      }
    },
  };
}

/** Only the response state `end` reads: an HTTP/2 stream's status and headers, as a ServerResponse has them. */
function http2Response(stream: Http2Stream): ServerResponse {
  const sent = stream.sentHeaders as Record<string, unknown> | undefined;
  const status = Number(sent?.[':status'] ?? 0);
  return { headersSent: stream.headersSent === true, statusCode: status, getHeader: (name: string) => sent?.[name] } as unknown as ServerResponse;
}

/**
 * Once the span has ended, the request's context keeps only its ids: a keep-alive
 * connection, idle until its next request, keeps that context (on Node 22 on its
 * parser, on Node 24 in the idle timer Node arms as the response finishes), and with
 * it would keep the ended span and everything it recorded. A late callback of the
 * request (a cleanup, a log line) still sees the same trace and span ids. The API's
 * context is immutable to its users; this replaces the span in its value map
 * (`_currentContext`, the same in every version of the API), and only where it is
 * that map.
 */
function release(inFlight: InFlight): void {
  const { span } = inFlight;
  const ids = trace.wrapSpanContext(span.spanContext());
  inFlight.span = ids;
  inFlight.metadata.span = ids;
  const values = (inFlight.context as { _currentContext?: unknown })._currentContext;
  if (values instanceof Map) {
    for (const [key, value] of values as Map<unknown, unknown>) if (value === span) values.set(key, ids);
  }
}

/** Whether the client closed the connection (its end, or a reset), as opposed to the server destroying it. */
function clientClosed(request: IncomingMessage | undefined): boolean {
  const socket = request?.socket;
  if (socket === undefined || socket === null) return true;
  return socket.readableEnded || (socket.errored !== null && socket.errored !== undefined);
}

/** `METHOD route`, or `METHOD` alone; `HTTP` for a method outside the known set (semantic conventions). */
function spanName(method: string, route: string | undefined): string {
  const name = method === '_OTHER' ? 'HTTP' : method;
  return route === undefined ? name : `${name} ${route}`;
}
