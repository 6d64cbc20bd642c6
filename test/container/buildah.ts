// Running the image without a Docker engine: scripts/container/* drive Debian's buildah
// (vfs storage, chroot isolation) on a private image store under the cache. With chroot
// isolation a container shares the host's network and PID namespaces, so an app inside
// listens on the host's loopback and its PID is a host PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/app.js';

export const scripts = join(repoRoot, 'scripts', 'container');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each stderr line as it arrives (progress of the slow steps). */
  onStderrLine?: (line: string) => void;
}

/** Runs a command to completion, collecting its output. Never rejects on a non-zero exit. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      if (options.onStderrLine === undefined) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine(line);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
}

/** `buildah <args>` on our image store. */
export const buildah = (args: string[], options?: RunOptions) => run(join(scripts, 'buildah'), args, options);

/** The last lines of a text, for failure messages. */
export const tail = (text: string, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** For an assertion's diagnostics (tap prints them when it fails). */
export const diagnostics = (result: Finished) => ({ exit: result.code ?? result.signal, stdout: tail(result.stdout), stderr: tail(result.stderr) });

export function describe(what: string, result: Finished): string {
  return `${what}: exit ${result.code ?? result.signal}\n--- stdout (tail)\n${tail(result.stdout)}\n--- stderr (tail)\n${tail(result.stderr)}`;
}

/** Runs a command and resolves with its stdout; rejects with both outputs' tails otherwise. */
export async function mustRun(command: string, args: string[], options?: RunOptions): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(describe(`${command} ${args.join(' ')}`, result));
  return result.stdout;
}

let containers = 0;

/** A working container from `image`; remove it with `removeContainer`. */
export async function createContainer(image: string): Promise<string> {
  const name = `otel-preload-test-${process.pid}-${++containers}`;
  await mustRun(join(scripts, 'buildah'), ['from', '--pull=never', '--quiet', '--name', name, image]);
  return name;
}

export async function removeContainer(name: string): Promise<void> {
  await buildah(['rm', name]);
}

export interface InContainer {
  /** Environment variables for the command (`buildah run -e`). */
  env?: Record<string, string>;
  /** host path -> container path, read-only unless the container path ends in `:rw`. */
  volumes?: Record<string, string>;
  user?: string;
  /** Capabilities to add (e.g. CAP_SYS_ADMIN, for unshare inside the container). */
  capAdd?: string[];
}

/** `buildah run` arguments: host network (the test's receiver is on loopback), our env and volumes. */
export function runArgs(container: string, command: string[], options: InContainer = {}): string[] {
  const args = ['run', '--isolation', 'chroot', '--network', 'host'];
  for (const [key, value] of Object.entries(options.env ?? {})) args.push('--env', `${key}=${value}`);
  for (const [host, inside] of Object.entries(options.volumes ?? {})) {
    args.push('--volume', inside.endsWith(':rw') ? `${host}:${inside}` : `${host}:${inside}:ro`);
  }
  if (options.user !== undefined) args.push('--user', options.user);
  for (const capability of options.capAdd ?? []) args.push('--cap-add', capability);
  return [...args, container, '--', ...command];
}

/** Runs a command inside the container to completion. */
export const runIn = (container: string, command: string[], options?: InContainer) => buildah(runArgs(container, command, options));

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** stdout lines that parse as JSON objects. */
  jsonLines: () => Record<string, unknown>[];
  exited: Promise<Finished>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Starts a long-running command inside the container. */
export function startIn(container: string, command: string[], options?: InContainer): Running {
  const child = spawn(join(scripts, 'buildah'), runArgs(container, command, options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<Finished>((resolveExit) =>
    child.on('close', (code, signal) => resolveExit({ code, signal, stdout: out, stderr: err })),
  );
  const jsonLines = () =>
    out.split('\n').flatMap((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return isRecord(value) ? [value] : [];
      } catch {
        return [];
      }
    });
  return { child, stdout: () => out, stderr: () => err, jsonLines, exited };
}

/** Resolves with the first JSON stdout line that has `key`; rejects if the command ends first or after `timeoutMs`. */
export function waitForLine(running: Running, key: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return new Promise((resolveLine, reject) => {
    const found = () => running.jsonLines().find((line) => key in line);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`no stdout line with "${key}" after ${timeoutMs} ms\n--- stdout\n${tail(running.stdout())}\n--- stderr\n${tail(running.stderr())}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const line = found();
      if (line === undefined) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolveLine(line);
    }, 50);
    void running.exited.then((result) => {
      const line = found();
      if (line !== undefined) return;
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(describe('the command in the container ended before printing its line', result)));
    });
  });
}

/**
 * The host PID of the process whose environment holds `marker` (NAME=value) and which is
 * PID `namespacePid` in its own PID namespace (the last NSpid field of /proc/<pid>/status).
 */
export function hostPidOf(marker: string, namespacePid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) continue;
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]?.trim().split(/\s+/);
      if (nspid !== undefined && nspid.length > 1 && Number(nspid[nspid.length - 1]) === namespacePid) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

/** Whether a (host) PID is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a command started with startIn: SIGKILL to `pid` (a host PID) if given, then to buildah. */
export async function stopIn(running: Running, pid?: number): Promise<Finished> {
  if (running.child.exitCode === null && running.child.signalCode === null) {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 5000);
    const result = await running.exited;
    clearTimeout(timer);
    return result;
  }
  return running.exited;
}
