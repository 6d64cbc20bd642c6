// Loaded before we know whether to start at all: node built-ins only, no OpenTelemetry package.
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Our own version, for the start-up line (read once, from the package we ship in). */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/**
 * `NODE_OPTIONS="--import otel-preload/register" npm start` loads us into npm (and
 * npx, yarn, pnpm, corepack) as well as into the app it starts. The package manager
 * is not the service: tracing it would add a second start-up line and a bogus
 * service named "npm".
 */
export function isPackageManager(entryScript: string | undefined): boolean {
  if (entryScript === undefined) return false;
  return /[\\/](npm|npx|yarn|pnpm|corepack)(-cli)?(\.c?js)?$|[\\/]node_modules[\\/](npm|yarn|pnpm|corepack)[\\/]bin[\\/]/.test(entryScript);
}

/**
 * dist/sdk: where this file is, whether it runs on its own or bundled into
 * dist/sdk/runtime.js (scripts/bundle.mjs). Files in sdk's sub-folders take their
 * paths from here, since their own __dirname differs between the two.
 */
export const SDK_DIR: string = __dirname;

const STARTED = Symbol.for('otel-preload.started');

/**
 * True the first time only: `--import` and `--require` of us together, or the
 * ESM and CommonJS copies of us both loaded, must not start two SDKs.
 */
export function markStarted(): boolean {
  const global = globalThis as Record<symbol, unknown>;
  if (global[STARTED] === true) return false;
  global[STARTED] = true;
  return true;
}

/** For a failure before diagnostics are set up: print plainly, never throw. */
export function reportEarly(message: string): void {
  writeOurLine(`otel-preload: ${message}\n`);
}

/**
 * A line of ours on stderr, written at once to its file descriptor: where stderr is
 * a pipe nobody reads any more or a closed descriptor, the error is thrown here and
 * the line dropped. Through `process.stderr` the same error comes later, as the
 * stream's 'error' event, which crashes an app that never writes to stderr itself.
 * On Linux `process.stderr` writes files, pipes and terminals synchronously too, so
 * our lines keep their place among the app's.
 */
export function writeOurLine(line: string): void {
  try {
    writeSync(2, line);
  } catch {
    // stderr may be closed; the app must not notice us either way.
  }
}

type Report = (message: string) => void;
let report: Report = reportEarly;

/** Where guarded failures are reported once diagnostics are set up (sdk/start.ts). */
export function reportFailuresTo(to: Report): void {
  report = to;
}

/**
 * Something of ours failed inside the app's call stack (a channel subscriber, hook
 * or wrapper): reported, never rethrown. The diagnostics logger folds a repeated
 * message to one line a minute with a count, so a bug of ours that fails on every
 * request does not flood the app's stderr.
 */
export function failedInApp(site: string, error: unknown): void {
  try {
    report(`${site} failed, the application is unaffected: ${describeFailure(error)}`);
  } catch {
    // Reporting must not fail into the app either.
  }
}

function describeFailure(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'a value that cannot be described';
  }
}

/**
 * The one guard for a function of ours that the app's call stack calls (a
 * diagnostics-channel subscriber, an event listener, a framework hook): whatever it
 * throws is reported and swallowed. `this` and the arguments pass through.
 */
export function guarded<A extends unknown[]>(site: string, fn: (this: unknown, ...args: A) => void): (this: unknown, ...args: A) => void {
  return function guardedCall(this: unknown): void {
    try {
      // `arguments`, not rest parameters: this runs on every request, and builds no array.
      // eslint-disable-next-line prefer-rest-params
      Reflect.apply(fn, this, arguments);
    } catch (error) {
      failedInApp(site, error);
    }
  };
}
