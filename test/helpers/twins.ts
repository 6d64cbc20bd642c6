// The same fixture app twice, bare and under the preload, for the hostile-* tests: each
// case acts on both the same way and requires the same answer, the same stdout and
// stderr (once our own lines are removed and what differs between any two runs is
// masked), and the same fate: alive and answering GET /health, or dead with the same
// exit code. A side that died is restarted for the next case.
//
// Fixtures answer GET /health, and GET /mark/<n> by writing `<hostile-mark n>` to
// stdout and to stderr (test/fixtures/hostile/mark.js), so that what one case made the
// app print is exactly what lies between two marks.
//
// HOSTILE_BARE_TWICE=1 runs the "traced" side bare too: every case must then pass,
// which shows that what the tests compare is deterministic. HOSTILE_DUMP=<folder> keeps
// both sides of each mismatch there; HOSTILE_SHOW=1 prints what the bare app answered
// and printed for each case.
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { request } from 'node:http';
import type { Test } from 'tap';
import { type Receiver, startReceiver } from '../../receiver/index.js';
import { registerPath, repoRoot, type RunningApp, startApp, stop, until } from './app.js';

export type SideName = 'bare' | 'traced';

export interface Side {
  name: SideName;
  app: RunningApp;
  /** stdout and stderr up to the end of the last mark line. */
  outAt: number;
  errAt: number;
  marks: number;
  starts: number;
}

export interface TwinOptions {
  env?: Record<string, string>;
  /** The node executable (another Node line); defaults to ours. */
  node?: string;
  /** A receiver shared with other twins; else one of their own. */
  receiver?: Receiver;
}

export interface Twins {
  script: string;
  bare: Side;
  traced: Side;
  receiver: Receiver;
  options: TwinOptions;
}

const bareTwice = process.env['HOSTILE_BARE_TWICE'] === '1';

async function launch(twins: Pick<Twins, 'script' | 'receiver' | 'options'>, name: SideName): Promise<RunningApp> {
  const traced = name === 'traced' && !bareTwice;
  return startApp(twins.script, {
    nodeArgs: traced ? ['--import', registerPath] : [],
    node: twins.options.node,
    // As in production: without the preload tap puts into every process a test spawns.
    withoutTapPreload: true,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: twins.receiver.grpcUrl, OTEL_SERVICE_NAME: 'hostile', ...twins.options.env },
  });
}

/** Starts the fixture bare and traced, side by side; both stopped at the end of the test. */
export async function startTwins(t: Test, script: string, options: TwinOptions = {}): Promise<Twins> {
  const receiver = options.receiver ?? (await startReceiver());
  if (options.receiver === undefined) t.teardown(() => receiver.close());
  const base = { script, receiver, options };
  const [bareApp, tracedApp] = await Promise.all([launch(base, 'bare'), launch(base, 'traced')]);
  const side = (name: SideName, app: RunningApp): Side => ({ name, app, outAt: 0, errAt: 0, marks: 0, starts: 1 });
  const twins: Twins = { ...base, bare: side('bare', bareApp), traced: side('traced', tracedApp) };
  t.teardown(async () => {
    await Promise.all([stop(twins.bare.app), stop(twins.traced.app)]);
  });
  // What each prints while starting, up to a first mark: the same lines (the port line and
  // a framework's own logger are two writers, not ordered with each other).
  const [bare, traced] = await Promise.all([observe(twins.bare, noAct), observe(twins.traced, noAct)]);
  t.ok(bare.alive && traced.alive, 'both started and answer /health');
  const sorted = (text: string) => text.split('\n').sort().join('\n');
  sameText(t, sorted(traced.stdout), sorted(bare.stdout), 'the same stdout while starting');
  sameText(t, sorted(traced.stderr), sorted(bare.stderr), 'the same stderr while starting');
  return twins;
}

