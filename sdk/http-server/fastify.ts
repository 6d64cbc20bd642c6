import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failedInApp, guarded } from '../guard.js';
import { recordThrown } from '../spans/exception-attributes.js';
import { serverSpanOf } from './in-flight.js';
import { ROUTE } from './route.js';

/**
 * Fastify 5 on the server span, without patching it (Fastify is not in the upstream
 * catalogue any more):
 * - Fastify publishes each new instance on `fastify.initialization`, before the app
 *   adds its routes and hooks. Two hooks are added there: `onRequest`, the first to
 *   run once a route matched, puts the route on the raw request, so that answers
 *   given before the handler runs (an auth hook's 401, a validation 400 or 415, a
 *   hook's error) carry `http.route` too; a 404 has no route and gets none. `onError`
 *   records what a hook or handler threw (any value) as an exception event.
 * - its own tracing channel `fastify.request.handler` gives the route and a
 *   handler's error as well, for an instance created before we subscribed.
 * Each value is recorded once per request.
 */
type RawRequest = IncomingMessage & { [ROUTE]?: string; [RECORDED]?: unknown };

interface FastifyRequest {
  raw?: RawRequest;
  routeOptions?: { url?: unknown };
}
interface HandlerStore {
  request?: FastifyRequest;
  reply?: { raw?: ServerResponse };
  route?: { url?: unknown };
  error?: unknown;
}
interface FastifyInstance {
  addHook?: (name: string, hook: (...args: unknown[]) => unknown) => unknown;
}

const RECORDED = Symbol('otel-preload.recorded-error');
const INITIALIZATION = 'fastify.initialization';
const HANDLER_START = 'tracing:fastify.request.handler:start';
const HANDLER_ERROR = 'tracing:fastify.request.handler:error';

function setRoute(raw: RawRequest | undefined, url: unknown): void {
  if (raw !== undefined && typeof url === 'string') raw[ROUTE] = url;
}

function record(raw: RawRequest | undefined, response: ServerResponse | undefined, thrown: unknown): void {
  if (thrown === undefined || thrown === null || raw === undefined || raw[RECORDED] === thrown) return;
  raw[RECORDED] = thrown;
  recordThrown(serverSpanOf(response), thrown);
}

/** Callback-style hooks: `done` is called whatever happens to our part, and only once. */
function onRequestHook(request: FastifyRequest, _reply: unknown, done: () => void): void {
  try {
    setRoute(request.raw, request.routeOptions?.url);
  } catch (error) {
    failedInApp('Fastify route', error);
  }
  done();
}

function onErrorHook(request: FastifyRequest, reply: { raw?: ServerResponse } | undefined, error: unknown, done: () => void): void {
  try {
    record(request.raw, reply?.raw, error);
  } catch (failure) {
    failedInApp('Fastify error recording', failure);
  }
  done();
}

const onInitialization = guarded('Fastify hooks', (message: unknown) => {
  const { fastify } = message as { fastify?: FastifyInstance };
  if (typeof fastify?.addHook !== 'function') return;
  fastify.addHook('onRequest', onRequestHook as (...args: unknown[]) => unknown);
  fastify.addHook('onError', onErrorHook as (...args: unknown[]) => unknown);
});

const onHandlerStart = guarded('Fastify route', (message: unknown) => {
  const { request, route } = message as HandlerStore;
  setRoute(request?.raw, route?.url);
});

const onHandlerError = guarded('Fastify error recording', (message: unknown) => {
  const { request, reply, error } = message as HandlerStore;
  record(request?.raw, reply?.raw, error);
});

/** Subscribes; returns the unsubscribe. */
export function traceFastify(): () => void {
  subscribe(INITIALIZATION, onInitialization);
  subscribe(HANDLER_START, onHandlerStart);
  subscribe(HANDLER_ERROR, onHandlerError);
  return () => {
    unsubscribe(INITIALIZATION, onInitialization);
    unsubscribe(HANDLER_START, onHandlerStart);
    unsubscribe(HANDLER_ERROR, onHandlerError);
  };
}
