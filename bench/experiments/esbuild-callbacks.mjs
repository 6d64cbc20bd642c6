#!/usr/bin/env node
// EXPERIMENT (issue 21): where the esbuild plugin's build time goes. One entry
// (task-manager's server), built in this process with esbuild's API, in a random
// order every round (in a fixed order each variant inherits the previous one's
// leftovers), medians:
// - none: no plugin;
// - empty: a plugin whose filter matches no file (what registering costs);
// - pass-through: a callback that returns nothing, on exactly the files ours changes;
// - ours: otel-preload/esbuild;
// - answers ready: ours' answers for those files, made before the build (our work off its path);
// - ours' filter, answers ready: the same answers, on the files ours' own pattern matches (what matching it costs).
// pass-through ÷ none is the price of esbuild waiting for this process to answer,
// whatever the answer; ours ÷ pass-through is our own work. Run it again with
// GOMAXPROCS=3 (esbuild's Go service reads it when it starts) to see the wait go away
// when esbuild's goroutines leave a thread for the answer.
//
//   npm run build && [GOMAXPROCS=3] node bench/experiments/esbuild-callbacks.mjs [--rounds=40]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { otelPreload } from 'otel-preload/esbuild';
import { ROOT } from '../lib/configs.mjs';
import { summary } from '../lib/stats.mjs';

const { values: options } = parseArgs({ options: { rounds: { type: 'string', default: '40' } } });
const entry = join(ROOT, 'examples/task-manager/server.js');
const build = (plugins) => esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'error', plugins });

// The files ours changes, seen through its own callback.
const changed = new Set();
const answers = new Map();
const recording = otelPreload();
await build([{
  name: 'recording',
  setup: (b) => recording.setup({
    ...b,
    initialOptions: b.initialOptions,
    onLoad: (filter, callback) => b.onLoad(filter, (args) => {
      const result = callback(args);
      if (result !== undefined) changed.add(args.path), answers.set(args.path, result);
      return result;
    }),
  }),
}]);
const exactly = new RegExp(`^(?:${[...changed].map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);

const variants = {
  none: () => [],
  empty: () => [{ name: 'empty', setup: (b) => b.onLoad({ filter: /\0never$/ }, () => undefined) }],
  'pass-through': () => [{ name: 'pass-through', setup: (b) => b.onLoad({ filter: exactly }, () => undefined) }],
  ours: () => [otelPreload()],
  // Our answers, made before the build: what is left when our own work is off the build's path.
  'answers ready': () => [{ name: 'answers-ready', setup: (b) => b.onLoad({ filter: exactly }, (args) => answers.get(args.path)) }],
  // Ours' own filter with our answers made before the build: what matching that pattern costs esbuild.
  "ours' filter, answers ready": () => {
    const plugin = otelPreload();
    return [{ name: 'ours-filter', setup: (b) => plugin.setup({ ...b, initialOptions: b.initialOptions, onLoad: (filter) => b.onLoad(filter, (args) => answers.get(args.path)) }) }];
  },
};
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round <= Number(options.rounds); round++) {
  const order = Object.keys(variants).sort(() => Math.random() - 0.5);
  for (const name of order) {
    const started = performance.now();
    await build(variants[name]());
    if (round > 0) times[name].push(performance.now() - started); // round 0 warms the file cache
  }
}
await esbuild.stop();

const none = summary(times.none).median;
console.log(`entry ${entry}; ${changed.size} files changed by ours; GOMAXPROCS=${process.env.GOMAXPROCS ?? '(unset)'}; ${options.rounds} rounds`);
console.log('| variant | build ms (median) | ÷ none |');
console.log('|---|---|---|');
for (const [name, list] of Object.entries(times)) {
  const median = summary(list).median;
  console.log(`| ${name} | ${median.toFixed(1)} | ${(median / none).toFixed(3)} |`);
}
