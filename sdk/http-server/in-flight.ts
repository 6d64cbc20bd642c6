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
}

export const IN_FLIGHT = Symbol('otel-preload.server-span');

export type TrackedResponse = ServerResponse & { [IN_FLIGHT]?: InFlight };

/** The server span of the request this response answers, while it is open. */
export function serverSpanOf(response: unknown): Span | undefined {
  const inFlight = (response as TrackedResponse | undefined)?.[IN_FLIGHT];
  return inFlight !== undefined && !inFlight.ended ? inFlight.span : undefined;
}

/** Every open one, so that a crash can end them (sdk/shutdown.ts). */
export const open = new Set<InFlight>();

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
