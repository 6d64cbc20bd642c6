#!/usr/bin/env node
// Replaces three of tsc's files in dist/ with bundles (esbuild) of them and the
// packages they use. Start-up was mostly Node resolving and compiling ~230 small
// files (bench/PROFILING.md); one file, with the semantic-conventions constants
// nobody uses left out, is cheaper.
// - sdk/runtime.js: the SDK as register.ts starts it (core, sdk-trace, resources,
//   instrumentation and the five default instrumentations);
// - sdk/export/trace-exporters.js: the OTLP trace exporters (serialisers, transports),
//   which runtime.js loads two seconds after start;
// - receiver/otlp-proto.js: the viewer's protobuf decoder (see BUNDLES).
// Without this step (tsc alone) the same files work unbundled.
//
// Stays outside the bundles, loaded from node_modules as before:
// - @opentelemetry/api (see ALWAYS_EXTERNAL);
// - import-in-the-middle and require-in-the-middle: the code the ESM hook writes
//   into the app's modules imports import-in-the-middle's own files, which must be
//   the same instance the instrumentations register with;
// - grpc-js (CommonJS that loads protobufjs for features we do not use), and what
//   is loaded only on request: metrics, logs, B3, cloud resource detectors, any
//   instrumentation a user turns on.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const ALWAYS_EXTERNAL = [
  // The api keeps its providers in one global slot and refuses one registered by an
  // older minor version: it must be the copy npm resolves for everybody (the app's own
  // spans, withSpan, instrumentations turned on by name), not one frozen in here.
  /^@opentelemetry\/api(-logs)?(\/|$)/,
  /^import-in-the-middle(\/|$)/,
  /^require-in-the-middle(\/|$)/,
  /^@grpc\//,
  /^@opentelemetry\/(exporter-(metrics|logs|prometheus)|sdk-metrics|sdk-logs|propagator-)/,
  /^@opentelemetry\/resource-detector-(?!container)/,
];

const BUNDLES = [
  // The exporters' bundle is its own file, required lazily (sdk/export/exporters.ts,
  // and sdk/export/exit-export.ts for its serialisers): relative to runtime.js, which
  // holds the code that requires it, it is ./export/trace-exporters.js.
  { entry: 'sdk/runtime.ts', external: [...ALWAYS_EXTERNAL, /^@opentelemetry\/(exporter-|otlp-)/], moved: { './trace-exporters.js': './export/trace-exporters.js' } },
  { entry: 'sdk/export/trace-exporters.ts', external: ALWAYS_EXTERNAL },
  // `otel-preload view`'s protobuf decoder: the generated code of an old
  // otlp-transformer (installed as `otlp-protos`, 17 MB with its own dependencies),
  // bundled so that the package needs it at build time only.
  { entry: 'receiver/otlp-proto.ts', external: [] },
];

/**
 * OpenTelemetry packages are taken in their ESM build even where they are
 * `require`d: the ESM builds can be tree-shaken (semantic-conventions is 392 KB of
 * constants), and one build per package keeps a single copy of each in the bundle.
 * Others keep Node's choice (`require` of `long` must give the class, not a namespace).
 */
