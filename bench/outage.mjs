#!/usr/bin/env node
// node bench/outage.mjs [--seconds=N] [--rounds=N] [--rate=N] [--connections=N] [--out=FILE]
//
// Latency and throughput of a service while its trace backend is down, against the
// same service with the backend up. Each round: the bare app (reference), then one
// run of the app under our preload through the phases, under autocannon all along;
// each phase is measured twice, flat out (throughput) and at a steady --rate
// requests/s (latency as a service below saturation sees it):
//   healthy    the backend up
//   black hole the backend replaced by a listener that accepts and never answers
//              (exports hang until their timeout; the queue fills and drops)
//   down       nothing listens (exports are refused at once)
//   recovered  the backend up again, measured once spans flow again
// Prints a Markdown table (medians over the rounds, min–max in brackets) and writes
// it to bench/OUTAGE.md. Needs a build (dist/). Nothing asserts on the numbers; the
// tests prove the behaviour (test/integration/outage-under-load.test.ts).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HELLO, OURS_SPECIFIER, PROBE, ROOT, tracingEnv } from './lib/configs.mjs';
import { cleanEnv, installCleanup, ipcClient, killAll, startApp, stop, track } from './lib/proc.mjs';
import { MB, ratio, spread, summary } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const BACKEND = fileURLToPath(new URL('./fixtures/outage-backend.mjs', import.meta.url));
const OUT = fileURLToPath(new URL('./OUTAGE.md', import.meta.url));

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    rate: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    out: { type: 'string', default: OUT },
  },
});
const seconds = Number(options.seconds);
const rounds = Number(options.rounds);
const connections = Number(options.connections);
const rate = Number(options.rate);
const warmupSeconds = Math.min(5, seconds);
const log = (line) => process.stderr.write(`${line}\n`);

const PHASES = ['bare (no preload)', 'healthy', 'black hole', 'down', 'recovered'];

