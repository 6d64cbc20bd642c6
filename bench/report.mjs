// Turns the measurements into one Markdown document: printed on stdout and written
// to bench/RESULTS.md (full mode) or bench/RESULTS.quick.md (--quick).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { MB, num, ratio, spread, summary } from './lib/stats.mjs';
import { ROOT } from './lib/configs.mjs';

const require = createRequire(`${ROOT}package.json`);

const PACKAGES = [
  '@opentelemetry/auto-instrumentations-node',
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace',
  '@opentelemetry/instrumentation',
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@grpc/grpc-js',
  'import-in-the-middle',
  'dd-trace',
  '@elastic/opentelemetry-node',
  'express',
  'pg',
  'kafkajs',
  'pino',
  'autocannon',
];

function version(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    try {
      return JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')).version;
    } catch {
      return '?';
    }
  }
}

function gitState() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? ` + ${changed} uncommitted change(s) outside bench/` : ''}`;
  } catch {
    return 'unknown';
  }
}

export { gitState };

export function environment({ command, settings, loadBefore, commit }) {
  const cpu = cpus();
  const own = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
  return {
    date: new Date().toISOString(),
    command,
    machine: `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`,
    node: process.version,
    commit: commit ?? gitState(),
    packages: { [own.name]: own.version, ...Object.fromEntries(PACKAGES.map((name) => [name, version(name)])) },
    settings,
    loadBefore,
    loadAfter: loadavg(),
  };
}

const pick = (runs, key) => summary(runs.map((r) => r[key]));
/** Every configuration, in table order; a saved run from before the peers has only the first three. */
const ALL_CONFIGS = ['bare', 'ours', 'official', 'dd-trace', 'edot'];
const PEER_NAMES = ['official', 'dd-trace', 'edot'];
/** The configurations present in a table's data ({ [config]: … }). */
const present = (byConfig) => ALL_CONFIGS.filter((name) => byConfig?.[name] !== undefined && (!Array.isArray(byConfig[name]) || byConfig[name].length > 0));

/** Header for values of `names` and each one's ratio to bare. */
function header(names) {
  const traced = names.filter((n) => n !== 'bare');
  return [`| | ${names.join(' | ')} | ${traced.map((n) => `${n} ÷ bare`).join(' | ')} |`, `|---|${names.map(() => '---|').join('')}${traced.map(() => '---|').join('')}`];
}

/** One row: each configuration's spread, then each one's ratio (of medians) to bare. */
function row(label, stats, names, { digits, scale = 1 } = {}) {
  const scaled = Object.fromEntries(
    Object.entries(stats).map(([name, s]) => [name, { ...s, median: s.median / scale, min: s.min / scale, max: s.max / scale }]),
  );
  const m = (name) => scaled[name]?.median;
  const traced = names.filter((n) => n !== 'bare');
  return `| ${label} | ${names.map((name) => (scaled[name] ? spread(scaled[name], digits) : '—')).join(' | ')} | ${traced.map((name) => ratio(m(name), m('bare'))).join(' | ')} |`;
}

/** Ours with metrics on against ours without (issue 8): what turning metrics on costs. */
function metricsOverhead(runs, settings) {
  const figure = (label, key, { digits, scale = 1 }) => {
    const [off, on] = ['ours', 'ours+metrics'].map((name) => {
      const s = pick(runs[name], key);
      return { ...s, median: s.median / scale, min: s.min / scale, max: s.max / scale };
    });
    return `| ${label} | ${spread(off, digits)} | ${spread(on, digits)} | ${ratio(on.median, off.median)} |`;
  };
  return [
    `Metrics on (\`OTEL_METRICS_EXPORTER=otlp\` to the same receiver, \`OTEL_METRIC_EXPORT_INTERVAL=5000\`: HTTP, pg pool, kafkajs and runtime instruments), interleaved with the others, ${settings.rounds} round(s):`,
    '',
    '| | ours | ours + metrics | metrics on ÷ off |',
    '|---|---|---|---|',
    figure('throughput (req/s)', 'reqPerSec', { digits: 0 }),
    figure('latency p99 (ms)', 'p99', { digits: 1 }),
    figure('app CPU per request (µs)', 'cpuPerRequest', { digits: 0 }),
    figure('RSS after start-up (MB)', 'rssIdle', { digits: 1, scale: MB }),
    figure('RSS after load (MB)', 'rssLoaded', { digits: 1, scale: MB }),
    figure('heap used after load + a full GC (MB)', 'heapRetained', { digits: 1, scale: MB }),
  ];
}

