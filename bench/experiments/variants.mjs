#!/usr/bin/env node
// EXPERIMENTS: one route under several variants of a configuration (extra environment,
// other preload flags), interleaved, to find where the overhead comes from. Prints
// median req/s, app CPU µs per request, p99, RSS, spans/request per variant.
//
//   node bench/experiments/variants.mjs <hello|db|read|fastify|startup|export|sustained> <variant-set> [--rounds=3] [--seconds=5]
//   variant sets: see SETS below. Load routes rotate the order of the variants each round, and reverse it every other round.
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CONFIGS, FASTIFY_OTEL, HELLO, OURS_SPECIFIER, OFFICIAL_SPECIFIER, OFFICIAL_ESM_HOOK, ROOT, SPANS, tracingEnv } from '../lib/configs.mjs';
import { installCleanup, ipcClient, killAll, scratchDir, startApp, stop, timeToExit, track } from '../lib/proc.mjs';
import { startReceiverProcess } from '../lib/receiver.mjs';
import { prepareServices } from '../lib/services.mjs';
import { roundOrder } from '../lib/order.mjs';
import { summary, MB } from '../lib/stats.mjs';
import { runCase } from '../load.mjs';
import { measureExport } from '../export.mjs';

const VARIANT = new URL('./register-variant.cjs', import.meta.url).pathname;
const SEMI_SPACE = new URL('./semi-space.cjs', import.meta.url).pathname;
const FLOOR = new URL('./server-span-floor.cjs', import.meta.url).pathname;
const floor = (name, mode) => ({ name, args: ['--require', FLOOR], esmArgs: ['--require', FLOOR], env: { ALS_MODE: mode } });
/** Ours as register-variant.cjs with the given experiments (see there). */
const experiment = (name, experiments, env = {}) => ({ name, args: ['--require', VARIANT], esmArgs: ['--require', VARIANT], env: { BENCH_EXPERIMENT: experiments, ...env } });
const ours = (name, env = {}, args = ['--import', OURS_SPECIFIER]) => ({ name, args, esmArgs: args, env });
const official = (name, env = {}) => ({
  name,
  args: ['--import', OFFICIAL_SPECIFIER],
  esmArgs: [`--experimental-loader=${OFFICIAL_ESM_HOOK}`, '--import', OFFICIAL_SPECIFIER],
  env,
});
const bare = { name: 'bare', args: [], esmArgs: [], env: {} };

/** A build of an earlier commit, for before/after figures: BENCH_BEFORE=<dir with dist/register.js> (e.g. a `git worktree` of that commit, built). */
const BEFORE = process.env.BENCH_BEFORE ?? '/tmp/old';

