// SIGTERM while requests are in flight (shutdown.test.ts covers one request at a
// time): ten keep-alive clients keep a service busy, the service is told to stop,
// and every request the clients got a complete answer to must have its server span
// at the backend (the receiver, and Jaeger's query API, each asked span by span); the
// service ends exactly as it does without the preload; and with
// a backend that never answers, shutdown stays within OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS.
import t, { type Test } from 'tap';
import { BACKENDS, type Backend, openBackend } from '../e2e/backends.js';
import { fixture, type RunningApp, startApp, startBlackHole, stop, until } from '../helpers/app.js';
import { type Load, startLoad } from '../helpers/load.js';

/**
 * An app without a handler keeps serving while we flush (bounded) before we raise the
 * signal again: the spans of what it answers meanwhile are sent too, synchronously
 * just before the signal (a process killed by a signal runs no `exit` handler).
 */
const APPS: { kind: string; env: Record<string, string>; exit: Run['exit'] }[] = [
  { kind: 'without a SIGTERM handler', env: {}, exit: { code: null, signal: 'SIGTERM' } },
  { kind: 'with its own graceful handler', env: { APP_SIGTERM: 'graceful', APP_EXIT_CODE: '3' }, exit: { code: 3, signal: null } },
];

interface Run {
  app: RunningApp;
  load: Load;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  sigtermAt: number;
  exitedAt: number;
}

/** The answered requests whose server span, child of the client's span, is not at the backend (asked 25 at a time). */
async function withoutServerSpan(backend: Backend, answered: Load['completed']): Promise<Load['completed']> {
  const lost: Load['completed'] = [];
  for (let i = 0; i < answered.length; i += 25) {
    await Promise.all(
      answered.slice(i, i + 25).map((c) =>
        backend.trace(c.traceId, (spans) => spans.some((s) => s.kind === 'server' && s.parentSpanId === c.spanId)).catch(() => lost.push(c)),
      ),
    );
  }
  return lost;
}

/** Starts the app, loads it until `beforeSigterm` responses have arrived, sends SIGTERM, waits for the end. */
async function loadThenSigterm(t: Test, env: Record<string, string>, nodeArgs?: string[], beforeSigterm = 300): Promise<Run> {
  const app = await startApp(fixture('scripts', 'busy-server.js'), { env, ...(nodeArgs ? { nodeArgs } : {}) });
  t.teardown(() => stop(app));
  const load = startLoad(app.port, { clients: 10 });
  t.teardown(() => load.stop());
  await until(`${beforeSigterm} responses`, () => load.completed.length >= beforeSigterm);
  const sigtermAt = Date.now();
  app.child.kill('SIGTERM');
  const exit = await Promise.race([
    app.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running 30 s after SIGTERM\n${app.stderr()}`)), 30_000).unref()),
  ]);
  const exitedAt = Date.now();
  await load.stop();
  return { app, load, exit, sigtermAt, exitedAt };
}

for (const { kind, env, exit } of APPS) {
  for (const backendName of BACKENDS) {
    t.test(`SIGTERM under load, app ${kind}: every answered request has its span at the ${backendName}; exit as without us`, async (t) => {
      const backend = await openBackend(t, backendName);
      const bare = await loadThenSigterm(t, env, []);
      // The default batch delay (5 s): at the signal, most spans are still waiting in the queue.
      const ours = await loadThenSigterm(t, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoint, OTEL_BSP_SCHEDULE_DELAY: '5000' });

      t.same(bare.exit, exit, 'the bare app ends as it is written to');
      t.same(ours.exit, bare.exit, 'exit status as without the preload');
      const answered = ours.load.completed.filter((c) => c.status === 200);
      t.equal(answered.length, ours.load.completed.length, 'every complete response was a 200');
      const late = (run: Run) => run.load.completed.filter((c) => c.at >= run.sigtermAt).length;
      t.comment(`${answered.length} requests answered, ${late(ours)} of them after the SIGTERM (bare: ${late(bare)}); ${ours.load.failures.length} refused or cut off once it was stopping`);

      const lost = await withoutServerSpan(backend, answered);
      t.same(
        lost.map((c) => ({ afterSigtermMs: c.at - ours.sigtermAt })),
        [],
        `each of the ${answered.length} answered requests has its server span, in the client's trace (${lost.length} missing)`,
      );
    });
  }

  t.test(`SIGTERM under load, app ${kind}, backend accepts and never answers: exit within the bound`, async (t) => {
    const blackHole = await startBlackHole(t);
    const bound = 2000;
    const ours = await loadThenSigterm(t, {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${blackHole.port}`,
      // Without the bound, a flush would wait for this.
      OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      OTEL_BSP_EXPORT_TIMEOUT: '60000',
      OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS: String(bound),
    });
    t.same(ours.exit, exit, 'exit status as without the preload');
    t.ok(blackHole.connections() > 0, 'the exporter did connect to the black hole');
    const took = ours.exitedAt - ours.sigtermAt;
    t.comment(`${ours.load.completed.filter((c) => c.at >= ours.sigtermAt).length} requests answered after the SIGTERM`);
    // Slack for a loaded 2-core machine; a flush that waited for the export timeout would take 60 s.
    t.ok(took < bound + 3000, `exited ${took} ms after SIGTERM (bound ${bound} ms)`);
  });
}
