import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';

/**
 * The stable HTTP server attributes of a request, with the same names and values as
 * `@opentelemetry/instrumentation-http` gives them (test/integration/http-server-parity),
 * computed without parsing the URL into an object: the path is the request target up
 * to `?`, as received (instrumentation-http runs it through `new URL`, which also
 * resolves `..` segments and re-encodes some characters; we do not).
 */

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** Semantic conventions: a method outside the known set is `_OTHER`, the original kept beside it. */
export function normalizedMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

export interface RequestFacts {
  attributes: Attributes;
  /** `http.request.method`: the method, or `_OTHER`. */
  method: string;
}

export function requestAttributes(request: IncomingMessage, scheme: 'http' | 'https', redactedQueryParams: readonly string[], captureHeaders: readonly string[]): RequestFacts {
  const { headers, socket } = request;
  const method = normalizedMethod(request.method);
  const { path, query } = splitTarget(request.url ?? '/');
  const attributes: Attributes = {
    'http.request.method': method,
    'url.scheme': scheme,
    'url.path': path,
    'network.peer.address': socket.remoteAddress,
    'network.peer.port': socket.remotePort,
    'network.protocol.version': request.httpVersion,
    'user_agent.original': headers['user-agent'],
  };
  if (method !== request.method && request.method !== undefined) attributes['http.request.method_original'] = request.method;
  if (query !== undefined) attributes['url.query'] = redactedQuery(query, redactedQueryParams);
  const server = serverAddress(request, scheme);
  if (server !== undefined) {
    attributes['server.address'] = server.host;
    if (server.port !== undefined) attributes['server.port'] = Number(server.port);
  }
  const client = clientAddress(request);
  if (client !== undefined) attributes['client.address'] = client;
  for (const name of captureHeaders) {
    const value = headers[name];
    if (value !== undefined) attributes[`http.request.header.${name}`] = Array.isArray(value) ? value : [value];
  }
  return { attributes, method };
}

/** The request target split at `?`; an absolute-form target (`GET http://host/p`, sent to proxies) goes through URL. */
function splitTarget(target: string): { path: string; query: string | undefined } {
  if (!target.startsWith('/')) {
    try {
      const url = new URL(target, 'http://localhost');
      return { path: url.pathname, query: url.search === '' ? undefined : url.search.slice(1) };
    } catch {
      return { path: target, query: undefined };
    }
  }
  const mark = target.indexOf('?');
  if (mark < 0) return { path: target, query: undefined };
  const query = target.slice(mark + 1);
  return { path: target.slice(0, mark), query: query === '' ? undefined : query };
}

/** As instrumentation-http does it, so values match: through URLSearchParams, which also re-encodes what it keeps. */
export function redactedQuery(query: string, redacted: readonly string[]): string {
  const params = new URLSearchParams(query);
  for (const name of redacted) if (params.has(name)) params.set(name, 'REDACTED');
  return params.toString();
}

interface HostPort {
  host: string;
  port?: string;
}

/** `server.address` / `server.port`: Forwarded `host=`, then X-Forwarded-Host, then Host (semantic conventions 1.27). */
function serverAddress(request: IncomingMessage, scheme: string): HostPort | undefined {
  const { headers } = request;
  const forwarded = headers['forwarded'];
  if (forwarded !== undefined) {
    for (const entry of forwardedEntries(forwarded)) if (entry['host'] !== undefined) return parseHost(entry['host'], entry['proto']);
  }
  const forwardedHost = first(headers['x-forwarded-host']);
  if (forwardedHost !== undefined && forwardedHost !== '') return parseHost(forwardedHost, first(headers['x-forwarded-proto']));
  const host = headers.host;
  return host !== undefined && host !== '' ? parseHost(host, scheme) : undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseHost(header: string, proto: string | undefined): HostPort {
  const defaultPort = proto === 'http' ? '80' : proto === 'https' ? '443' : undefined;
  const parts = header.split(':');
  if (parts.length === 1) return defaultPort === undefined ? { host: header } : { host: header, port: defaultPort };
  if (parts.length === 2) return { host: parts[0], port: parts[1] };
  // IPv6: [::1] or [::1]:8080
  if (header.startsWith('[')) {
    if (header.endsWith(']')) return defaultPort === undefined ? { host: header } : { host: header, port: defaultPort };
    const close = header.lastIndexOf(']:');
    if (close > 0) return { host: header.slice(0, close + 1), port: header.slice(close + 2) };
  }
  return { host: header };
}

/** `client.address`: Forwarded `for=`, then the first X-Forwarded-For entry, then the peer. */
function clientAddress(request: IncomingMessage): string | undefined {
  const forwarded = request.headers['forwarded'];
  if (forwarded !== undefined) {
    for (const entry of forwardedEntries(forwarded)) if (entry['for'] !== undefined) return withoutPort(entry['for']);
  }
  const forwardedFor = first(request.headers['x-forwarded-for']);
  if (forwardedFor !== undefined) return withoutPort((forwardedFor.split(',')[0]).trim());
  return request.socket.remoteAddress || undefined;
}

function withoutPort(address: string): string {
  try {
    const { hostname } = new URL(`http://${address}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return address;
  }
}

/** RFC 7239: `for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8::1]"`; a malformed header gives nothing. */
export function forwardedEntries(header: string): Record<string, string>[] {
  const entries: Record<string, string>[] = [];
  for (const element of header.split(',')) {
    const entry: Record<string, string> = {};
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) {
        if (pair.trim() === '') continue;
        return [];
      }
      let value = pair.slice(eq + 1).trim();
      if (value.startsWith('"')) {
        if (!value.endsWith('"') || value.length < 2) return [];
        value = value.slice(1, -1);
      }
      entry[pair.slice(0, eq).trim().toLowerCase()] = value;
    }
    entries.push(entry);
  }
  return entries;
}
