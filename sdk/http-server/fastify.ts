import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROUTE } from './route.js';
import { recordThrown, serverSpanOf } from './server-spans.js';

/**
 * Fastify 5 publishes each request's matched route, and a handler's error, on its
 * own tracing channel (`fastify.request.handler`): the route goes on the raw request
 * for the server span's name, the error on the server span as an exception event.
 * Fastify is not in the upstream catalogue any more, and nothing here wraps it.
 */
interface HandlerStore {
  request?: { raw?: IncomingMessage & { [ROUTE]?: string } };
  reply?: { raw?: ServerResponse };
  route?: { url?: unknown };
  error?: unknown;
}

const START = 'tracing:fastify.request.handler:start';
const ERROR = 'tracing:fastify.request.handler:error';

function onStart(message: unknown): void {
  const { request, route } = message as HandlerStore;
  if (request?.raw !== undefined && typeof route?.url === 'string') request.raw[ROUTE] = route.url;
}

function onError(message: unknown): void {
  const { reply, error } = message as HandlerStore;
  if (error === undefined || error === null) return;
  recordThrown(serverSpanOf(reply?.raw), error);
}

export function traceFastifyRoutes(): () => void {
  subscribe(START, onStart);
  subscribe(ERROR, onError);
  return () => {
    unsubscribe(START, onStart);
    unsubscribe(ERROR, onError);
  };
}
