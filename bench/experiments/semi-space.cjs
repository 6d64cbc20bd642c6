// EXPERIMENT: can a preload cap V8's young generation at run time? (Under load the
// tracers' per-request garbage makes V8 grow new space to its 64 MiB × 2 maximum:
// most of the RSS they add under load.) Preload with --require before the tracer.
'use strict';
require('node:v8').setFlagsFromString(`--max-semi-space-size=${process.env.BENCH_SEMI_SPACE_MB ?? '16'}`);