const med = (s) => s.median;
const HELLO_ROUTES = [
  ['hello', 'hello-world CommonJS'],
  ['hello-esm', 'hello-world ESM'],
];
const STARTUP_KEYS = [
  ['listening', 'to listening, CommonJS fixture'],
  ['listeningEsm', 'to listening, ESM fixture'],
  ['eval0', '`-e 0`'],
];

/** Start-up tolerance for "unchanged": the larger of 5 ms and 10 % of the before figure (runs on a shared machine). */
const startupTolerance = (beforeMs) => Math.max(5, 0.1 * beforeMs);

/** Ours' start-up added to bare, per measure, from a run's data (the before baseline, or this run). */
export function startupAdded(startup) {
  const out = {};
  for (const [key] of STARTUP_KEYS) {
    if (!startup?.[key]?.bare?.length || !startup[key].ours?.length) continue;
    out[key] = med(summary(startup[key].ours)) - med(summary(startup[key].bare));
  }
  return out;
}

/**
 * The goals of issue 13, from the medians (ratios of medians). `data.before`, when
 * present, is the start-up of a before run ({ commit, date, added: { [key]: ms } }).
 */
export function goals13(data) {
  const out = [];
  if (data.load) {
    for (const [route, label] of HELLO_ROUTES) {
      const runs = data.load[route];
      if (!runs?.bare?.length || !runs.ours?.length) continue;
      const rps = Object.fromEntries(present(runs).map((name) => [name, med(pick(runs[name], 'reqPerSec'))]));
      out.push({
        goal: `${label}: throughput with ours ≥ 0.50 of bare`,
        measured: `${num(rps.ours / rps.bare, 2)} (${num(rps.ours, 0)} vs ${num(rps.bare, 0)} req/s)`,
        met: rps.ours >= 0.5 * rps.bare,
      });
      const peers = PEER_NAMES.filter((name) => rps[name] !== undefined);
      if (peers.length > 0) {
        const best = peers.reduce((a, b) => (rps[b] > rps[a] ? b : a));
        out.push({
          goal: `${label}: ours ahead of every peer (${peers.join(', ')})`,
          measured: `ours ${num(rps.ours / rps.bare, 2)} of bare; ${peers.map((name) => `${name} ${num(rps[name] / rps.bare, 2)}`).join(', ')} (best peer: ${best}, ours ${num(rps.ours / rps[best], 2)}× it)`,
          met: peers.every((name) => rps.ours > rps[name]),
        });
      }
      const cpu = Object.fromEntries(['bare', 'ours'].map((name) => [name, med(pick(runs[name], 'cpuPerRequest'))]));
      out.push({
        goal: `${label}: app CPU per request with ours ≤ 2× bare`,
        measured: `${num(cpu.ours / cpu.bare, 2)}× (${num(cpu.ours, 0)} vs ${num(cpu.bare, 0)} µs)`,
        met: cpu.ours <= 2 * cpu.bare,
      });
      const rss = Object.fromEntries(['bare', 'ours'].map((name) => [name, med(pick(runs[name], 'rssLoaded'))]));
      out.push({
        goal: `${label}: RSS after load with ours ≤ 1.5× bare`,
        measured: `${num(rss.ours / rss.bare, 2)}× (${num(rss.ours / MB, 1)} vs ${num(rss.bare / MB, 1)} MB)`,
        met: rss.ours <= 1.5 * rss.bare,
      });
    }
    const db = data.load.db;
    if (db?.bare?.length && db.ours?.length) {
      const rps = Object.fromEntries(['bare', 'ours'].map((name) => [name, med(pick(db[name], 'reqPerSec'))]));
      const p99 = Object.fromEntries(['bare', 'ours'].map((name) => [name, med(pick(db[name], 'p99'))]));
      out.push({
        goal: 'database route: throughput with ours ≥ 0.90 of bare',
        measured: `${num(rps.ours / rps.bare, 2)} (${num(rps.ours, 0)} vs ${num(rps.bare, 0)} req/s)`,
        met: rps.ours >= 0.9 * rps.bare,
      });
      out.push({
        goal: 'database route: p99 latency with ours ≤ 1.2× bare',
        measured: `${num(p99.ours / p99.bare, 2)}× (${p99.ours} vs ${p99.bare} ms)`,
        met: p99.ours <= 1.2 * p99.bare,
      });
    }
  }
  if (data.startup) {
    const now = startupAdded(data.startup);
    for (const [key, label] of STARTUP_KEYS) {
      if (now[key] === undefined) continue;
      const before = data.before?.added?.[key];
      out.push({
        goal: `start-up ${label}: added to bare by ours unchanged or better (within max(5 ms, 10 %))`,
        measured:
          before === undefined
            ? `+${num(now[key], 0)} ms; no before figure to compare with`
            : `+${num(now[key], 0)} ms, before +${num(before, 0)} ms (${data.before.commit})`,
        met: before === undefined ? undefined : now[key] <= before + startupTolerance(before),
      });
    }
  }
  return out;
}