const SETS = {
  // Today's preload against an earlier build of it (BENCH_BEFORE), interleaved.
  beforeafter: [bare, ours('ours before', {}, ['--import', `${BEFORE}/dist/register.js`]), ours('ours now'), official('official')],
  // The same without the official, and ours with no exporter: what the export itself costs, before and after.
  beforenow: [bare, ours('ours before', {}, ['--import', `${BEFORE}/dist/register.js`]), ours('ours now'), ours('ours now, exporter none', { OTEL_TRACES_EXPORTER: 'none' })],
  // Where ours' per-request cost goes.
  ablation: [
    bare,
    ours('ours'),
    ours('ours, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
    ours('ours, sampler always_off', { OTEL_TRACES_SAMPLER: 'always_off' }),
    ours('ours, http only', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }),
    ours('ours, no instrumentations', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'none' }),
    // The variant preload loads the unbundled files: compare the next line with its control.
    experiment('ours, as the variant preload (control)', ''),
    experiment('ours, no ESM hook', 'no-esm-hook'),
    official('official'),
  ],
  exporter: [
    bare,
    ours('ours'),
    ours('ours, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
    official('official'),
    official('official, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
  ],
  // What sending costs, apart from writing the spans (run with `read` or `hello`).
  exportcost: [
    bare,
    experiment('ours, as the variant preload (control)', ''),
    experiment('ours, batches written, never sent', 'null-send'),
    experiment('ours, sent from a worker thread', 'worker-send'),
    experiment('ours, exporter none', '', { OTEL_TRACES_EXPORTER: 'none' }),
  ],
  // The read route (run with `read`): what each instrumentation on it costs.
  readparts: [
    bare,
    ours('ours'),
    ours('ours, without pg', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }),
    ours('ours, without pino', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' }),
    ours('ours, http only', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }),
    ours('ours, sampler always_off', { OTEL_TRACES_SAMPLER: 'always_off' }),
  ],
  // Memory under load: V8's young generation (see semi-space.cjs).
  semispace: [
    bare,
    ours('ours'),
    ours('ours, --max-semi-space-size=16', {}, ['--max-semi-space-size=16', '--import', OURS_SPECIFIER]),
    ours('ours, semi space capped at run time', {}, ['--require', SEMI_SPACE, '--import', OURS_SPECIFIER]),
    official('official'),
  ],
  // Memory under load: which part of ours keeps objects alive past V8's young-generation collections.
  survival: [
    bare,
    ours('ours before', {}, ['--import', `${BEFORE}/dist/register.js`]),
    ours('ours now'),
    ours('ours now, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
    ours('ours now, http only', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }),
  ],
  // What the export path costs per request, by transport.
  transport: [
    bare,
    ours('ours, grpc'),
    { ...ours('ours, http/protobuf', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), receiverEnv: (receiver) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpUrl }) },
    ours('ours, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
  ],
  // The server span's plumbing (run with `hello`): what Node charges for it, against ours with a span not recorded.
  floor: [
    bare,
    floor('channels subscribed, nothing done', ''),
    floor('+ a context entered per request', 'enter'),
    floor('+ request and response events in it', 'enter+emit'),
    ours('ours, sampler always_off', { OTEL_TRACES_SAMPLER: 'always_off' }),
    ours('ours'),
  ],
  // Span throughput (run with `export`): what our own span pipeline costs per span.
  spans: [
    ours('ours'),
    experiment('ours, as the variant preload (control)', ''),
    experiment('ours, without redaction', 'no-redaction'),
    official('official'),
  ],
  hook: [
    bare,
    ours('ours'),
    experiment('ours, as the variant preload (control)', ''),
    experiment('ours, no ESM hook', 'no-esm-hook'),
    official('official'),
  ],
  // Fastify (run with `fastify`): its route and handler errors from Fastify's own
  // diagnostics channels (ours, sdk/http-server/fastify.ts) against the Fastify team's
  // @fastify/otel added to ours. The official register has no Fastify instrumentation.
  fastify: [
    bare,
    ours('ours'),
    ours('ours + @fastify/otel', {}, ['--import', OURS_SPECIFIER, '--import', FASTIFY_OTEL]),
    official('official'),
  ],
  // How long ended spans wait for their batch (run with `read`): sooner costs calls and
  // kept no less memory, four times as long costs memory (bench/PROFILING.md).
  batch: [
    bare,
    ours('ours (batch 512)'),
    ours('ours, batch 2048', { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_MAX_QUEUE_SIZE: '8192' }),
    ours('ours, batch 128', { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' }),
    ours('ours, batch 32', { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '32' }),
    ours('ours, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
  ],
  // Side by side with the peers, as `npm run bench` has them (run with `read`: issue 20's read route).
  peers: CONFIGS,
  // The database route: which instrumentation costs what.
  db: [
    bare,
    ours('ours'),
    ours('ours, sampler always_off', { OTEL_TRACES_SAMPLER: 'always_off' }),
    ours('ours, exporter none', { OTEL_TRACES_EXPORTER: 'none' }),
    ours('ours, without pino', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' }),
    ours('ours, without kafkajs', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'kafkajs' }),
    ours('ours, without pg', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }),
    official('official'),
    official('official, sampler always_off', { OTEL_TRACES_SAMPLER: 'always_off' }),
  ],
};

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' } },
});
const [route, setName] = positionals;
const variants = SETS[setName];
if (!['hello', 'db', 'read', 'fastify', 'startup', 'export', 'sustained'].includes(route) || !variants) throw new Error(`usage: variants.mjs <hello|db|read|fastify|startup|export|sustained> <${Object.keys(SETS).join('|')}>`);

