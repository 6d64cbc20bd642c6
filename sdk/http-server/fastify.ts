import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failedInApp, guarded } from '../guard.js';
import { firstTimeOn, hide, recordOnServerSpan } from './in-flight.js';
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
 * Each value is recorded once per request. An instance created before the preload
 * subscribed (none, when the preload is loaded first) gets neither.
 */
type RawRequest = IncomingMessage & { [ROUTE]?: string };

interface FastifyRequest {
  raw?: RawRequest;
  routeOptions?: { url?: unknown };
}
interface FastifyInstance {
  addHook?: (name: string, hook: (...args: unknown[]) => unknown) => unknown;
}

const INITIALIZATION = 'fastify.initialization';

function setRoute(raw: RawRequest | undefined, url: unknown): void {
  if (raw !== undefined && typeof url === 'string') hide(raw, ROUTE, url);
}

function record(raw: RawRequest | undefined, response: ServerResponse | undefined, thrown: unknown): void {
  if (thrown === undefined || thrown === null || raw === undefined || !firstTimeOn(raw, thrown)) return;
  recordOnServerSpan(response, thrown);
}

/** Callback-style hooks: `done` is called whatever happens to our part, and only once. */
function otelPreloadRoute(request: FastifyRequest, _reply: unknown, done: () => void): void {
  try {
    setRoute(request.raw, request.routeOptions?.url);
  } catch (error) {
    failedInApp('Fastify route', error);
  }
  done();
}

function otelPreloadErrors(request: FastifyRequest, reply: { raw?: ServerResponse } | undefined, error: unknown, done: () => void): void {
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
  fastify.addHook('onRequest', otelPreloadRoute as (...args: unknown[]) => unknown);
  fastify.addHook('onError', otelPreloadErrors as (...args: unknown[]) => unknown);
});

/**
 * Subscribes; returns the unsubscribe. Not to Fastify's `tracing:fastify.request.handler`
 * channels: Fastify runs other code when they have subscribers (it sets the error's
 * status code before publishing, which for a thrown Proxy or a throwing getter throws
 * inside its own promise handler and kills the process).
 */
export function traceFastify(): () => void {
  subscribe(INITIALIZATION, onInitialization);
  return () => unsubscribe(INITIALIZATION, onInitialization);
}