const resolvePackages = (external, moved = {}) => ({
  name: 'packages',
  setup(bundle) {
    bundle.onResolve({ filter: /.*/ }, async (args) => {
      if (args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
      if (Object.hasOwn(moved, args.path)) return { path: moved[args.path], external: true };
      if (external.some((pattern) => pattern.test(args.path))) return { path: args.path, external: true };
      if (args.path.startsWith('.') || args.path.startsWith('/')) return undefined;
      if (args.kind !== 'require-call' || !args.path.startsWith('@opentelemetry/')) return undefined;
      const resolved = await bundle.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: 'resolving' });
      return resolved.errors.length > 0 ? undefined : resolved;
    });
    // Some ESM builds require CommonJS packages through `createRequire(import.meta.url)`
    // (instrumentation-http: forwarded-parse; the gRPC exporter: grpc-js), which has no
    // value in a CommonJS bundle: a plain require() is resolved as above instead.
    // A namespace import of the external api (`import * as api`, the SDK's Tracer) would
    // become a copy of its exports made of getters, one call per `api.x` on every span
    // (~3 % of a span's CPU, bench/PROFILING.md): its default import is the same object.
    bundle.onLoad({ filter: /[\\/]node_modules[\\/]@opentelemetry[\\/].*\.mjs$/ }, async (args) => ({
      contents: withFasterAttributeChecks(
        args.path,
        (await readFile(args.path, 'utf8'))
          .replace(/\b__require\((["'][^"']+["'])\)/g, 'require($1)')
          .replace(/\bimport \* as (\w+) from (["'])@opentelemetry\/api\2;/g, 'import $1 from $2@opentelemetry/api$2;'),
      ),
      loader: 'js',
    }));
  },
});

/**
 * Two changes to @opentelemetry/core's attribute checks, which the SDK runs on every
 * attribute of every span (twice at its start), with the same results
 * (bench/PROFILING.md, "Issue 20, continued"):
 * - isAnyValue made a WeakSet before looking at the value's type; only arrays and
 *   objects need one, so strings, numbers and booleans are answered first, as
 *   isAnyValueInternal answers them;
 * - cleanAttributesInternal walked Object.entries, an array per attribute; it walks
 *   the same own enumerable keys, in the same order, reading each value once.
 * If either function changes upstream, the build stops here.
 */
const CORE_ATTRIBUTE_CHECKS = [
  [
    'function isAnyValue(val) {\n\treturn isAnyValueInternal(val, /* @__PURE__ */ new WeakSet());\n}',
    'function isAnyValue(val) {\n\tconst type = typeof val;\n\tif (type === "string" || type === "number" || type === "boolean") return true;\n\treturn isAnyValueInternal(val, /* @__PURE__ */ new WeakSet());\n}',
  ],
  ['\tfor (const [key, val] of Object.entries(inAttributes)) {\n', '\tfor (const key of Object.keys(inAttributes)) {\n\t\tconst val = inAttributes[key];\n'],
];

function withFasterAttributeChecks(path, code) {
  if (!/[\\/]@opentelemetry[\\/]core[\\/]dist[\\/]common[\\/]attributes\.mjs$/.test(path)) return code;
  for (const [original, faster] of CORE_ATTRIBUTE_CHECKS) {
    if (code.split(original).length !== 2) throw new Error(`${path}: no longer has, once, the code bundle.mjs changes:\n${original}\nRead it again before bundling.`);
    code = code.replace(original, faster);
  }
  return code;
}

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const DEPENDENCIES = new Set(Object.keys(PACKAGE.dependencies));
const target = `node${PACKAGE.engines.node.replace(/^>=/, '')}`;

function fail(message) {
  console.error(`scripts/bundle.mjs: ${message}`);
  process.exit(1);
}

for (const { entry, external, moved } of BUNDLES) {
  const outfile = join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'));
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    // No source map: it would point into node_modules sources the package does not ship.
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [resolvePackages(external, moved)],
    allowOverwrite: true,
  });

  rmSync(`${outfile}.map`, { force: true }); // tsc's, for the file replaced

  // An ESM build that reads import.meta would get an empty object here and fail at run time.
  const code = readFileSync(outfile, 'utf8');
  if (/\bimport_meta\d* = \{\}/.test(code)) fail(`a package bundled into ${entry} uses import.meta, which a CommonJS bundle cannot give it`);
  // What a bundle leaves to node_modules must be ours to depend on: under pnpm or Yarn PnP
  // a package only sees its own dependencies, not its dependencies' dependencies.
  for (const [, name] of code.matchAll(/\brequire\("((?:@[^/"]+\/)?[^/".][^/"]*)[^"]*"\)/g)) {
    if (!isBuiltin(name) && !DEPENDENCIES.has(name)) fail(`${entry} requires "${name}", which is not in package.json's dependencies`);
  }

  if (process.argv.includes('--analyse')) {
    const [output] = Object.values(result.metafile.outputs).filter((o) => o.entryPoint);
    const byPackage = new Map();
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'otel-preload';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
    console.log(`${entry}: ${output.bytes} bytes`);
    for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(String(bytes).padStart(8), name);
  }
}
