#!/usr/bin/env node
// npm run bench [-- --quick] — bare vs ours vs the official register vs the peers
// (dd-trace, EDOT), side by side, interleaved, in one run. Prints a Markdown table on stdout (progress on stderr) and
// writes bench/RESULTS.md (full) or bench/RESULTS.quick.md (--quick), plus the raw
// numbers as .json next to it. Needs a build (dist/) and, for the database route, the
// services of scripts/services/up (started here if they are not running).
//
//   --quick            a few seconds per case, one round (CI: keeps the harness working)
//   --only=a,b         phases: coverage, startup, load, export (default: all)
//   --no-db            skip the database route (no PostgreSQL/Kafka needed)
//   --rounds=N         override the number of load rounds (start-up uses 3N)
//   --out=PATH         where to write the Markdown (default as above)
//   --render=FILE.json re-render the Markdown from a run's saved numbers (no measuring)
//   --before=FILE.json the run whose start-up is the "unchanged or better" reference of the
//                      issue 13 goals (default bench/BEFORE-diagnostics-channel.json, if present)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { checkCoverage } from './coverage.mjs';
import { measureExport } from './export.mjs';
import { BENCH, ROOT } from './lib/configs.mjs';
import { installCleanup, killAll } from './lib/proc.mjs';
import { startReceiverProcess } from './lib/receiver.mjs';
import { prepareServices } from './lib/services.mjs';
import { measureLoad } from './load.mjs';
import { environment, gitState, render, startupAdded } from './report.mjs';
import { measureStartup } from './startup.mjs';

const PHASES = ['coverage', 'startup', 'load', 'export'];

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-db': { type: 'boolean', default: false },
    rounds: { type: 'string' },
    out: { type: 'string' },
    render: { type: 'string' },
    before: { type: 'string' },
  },
});

/** The before run's start-up, as the goals compare with it: { commit, date, added: { [key]: ms } }. */
function readBefore(path, { required }) {
  if (!existsSync(path)) {
    if (required) throw new Error(`--before: ${path} does not exist`);
    return undefined;
  }
  const before = JSON.parse(readFileSync(path, 'utf8'));
  if (!before.startup) return undefined;
  // `label`, when the file has one, says what was measured (env.commit is the harness's HEAD).
  return { commit: before.label ?? before.env?.commit ?? '?', date: before.env?.date ?? '?', added: startupAdded(before.startup) };
}
const beforePath = options.before ?? `${BENCH}BEFORE-diagnostics-channel.json`;

if (options.render) {
  const data = JSON.parse(readFileSync(options.render, 'utf8'));
  if (options.before) data.before = readBefore(beforePath, { required: true });
  const markdown = render(data);
  process.stdout.write(`${markdown}\n`);
  if (options.out) writeFileSync(options.out, `${markdown}\n`);
  process.exit(0);
}

const quick = options.quick;
const phases = options.only ? options.only.split(',').map((s) => s.trim()) : PHASES;
for (const phase of phases) if (!PHASES.includes(phase)) throw new Error(`unknown phase "${phase}"; known: ${PHASES.join(', ')}`);
const loadRounds = options.rounds ? Number(options.rounds) : quick ? 1 : 5;
const settings = {
  rounds: loadRounds,
  'start-up runs': quick ? 1 : 3 * loadRounds,
  connections: 10,
  'warm-up': quick ? '0.5 s' : '5 s',
  duration: quick ? '1.5 s' : '10 s',
  'export step': quick ? '1.5 s' : '4 s',
  'export search steps': quick ? 2 : 5,
  'export rounds': quick ? 1 : 3,
};
const seconds = (text) => Number.parseFloat(text);

const log = (message) => process.stderr.write(`${message}\n`);
const started = Date.now();

async function main() {
  for (const file of ['dist/register.js', 'dist/index.js', 'dist/receiver/index.js']) {
    if (!existsSync(`${ROOT}${file}`)) throw new Error(`${file} is missing: build first (npm run build)`);
  }
  installCleanup();
  const loadBefore = loadavg();
  const commit = gitState();
  const command = `node bench/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`bench: ${quick ? 'quick' : 'full'} run, phases ${phases.join(', ')}; ${Object.entries(settings).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  const receiver = await startReceiverProcess();
  const data = { quick, before: readBefore(beforePath, { required: options.before !== undefined }) };
  try {
    const needsDb = !options['no-db'] && (phases.includes('load') || phases.includes('coverage'));
    const services = needsDb ? await prepareServices({ log }) : undefined;

    if (phases.includes('coverage')) {
      log('bench: what each configuration traces (spans per request)');
      data.coverageRequests = 20;
      data.coverage = await checkCoverage({ receiver, services, requests: data.coverageRequests, log });
    }
    if (phases.includes('startup')) {
      log('bench: start-up');
      data.startup = await measureStartup({ receiver, rounds: settings['start-up runs'], log, defaultsFootnote: !quick, warmupRound: !quick });
    }
    if (phases.includes('load')) {
      log('bench: load (autocannon)');
      data.load = await measureLoad({
        receiver,
        services,
        rounds: loadRounds,
        connections: settings.connections,
        warmupSeconds: seconds(settings['warm-up']),
        seconds: seconds(settings.duration),
        log,
        quick,
      });
    }
    if (phases.includes('export')) {
      log('bench: export cost');
      data.export = await measureExport({
        receiver,
        rounds: settings['export rounds'],
        seconds: seconds(settings['export step']),
        searchSteps: settings['export search steps'],
        log,
      });
    }
  } finally {
    await receiver.close();
    killAll();
  }

  settings['total time'] = `${Math.round((Date.now() - started) / 1000)} s`;
  data.env = environment({ command, settings, loadBefore, commit });
  const markdown = render(data);
  process.stdout.write(`${markdown}\n`);
  const out = options.out ?? `${BENCH}${quick ? 'RESULTS.quick.md' : 'RESULTS.md'}`;
  writeFileSync(out, `${markdown}\n`);
  writeFileSync(out.replace(/\.md$/, '') + '.json', `${JSON.stringify(data, null, 1)}\n`);
  log(`bench: done in ${settings['total time']}; wrote ${out}`);
}

main().catch((error) => {
  killAll();
  process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
