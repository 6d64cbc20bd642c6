import type { Context, Span } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The requests whose server span is open: what the span engine (server-spans.ts)
 * records per request and the framework adapters (Express, Nest, Fastify, Koa) read.
 * A leaf: adapters and engine both import it, neither imports the other.
 */
export interface InFlight {
  span: Span;
  /** The request's context: its events (and its response's) are emitted inside it. */
  context: Context;
  /** Where upstream framework instrumentations (Koa, Hapi, Restify) leave the route they matched. */
  metadata: RPCMetadata;
  /** Undefined for an HTTP/2 stream. */
  request: IncomingMessage | undefined;
  /** What the request is answered with; undefined for an HTTP/2 stream. */
  response: ServerResponse | undefined;
  /** The HTTP/2 stream, for a request that came as one. */
  stream: object | undefined;
  method: string;
  scheme: 'http' | 'https';
  /** `network.protocol.version`: the request's, or `2` for an HTTP/2 stream. */
  protocolVersion: string;
  startedAt: number;
  ended: boolean;
  /** What the app threw on this request, and when (`performance.now()`): exception events written as the span ends (`recordOnServerSpan`). */
  thrown: Array<{ value: unknown; at: number }> | undefined;
  /** Links of the list of open requests (`open`), undefined once ended. */
  previous: InFlight | undefined;
  next: InFlight | undefined;
}

export const IN_FLIGHT = Symbol('otel-preload.server-span');

export type TrackedResponse = ServerResponse & { [IN_FLIGHT]?: InFlight };

/** The server span of the request this response answers, while it is open. */
export function serverSpanOf(response: unknown): Span | undefined {
  return openInFlight(response)?.span;
}

function openInFlight(response: unknown): InFlight | undefined {
  const inFlight = (response as TrackedResponse | undefined)?.[IN_FLIGHT];
  return inFlight !== undefined && !inFlight.ended ? inFlight : undefined;
}

/**
 * What the app threw, to be an exception event on the open server span of the
 * request this response answers; false when there is none. The event is written as
 * the span ends, with the time it was thrown: V8 writes an Error's stack text the
 * first time `stack` is read, with the message of that moment, and the app's own
 * error handler runs after us and may change the message before it reads the
 * stack (`err.message = 'GET /orders failed: ' + err.message`).
 */
export function recordOnServerSpan(response: unknown, thrown: unknown): boolean {
  const inFlight = openInFlight(response);
  if (inFlight === undefined) return false;
  (inFlight.thrown ??= []).push({ value: thrown, at: performance.now() });
  return true;
}

/**
 * Every open one, so that a crash can end them (sdk/shutdown.ts): a list linked
 * through the entries, not a `Set`. With a Set that gained and lost an entry per
 * request, each request's objects (request, response, span, context) survived V8's
 * young-generation collections and were promoted, to be freed only by a full one:
 * `--trace-gc` on the read route under load showed ~1.3 MB promoted per scavenge,
 * and V8 grew its young generation to the maximum (RSS 2.7× bare; bench/PROFILING.md,
 * "a Set that kept every request alive"). Why V8 kept them lies in its hash tables
 * (an add-and-delete loop alone does not show it); an entry unlinked from this list
 * points to nothing, and the measured growth is gone.
 */
class OpenRequests {
  private first: InFlight | undefined;

  add(entry: InFlight): void {
    entry.previous = undefined;
    entry.next = this.first;
    if (this.first !== undefined) this.first.previous = entry;
    this.first = entry;
  }

  delete(entry: InFlight): void {
    if (entry.previous !== undefined) entry.previous.next = entry.next;
    else if (this.first === entry) this.first = entry.next;
    if (entry.next !== undefined) entry.next.previous = entry.previous;
    entry.previous = undefined;
    entry.next = undefined;
  }

  /** A copy: ending an entry unlinks it. */
  list(): InFlight[] {
    const entries: InFlight[] = [];
    for (let entry = this.first; entry !== undefined; entry = entry.next) entries.push(entry);
    return entries;
  }
}

export const open = new OpenRequests();

/**
 * What we keep on the app's own objects (the request, the response, Fastify's raw
 * request): a property the app does not see, not enumerable, so that a request or
 * response the app logs or inspects (an error holding the request) reads as it does
 * without us.
 */
export function hide(target: object, key: symbol | 'emit', value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

const RECORDED = Symbol('otel-preload.recorded-error');

/**
 * True the first time this value is seen on this request (or response), and marks it:
 * a framework can hand one error to several of its handlers (Express's layers and its
 * final handler, Nest's nested filters, Fastify's hook and handler paths, Koa's own
 * retries), and each is one exception event.
 */
export function firstTimeOn(holder: object, thrown: unknown): boolean {
  if ((holder as { [RECORDED]?: unknown })[RECORDED] === thrown) return false;
  hide(holder, RECORDED, thrown);
  return true;
}
