import type { Attributes } from '@opentelemetry/api';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { requestAttributes } from './attributes.js';

/** What the `http2.server.stream.*` channels give of a server stream (Node 22.23+, 24). */
export interface Http2Stream {
  session?: { socket?: Socket & { encrypted?: boolean } } | undefined;
  headersSent?: boolean;
  sentHeaders?: unknown;
}

/**
 * The same attributes as an HTTP/1.1 request gets (attributes.ts), read from the
 * stream's pseudo-headers: `:method`, `:path`, `:scheme`, and `:authority` where
 * HTTP/1.1 has Host; `network.protocol.version` is `2`.
 */
export function http2Attributes(stream: Http2Stream, headers: IncomingHttpHeaders, redactedQueryParams: readonly string[], captureHeaders: readonly string[]): { attributes: Attributes; method: string; scheme: 'http' | 'https' } {
  const socket = stream.session?.socket;
  const scheme = headers[':scheme'] === 'https' || socket?.encrypted === true ? 'https' : 'http';
  const authority = headers[':authority'];
  const request = {
    method: headers[':method'],
    url: headers[':path'],
    httpVersion: '2',
    headers: headers.host === undefined && typeof authority === 'string' ? { ...headers, host: authority } : headers,
    socket: socket ?? {},
  } as unknown as IncomingMessage;
  const { attributes, method } = requestAttributes(request, scheme, redactedQueryParams, captureHeaders);
  return { attributes, method, scheme };
}