async function startBackend() {
  const child = track(spawn(process.execPath, [BACKEND], { env: cleanEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the backend exited (${code}) before it was ready`)));
  });
  const ask = ipcClient(child);
  return {
    grpcUrl: ready.grpcUrl,
    mode: (mode) => ask({ cmd: 'mode', mode }),
    spans: async () => (await ask({ cmd: 'counts' })).spans,
    close: async () => {
      await ask({ cmd: 'close' }, 5_000).catch(() => undefined);
      await stop(child);
    },
  };
}

/** autocannon on GET /: flat out, or at `overallRate` requests/s. */
function cannon(port, duration, overallRate) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/`, connections, duration, timeout: 10, ...(overallRate ? { overallRate } : {}) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** One load of one phase: autocannon for `seconds`, the app's CPU time and RSS, spans delivered meanwhile. */
async function measureOnce(port, ask, backend, overallRate) {
  const cpuBefore = (await ask({ cmd: 'mem' })).cpuMicros;
  const spansBefore = backend ? await backend.spans() : 0;
  const result = await cannon(port, seconds, overallRate);
  const mem = await ask({ cmd: 'mem' });
  const completed = result.requests.total;
  return {
    reqPerSec: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    cpuPerRequest: completed > 0 ? (mem.cpuMicros - cpuBefore) / completed : NaN,
    rss: mem.rss,
    spansDelivered: backend ? (await backend.spans()) - spansBefore : NaN,
  };
}

/** A phase: flat out, then at the steady rate. */
async function measure(port, ask, backend) {
  return { flat: await measureOnce(port, ask, backend), steady: await measureOnce(port, ask, backend, rate) };
}

async function round(index, results) {
  const env = (grpcUrl) => tracingEnv(grpcUrl, { PORT: '0' });
  const phaseLog = (phase, mode, r) =>
    log(
      `  round ${index}/${rounds} ${phase}, ${mode}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.cpuPerRequest.toFixed(0)} µs CPU/req, ` +
        `rss ${(r.rss / MB).toFixed(0)} MB${Number.isNaN(r.spansDelivered) ? '' : `, ${r.spansDelivered} spans delivered`}${r.errors ? `, ${r.errors} errors/non-2xx` : ''}`,
    );
  const record = (phase, { flat, steady }) => {
    results.flat[phase].push(flat);
    results.steady[phase].push(steady);
    phaseLog(phase, 'flat out', flat);
    phaseLog(phase, `${rate} req/s`, steady);
  };

  // The bare app, for reference.
  const bare = await startApp(['--require', PROBE, HELLO], { env: env('http://127.0.0.1:9'), cwd: ROOT, stdout: 'file', ipc: true, label: 'outage-bare' });
  try {
    const ask = ipcClient(bare.child);
    await cannon(bare.port, warmupSeconds);
    record(PHASES[0], await measure(bare.port, ask));
  } finally {
    await stop(bare.child);
  }

  // Ours, one process through every phase, as in production.
  const backend = await startBackend();
  const app = await startApp(['--require', PROBE, '--import', OURS_SPECIFIER, HELLO], { env: env(backend.grpcUrl), cwd: ROOT, stdout: 'file', ipc: true, label: 'outage-ours' });
  try {
    const ask = ipcClient(app.child);
    await cannon(app.port, warmupSeconds);
    record('healthy', await measure(app.port, ask, backend));
    await backend.mode('blackhole');
    record('black hole', await measure(app.port, ask, backend));
    await backend.mode('down');
    record('down', await measure(app.port, ask, backend));
    await backend.mode('up');
    // The exporter's gRPC channel reconnects with a growing backoff: wait (under load) until spans arrive again.
    const upAt = Date.now();
    const spansAtUp = await backend.spans();
    while ((await backend.spans()) === spansAtUp && Date.now() - upAt < 120_000) await cannon(app.port, 1);
    const backAfter = (Date.now() - upAt) / 1000;
    log(`  round ${index}/${rounds}: spans flow again ${backAfter.toFixed(1)} s after the backend came back`);
    results.backAfter.push(backAfter);
    record('recovered', await measure(app.port, ask, backend));
    const stderr = app.stderr().split('\n').filter((line) => line.startsWith('otel-preload:') && !line.includes('tracing service'));
    results.stderrLines.push(stderr.length);
  } finally {
    await stop(app.child);
    await backend.close();
  }
}

function table(runsByPhase) {
  const healthyP99 = summary(runsByPhase.healthy.map((r) => r.p99)).median;
  const row = (phase) => {
    const runs = runsByPhase[phase];
    const s = (key) => summary(runs.map((r) => r[key]));
    return `| ${phase} | ${spread(s('reqPerSec'), 0)} | ${spread(s('p50'), 0)} | ${spread(s('p99'), 0)} | ${ratio(s('p99').median, healthyP99)} | ${spread(s('cpuPerRequest'), 0)} | ${spread(summary(runs.map((r) => r.rss / MB)), 0)} | ${phase.startsWith('bare') ? '—' : spread(s('spansDelivered'), 0)} | ${runs.reduce((n, r) => n + r.errors, 0)} |`;
  };
  return [
    '| Phase | req/s | p50 ms | p99 ms | p99 ÷ healthy | app CPU µs/req | RSS MB (end) | spans delivered | errors / non-2xx |',
    '|---|---|---|---|---|---|---|---|---|',
    ...PHASES.map(row),
  ];
}

/** Worst outage p99 against healthy, and how far healthy and recovered (the same state) differ. */
function verdict(runsByPhase) {
  const med = (phase) => summary(runsByPhase[phase].map((r) => r.p99)).median;
  const worst = Math.max(med('black hole'), med('down')) / med('healthy');
  const noise = Math.abs(med('recovered') / med('healthy') - 1);
  return `worst outage p99 ${worst.toFixed(2)}× the healthy p99; healthy and recovered, the same state measured twice, differ by ${(noise * 100).toFixed(0)} %`;
}

function render(results, meta) {
  return [
    '# Benchmark: latency while the trace backend is down',
    '',
    `\`node bench/outage.mjs\`: the CommonJS hello-world fixture (\`bench/fixtures/hello.cjs\`, GET /) under autocannon (${connections} connections), after a ${warmupSeconds} s warm-up; each phase ${seconds} s flat out, then ${seconds} s at a steady ${rate} requests/s; ${rounds} rounds. Figures are medians with (min–max) over the rounds. Latencies are autocannon's, in whole milliseconds.`,
    '',
    `- Date: ${meta.date}`,
    `- Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.memory}; load average before ${meta.loadBefore}, after ${meta.loadAfter} (1/5/15 min)`,
    `- Node: ${process.version}; tracing settings as in RESULTS.md (OTLP/gRPC; \`OTEL_BSP_*\` and \`OTEL_EXPORTER_OTLP_TIMEOUT\` at their defaults: 5 s batch delay, 2048-span queue, 10 s export timeout); total time ${meta.totalSeconds} s`,
    '',
    'Phases: **bare** is the app without the preload (a process of its own, for reference). The others are one process under `--import otel-preload/register`, in this order: **healthy** (the OTLP receiver up), **black hole** (the receiver replaced on its port by a listener that accepts connections and never answers: every export hangs until its timeout, the queue fills and spans are dropped), **down** (nothing listens: exports are refused at once), **recovered** (the receiver back on the same port; measured from the moment spans arrive again). "spans delivered" is what reached the backend during the phase.',
    '',
    '## Flat out',
    '',
    ...table(results.flat),
    '',
    `## At a steady ${rate} requests/s`,
    '',
    ...table(results.steady),
    '',
    `Flat out: ${verdict(results.flat)}. At ${rate} requests/s: ${verdict(results.steady)}.`,
    '',
    `Spans flowed again ${spread(summary(results.backAfter), 1)} s after the backend came back (the gRPC channel reconnects with a growing backoff). Lines we printed on stderr besides the start-up line, per run: ${results.stderrLines.join(', ')} (the failure warning, the SDK's queue-full notice, the recovery line).`,
    '',
  ].join('\n');
}

installCleanup();
const started = Date.now();
const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' / ');
const byPhase = () => Object.fromEntries(PHASES.map((p) => [p, []]));
const results = { flat: byPhase(), steady: byPhase(), backAfter: [], stderrLines: [] };
try {
  for (let i = 1; i <= rounds; i++) await round(i, results);
  const markdown = render(results, {
    date: new Date(started).toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    loadBefore,
    loadAfter: loadavg().map((l) => l.toFixed(2)).join(' / '),
    totalSeconds: ((Date.now() - started) / 1000).toFixed(0),
  });
  process.stdout.write(`${markdown}\n`);
  writeFileSync(options.out, markdown);
  log(`written to ${options.out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  killAll();
}
