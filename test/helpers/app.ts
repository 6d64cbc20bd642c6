// Spawns a fixture app under the built preload, the way a user runs it:
// `node --import <dist/register.js> app.js`, exporting to a test receiver.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createHttpServer, type IncomingHttpHeaders, request } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const registerPath = join(repoRoot, 'dist', 'register.js');
export const fixture = (...parts: string[]) => join(repoRoot, 'test', 'fixtures', ...parts);

export interface RunningApp {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every stdout line that parses as JSON (pino records, the port line). */
  jsonLines: () => Record<string, unknown>[];
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Node flags before the script; defaults to importing our preload. */
  nodeArgs?: string[];
  /** Wait for the `{"port":N}` line; false for apps that just run and exit. */
  waitForPort?: boolean;
  /**
   * Without tap's own preload, which tap injects into every process a test spawns
   * (through NODE_OPTIONS, whatever `env` says): it uses signal-exit, and kills on SIGTERM.
   */
  withoutTapPreload?: boolean;
  /** Working folder, where `--import <package>` is resolved from; defaults to ours. */
  cwd?: string;
  /** The node executable to run the app with (another Node line); defaults to the one running the tests. */
  node?: string;
}

/** The environment a test app gets: ours, minus any OTEL_* of the developer's shell, plus the test's. */
export function appEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_') && key !== 'NODE_OPTIONS') env[key] = value;
  return { ...env, OTEL_BSP_SCHEDULE_DELAY: '100', ...extra };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export function startApp(script: string, options: StartOptions = {}): Promise<RunningApp> {
  const args = [...(options.nodeArgs ?? ['--import', registerPath]), script];
  const node = options.node ?? process.execPath;
  if (process.env['TEST_VERBOSE']) process.stderr.write(`# running: ${node} ${args.join(' ')}\n`);
  const [command, commandArgs] = options.withoutTapPreload ? ['env', ['-u', 'NODE_OPTIONS', node, ...args]] : [node, args];
  const child = spawn(command, commandArgs, { cwd: options.cwd, env: appEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const jsonLines = (): Record<string, unknown>[] =>
    out.split('\n').flatMap((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return isRecord(parsed) ? [parsed] : [];
      } catch {
        return [];
      }
    });
  const app = { child, port: 0, stdout: () => out, stderr: () => err, exited, jsonLines };
  if (options.waitForPort === false) return Promise.resolve(app);
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in 20 s\nstdout: ${out}\nstderr: ${err}`)), 20_000);
    const check = () => {
      const portLine = jsonLines().find((line) => typeof line['port'] === 'number');
      if (portLine !== undefined) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolveStart({ ...app, port: portLine['port'] as number });
      }
    };
    child.stdout.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`app exited (${code ?? signal}) before listening\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export interface Response {
  status: number;
  body: string;
}

export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Stops the app (if still running) and waits for it; for t.teardown. */
export async function stop(app: RunningApp): Promise<void> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
  await app.exited;
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it gives something other than undefined or false, and returns that. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A backend that accepts connections and never answers; closed at the end of the test. */
export async function startBlackHole(t: { teardown(fn: () => void): void }): Promise<{ port: number; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, connections: () => sockets.length };
}

export interface Callee {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The headers of each request it got, in order. */
  received: IncomingHttpHeaders[];
}

/** The downstream service of an outgoing call: answers every request with `body` (JSON when it is not a string) and keeps its headers. */
export async function startCallee(t: { teardown(fn: () => unknown): void }, body: unknown): Promise<Callee> {
  const received: IncomingHttpHeaders[] = [];
  const server = createHttpServer((request, response) => {
    received.push(request.headers);
    if (typeof body !== 'string') response.setHeader('content-type', 'application/json');
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  t.teardown(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}
