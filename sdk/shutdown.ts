import { diag } from '@opentelemetry/api';
import type { OtlpConfig } from '../config/exporter.js';
import { exportBeforeExit } from './exit-export.js';
import type { Started } from './start.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Resolves when `work` settles or the bound passes, whichever is first; the timer never keeps the process alive. */
function bounded(work: Promise<void>, timeoutMillis: number): Promise<'done' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMillis);
    timer.unref();
    work.then(() => {
      clearTimeout(timer);
      resolve('done');
    }, () => {
      clearTimeout(timer);
      resolve('done');
    });
  });
}

/**
 * Flushes spans on the three ways a service ends, without changing how it ends:
 *
 * - The event loop empties (`beforeExit`): flush, then let Node exit as it would.
 * - SIGTERM/SIGINT: if the app has its own listener, it stays in charge of when and
 *   how to exit — we only start a flush. If it has none, Node would have died of
 *   the signal: we flush (bounded), remove ourselves and raise the same signal
 *   again, so the exit status is the one Node gives without us.
 * - An exit that cannot wait (`process.exit()`, an uncaught exception, the app's
 *   handler exiting): the `exit` event sends what is still unexported synchronously.
 */
export function installShutdown(started: Started): void {
  const timeoutMillis = started.config.shutdownTimeoutMillis;
  const otlp: OtlpConfig | undefined = started.config.traces.exporters.includes('otlp') ? started.config.traces.otlp : undefined;
  let flushedOnEmptyLoop = false;

  process.on('beforeExit', () => {
    if (flushedOnEmptyLoop) return;
    flushedOnEmptyLoop = true;
    void bounded(started.flush(), timeoutMillis).then((outcome) => {
      if (outcome === 'timeout') {
        diag.warn(`spans not flushed within ${timeoutMillis} ms (OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS); exiting`);
        // The exporter may still hold a socket open; the app itself was done, so exit as Node would have.
        process.exit();
      }
    });
  });

  for (const signal of SIGNALS) {
    const onSignal = () => {
      const appListens = process.listeners(signal).some((listener) => listener !== onSignal);
      if (appListens) {
        void started.flush();
        return;
      }
      process.removeListener(signal, onSignal);
      void bounded(started.shutdown(), timeoutMillis).then(() => process.kill(process.pid, signal));
    };
    process.on(signal, onSignal);
  }

  process.on('exit', () => {
    if (otlp === undefined) return;
    try {
      exportBeforeExit(started.unexported.drain(), otlp, timeoutMillis);
    } catch (error) {
      diag.debug('exit export failed:', (error as Error).message);
    }
  });
}