/** The goals of issue 20 (the span pipeline), from the medians: the read and database routes, hello-world. */
export function goals20(data) {
  const out = [];
  const exported = data.export;
  if (exported?.ours && exported.official) {
    for (const [key, label] of [
      ['maxCreated', 'spans created flat out'],
      ['sustained', 'sustained export with nothing dropped'],
    ]) {
      const ours = med(summary(exported.ours[key]));
      const official = med(summary(exported.official[key]));
      out.push({ goal: `per span: ${label} ≥ 1.5× the official's rate`, measured: `${num(ours / official, 2)}× (${num(ours, 0)} vs ${num(official, 0)} spans/s)`, met: ours >= 1.5 * official });
    }
  }
  if (!data.load) return out;
  const medians = (runs, key) => Object.fromEntries(present(runs).map((name) => [name, med(pick(runs[name], key))]));
  const read = data.load.read;
  if (read?.bare?.length && read.ours?.length) {
    const cpu = medians(read, 'cpuPerRequest');
    const rps = medians(read, 'reqPerSec');
    const spans = medians(read, 'spansPerRequest');
    out.push({ goal: 'read route: app CPU per request ≤ 1.4× bare', measured: `${num(cpu.ours / cpu.bare, 2)}× (${num(cpu.ours, 0)} vs ${num(cpu.bare, 0)} µs)`, met: cpu.ours <= 1.4 * cpu.bare });
    out.push({ goal: 'read route: throughput ≥ 0.80 of bare', measured: `${num(rps.ours / rps.bare, 2)} (${num(rps.ours, 0)} vs ${num(rps.bare, 0)} req/s)`, met: rps.ours >= 0.8 * rps.bare });
    // A peer that recorded no span here is not tracing this route: its CPU is not a tracer's.
    const peers = PEER_NAMES.filter((name) => cpu[name] !== undefined && spans[name] > 0);
    if (peers.length > 0) {
      const added = (name) => cpu[name] - cpu.bare;
      const lightest = peers.reduce((a, b) => (added(b) < added(a) ? b : a));
      out.push({
        goal: 'read route: CPU ours adds ≤ half of what the lightest peer adds',
        measured: `ours +${num(added('ours'), 0)} µs; ${peers.map((name) => `${name} +${num(added(name), 0)}`).join(', ')} (lightest: ${lightest}; ${num(added('ours') / added(lightest), 2)} of it)`,
        met: added('ours') <= added(lightest) / 2,
      });
    }
  }
  for (const [route, label] of [
    ['read', 'read route'],
    ['db', 'database route'],
  ]) {
    const runs = data.load[route];
    if (!runs?.bare?.length || !runs.ours?.length) continue;
    const rss = medians(runs, 'rssLoaded');
    out.push({ goal: `${label}: RSS after load ≤ 1.6× bare`, measured: `${num(rss.ours / rss.bare, 2)}× (${num(rss.ours / MB, 1)} vs ${num(rss.bare / MB, 1)} MB)`, met: rss.ours <= 1.6 * rss.bare });
  }
  const db = data.load.db;
  if (db?.bare?.length && db.ours?.length) {
    const rps = medians(db, 'reqPerSec');
    out.push({ goal: 'database route: throughput ≥ 0.85 of bare', measured: `${num(rps.ours / rps.bare, 2)} (${num(rps.ours, 0)} vs ${num(rps.bare, 0)} req/s)`, met: rps.ours >= 0.85 * rps.bare });
  }
  const hello = data.load.hello;
  if (hello?.bare?.length && hello.ours?.length) {
    const rps = medians(hello, 'reqPerSec');
    out.push({ goal: 'hello-world: throughput ≥ 0.60 of bare', measured: `${num(rps.ours / rps.bare, 2)} (${num(rps.ours, 0)} vs ${num(rps.bare, 0)} req/s)`, met: rps.ours >= 0.6 * rps.bare });
  }
  return out;
}

