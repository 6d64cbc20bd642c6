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
const CONFIG_NAMES = ['bare', 'ours', 'official'];

/** One row: the three spreads and the ratios ours÷bare, ours÷official, official÷bare. */
function row(label, stats, { digits, scale = 1 } = {}) {
  const scaled = Object.fromEntries(
    Object.entries(stats).map(([name, s]) => [name, { ...s, median: s.median / scale, min: s.min / scale, max: s.max / scale }]),
  );
  const m = (name) => scaled[name]?.median;
  return `| ${label} | ${CONFIG_NAMES.map((name) => (scaled[name] ? spread(scaled[name], digits) : '—')).join(' | ')} | ${ratio(m('ours'), m('bare'))} | ${ratio(m('ours'), m('official'))} | ${ratio(m('official'), m('bare'))} |`;
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

const HEADER = ['| | bare | ours | official | ours ÷ bare | ours ÷ official | official ÷ bare |', '|---|---|---|---|---|---|---|'];

/** Computes the goal checks from medians. */
export function goals(data) {
  const out = [];
  const med = (s) => s.median;
  if (data.startup) {
    for (const [key, label] of [
      ['listening', 'start-up to listening (fixture app)'],
      ['eval0', 'start-up `-e 0`'],
    ]) {
      const s = Object.fromEntries(CONFIG_NAMES.map((name) => [name, summary(data.startup[key][name])]));
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
      const rps = Object.fromEntries(CONFIG_NAMES.map((name) => [name, med(pick(runs[name], 'reqPerSec'))]));
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
      const p99 = Object.fromEntries(CONFIG_NAMES.map((name) => [name, med(pick(data.load.db[name], 'p99'))]));
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
        const rss = Object.fromEntries(CONFIG_NAMES.map((name) => [name, med(pick(runs[name], key))]));
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
    `# Benchmarks: bare vs otel-preload vs the official auto-instrumentations register`,
    '',
    data.quick
      ? '**Quick mode** (`--quick`): a few seconds per case, one round — it proves the harness works; the numbers are not meant to be read.'
      : 'Full run. Figures are medians with (min–max) over the rounds; ratios are of medians.',
    '',
    `- Date: ${env.date}`,
    `- Command: \`${env.command}\``,
    `- Machine: ${env.machine}; load average before ${env.loadBefore.map((v) => v.toFixed(2)).join(' / ')}, after ${env.loadAfter.map((v) => v.toFixed(2)).join(' / ')} (1/5/15 min)`,
    `- Node: ${env.node}; otel-preload at commit ${env.commit} when the run started (\`npm run bench\` builds dist/ from it first)`,
    `- Packages: ${Object.entries(env.packages).map(([name, v]) => `${name} ${v}`).join(', ')}`,
    `- Settings: ${Object.entries(env.settings).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    '**Configurations** (same app, same environment, interleaved bare, ours, official, bare, …):',
    '',
    '- **bare**: no preload.',
    '- **ours**: `--import otel-preload/register`.',
    '- **official**: `--import @opentelemetry/auto-instrumentations-node/register`; for the ESM example also `--experimental-loader=@opentelemetry/instrumentation/hook.mjs`, its documented ESM hook (see "What each configuration traces").',
    '',
    'Both tracers: `OTEL_EXPORTER_OTLP_ENDPOINT` = one local OTLP receiver (a separate process, `dist/receiver` in discard mode: counts, keeps nothing), `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, `OTEL_TRACES_SAMPLER=parentbased_always_on`, `OTEL_SERVICE_NAME=bench-app`, `OTEL_NODE_RESOURCE_DETECTORS=env,host,os,process,serviceinstance,container` (ours’ default set), `OTEL_METRICS_EXPORTER=none`, `OTEL_LOGS_EXPORTER=none`, `OTEL_BSP_*` unset (defaults). Everything else is each tracer’s default: which instrumentations are on, Express middleware spans, etc.',
    '',
  );

  if (data.startup) {
    const s = (key) => Object.fromEntries(CONFIG_NAMES.map((name) => [name, summary(data.startup[key][name])]));
    const listening = s('listening');
    const eval0 = s('eval0');
    const added = (stats) => Object.fromEntries(['ours', 'official'].map((name) => [name, stats[name].median - stats.bare.median]));
    const la = added(listening);
    const ea = added(eval0);
    p(
      `## Start-up (ms, ${data.startup.listening.bare.length} runs each)`,
      '',
      ...HEADER,
      row('spawn → "listening" (CommonJS fixture: express, pg, kafkajs, pino)', listening, { digits: 0 }),
      row('`node [--import X] -e 0` (spawn → exit)', eval0, { digits: 0 }),
      `| added to bare, listening | — | +${num(la.ours, 0)} | +${num(la.official, 0)} | | ${ratio(la.ours, la.official)} of the official's added | |`,
      `| added to bare, \`-e 0\` | — | +${num(ea.ours, 0)} | +${num(ea.official, 0)} | | ${ratio(ea.ours, ea.official)} of the official's added | |`,
      '',
    );
    if (data.startup.footnote) {
      p(
        `With only the endpoint set (its defaults: http/protobuf, and every resource detector, including the cloud ones that query metadata endpoints), the official register took ${num(data.startup.footnote.listeningMs, 0)} ms to listening and ${num(data.startup.footnote.eval0Ms, 0)} ms for \`-e 0\` (one run each; the cloud lookups run in the background, and where their addresses neither answer nor fail fast they hold the exit up for seconds). The detectors are set alike above so that both tracers do the same work.`,
        '',
      );
    }
  }

  if (data.load) {
    const { settings } = env;
    p(`## Throughput, latency and memory under load`, '', `autocannon, ${settings.connections} connections, ${settings['warm-up']} warm-up then ${settings.duration} measured per case, ${settings.rounds} round(s). Memory is the app's own \`process.memoryUsage()\` (read over IPC by a probe preloaded in all three configurations alike). Spans/request: spans the receiver got during the measured load ÷ requests completed. App CPU per request: the app process's user + system CPU time (all its threads) from after the warm-up to after the final flush, ÷ requests — much steadier than req/s on a shared machine. autocannon reports latency in whole milliseconds. On a 2-core machine autocannon, the receiver and the app share the cores: the bare hello-world is limited by the load generator as much as by the app, so its req/s (and every ratio to it) swings with whatever else runs.`,
      '',
      "Memory: under load, both tracers' per-request garbage makes V8 grow its young generation to the maximum (2 × 64 MiB semi-spaces, against 2 × 4 MiB for bare): that is most of the RSS they add under load, not retained data — compare \"heap used after load + a full GC\". Run with `--max-semi-space-size=16` (also in `NODE_OPTIONS`) to cap it; see PROFILING.md.",
      '');
    for (const [route, title] of [
      ['hello', 'hello-world (CommonJS fixture, `GET /` → "hello world")'],
      ['db', 'database + Kafka (ESM example `examples/task-manager`, `POST /api/tasks`: validation, INSERT … RETURNING, a Kafka message, pino line)'],
    ]) {
      const runs = data.load[route];
      if (!runs) continue;
      const st = (key) => Object.fromEntries(CONFIG_NAMES.map((name) => [name, pick(runs[name], key)]));
      const errors = CONFIG_NAMES.map((name) => runs[name].reduce((sum, r) => sum + r.errors, 0));
      p(
        `### ${title}`,
        '',
        ...HEADER,
        row('throughput (req/s)', st('reqPerSec'), { digits: 0 }),
        row('latency p50 (ms)', st('p50'), { digits: 1 }),
        row('latency p99 (ms)', st('p99'), { digits: 1 }),
        row('app CPU per request (µs, user + system)', st('cpuPerRequest'), { digits: 0 }),
        row('RSS after start-up, before any request (MB)', st('rssIdle'), { digits: 1, scale: MB }),
        row('RSS after warm-up (MB)', st('rssWarm'), { digits: 1, scale: MB }),
        row('RSS after load (MB)', st('rssLoaded'), { digits: 1, scale: MB }),
        row('heap used after start-up (MB)', st('heapIdle'), { digits: 1, scale: MB }),
        row('heap used after warm-up (MB)', st('heapWarm'), { digits: 1, scale: MB }),
        row('heap used after load (MB)', st('heapLoaded'), { digits: 1, scale: MB }),
        row('heap used after load + a full GC (MB)', st('heapRetained'), { digits: 1, scale: MB }),
        `| spans received per request | ${CONFIG_NAMES.map((name) => spread(pick(runs[name], 'spansPerRequest'), 2)).join(' | ')} | | | |`,
        ...(errors.some((e) => e > 0) ? [`| errors, timeouts, non-2xx (all rounds) | ${errors.join(' | ')} | | | |`] : []),
        '',
      );
      if (runs['ours+metrics']) p(...metricsOverhead(runs, settings), '');
      const rss = (key) => Object.fromEntries(CONFIG_NAMES.map((name) => [name, pick(runs[name], key).median]));
      const i = rss('rssIdle');
      const w = rss('rssWarm');
      const l = rss('rssLoaded');
      p(
        `RSS added to bare: after start-up ours +${num((i.ours - i.bare) / MB, 1)} MB, official +${num((i.official - i.bare) / MB, 1)} MB (${ratio(i.ours - i.bare, i.official - i.bare)}); after warm-up ours +${num((w.ours - w.bare) / MB, 1)} MB, official +${num((w.official - w.bare) / MB, 1)} MB (${ratio(w.ours - w.bare, w.official - w.bare)}); after load ours +${num((l.ours - l.bare) / MB, 1)} MB, official +${num((l.official - l.bare) / MB, 1)} MB (${ratio(l.ours - l.bare, l.official - l.bare)}).`,
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
      `Counted with a receiver that tallies span names, over ${data.coverageRequests} sequential requests after one unrecorded request. The example is an ESM app (\`"type": "module"\`): ours registers import-in-the-middle's loader hook itself (only for the modules its instrumentations patch). The official \`register.mjs\` (${env.packages['@opentelemetry/auto-instrumentations-node']}) registers **no** loader hook: what it still traces in an ESM app comes from patching the CommonJS packages Node loads for it. ${esmNote(data.coverage)} Its documented ESM recipe adds \`--experimental-loader=@opentelemetry/instrumentation/hook.mjs\` (import-in-the-middle on every module), which is what the load figures above use for the database route.`,
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

  const checks = goals(data);
  if (checks.length > 0) {
    p('## Goals (issue 6), from the medians above', '', '| goal | measured | |', '|---|---|---|', ...checks.map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'met' : '**missed**'} |`), '');
    if (data.quick) p('(Quick mode: too short to judge the goals; see the full run.)', '');
  }
  p('Profiling of the missed goals, and what to change: [PROFILING.md](PROFILING.md).', '');
  return lines.join('\n');
}
