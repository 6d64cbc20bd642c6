#!/usr/bin/env node
// Replaces tsc's dist/sdk/runtime.js with one file holding it, the rest of sdk/ and
// the OpenTelemetry packages the default path uses (api, core, sdk-trace,
// resources, instrumentation and the five default instrumentations). Start-up was
// mostly Node resolving and compiling ~230 small files (bench/PROFILING.md); one
// file, with the semantic-conventions constants nobody uses left out, is cheaper.
//
// Stays outside the bundle, loaded from node_modules as before:
// - import-in-the-middle and require-in-the-middle: the code the ESM hook writes
//   into the app's modules imports import-in-the-middle's own files, which must be
//   the same instance the instrumentations register with;
// - what is loaded later or only on request: exporters (gRPC, protobuf), metrics,
//   logs, B3, cloud resource detectors, any instrumentation a user turns on.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const EXTERNAL = [
  /^import-in-the-middle(\/|$)/,
  /^require-in-the-middle(\/|$)/,
  /^@grpc\//,
  /^@opentelemetry\/(exporter-|otlp-|sdk-metrics|sdk-logs|propagator-)/,
  /^@opentelemetry\/resource-detector-(?!container)/,
];

/**
 * Packages are taken in their ESM build even where our code `require`s them: the
 * ESM builds can be tree-shaken (semantic-conventions is 392 KB of constants), and
 * one build per package keeps a single copy of each in the bundle.
 */
const resolvePackages = {
  name: 'packages',
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
      if (EXTERNAL.some((pattern) => pattern.test(args.path))) return { path: args.path, external: true };
      if (args.kind !== 'require-call') return undefined;
      const resolved = await bundle.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: 'resolving' });
      return resolved.errors.length > 0 ? undefined : resolved;
    });
    // instrumentation-http's ESM build loads forwarded-parse through
    // `createRequire(import.meta.url)`, which has no value in a CommonJS bundle: a
    // plain require() is bundled instead.
    bundle.onLoad({ filter: /instrumentation-http[\\/]dist[\\/]utils\.mjs$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(/\b__require\((["'][^"']+["'])\)/g, 'require($1)'),
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: [join(ROOT, 'sdk/runtime.ts')],
  outfile: join(ROOT, 'dist/sdk/runtime.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: `node${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node.replace(/^>=/, '')}`,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [resolvePackages],
  allowOverwrite: true,
});

// An ESM build that reads import.meta would get an empty object here and fail at run time.
if (/\bimport_meta\d* = \{\}/.test(readFileSync(join(ROOT, 'dist/sdk/runtime.js'), 'utf8'))) {
  console.error('scripts/bundle.mjs: a bundled package uses import.meta, which a CommonJS bundle cannot give it');
  process.exit(1);
}

if (process.argv.includes('--analyse')) {
  const byPackage = new Map();
  for (const [path, { bytesInOutput }] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.js'))].inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'otel-preload';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(String(bytes).padStart(8), name);
}