/** A side that died, started again; what it prints while starting is passed over. */
async function restart(twins: Twins, side: Side): Promise<void> {
  await stop(side.app);
  side.app = await launch(twins, side.name);
  Object.assign(side, { outAt: 0, errAt: 0, marks: 0, starts: side.starts + 1 });
  await observe(side, noAct);
}

// ---------------------------------------------------------------- masking

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * Stack traces are compared by the app's own frames. Frames of the preload's code are
 * removed (dist/, the OpenTelemetry packages, the hooks, the context manager's
 * AsyncLocalStorage.run); each run of frames in libraries and Node itself becomes one
 * `at <library frames>`: wrapping instrumentations change the call chain inside a
 * framework (instrumentation-koa composes Koa's middleware anew), and Fastify calls a
 * handler from another line of its own when anyone subscribes to its diagnostics
 * channel. Where the app's frames sit, their order and every message stay compared;
 * fixtures raise Error.stackTraceLimit so that no app frame falls off the end.
 * Frames of Node's queue runners are removed too: code that continues after an `await`
 * runs under `runNextTicks`/`processTicksAndRejections` when a process.nextTick was
 * pending at that moment, and under no JavaScript frame otherwise. Which one depends on
 * what else the process had queued (a socket write of the exporter's, bare an app's
 * own), not on the app's call chain; seen as a trailing `at <library frames>` on one
 * side only of an async Express handler's error page. On Node 22 the runner is itself
 * called through `callbackTrampoline` (node:internal/async_hooks) when async hooks are
 * on, as the context manager's AsyncLocalStorage turns them on there and bare does not:
 * `runNextTicks`, `processImmediate`, `callbackTrampoline`, seen once in 800 answers.
 */
const FRAME_START = String.raw`(?:\n[ \t]*|<br>(?: &nbsp;)*)at (?:async )?(?:(?!<br>|<\/)[^\n])*?`;
const PRELOAD_CODE = [
  `${escapeRegExp(repoRoot)}/dist/`,
  'node_modules/@opentelemetry/',
  'node_modules/require-in-the-middle/',
  'node_modules/import-in-the-middle/',
  'node:internal/async_local_storage/',
].join('|');
const FRAME_REST = String.raw`(?:(?!<br>|<\/)[^\n])*`;
const PRELOAD_FRAME = new RegExp(`${FRAME_START}(?:${PRELOAD_CODE})${FRAME_REST}`, 'g');
const QUEUE_RUNNER_FRAME = new RegExp(`${FRAME_START}\\(node:internal/(?:process/task_queues|timers|async_hooks):${FRAME_REST}`, 'g');
const LIBRARY_FRAMES = new RegExp(`(?:${FRAME_START}(?:node_modules/|(?<=[( ])node:|\\((?:<|&lt;)anonymous(?:>|&gt;)\\)|\\(native\\))${FRAME_REST})+`, 'g');
const collapseLibraryFrames = (run: string) => `${/^(?:\n[ \t]*|<br>(?: &nbsp;)*)/.exec(run)?.[0] ?? ''}at <library frames>`;
const HTTP_DATE = /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/g;

/** Pino keys that differ between any two runs, or that only the preload's log correlation adds. */
const VOLATILE_KEYS = new Set(['port', 'time', 'pid', 'hostname', 'trace_id', 'span_id', 'trace_flags', 'responseTime', 'remotePort', 'reqId']);

/**
 * What anything that observes a request inevitably changes in Node's own objects, seen
 * when an app prints one (console.error of an error holding the request): the socket's
 * cached peer address (read for client.address). Properties the preload adds of its own
 * are not masked (it adds none the app can see: sdk/http-server/in-flight.ts `hide`),
 * nor listeners (it adds none to the request or response).
 */
const OBSERVED_REQUEST = [
  /\n[ \t]*_peername: (?:\[Object\]|\{[^}]*\}),?/g,
];

/**
 * Node 22's AsyncLocalStorage keeps its store on the async resources it ran in (the
 * socket's handle, the parser's resource), under a symbol of its own: what any user of
 * it changes in Node's objects. The property is taken out of a printed object, with
 * its value when that spans lines, and so is the comma it leaves behind.
 */
