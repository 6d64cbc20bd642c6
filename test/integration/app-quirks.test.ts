// Apps that do unusual things with what the preload touches: a request's `emit`, the
// end of the event loop, a stderr nobody reads, an error's message changed before its
// stack is read, a global removed. Each runs bare and traced and must print and end
// the same; what it does is traced.
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { type Receiver, startReceiver } from '../../receiver/index.js';
import { appEnv, fixture, registerPath, startApp } from '../helpers/app.js';

const OURS = /^otel-preload: .*\n/gm;

interface Run {
  exit: { code: number | null; signal: NodeJS.Signals | null };
  stdout: string;
  stderr: string;
}

async function run(script: string, traced: boolean, env: Record<string, string>): Promise<Run> {
  const app = await startApp(script, { nodeArgs: traced ? ['--import', registerPath] : [], waitForPort: false, env, withoutTapPreload: true });
  const exit = await app.exited;
  return { exit, stdout: app.stdout(), stderr: traced ? app.stderr().replace(OURS, '') : app.stderr() };
}

/** A receiver of the test's own, and the fixture run bare and traced (exporting to it) side by side, with the same exit required. */
async function bareAndTraced(t: Test, script: string, env: Record<string, string> = {}): Promise<{ bare: Run; traced: Run; receiver: Receiver }> {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const withEndpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, ...env };
  const [bare, traced] = await Promise.all([run(script, false, withEndpoint), run(script, true, withEndpoint)]);
  t.same(traced.exit, bare.exit, 'the same exit');
  return { bare, traced, receiver };
}

t.test("a request's emit: the app's own kept, misuses answered as EventEmitter's, one frame of ours under a listener", async (t) => {
  const { bare, traced, receiver } = await bareAndTraced(t, fixture('quirks', 'emitters.js'));
  t.equal(traced.stdout, bare.stdout, 'the same outcomes, and the same stack frames outside our files');
  t.match(bare.stdout, /own emit of the request: end\nown emit of the response: finish/, "the custom classes' own emit ran");
  t.match(bare.stdout, /on an object made from the request returned false/);
  t.match(traced.stderr, /^frames of the preload: 1$/m, 'a listener run in the request context has one frame of ours above it');
  const spans = await receiver.waitForSpans((all) => all.filter((span) => span.kind === 'server').length >= 3);
  t.equal(spans.filter((span) => span.kind === 'server').length, 3, 'each request has its server span, the custom classes too');
});

t.test("'beforeExit': the app's listener runs as often as bare, and the spans are flushed", async (t) => {
  for (const [moreWork, expected] of [
    ['0', 'got 200\nbeforeExit 1 0\nexit 0\n'],
    ['1', 'got 200\nbeforeExit 1 0\nmore work\nbeforeExit 2 0\nexit 0\n'],
  ] as const) {
    const { bare, traced, receiver } = await bareAndTraced(t, fixture('quirks', 'before-exit.js'), { OTEL_BSP_SCHEDULE_DELAY: '60000', MORE_WORK: moreWork });
    t.equal(bare.stdout, expected, `MORE_WORK=${moreWork}: bare`);
    t.equal(traced.stdout, bare.stdout, `MORE_WORK=${moreWork}: traced`);
    t.equal(traced.stderr, bare.stderr);
    const spans = await receiver.waitForSpans((all) => all.length >= 2);
    t.same(spans.map((span) => span.kind).sort(), ['client', 'server'], `MORE_WORK=${moreWork}: the spans arrive`);
  }
});

/** The script run with a stderr whose reader is gone before the app writes to it. */
function withStderrUnread(script: string, traced: boolean, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  // Without tap's preload (see startApp's withoutTapPreload).
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, ...(traced ? ['--import', registerPath] : []), script], { env: appEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.destroy();
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}

t.test('a stderr nobody reads: our lines are dropped, not an EPIPE that ends the app', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl };
  const bare = await withStderrUnread(fixture('quirks', 'quiet.js'), false, env);
  const traced = await withStderrUnread(fixture('quirks', 'quiet.js'), true, env);
  t.same(bare, { code: 0, stdout: 'done 200\n' });
  t.same(traced, bare, 'our start-up line could not be written, and the app ends as bare');
  const spans = await receiver.waitForSpans((all) => all.length >= 2);
  t.same(spans.map((span) => span.kind).sort(), ['client', 'server'], 'the spans are sent');
});

t.test('no global Buffer: the app runs as bare', async (t) => {
  // Our own code takes Buffer from node:buffer; the exporter's gRPC stack needs the global, and its failure is one warning of ours.
  const { bare, traced } = await bareAndTraced(t, fixture('quirks', 'quiet.js'), { DELETE_BUFFER: '1' });
  t.same(traced, bare);
});

t.test("an error handler that changes the message before it reads the stack: the app's stack, and the event has it too", async (t) => {
  const { bare, traced, receiver } = await bareAndTraced(t, fixture('frameworks', 'error-message.js'));
  t.equal(traced.stdout, bare.stdout);
  t.equal(bare.stdout, 'Error: GET /express failed: db timeout\n/express 500\nError: GET /fastify failed: db timeout\n/fastify 500\n');
  const spans = await receiver.waitForSpans((all) => all.filter((span) => span.kind === 'server').length >= 2);
  for (const path of ['/express', '/fastify']) {
    const server = spans.find((span) => span.kind === 'server' && span.name === `GET ${path}`);
    const exception = server?.events.find((event) => event.name === 'exception');
    t.equal(exception?.attributes['exception.message'], `GET ${path} failed: db timeout`, `${path}: the message as the app left it`);
    t.match(String(exception?.attributes['exception.stacktrace']), new RegExp(`^Error: GET ${path} failed: db timeout\\n`), `${path}: the stack as the app read it`);
  }
});

t.test('outgoing requests leave as the app sends them: https defaultPort, raw header arrays, its own traceparent on fetch', async (t) => {
  const { bare, traced, receiver } = await bareAndTraced(t, fixture('quirks', 'outgoing.js'));
  t.equal(traced.stdout, bare.stdout, 'the same ports reached and the same headers received');
  t.match(bare.stdout, /defaultPort in the options: secure\n.*defaultPort of the agent: secure\nraw header array: \[\["Host","example\.test"\]/);
  t.equal(traced.stderr, bare.stderr);
  const spans = await receiver.waitForSpans((all) => all.filter((span) => span.kind === 'server').length >= 4);
  const clients = spans.filter((span) => span.kind === 'client');
  t.equal(clients.length, 2, 'the two https requests traced; the raw header array and the fetch with its own traceparent not');
  const ports = clients.map((span) => Number(span.attributes['server.port']));
  t.ok(ports[0] !== 443 && ports[0] === ports[1], `server.port is the port used (${ports.join(', ')})`);
  const own = spans.find((span) => span.kind === 'server' && span.attributes['url.path'] === '/own');
  t.equal(own?.traceId, '0af7651916cd43dd8448eb211c80319c', "the fetch's server side continues the app's own trace");
});
