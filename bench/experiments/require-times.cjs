// EXPERIMENT: preload first (--require) to see what start-up spends loading CommonJS
// modules, by package: exclusive wall time of each require() (its own compile and
// run, minus the requires it makes), and how many files. ESM files are not seen.
//   node --require ./bench/experiments/require-times.cjs --import otel-preload/register -e 0
'use strict';
const Module = require('node:module');
const originalLoad = Module._load;
const byPackage = new Map();
const stack = [];
let files = 0;
const seen = new Set();

function owner(request, parent) {
  let path;
  try {
    path = Module._resolveFilename(request, parent);
  } catch {
    return request;
  }
  if (!path.includes('/')) return 'node:builtin';
  if (!seen.has(path)) {
    seen.add(path);
    files++;
  }
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (match) return match[1];
  if (path.includes('/dist/')) return 'otel-preload (dist)';
  return path;
}

Module._load = function load(request, parent, isMain) {
  const start = process.hrtime.bigint();
  stack.push(0n);
  try {
    return originalLoad.apply(this, arguments);
  } finally {
    const inclusive = process.hrtime.bigint() - start;
    const children = stack.pop();
    if (stack.length > 0) stack[stack.length - 1] += inclusive;
    const pkg = owner(request, parent);
    const entry = byPackage.get(pkg) ?? { ms: 0, loads: 0 };
    entry.ms += Number(inclusive - children) / 1e6;
    entry.loads++;
    byPackage.set(pkg, entry);
  }
};

process.on('exit', () => {
  const rows = [...byPackage].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  process.stderr.write(`require(): ${total.toFixed(1)} ms exclusive in total, ${files} files, ${(performance.now()).toFixed(0)} ms since process start\n`);
  for (const [pkg, e] of rows.slice(0, Number(process.env.REQUIRE_TIMES_TOP ?? 30))) {
    process.stderr.write(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.loads).padStart(5)} requires  ${pkg}\n`);
  }
});
