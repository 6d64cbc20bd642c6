#!/usr/bin/env node
// Where the time goes: runs one case under one configuration with --cpu-prof and
// prints self time by package and by function. Profiles are kept in bench/profiles/.
//
//   node bench/profile.mjs <case> <config> [--seconds=10] [--env=KEY=VALUE ...]
//     case:   eval0 (node --import X -e 0) | listening (the CommonJS fixture until it listens)
//             | hello | db | read (autocannon load) | export (spans flat out)
//     config: bare | ours | official | dd-trace | edot
//   node bench/profile.mjs --summarise <file.cpuprofile> [--top=30]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { BENCH, CONFIGS, EXAMPLE, HELLO, PROBE, READ_ROUTE, ROOT, SPANS, configEnv, tracingEnv } from './lib/configs.mjs';
import { installCleanup, ipcClient, killAll, startApp, stop, track } from './lib/proc.mjs';
import { startReceiverProcess } from './lib/receiver.mjs';
import { dbRequest, helloRequest, readRequest } from './lib/routes.mjs';
import { prepareServices } from './lib/services.mjs';

const require = createRequire(import.meta.url);

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    summarise: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
  },
});

/** node_modules/<pkg> (or @scope/pkg), node internals, or the app. */
function owner(url) {
  if (!url) return '(native/VM)';
  if (url.startsWith('node:')) return 'node internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/')) return 'otel-preload (dist)';
  return url.replace(/^file:\/\//, '').replace(ROOT, '');
}

export function summarise(path, top = 30) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // Self time from samples/timeDeltas (more exact than hitCount × interval).
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPackage = new Map();
  const byFunction = new Map();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id);
    const pkg = ['(idle)', '(program)', '(garbage collector)', '(root)'].includes(callFrame.functionName) ? callFrame.functionName : owner(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const key = `${callFrame.functionName || '(anonymous)'}  ${owner(callFrame.url)}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const fmt = (entries) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${name}`)
      .join('\n');
  // Inclusive time: each sample counted once for every distinct function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map();
  for (const [id, micros] of self) {
    const onStack = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at);
      if (!callFrame.url) continue;
      onStack.add(`${callFrame.functionName || '(anonymous)'}  ${owner(callFrame.url)}:${callFrame.lineNumber + 1}`);
    }
    for (const key of onStack) inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
  const idle = byPackage.get('(idle)') ?? 0;
  return `profile ${path}: ${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms busy\n\nself time by package:\n${fmt(byPackage)}\n\nself time by function:\n${fmt(byFunction)}\n\ninclusive time by function (JS):\n${fmt(inclusive)}\n`;
}

/** The profiles written (the main thread's first, then e.g. the loader-hooks thread's), largest first. */
function written(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const thread = (f) => Number(/\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1] ?? 0);
  files.sort((a, b) => thread(a) - thread(b) || statSync(join(dir, b)).size - statSync(join(dir, a)).size);
  return files.map((f) => join(dir, f));
}

function cannon(port, route, seconds) {
  const autocannon = require('autocannon');
  return new Promise((resolve, reject) =>
    autocannon(
      { url: `http://127.0.0.1:${port}${route.path}`, method: route.method, headers: route.headers, body: route.body, connections: 10, duration: seconds },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}

async function main() {
  if (options.summarise) {
    process.stdout.write(summarise(options.summarise, Number(options.top)));
    return;
  }
  const [kase, configName] = positionals;
  const config = CONFIGS.find((c) => c.name === configName);
  if (!['eval0', 'listening', 'hello', 'db', 'read', 'export'].includes(kase) || !config) {
    throw new Error('usage: node bench/profile.mjs <eval0|listening|hello|db|read|export> <bare|ours|official|dd-trace|edot> [--seconds=N] [--env=K=V]');
  }
  installCleanup();
  const dir = join(BENCH, 'profiles', `${kase}-${configName}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'];
  const extra = Object.fromEntries(options.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const seconds = Number(options.seconds);
  const receiver = await startReceiverProcess();
  try {
    if (kase === 'eval0' || kase === 'listening') {
      const env = { ...configEnv(config, receiver, { PORT: '0' }), ...extra };
      const args = kase === 'eval0' ? [...prof, ...config.args, '-e', '0'] : [...prof, '--require', PROBE, ...config.args, HELLO];
      if (kase === 'eval0') {
        await new Promise((resolve) => track(spawn(process.execPath, args, { env, cwd: ROOT, stdio: 'inherit' })).once('exit', resolve));
      } else {
        const { child, startupMs } = await startApp(args, { env, cwd: ROOT, ipc: true, label: 'profile' });
        process.stderr.write(`listening after ${startupMs.toFixed(0)} ms (with the profiler on)\n`);
        await ipcClient(child)({ cmd: 'exit' });
        await new Promise((resolve) => child.once('exit', resolve));
      }
    } else if (kase === 'hello' || kase === 'db' || kase === 'read') {
      const services = kase !== 'hello' ? await prepareServices({ log: (m) => process.stderr.write(`${m}\n`) }) : {};
      const env = { ...configEnv(config, receiver, { PORT: '0', WORKER_MODE: 'off', ...services }), ...extra };
      const app = { hello: HELLO, db: EXAMPLE, read: READ_ROUTE }[kase];
      const args = [...prof, '--require', PROBE, ...(kase === 'db' ? config.esmArgs : config.args), app];
      const { child, port } = await startApp(args, { env, cwd: ROOT, stdout: 'file', ipc: true, label: 'profile' });
      const ask = ipcClient(child);
      const result = await cannon(port, { hello: helloRequest, db: dbRequest, read: readRequest }[kase], seconds);
      process.stderr.write(`${(result['2xx'] / result.duration).toFixed(0)} req/s (with the profiler on), p99 ${result.latency.p99} ms\n`);
      await ask({ cmd: 'flush' });
      await ask({ cmd: 'exit' });
      await new Promise((resolve) => child.once('exit', resolve));
    } else {
      const env = tracingEnv(receiver.grpcUrl, extra);
      const child = track(spawn(process.execPath, [...prof, ...config.args, SPANS], { env, cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      await new Promise((resolve) => child.on('message', (m) => m?.ready && resolve()));
      const ask = ipcClient(child);
      const r = await ask({ cmd: 'run', rate: 0, seconds }, 120_000);
      process.stderr.write(`created ${(r.created / r.seconds).toFixed(0)} spans/s\n`);
      child.send({ cmd: 'exit' });
      await new Promise((resolve) => child.once('exit', resolve));
      await stop(child);
    }
  } finally {
    await receiver.close();
    killAll();
  }
  const files = written(dir);
  if (files.length === 0) throw new Error(`no profile written in ${dir}`);
  process.stdout.write(summarise(files[0], Number(options.top)));
  if (files.length > 1) process.stdout.write(`\n(other threads' profiles: ${files.slice(1).join(', ')})\n`);
}

main().catch((error) => {
  killAll();
  process.stderr.write(`profile: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