function withoutResourceStores(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = /^([ \t]*)\[Symbol\(kResourceStore\)\]: /.exec(lines[i] ?? '');
    if (start === null) {
      kept.push(lines[i] ?? '');
      continue;
    }
    const indent = start[1] ?? '';
    let last = i;
    if (/[{[]$/.test(lines[i] ?? '')) while (last + 1 < lines.length && !new RegExp(`^${indent}[}\\]],?$`).test(lines[last] ?? '')) last += 1;
    const trailingComma = /,$/.test(lines[last] ?? '');
    if (!trailingComma && kept.length > 0) kept[kept.length - 1] = (kept[kept.length - 1] ?? '').replace(/,$/, '');
    i = last;
  }
  return kept.join('\n');
}

/**
 * The one trace of the preload an app can see, on purpose (docs/what-it-records.md):
 * Fastify's route and error hooks, added through its own `fastify.initialization`
 * channel, are listed in Fastify's route context when an app prints a Fastify request
 * whole (NestJS on Fastify logs the object holding it). Our two hook functions are
 * taken out, and every `onError` list of that context reads the same.
 */
const FASTIFY_HOOKS = [/\n[ \t]*\[Function: (?:bound )?otelPreload(?:Route|Errors)\],?/g] as const;
const FASTIFY_ON_ERROR = /onError: (?:null|\[\]|\[Array\]|\[\s*\])/g;

/** What differs between any two runs of the same app, bare or not, masked; the preload's stack frames removed. */
export function maskText(text: string): string {
  let masked = text;
  for (const pattern of [...OBSERVED_REQUEST, ...FASTIFY_HOOKS]) masked = masked.replace(pattern, '');
  masked = withoutResourceStores(masked);
  masked = masked.replace(FASTIFY_ON_ERROR, 'onError: <hooks>');
  return masked
    .replace(PRELOAD_FRAME, '')
    .replace(QUEUE_RUNNER_FRAME, '')
    .replace(LIBRARY_FRAMES, collapseLibraryFrames)
    .replace(/\/mark\/\d+/g, '/mark/<n>')
    .replace(HTTP_DATE, '<date>')
    .replace(/\(node:\d+\)/g, '(node:<pid>)')
    .replace(/\[Nest\] \d+/g, '[Nest] <pid>')
    .replace(/\d{2}\/\d{2}\/\d{4}, \d{1,2}:\d{2}:\d{2} [AP]M/g, '<time>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>')
    .replace(/\+\d+ms/g, '+<n>ms')
    .replace(/(127\.0\.0\.1|localhost|\[::1\]|::ffff:127\.0\.0\.1):\d+/g, '$1:<port>')
    .replace(/(Symbol\((?:async_id_symbol|trigger_async_id_symbol|asyncId|triggerId)\)\S*: \S*?)\d+/g, '$1<id>')
    .replace(/(_idleStart: \S*?)\d+/g, '$1<n>');
}

function maskJson(value: unknown): unknown {
  // Fastify's request ids (req-1, req-2, …) count the requests of one process.
  if (typeof value === 'string') return /^req-[0-9a-z]+$/.test(value) ? 'req-<n>' : maskText(value);
  if (Array.isArray(value)) return value.map(maskJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (!VOLATILE_KEYS.has(key)) out[key] = maskJson(inner);
    return out;
  }
  return value;
}

/** An app's output: our own lines dropped, JSON lines (pino) with volatile keys removed, the rest masked. */
export function maskOutput(text: string): string {
  const lines = text
    .split('\n')
    .filter((line) => !line.startsWith('otel-preload:'))
    .map((line) => {
      if (!line.startsWith('{')) return line;
      try {
        return JSON.stringify(maskJson(JSON.parse(line)));
      } catch {
        return line;
      }
    });
  return maskText(lines.join('\n'));
}

// ---------------------------------------------------------------- comparing

/** Where two long texts first differ, with some lines around; for messages. */
export function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  const clip = (line: string | undefined) => (line === undefined ? '<none>' : JSON.stringify(line.length > 300 ? `${line.slice(0, 300)}…(${line.length} chars)` : line));
  const around = (lines: string[]) => lines.slice(Math.max(0, i - 2), i + 3).map(clip).join('\n      ');
  return `first difference at line ${i + 1} (traced has ${a.length} lines, bare ${e.length}):\n    traced:\n      ${around(a)}\n    bare:\n      ${around(e)}`;
}