/** The goals of issue 6 (ours against bare and the official register), kept for comparison with earlier runs. */
export function goals(data) {
  const out = [];
  if (data.startup) {
    for (const [key, label] of [
      ['listening', 'start-up to listening (fixture app)'],
      ['eval0', 'start-up `-e 0`'],
    ]) {
      const s = Object.fromEntries(['bare', 'ours', 'official'].map((name) => [name, summary(data.startup[key][name])]));
      const oursAdded = med(s.ours) - med(s.bare);
      const officialAdded = med(s.official) - med(s.bare);
      out.push({
        goal: `Start-up cost added by ours ≤ ¼ of the official's — ${label}`,
        measured: `ours +${num(oursAdded, 0)} ms, official +${num(officialAdded, 0)} ms: ${num(oursAdded / officialAdded, 2)} of it`,
        met: oursAdded <= officialAdded / 4,
      });
    }
  }
  if (data.load) {
    for (const [route, floor] of [
      ['db', 0.9],
      ['hello', 0.8],
    ]) {
      const runs = data.load[route];
      if (!runs) continue;
      const rps = Object.fromEntries(['bare', 'ours', 'official'].map((name) => [name, med(pick(runs[name], 'reqPerSec'))]));
      out.push({
        goal: `Throughput with ours ≥ ${floor * 100} % of bare — ${route}`,
        measured: `${num((100 * rps.ours) / rps.bare, 1)} % (${num(rps.ours, 0)} vs ${num(rps.bare, 0)} req/s)`,
        met: rps.ours >= floor * rps.bare,
      });
      out.push({
        goal: `Throughput with ours above the official — ${route}`,
        measured: `${num(rps.ours / rps.official, 2)}× (${num(rps.ours, 0)} vs ${num(rps.official, 0)} req/s)`,
        met: rps.ours > rps.official,
      });
    }
    if (data.load.db) {
      const p99 = Object.fromEntries(['bare', 'ours', 'official'].map((name) => [name, med(pick(data.load.db[name], 'p99'))]));
      out.push({
        goal: 'p99 latency with ours ≤ 1.1× bare — db',
        measured: `${num(p99.ours / p99.bare, 2)}× (${p99.ours} vs ${p99.bare} ms)`,
        met: p99.ours <= 1.1 * p99.bare,
      });
    }
    for (const route of ['hello', 'db']) {
      const runs = data.load[route];
      if (!runs) continue;
      for (const [key, when] of [
        ['rssIdle', 'after start-up'],
        ['rssWarm', 'after warm-up'],
        ['rssLoaded', 'after load'],
      ]) {
        if (!runs.bare.every((r) => Number.isFinite(r[key]))) continue;
        const rss = Object.fromEntries(['bare', 'ours', 'official'].map((name) => [name, med(pick(runs[name], key))]));
        const oursAdded = rss.ours - rss.bare;
        const officialAdded = rss.official - rss.bare;
        out.push({
          goal: `RSS added by ours ≤ 60 % of the official's — ${route}, ${when}`,
          measured: `ours +${num(oursAdded / MB, 1)} MB, official +${num(officialAdded / MB, 1)} MB: ${num((100 * oursAdded) / officialAdded, 0)} %`,
          met: oursAdded <= 0.6 * officialAdded,
        });
      }
    }
  }
  return out;
}