installCleanup();
const receiver = await startReceiverProcess();
if (route === 'export') {
  // Spans created flat out for a few seconds through withSpan, per variant, interleaved.
  const rows = new Map(variants.map((v) => [v.name, []]));
  try {
    for (let round = 1; round <= Number(options.rounds); round++) {
      for (const v of variants) {
        const env = tracingEnv(receiver.grpcUrl, v.env);
        const child = track(spawn(process.execPath, [...v.args, SPANS], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));
        await new Promise((resolve) => child.on('message', (m) => m?.ready && resolve()));
        const ask = ipcClient(child);
        await ask({ cmd: 'run', rate: 2000, seconds: 0.5 });
        const before = (await receiver.counts()).spans;
        const r = await ask({ cmd: 'run', rate: 0, seconds: Number(options.seconds) }, 120_000);
        const received = (await receiver.counts()).spans - before;
        rows.get(v.name).push({ created: r.created / r.seconds, received: received / r.seconds, dropped: (r.created - received) / r.created });
        await stop(child);
      }
    }
    console.log('| export, flat out: variant | created spans/s | µs per span created | received spans/s | dropped % |');
    console.log('|---|---|---|---|---|');
    for (const [name, rs] of rows) {
      const m = (key) => summary(rs.map((r) => r[key])).median;
      console.log(`| ${name} | ${m('created').toFixed(0)} | ${(1e6 / m('created')).toFixed(2)} | ${m('received').toFixed(0)} | ${(100 * m('dropped')).toFixed(1)} |`);
    }
  } finally {
    await receiver.close();
    killAll();
  }
  process.exit(0);
}
if (route === 'sustained') {
  // The highest rate each variant exports with nothing dropped (bench/export.mjs's
  // search), and what it creates and delivers flat out; interleaved per round.
  try {
    const traced = variants.filter((v) => v !== bare);
    const results = await measureExport({ receiver, rounds: Number(options.rounds), seconds: 3, searchSteps: 6, log: console.log, configs: traced });
    console.log('| export: variant | sustained with nothing dropped, spans/s | created flat out, spans/s | received flat out, spans/s |');
    console.log('|---|---|---|---|');
    for (const [name, r] of Object.entries(results)) {
      const m = (key) => summary(r[key]).median.toFixed(0);
      console.log(`| ${name} | ${m('sustained')} | ${m('maxCreated')} | ${m('maxReceived')} |`);
    }
  } finally {
    await receiver.close();
    killAll();
  }
  process.exit(0);
}
if (route === 'startup') {
  // Start-up of each variant: spawn → "listening" of the CommonJS fixture, and spawn →
  // exit for an empty CommonJS file (like -e 0, which some hook variants cannot run).
  const empty = join(scratchDir(), 'empty.cjs');
  writeFileSync(empty, '');
  const times = new Map(variants.map((v) => [v.name, { listening: [], empty: [] }]));
  try {
    for (let round = 0; round <= Number(options.rounds); round++) {
      for (const v of variants) {
        const env = tracingEnv(receiver.grpcUrl, { PORT: '0', ...v.env });
        const { child, startupMs } = await startApp([...v.args, HELLO], { env, cwd: ROOT, label: v.name });
        await stop(child);
        const emptyMs = await timeToExit([...v.args, empty], { env, cwd: ROOT });
        if (round === 0) continue;
        times.get(v.name).listening.push(startupMs);
        times.get(v.name).empty.push(emptyMs);
      }
    }
    const bareTimes = times.get('bare');
    console.log('| start-up: variant | spawn → listening ms | added to bare | spawn → exit, empty file ms | added to bare |');
    console.log('|---|---|---|---|---|');
    for (const [name, t] of times) {
      const l = summary(t.listening).median;
      const e = summary(t.empty).median;
      console.log(`| ${name} | ${l.toFixed(0)} | +${(l - summary(bareTimes.listening).median).toFixed(0)} | ${e.toFixed(0)} | +${(e - summary(bareTimes.empty).median).toFixed(0)} |`);
    }
  } finally {
    await receiver.close();
    killAll();
  }
  process.exit(0);
}
try {
  const services = route === 'db' || route === 'read' ? await prepareServices({ log: console.error }) : undefined;
  const results = new Map(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= Number(options.rounds); round++) {
    for (const config of roundOrder(variants, round)) {
      const r = await runCase({ route, config, receiver, services, connections: 10, warmupSeconds: Number(options.warmup), seconds: Number(options.seconds) });
      results.get(config.name).push(r);
      console.error(`  ${round} ${config.name}: ${r.reqPerSec.toFixed(0)} req/s, ${r.cpuPerRequest.toFixed(0)} µs CPU/req (sys ${r.sysPerRequest.toFixed(0)}; ${Object.entries(r.threadsPerRequest ?? {}).map(([kind, micros]) => `${kind} ${micros.toFixed(0)}`).join(', ')}), p99 ${r.p99} ms, ${r.spansPerRequest.toFixed(2)} spans/req, rss ${(r.rssLoaded / MB).toFixed(0)} MB`);
    }
  }
  console.log(`| ${route}: variant | req/s | app CPU µs/request | p50 ms | p99 ms | RSS after load MB | heap after load MB | heap after GC MB | spans/request |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, runs] of results) {
    const m = (key, scale = 1) => summary(runs.map((r) => r[key] / scale)).median;
    console.log(`| ${name} | ${m('reqPerSec').toFixed(0)} | ${m('cpuPerRequest').toFixed(0)} | ${m('p50').toFixed(1)} | ${m('p99').toFixed(1)} | ${m('rssLoaded', MB).toFixed(0)} | ${m('heapLoaded', MB).toFixed(0)} | ${m('heapRetained', MB).toFixed(1)} | ${m('spansPerRequest').toFixed(2)} |`);
  }
} finally {
  await receiver.close();
  killAll();
}
