// Child processes: every one the bench starts is tracked here and killed on the way
// out, whatever happens (normal end, an exception, Ctrl-C).
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set();
let scratch;

/** A private temporary directory for app logs, removed at exit. */
export function scratchDir() {
  scratch ??= mkdtempSync(join(tmpdir(), 'otel-preload-bench-'));
  return scratch;
}

export function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  if (scratch) {
    rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  }
}

let installed = false;
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAll();
      process.stderr.write(`\nbench: interrupted by ${signal}\n`);
      process.exit(130);
    });
  }
}

/** Node's own flags and the environment every child gets: no inherited NODE_OPTIONS or OTEL_*. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key.startsWith('OTEL_') || key.startsWith('npm_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills a child and waits until it is gone. */
export function stop(child, signal = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      child.kill(signal);
    } catch {
      resolve();
    }
  });
}

function tail(text, lines = 15) {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Runs `node <args>` to completion; resolves with the wall time in ms from spawn to exit.
 * Rejects on a non-zero exit or after `timeoutMs`.
 */
export function timeToExit(nodeArgs, { env, cwd, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(spawn(process.execPath, nodeArgs, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${nodeArgs.join(' ')} did not exit within ${timeoutMs} ms\n${tail(stderr)}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${nodeArgs.join(' ')} exited with ${code ?? signal}\n${tail(stderr)}`));
    });
    child.once('error', reject);
  });
}

/**
 * Starts an app that prints a (pino) JSON line with msg "listening" and a `port`.
 * Resolves with { child, port, startupMs } where startupMs is spawn → that line.
 *
 * stdout: 'pipe' (exact timing; for apps that log little) or 'file' (the app's
 * stdout goes to a file and is polled: an app logging every request under load must
 * never block on a pipe the busy orchestrator is slow to drain).
 * ipc: adds an IPC channel (the memory/flush probe answers on it).
 */
export function startApp(nodeArgs, { env, cwd, stdout = 'pipe', ipc = false, timeoutMs = 30_000, label = 'app' }) {
  return new Promise((resolve, reject) => {
    let logPath;
    let logFd;
    let out;
    if (stdout === 'file') {
      logPath = join(scratchDir(), `${label.replace(/[^\w.-]+/g, '_')}-${process.hrtime.bigint()}.log`);
      logFd = openSync(logPath, 'w');
      out = logFd;
    } else {
      out = 'pipe';
    }
    const stdio = ['ignore', out, 'pipe', ...(ipc ? ['ipc'] : [])];
    const started = performance.now();
    const child = track(spawn(process.execPath, nodeArgs, { env, cwd, stdio }));
    if (logFd !== undefined) closeSync(logFd);
    let stderr = '';
    let stdoutText = '';
    let settled = false;
    let poll;
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8000)));
    const finish = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve(value);
    };
    const look = (text, at) => {
      for (const line of text.split('\n')) {
        if (!line.includes('listening')) continue;
        try {
          const record = JSON.parse(line);
          if (record.msg === 'listening' && Number.isInteger(record.port)) {
            finish(undefined, { child, port: record.port, startupMs: at - started, stderr: () => stderr, logPath });
            return;
          }
        } catch {
          // not JSON: keep looking
        }
      }
    };
    if (stdout === 'pipe') {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        const at = performance.now();
        if (settled) return; // keep draining, discard
        stdoutText += chunk;
        look(stdoutText, at);
      });
    } else {
      poll = setInterval(() => {
        let text;
        try {
          text = readFileSync(logPath, 'utf8');
        } catch {
          return;
        }
        look(text, performance.now());
      }, 5);
    }
    const timer = setTimeout(() => {
      const shown = stdout === 'file' ? safeRead(logPath) : stdoutText;
      finish(new Error(`${label}: no "listening" line within ${timeoutMs} ms\nstdout: ${tail(shown)}\nstderr: ${tail(stderr)}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      const shown = stdout === 'file' ? safeRead(logPath) : stdoutText;
      finish(new Error(`${label} exited (${code ?? signal}) before listening\nstdout: ${tail(shown)}\nstderr: ${tail(stderr)}`));
    });
    child.once('error', (error) => finish(error));
  });
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Request/reply over a child's IPC channel: send { id, ...message }, await the reply with that id. */
export function ipcClient(child) {
  let next = 1;
  const pending = new Map();
  child.on('message', (message) => {
    if (message && typeof message === 'object' && pending.has(message.id)) {
      const { resolve } = pending.get(message.id);
      pending.delete(message.id);
      resolve(message);
    }
  });
  child.once('exit', () => {
    for (const { reject } of pending.values()) reject(new Error('the child exited before answering'));
    pending.clear();
  });
  return (message, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no answer to ${JSON.stringify(message)} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ id, ...message });
    });
}