function esmNote(coverage) {
  const find = (config) => coverage.find((c) => c.route === 'db' && c.config === config);
  const alone = find('official (register only)');
  const hooked = find('official (register + loader hook)');
  if (!alone || !hooked) return '';
  const missing = Object.keys(hooked.names).filter((name) => !(name in alone.names));
  return `Here: ${num(alone.spansPerRequest, 2)} spans/request with the register alone against ${num(hooked.spansPerRequest, 2)} with the hook${missing.length ? `; without the hook it misses ${missing.map((n) => `\`${n}\``).join(', ')}` : ''}.`;
}

export function render(data) {
  const { env } = data;
  const lines = [];
  const p = (...l) => lines.push(...l);
  p(
    `# Benchmarks: bare vs otel-preload vs the official auto-instrumentations register and the peers (dd-trace, EDOT)`,
    '',
    data.quick
      ? '**Quick mode** (`--quick`): a few seconds per case, one round — it proves the harness works; the numbers are not meant to be read.'
      : 'Figures are medians with (min–max) over the rounds; ratios are of medians, each configuration ÷ bare.',
    '',
    `- Date: ${env.date}`,
    `- Command: \`${env.command}\``,
    `- Machine: ${env.machine}; load average before ${env.loadBefore.map((v) => v.toFixed(2)).join(' / ')}, after ${env.loadAfter.map((v) => v.toFixed(2)).join(' / ')} (1/5/15 min)`,
    `- Node: ${env.node}; otel-preload at commit ${env.commit} when the run started (\`npm run bench\` builds dist/ from it first)`,
    `- Packages: ${Object.entries(env.packages).map(([name, v]) => `${name} ${v}`).join(', ')}`,
    `- Settings: ${Object.entries(env.settings).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    '**Configurations** (same app, same environment, interleaved bare, ours, official, dd-trace, edot, bare, …):',
    '',
    '- **bare**: no preload.',
    '- **ours**: `--import otel-preload/register`.',
    '- **official**: `--import @opentelemetry/auto-instrumentations-node/register`; for the ESM apps (the ESM hello-world and the example) also `--experimental-loader=@opentelemetry/instrumentation/hook.mjs`, its documented ESM hook (see "What each configuration traces").',
    '- **dd-trace** (Datadog): `--require dd-trace/init` for CommonJS apps and `-e 0`, `--import dd-trace/initialize.mjs` (init and its loader hook) for ESM apps, as its docs say. It sends to a Datadog agent: here a fake one in the receiver process (HTTP 200 to everything; counts the spans of `PUT /v0.4/traces`, its default msgpack protocol, and keeps nothing). `DD_TRACE_AGENT_URL` = that, `DD_SERVICE=bench-app`, `DD_TRACE_STARTUP_LOGS=false`, `DD_INSTRUMENTATION_TELEMETRY_ENABLED=false`, `DD_REMOTE_CONFIGURATION_ENABLED=false`, `DD_RUNTIME_METRICS_ENABLED=false`, `DD_PROFILING_ENABLED=false`; `OTEL_TRACES_EXPORTER` and `OTEL_EXPORTER_OTLP_*` unset for it (with `OTEL_TRACES_EXPORTER=otlp` dd-trace would export OTLP instead of using its agent protocol). It is flushed (for the span counts) through its exporter, `global._ddtrace._tracer._exporter.flush()`.',
    '- **edot** (Elastic Distribution of OpenTelemetry Node.js): `--import @elastic/opentelemetry-node` (registers its loader hook and starts its SDK, CommonJS and ESM alike), with the same `OTEL_*` variables as ours and the official: OTLP gRPC to the same receiver, metrics and logs off (`OTEL_METRICS_EXPORTER=none`, which its docs give in place of the deprecated `ELASTIC_OTEL_METRICS_DISABLED`).',
    '',
    'The OpenTelemetry tracers (ours, official, edot): `OTEL_EXPORTER_OTLP_ENDPOINT` = one local OTLP receiver (a separate process, `dist/receiver` in discard mode: counts, keeps nothing), `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, `OTEL_TRACES_SAMPLER=parentbased_always_on`, `OTEL_SERVICE_NAME=bench-app`, `OTEL_NODE_RESOURCE_DETECTORS=env,host,os,process,serviceinstance,container` (ours’ default set), `OTEL_METRICS_EXPORTER=none`, `OTEL_LOGS_EXPORTER=none`, `OTEL_BSP_*` unset (defaults). Everything else is each tracer’s default: which instrumentations are on, Express middleware spans, etc.',
    '',
  );

  if (data.startup) {
    const keys = [
      ['listening', 'spawn → "listening", CommonJS fixture (express, pg, kafkajs, pino)', 'listening, CommonJS'],
      ['listeningEsm', 'spawn → "listening", ESM fixture (the same, as ES modules; ESM recipes)', 'listening, ESM'],
      ['eval0', '`node [preload] -e 0` (spawn → exit)', '`-e 0`'],
    ].filter(([key]) => data.startup[key]);
    const names = present(data.startup.listening);
    const stats = Object.fromEntries(keys.map(([key]) => [key, Object.fromEntries(names.map((name) => [name, summary(data.startup[key][name])]))]));
    const traced = names.filter((n) => n !== 'bare');
    p(
      `## Start-up (ms, ${data.startup.listening.bare.length} runs each)`,
      '',
      ...header(names),
      ...keys.map(([key, label]) => row(label, stats[key], names, { digits: 0 })),
      ...keys.map(
        ([key, , short]) =>
          `| added to bare, ${short} | — | ${traced.map((name) => `+${num(stats[key][name].median - stats[key].bare.median, 0)}`).join(' | ')} |${traced.map(() => ' |').join('')}`,
      ),
      '',
    );
    if (data.before?.added) {
      p(
        `Before (${data.before.commit}, ${data.before.date}): ours added ${keys
          .filter(([key]) => data.before.added[key] !== undefined)
          .map(([key, , short]) => `+${num(data.before.added[key], 0)} ms (${short})`)
          .join(', ')} to bare.`,
        '',
      );
    }
    if (data.startup.footnote) {
      p(
        `With only the endpoint set (its defaults: http/protobuf, and every resource detector, including the cloud ones that query metadata endpoints), the official register took ${num(data.startup.footnote.listeningMs, 0)} ms to listening and ${num(data.startup.footnote.eval0Ms, 0)} ms for \`-e 0\` (one run each; the cloud lookups run in the background, and where their addresses neither answer nor fail fast they hold the exit up for seconds). The detectors are set alike above so that the tracers do the same work.`,
        '',
      );
    }
  }

  if (data.load) {
    const { settings } = env;
    p(`## Throughput, latency and memory under load`, '', `autocannon, ${settings.connections} connections, ${settings['warm-up']} warm-up then ${settings.duration} measured per case, ${settings.rounds} round(s). Memory is the app's own \`process.memoryUsage()\` (read over IPC by a probe preloaded in every configuration alike). Spans/request: spans the receiver (or, for dd-trace, the fake agent) got during the measured load ÷ requests completed. App CPU per request: the app process's user + system CPU time (all its threads) from after the warm-up to after the final flush, ÷ requests — much steadier than req/s on a shared machine. autocannon reports latency in whole milliseconds. On a 2-core machine autocannon, the receiver and the app share the cores: the bare hello-world is limited by the load generator as much as by the app, so its req/s (and every ratio to it) swings with whatever else runs.`,
      '',
      "Memory: under load, what a tracer keeps alive past V8's young-generation collections makes V8 grow its young generation (up to 2 × 64 MiB semi-spaces, against 2 × 4 MiB for bare): that is most of the RSS a tracer adds under load, not retained data — compare \"heap used after load + a full GC\". For ours, most of it was one Set, replaced in issue 20. `--max-semi-space-size=16` (also in `NODE_OPTIONS`) caps it; see PROFILING.md.",
      '');
    for (const [route, title] of [
      ['hello', 'hello-world (CommonJS fixture, `GET /` → "hello world")'],
      ['hello-esm', 'hello-world (ESM fixture, `GET /` → "hello world"; ESM recipes)'],
      ['db', 'database + Kafka (ESM example `examples/task-manager`, `POST /api/tasks`: validation, INSERT … RETURNING, a Kafka message, pino line)'],
      ['read', 'read route (CommonJS Express 4 service, `GET /orders/:id`: two pg queries through a pool, one pino line)'],
    ]) {
      const runs = data.load[route];
      if (!runs) continue;
      const names = present(runs);
      const traced = names.filter((n) => n !== 'bare');
      const blanks = traced.map(() => ' |').join('');
      const st = (key) => Object.fromEntries(names.map((name) => [name, pick(runs[name], key)]));
      const errors = names.map((name) => runs[name].reduce((sum, r) => sum + r.errors, 0));
      p(
        `### ${title}`,
        '',
        ...header(names),
        row('throughput (req/s)', st('reqPerSec'), names, { digits: 0 }),
        row('latency p50 (ms)', st('p50'), names, { digits: 1 }),
        row('latency p99 (ms)', st('p99'), names, { digits: 1 }),
        row('app CPU per request (µs, user + system)', st('cpuPerRequest'), names, { digits: 0 }),
        row('RSS after start-up, before any request (MB)', st('rssIdle'), names, { digits: 1, scale: MB }),
        row('RSS after warm-up (MB)', st('rssWarm'), names, { digits: 1, scale: MB }),
        row('RSS after load (MB)', st('rssLoaded'), names, { digits: 1, scale: MB }),
        row('heap used after start-up (MB)', st('heapIdle'), names, { digits: 1, scale: MB }),
        row('heap used after warm-up (MB)', st('heapWarm'), names, { digits: 1, scale: MB }),
        row('heap used after load (MB)', st('heapLoaded'), names, { digits: 1, scale: MB }),
        row('heap used after load + a full GC (MB)', st('heapRetained'), names, { digits: 1, scale: MB }),
        `| spans received per request | ${names.map((name) => spread(pick(runs[name], 'spansPerRequest'), 2)).join(' | ')} |${blanks}`,
        ...(errors.some((e) => e > 0) ? [`| errors, timeouts, non-2xx (all rounds) | ${errors.join(' | ')} |${blanks}`] : []),
        '',
      );
      const abandoned = (runs['dd-trace'] ?? []).reduce((sum, r) => sum + (r.agentAborted ?? 0), 0);
      if (abandoned > 0) {
        p(
          `dd-trace abandoned ${abandoned} upload(s) to the fake agent in these runs (its 2 s request timeout, the machine being busy): their spans are lost, so its spans-per-request figure reads low here; the work of making and encoding them was done.`,
          '',
        );
      }
      if (runs['ours+metrics']) p(...metricsOverhead(runs, settings), '');
      const rss = (key) => Object.fromEntries(names.map((name) => [name, pick(runs[name], key).median]));
      const added = (key, name) => `${name} +${num((rss(key)[name] - rss(key).bare) / MB, 1)} MB`;
      p(
        `RSS added to bare: ${[
          ['rssIdle', 'after start-up'],
          ['rssWarm', 'after warm-up'],
          ['rssLoaded', 'after load'],
        ]
          .map(([key, when]) => `${when} ${traced.map((name) => added(key, name)).join(', ')}`)
          .join('; ')}.`,
        '',
      );
    }
  }

  if (data.export) {
    const { settings } = env;
    const names = Object.keys(data.export);
    const s = (name, key) => summary(data.export[name][key]);
    const cell = (key, digits = 0) => names.map((name) => spread(s(name, key), digits));
    const share = names.map((name) => spread({ ...s(name, 'maxDroppedShare'), median: 100 * s(name, 'maxDroppedShare').median, min: 100 * s(name, 'maxDroppedShare').min, max: 100 * s(name, 'maxDroppedShare').max }, 1));
    const r = (key) => ratio(s('ours', key).median, s('official', key).median);
    p(
      '## Export cost (spans/s over OTLP gRPC to the receiver)',
      '',
      `A fixture creates spans through the public \`withSpan\` (3 attributes each, every one a sampled root span) at a fixed rate for ${settings['export step']}, then flushes; received is the receiver's count, dropped = created − received (the batch processor's queue overflowing; \`OTEL_BSP_*\` defaults: queue 2048, batch 512, 5 s delay). "Sustained" is the highest rate found (binary search, ${settings['export search steps']} steps below the flat-out rate) with nothing dropped; "flat out" creates spans as fast as one thread can, yielding to I/O every 200 spans. ${settings['export rounds'] ?? settings.rounds} round(s); bare has no spans to export.`,
      '',
      '| | ours | official | ours ÷ official |',
      '|---|---|---|---|',
      `| sustained without drops (spans/s) | ${cell('sustained').join(' | ')} | ${r('sustained')} |`,
      `| flat out: created (spans/s) | ${cell('maxCreated').join(' | ')} | ${r('maxCreated')} |`,
      `| flat out: received (spans/s) | ${cell('maxReceived').join(' | ')} | ${r('maxReceived')} |`,
      `| flat out: dropped (spans per ${settings['export step']}) | ${cell('maxDropped').join(' | ')} | ${r('maxDropped')} |`,
      `| flat out: dropped (% of created) | ${share.join(' | ')} | |`,
      '',
    );
  }

  if (data.coverage) {
    p(
      '## What each configuration traces (spans per request, by name)',
      '',
      `Counted with a receiver that tallies span names, over ${data.coverageRequests} sequential requests after one unrecorded request. The example is an ESM app (\`"type": "module"\`): ours registers import-in-the-middle's loader hook itself (only for the modules its instrumentations patch). The official \`register.mjs\` (${env.packages['@opentelemetry/auto-instrumentations-node']}) registers **no** loader hook: what it still traces in an ESM app comes from patching the CommonJS packages Node loads for it. ${esmNote(data.coverage)} Its documented ESM recipe adds \`--experimental-loader=@opentelemetry/instrumentation/hook.mjs\` (import-in-the-middle on every module), which is what the load figures above use for the ESM routes. dd-trace's spans are decoded from its msgpack by the fake agent and named \`span.kind operation: resource\` (\`-\` where it sets no kind); OpenTelemetry spans are \`kind name\`.`,
      '',
      '| route | configuration | spans/request | spans (kind name × per request) |',
      '|---|---|---|---|',
      ...data.coverage.map(
        (c) =>
          `| ${c.route} | ${c.config} | ${num(c.spansPerRequest, 2)} | ${
            Object.entries(c.names)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([name, n]) => `${name}${n === 1 ? '' : ` ×${num(n, 2)}`}`)
              .join('; ') || '—'
          } |`,
      ),
      '',
    );
  }

  const mark = (met) => (met === undefined ? 'n/a' : met ? 'met' : '**missed**');
  /** One table of goals, each met or missed; the quick run's are not to be judged. */
  const goalTable = (title, intro, checks, { judged = true } = {}) => {
    if (checks.length === 0) return;
    p(title, '', ...(intro ? [intro, ''] : []), '| goal | measured | |', '|---|---|---|', ...checks.map((g) => `| ${g.goal} | ${g.measured} | ${mark(g.met)} |`), '');
    if (judged && data.quick) p('(Quick mode: too short to judge the goals; see the full run.)', '');
  };
  goalTable(
    '## Goals (issue 13), from the medians above',
    'Ratios of medians to bare in the same run. The peers are the official register, dd-trace and EDOT. Start-up is compared with the before run (`--before`, by default `bench/BEFORE-diagnostics-channel.json`).',
    goals13(data),
  );
  goalTable('## Goals (issue 20, the span pipeline), from the medians above', 'Start-up: see the issue 13 goals.', goals20(data));
  goalTable('## Earlier goals (issue 6): ours against bare and the official register', undefined, goals(data), { judged: false });
  p('Profiling of the missed goals, and what to change: [PROFILING.md](PROFILING.md).', '');
  return lines.join('\n');
}
