import type { IncomingMessage } from 'node:http';

/**
 * `http.route` read from what the framework left on the request once it answered,
 * without wrapping any of its layers:
 * - a framework that publishes its matched route (Fastify's diagnostics channels)
 *   stores it under ROUTE (fastify.ts);
 * - Express 4 and 5 (and NestJS on Express) set `req.route` to the matched route and
 *   `req.baseUrl` to where its router is mounted, and leave both in place when the
 *   handler answers. A request answered by middleware alone has no `req.route`, so
 *   no route (never a wildcard).
 * Known limit: a router mounted on a path with parameters (`app.use('/users/:id', r)`)
 * gives the mounted part as requested (`/users/42/posts/:postId`): Express keeps only
 * that in `req.baseUrl`.
 */
export const ROUTE = Symbol('otel-preload.route');

interface FrameworkRequest extends IncomingMessage {
  [ROUTE]?: string;
  route?: { path?: unknown };
  baseUrl?: unknown;
}

export function routeOf(request: IncomingMessage): string | undefined {
  const req = request as FrameworkRequest;
  const published = req[ROUTE];
  if (published !== undefined) return published;
  const path = req.route?.path;
  if (path === undefined) return undefined;
  const text = typeof path === 'string' ? path : path instanceof RegExp ? path.toString() : Array.isArray(path) ? path.map((p) => (p instanceof RegExp ? p.toString() : String(p as string))).join(',') : undefined;
  if (text === undefined) return undefined;
  if (typeof req.baseUrl !== 'string' || req.baseUrl === '') return text;
  // `router.post('/')` under a mount path is the mount path itself (`/api/v1/orders`), as instrumentation-express reports it.
  return text === '/' ? req.baseUrl : req.baseUrl + text;
}
