import type { Instrumentation } from '@opentelemetry/instrumentation';

/**
 * Outgoing requests as the app sends them, where instrumentation-http and
 * instrumentation-undici would change what goes on the wire:
 * - `https.request` without a port: instrumentation-http sets `port: 443` before
 *   Node sees the options, so a `defaultPort` in them or in their agent (a proxy
 *   agent, a test's agent) was ignored and the request went to 443. The port is
 *   chosen here as Node chooses it: `port`, else `defaultPort`, else the agent's, else 443.
 * - headers given as a raw array (`['Host', 'x', 'X-A', '1']`, which `http.request`
 *   takes): instrumentation-http copies them into an object of indexes (`{ 0: 'Host', … }`)
 *   to add `traceparent`, and sends that. Such a request is left untraced.
 * - a `fetch` that already carries a `traceparent` (a proxy that passes its caller's
 *   headers on): instrumentation-undici adds a second one, which makes the header
 *   invalid downstream. Such a request is left untraced and keeps the app's. (For
 *   `node:http`, instrumentation-http replaces the app's value with its own client
 *   span's, which keeps the trace whole: left as it is.)
 */
interface HttpsDefaults {
  _setDefaultOptions?: (options: HttpsOptions) => void;
}
interface HttpsOptions {
  protocol?: unknown;
  port?: unknown;
  defaultPort?: unknown;
  agent?: { defaultPort?: unknown } | false | null;
}

export function tuneHttp(instrumentation: Instrumentation): void {
  const http = instrumentation as unknown as HttpsDefaults;
  if (typeof http._setDefaultOptions !== 'function') return;
  http._setDefaultOptions = (options) => {
    options.protocol = options.protocol || 'https:';
    options.port = options.port || options.defaultPort || (options.agent ? options.agent.defaultPort : undefined) || 443;
  };
}

/** instrumentation-http's `ignoreOutgoingRequestHook`: headers as a raw array. */
export function rawHeaderArray(options: { headers?: unknown }): boolean {
  return Array.isArray(options.headers);
}

const TRACEPARENT = /^traceparent$/i;

/** instrumentation-undici's `ignoreRequestHook`: a request with a `traceparent` of the app's (undici keeps headers as a flat array, or as one string). */
export function carriesTraceparent(request: { headers?: unknown }): boolean {
  const { headers } = request;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (typeof headers[i] === 'string' && TRACEPARENT.test(headers[i] as string)) return true;
    return false;
  }
  return typeof headers === 'string' && /(^|\r\n)traceparent:/i.test(headers);
}
