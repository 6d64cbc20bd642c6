import type { Context, Meter, Tracer } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Config } from '../../config/index.js';
import { ExpressErrorsInstrumentation } from './express-errors.js';
import { traceFastify } from './fastify.js';
import { KoaErrorsInstrumentation } from './koa.js';
import { NestInstrumentation } from './nest.js';
import { traceHttpServers } from './server-spans.js';

/**
 * The http-server room, switched on from here and nowhere else: one SERVER span per
 * incoming request (server-spans.ts), and the framework adapters that put the route,
 * the handler and what the app threw on it: Express, NestJS and Koa through hooks on
 * their error paths (instrumentations, which the caller registers), Fastify through
 * its diagnostics channels. All of it only with our server spans on
 * (`http` enabled, OTEL_PRELOAD_HTTP_SERVER_SPANS=diagnostics_channel).
 */
export interface HttpServerRoom {
  /** The adapters that hook a framework's module, to register with the providers. */
  instrumentations: Instrumentation[];
  /** Ends every open server span with the exception a dying process threw. */
  endOnCrash(thrown: unknown): void;
  /** Unsubscribes every channel and unhooks the adapters (at shutdown). */
  stop(): void;
}

export interface HttpServerSetup {
  tracer: Tracer;
  contextManager: { attach: (context: Context) => unknown };
  meter?: Meter;
}

export function startHttpServerRoom(config: Config, setup: HttpServerSetup): HttpServerRoom | undefined {
  const { enabled, http } = config.instrumentations;
  if (!enabled.includes('http') || http.serverSpans !== 'diagnostics_channel') return undefined;
  const servers = traceHttpServers({
    ...setup,
    ignorePaths: http.ignorePaths,
    redactedQueryParams: config.redaction.redactedQueryParams,
    captureHeaders: config.redaction.captureHeaders,
  });
  const untraceFastify = traceFastify();
  const instrumentations: Instrumentation[] = [
    // When a user names upstream's nestjs-core, that one names the handler (in its own spans) and ours only records exceptions.
    new NestInstrumentation({ handlerAttributes: !enabled.includes('nestjs-core') }),
    ...(enabled.includes('express') ? [new ExpressErrorsInstrumentation()] : []),
    ...(enabled.includes('koa') ? [new KoaErrorsInstrumentation()] : []),
  ];
  return {
    instrumentations,
    endOnCrash: (thrown) => servers.endOnCrash(thrown),
    stop: () => {
      servers.untrace();
      untraceFastify();
      for (const instrumentation of instrumentations) instrumentation.disable();
    },
  };
}
