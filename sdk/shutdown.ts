import { diag, SpanStatusCode, trace } from '@opentelemetry/api';
import type { OtlpConfig } from '../config/exporter.js';
import { exportBeforeExit } from './export/exit-export.js';
import { failedInApp, guarded } from './guard.js';
import { recordThrown } from './spans/exception-attributes.js';
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

/** The next 'beforeExit' goes to no listener (Node then finds the loop empty and exits); `process.emit` is the app's again after it. */
function skipNextBeforeExit(): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with Reflect.apply on the process, as Node calls it
  const emit = process.emit;
  const skipping = function (this: NodeJS.Process, event: string | symbol): boolean {
    if (event !== 'beforeExit') return Reflect.apply(emit, this, arguments) as boolean; // eslint-disable-line prefer-rest-params
    if (process.emit === skipping) process.emit = emit;
    return false;
  };
  process.emit = skipping as typeof process.emit;
}

/**
 * signal-exit (in many libraries and CLIs) adds a listener per signal that runs
 * cleanup and re-raises the signal when all listeners left are its own. It means
 * "die as usual", not "I handle shutdown", so its listeners do not count as the
 * app's. signal-exit 4 keeps its count on a global symbol, version 3 on `process`.
 */
function signalExitListeners(): number {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')]?.count;
  const v3 = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__?.count;
  return (typeof v4 === 'number' ? v4 : 0) + (typeof v3 === 'number' ? v3 : 0);
}

function appHandles(signal: NodeJS.Signals, ours: () => void): boolean {
  const others = process.listeners(signal).filter((listener) => listener !== ours).length;
  return others > signalExitListeners();
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
 *   An uncaught exception (or unhandled rejection) that ends the process is first
 *   recorded on the spans it interrupts (`endOnCrash`), so that its trace is sent too.
 */
export function installShutdown(started: Started): void {
  const timeoutMillis = started.config.shutdownTimeoutMillis;
  const otlp: OtlpConfig | undefined = started.config.traces.exporters.includes('otlp') ? started.config.traces.otlp : undefined;
  let flushedOnEmptyLoop = false;
  /** Set when a bounded flush starts: what an exit after it may still take is what is left of the same bound. */
  let deadline: number | undefined;
  const sendUnexported = (withinMillis: number) => {
    if (otlp === undefined) return;
    try {
      exportBeforeExit(started.drainUnexported(), otlp, withinMillis);
    } catch (error) {
      diag.debug('exit export failed:', (error as Error).message);
    }
  };

  const onBeforeExit = guarded('flushing spans as the event loop emptied', () => {
    if (flushedOnEmptyLoop) return;
    flushedOnEmptyLoop = true;
    // Registered at start, ours runs before the app's own listeners: what they add to the loop, also from
    // the promises they await, is seen once they and their microtasks have run, in the next turn.
    const before = process.getActiveResourcesInfo().length;
    setImmediate(flushOnEmptyLoop, before);
  });
  const flushOnEmptyLoop = guarded('flushing spans as the event loop emptied', (resourcesBefore: number) => {
    // That turn and the flush keep the loop alive, and when it empties again Node emits 'beforeExit' once
    // more. Without us it would too if the app's listeners just gave the loop more to do; if not, that
    // emission is ours alone, and no listener of the app's hears it (a pino transport's flush, a job's summary).
    if (process.getActiveResourcesInfo().length <= resourcesBefore) skipNextBeforeExit();
    deadline = Date.now() + timeoutMillis;
    void bounded(started.flush(), timeoutMillis).then((outcome) => {
      if (outcome === 'done') {
        deadline = undefined;
        return;
      }
      diag.warn(`spans not flushed within ${timeoutMillis} ms (OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS); exiting`);
      // The exporter may still hold a socket open; the app itself was done, so exit as Node would have.
      process.exit();
    });
  });
  process.on('beforeExit', onBeforeExit);

  for (const signal of SIGNALS) {
    let flushingBeforeDeath = false;
    const onSignal = () => {
      if (flushingBeforeDeath) {
        // A second signal while we flush: die now, as Node would have on the first.
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
        return;
      }
      if (appHandles(signal, onSignal)) {
        void started.flush();
        return;
      }
      flushingBeforeDeath = true;
      deadline = Date.now() + timeoutMillis;
      // Still listening while we flush, so that signal-exit waits for us instead of re-raising now.
      // A flush, not a shutdown: the app keeps answering requests until it dies, and their spans count too.
      void bounded(started.flush(), timeoutMillis).then(() => {
        // What ended during the flush, sent synchronously in the time left: nothing runs after the signal.
        sendUnexported((deadline ?? 0) - Date.now());
        process.removeListener(signal, onSignal);
        // Listeners left (signal-exit's, or the app's if it added one meanwhile) decide, as they would have:
        // given the signal now rather than a loop turn later, during which the app would answer more
        // requests whose spans nobody sends. signal-exit re-raises it itself unless told not to.
        if (process.listenerCount(signal) > 0) process.emit(signal, signal);
        else process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }

  process.on('uncaughtExceptionMonitor', (thrown) => endOnCrash(started, thrown));
  process.on('exit', () => sendUnexported(deadline === undefined ? timeoutMillis : deadline - Date.now()));
}

/**
 * Observed, not handled (`uncaughtExceptionMonitor` runs before Node decides, and
 * changes nothing of what it decides): when nothing will catch the exception, the
 * process dies right after, and the spans it interrupted would never end. The open
 * server spans end with the exception and an error status, and so does the span
 * active where it was thrown (a database call, a span of the app's own). The `exit`
 * event that follows sends them with the rest.
 */
function endOnCrash(started: Started, thrown: unknown): void {
  try {
    if (process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback()) return;
    started.endOnCrash(thrown);
    const active = trace.getActiveSpan();
    if (active?.isRecording() === true) {
      recordThrown(active, thrown);
      active.setStatus({ code: SpanStatusCode.ERROR, message: 'the process ended with an uncaught exception' });
      active.end();
    }
  } catch (error) {
    failedInApp('recording the crash', error);
  }
}
