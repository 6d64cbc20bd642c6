// Node's own restrictive flags, as a hardened service runs with them: the permission
// model, frozen intrinsics, require() of ES modules turned off. Under each, the app
// answers, prints and ends as it does bare; it is traced as far as Node allows; and
// where Node allows less, one line of ours says what is not traced.
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, get, registerPath, repoRoot, type RunningApp, startApp, stop } from '../helpers/app.js';

/** The app's and the preload's own files may be read, nothing else: not /proc, /.dockerenv or /etc/machine-id. */
const PERMISSION = ['--permission', `--allow-fs-read=${repoRoot}`];
const OURS = /^otel-preload: .*\n/gm;
/** Our lines removed, and the pid in Node's own warnings (`(node:1234) ExperimentalWarning: …`) masked. */
const withoutOurLines = (text: string) => withoutPid(text.replace(OURS, ''));
const withoutPid = (text: string) => text.replace(/\(node:\d+\)/g, '(node:PID)');

async function bareAndTraced(script: string, flags: string[], env: Record<string, string>): Promise<{ bare: RunningApp; traced: RunningApp }> {
  // Without tap's own preload, which the permission model refuses (it calls process.binding).
  const bare = await startApp(script, { nodeArgs: flags, waitForPort: false, env, withoutTapPreload: true });
  const traced = await startApp(script, { nodeArgs: [...flags, '--import', registerPath], waitForPort: false, env, withoutTapPreload: true });
  return { bare, traced };
}

t.test('--permission: the app ends as bare, traced, with no warning about what it may not read', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const { bare, traced } = await bareAndTraced(fixture('scripts', 'outgoing-then-exit.js'), PERMISSION, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, EXIT_HOW: 'natural' });
  t.same(await traced.exited, await bare.exited, 'the same exit (process.exitCode 7)');
  t.equal(traced.stdout(), bare.stdout());
  t.equal(withoutOurLines(traced.stderr()), withoutPid(bare.stderr()), 'the same stderr once our lines are removed');
  t.match(traced.stderr(), /^otel-preload: v\S+ tracing service/m, 'started');
  t.notMatch(traced.stderr(), /warn|could not start/, traced.stderr());
  const spans = await receiver.waitForSpans((all) => all.length >= 2);
  t.same(spans.map((span) => span.kind).sort(), ['client', 'server'], 'the request, both sides');
});

t.test('--permission without --allow-child-process: an exit that cannot wait says how many spans it could not send', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const { bare, traced } = await bareAndTraced(fixture('scripts', 'outgoing-then-exit.js'), PERMISSION, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, EXIT_HOW: 'exit', OTEL_BSP_SCHEDULE_DELAY: '60000' });
  t.same(await traced.exited, await bare.exited, 'the same exit (process.exit(5))');
  t.equal(traced.stdout(), bare.stdout());
  t.equal(withoutOurLines(traced.stderr()), withoutPid(bare.stderr()));
  const lost = /^otel-preload: warn: (\d+) spans were not sent at exit: the child process that sends them is not allowed \(node --permission without --allow-child-process\)$/m.exec(traced.stderr());
  t.ok(lost, traced.stderr());
  t.equal(Number(lost?.[1]), 2 - receiver.spans.length, 'the count is what the backend did not get (both spans of the request)');
});

t.test('--frozen-intrinsics: CommonJS stays traced, and one line says ES module imports are not', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const { bare, traced } = await bareAndTraced(fixture('scripts', 'outgoing-then-exit.js'), ['--frozen-intrinsics'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, EXIT_HOW: 'natural' });
  t.same(await traced.exited, await bare.exited);
  t.equal(traced.stdout(), bare.stdout());
  t.equal(withoutOurLines(traced.stderr()), withoutPid(bare.stderr()));
  t.match(traced.stderr(), /^otel-preload: warn: ES module imports are not traced, CommonJS requires are: the import hook could not be registered \(.+\)$/m);
  t.notMatch(traced.stderr(), /could not start/);
  const spans = await receiver.waitForSpans((all) => all.length >= 2);
  t.same(spans.map((span) => span.kind).sort(), ['client', 'server']);
});

t.test('--no-experimental-require-module: ES module imports are traced through the off-thread hook', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('esm-app', 'server.js'), { nodeArgs: ['--no-experimental-require-module', '--import', registerPath], withoutTapPreload: true, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/hello/flags')).status, 200);
  const [server] = await receiver.waitForSpans((all) => all.some((span) => span.kind === 'server'));
  const line = app.jsonLines().find((record) => record['msg'] === 'saying hello');
  t.equal(line?.['trace_id'], server?.traceId, 'the pino line of the imported pino carries the trace id');
  t.notMatch(app.stderr(), /warn|could not start/, app.stderr());
});