/** HOSTILE_DUMP=<folder> keeps both texts of each mismatch there, to diff them whole. */
function dump(message: string, actual: string, expected: string): void {
  const folder = process.env['HOSTILE_DUMP'];
  if (folder === undefined || folder === '') return;
  const name = message.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 150);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.traced`), actual);
  writeFileSync(join(folder, `${name}.bare`), expected);
}

/** Why two texts differ (where they part, not a megabyte-long diff); undefined when equal. */
export function textDifference(actual: string, expected: string, message: string): string | undefined {
  if (actual === expected) return undefined;
  dump(message, actual, expected);
  return firstDifference(actual, expected);
}

/** Equal texts, or a failure that shows where they part. */
export function sameText(t: Test, actual: string, expected: string, message: string): boolean {
  const difference = textDifference(actual, expected, message);
  return difference === undefined ? t.pass(message) : t.fail(`${message}\n  ${difference}`);
}

const describe = (value: unknown): string => {
  const text = JSON.stringify(value, null, 1) ?? String(value);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
};

/** Why two structured values (answers) differ, compared by JSON text; undefined when equal. */
export function valueDifference(actual: unknown, expected: unknown, message: string): string | undefined {
  const a = JSON.stringify(actual, null, 1) ?? 'undefined';
  const e = JSON.stringify(expected, null, 1) ?? 'undefined';
  if (a === e) return undefined;
  dump(message, a, e);
  return `traced: ${describe(actual)}\n  bare:   ${describe(expected)}\n  ${firstDifference(a, e)}`;
}

// ---------------------------------------------------------------- acting

/** An HTTP answer as a client sees it: status, every header but Date, body; masked. */
export interface Answer {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  /** The request failed (socket hang up, reset, …) instead. */
  error?: string;
  /** Nothing came back within the timeout. */
  noAnswerWithinMs?: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** One request on a fresh connection; never hangs: no answer within the timeout is an answer of its own. */
export function fetchAnswer(port: number, path: string, options: RequestOptions = {}): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => settle({ noAnswerWithinMs: timeoutMs }), timeoutMs);
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error: NodeJS.ErrnoException) => settle({ error: `response: ${error.code ?? error.message}` }));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string | string[] | undefined> = {};
        for (const [key, value] of Object.entries(res.headers)) if (key !== 'date') headers[key] = value;
        // The body is compared masked (our stack frames out of an error page): its length, as consistent with it.
        const length = res.headers['content-length'];
        if (length !== undefined) headers['content-length'] = length === String(body.length) ? "<the body's length>" : `${length} for a body of ${body.length} bytes`;
        settle({ status: res.statusCode, headers, body: maskText(body.toString('utf8')) });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
    req.end(options.body);
  });
}

/**
 * Writes raw bytes on a new connection and returns every byte that comes back
 * until the server closes it (Date headers masked). `end: true` half-closes after
 * writing, so that even an unfinished request gets a definite end. A server that
 * neither answers nor closes within the timeout is reported as such, never waited on.
 */
export function rawExchange(port: number, bytes: Buffer | Buffer[], options: { timeoutMs?: number; end?: boolean } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (suffix: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1').replace(HTTP_DATE, '<date>') + suffix);
    };
    const timer = setTimeout(() => settle(`\n<the server neither answered nor closed within ${timeoutMs} ms>`), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => settle(''));
    socket.on('close', () => settle(''));
    socket.on('error', (error: NodeJS.ErrnoException) => settle(`\n<socket error ${error.code ?? error.message}>`));
    socket.on('connect', () => {
      for (const part of Array.isArray(bytes) ? bytes : [bytes]) socket.write(part);
      if (options.end === true) socket.end();
    });
  });
}

// ---------------------------------------------------------------- one case

export interface Observed {
  /** What the client saw (already masked). */
  answer: unknown;
  /** Answering GET /health afterwards. */
  alive: boolean;
  /** How it ended, when it did. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** What the app printed meanwhile, masked. */
  stdout: string;
  stderr: string;
}

/** What a case does with one side; given that side's port and running app. */
export type Act = (port: number, app: RunningApp) => Promise<unknown>;

const noAct: Act = () => Promise.resolve(undefined);

const isHealthy = async (port: number) => (await fetchAnswer(port, '/health', { timeoutMs: 10_000 })).status === 200;

const closed = (app: RunningApp) => app.child.stdout?.closed !== false && app.child.stderr?.closed !== false;

async function observe(side: Side, act: Act): Promise<Observed> {
  const app = side.app;
  const answer = await act(app.port, app);
  let alive = await isHealthy(app.port);
  if (alive) {
    const n = ++side.marks;
    const mark = await fetchAnswer(app.port, `/mark/${n}`);
    if (mark.status === 200) {
      const text = `<hostile-mark ${n}>`;
      // The segment ends where the mark's line starts; the next starts after it.
      const find = (all: string, from: number) => {
        const at = all.indexOf(text, from);
        const end = at < 0 ? -1 : all.indexOf('\n', at);
        return end < 0 ? undefined : { start: all.lastIndexOf('\n', at) + 1, next: end + 1 };
      };
      await until(`${side.name}: mark ${n} on stdout and stderr`, () => find(app.stdout(), side.outAt) !== undefined && find(app.stderr(), side.errAt) !== undefined, 10_000);
      const out = find(app.stdout(), side.outAt) as { start: number; next: number };
      const err = find(app.stderr(), side.errAt) as { start: number; next: number };
      const observed = { answer, alive, stdout: maskOutput(app.stdout().slice(side.outAt, out.start)), stderr: maskOutput(app.stderr().slice(side.errAt, err.start)) };
      side.outAt = out.next;
      side.errAt = err.next;
      return observed;
    }
    alive = false;
  }
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([app.exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 10_000)))]);
  clearTimeout(timer);
  if (exit !== undefined) await until(`${side.name}: its output to end`, () => closed(app), 5_000).catch(() => undefined);
  return {
    answer,
    alive: false,
    exit: exit ?? { code: null, signal: null },
    stdout: maskOutput(app.stdout().slice(side.outAt)),
    stderr: maskOutput(app.stderr().slice(side.errAt)),
  };
}

export interface CompareOptions {
  /** Compare stdout (default true). */
  stdout?: boolean;
  /** Start a side that died again, for the next case (default true). */
  restart?: boolean;
}

export interface Check {
  message: string;
  /** Why it failed; undefined when it held. */
  failure?: string;
}

export interface Compared {
  bare: Observed;
  traced: Observed;
  checks: Check[];
  /** The checks that failed, as text. */
  failures: string[];
}

/**
 * One hostile case on both sides at once: the same answer, the same output, the same
 * fate. A side left dead (or not answering) is restarted for the next case.
 */
export async function compareOnBoth(twins: Twins, label: string, act: Act, options: CompareOptions = {}): Promise<Compared> {
  const [bare, traced] = await Promise.all([observe(twins.bare, act), observe(twins.traced, act)]);
  const checks: Check[] = [{ message: `${label}: the client gets the same answer`, failure: valueDifference(traced.answer, bare.answer, `${label}: the client gets the same answer`) }];
  if (bare.alive) {
    checks.push({ message: `${label}: still alive and answering /health afterwards`, failure: traced.alive ? undefined : `it died: exit ${describe(traced.exit)}; stderr:\n${traced.stderr.slice(-3000)}` });
  } else {
    checks.push({ message: `${label}: dies as the bare app does`, failure: traced.alive ? 'still alive' : undefined });
    checks.push({ message: `${label}: with the same exit code and signal`, failure: valueDifference(traced.exit, bare.exit, `${label}: exit`) });
  }
  if (options.stdout !== false) checks.push({ message: `${label}: the same stdout`, failure: textDifference(traced.stdout, bare.stdout, `${label}: the same stdout`) });
  checks.push({ message: `${label}: the same stderr`, failure: textDifference(traced.stderr, bare.stderr, `${label}: the same stderr`) });
  const dead = [bare.alive ? undefined : twins.bare, traced.alive ? undefined : twins.traced].filter((side) => side !== undefined);
  if (options.restart !== false) await Promise.all(dead.map((side) => restart(twins, side)));
  const failures = checks.filter((check) => check.failure !== undefined).map((check) => `${check.message}\n  ${check.failure}`);
  return { bare, traced, checks, failures };
}

/** compareOnBoth, each check a tap assertion. */
export async function sameOnBoth(t: Test, twins: Twins, label: string, act: Act, options: CompareOptions = {}): Promise<Compared> {
  const compared = await compareOnBoth(twins, label, act, options);
  if (process.env['HOSTILE_SHOW'] !== undefined) t.comment(`${label}: ${JSON.stringify(compared.bare.answer).slice(0, 400)}\n${compared.bare.stdout.slice(0, 1500)}`);
  for (const { message, failure } of compared.checks) {
    if (failure === undefined) t.pass(message);
    else t.fail(`${message}\n  ${failure}`);
  }
  return compared;
}

// ---------------------------------------------------------------- clients that go away

/** A raw connection the test holds open, reads from and abandons when it chooses. */
export interface RawClient {
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves once `predicate` holds over what was received; false (never a hang) after the timeout or when the connection ends first. */
  waitFor(predicate: (received: string) => boolean, timeoutMs?: number): Promise<boolean>;
  write(bytes: Buffer | string): void;
  /** Abandons the connection at once (a reset, as a client that crashed or navigated away). */
  destroy(): void;
}

/** `readAtMost`: stop reading once that many bytes came (what the server still sends waits in the buffers), as a client that stopped reading does. */
export function openRaw(port: number, { readAtMost = Infinity }: { readAtMost?: number } = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let ended = false;
    const listeners = new Set<() => void>();
    const notify = () => {
      for (const listener of [...listeners]) listener();
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.length >= readAtMost) socket.pause();
      notify();
    });
    socket.on('close', () => {
      ended = true;
      notify();
    });
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        received: () => text,
        write: (bytes) => socket.write(bytes),
        destroy: () => socket.resetAndDestroy(),
        waitFor: (predicate, timeoutMs = 10_000) =>
          new Promise((resolveWait) => {
            const check = () => {
              if (!predicate(text) && !ended) return;
              listeners.delete(check);
              clearTimeout(timer);
              resolveWait(predicate(text));
            };
            const timer = setTimeout(() => {
              listeners.delete(check);
              resolveWait(false);
            }, timeoutMs);
            listeners.add(check);
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** How many stdout lines of the app carry this pino message. */
export function logCount(app: RunningApp, message: string): number {
  return app.stdout().split(`"msg":${JSON.stringify(message)}`).length - 1;
}

/** Waits (10 s at most) until the app has logged `message` more than `before` times; the outcome, for the answer. */
export async function loggedAgain(app: RunningApp, message: string, before: number): Promise<string> {
  try {
    await until(`the app to log "${message}"`, () => logCount(app, message) > before, 10_000);
    return `logged "${message}"`;
  } catch {
    return `did not log "${message}" within 10 s`;
  }
}
