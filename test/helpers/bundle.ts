// Builds an example service into one file per entry, as its team would ship it:
// esbuild or webpack, CommonJS or ESM output, with or without our plugin (the
// package's own exports, otel-preload/esbuild and otel-preload/webpack, as a user
// imports them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CollectedSpan } from '../../receiver/index.js';

export type Bundler = 'esbuild' | 'webpack';
export type Format = 'cjs' | 'esm';

export interface BundleOptions {
  bundler: Bundler;
  format: Format;
  plugin: boolean;
  /** Entry files (absolute); each becomes `<outDir>/<name>.<cjs|mjs>`. */
  entries: string[];
  outDir: string;
}

/** Optional native or unused requires of the packages, which no service ships: left to require at run time. */
const OPTIONAL = ['pg-native', 'pino-pretty', 'class-validator', 'class-transformer', 'class-transformer/storage', '@nestjs/microservices', '@nestjs/microservices/microservices-module', '@nestjs/websockets', '@nestjs/websockets/socket-module', '@fastify/static'];

/** In an ESM bundle, the CommonJS packages inside still `require` Node's built-ins. */
const ESM_REQUIRE_BANNER = "import { createRequire as __otelTestCreateRequire } from 'node:module'; const require = __otelTestCreateRequire(import.meta.url);";

export function outputFile(entry: string, format: Format): string {
  return `${basename(entry).replace(/\.[cm]?[jt]s$/, '')}.${format === 'esm' ? 'mjs' : 'cjs'}`;
}

/** Builds every entry; returns the output files, in the order of the entries. */
export async function buildBundles(options: BundleOptions): Promise<string[]> {
  mkdirSync(options.outDir, { recursive: true });
  if (options.format === 'esm') writeFileSync(join(options.outDir, 'package.json'), '{"type":"module"}\n');
  return options.bundler === 'esbuild' ? buildWithEsbuild(options) : buildWithWebpack(options);
}

async function buildWithEsbuild({ format, plugin, entries, outDir }: BundleOptions): Promise<string[]> {
  const esbuild = await import('esbuild');
  const { otelPreload } = await import('otel-preload/esbuild');
  const files: string[] = [];
  for (const entry of entries) {
    const outfile = join(outDir, outputFile(entry, format));
    await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format,
      target: 'node22',
      // As NestJS services must: class names are what Nest (and our nestjs.controller) read.
      keepNames: true,
      external: OPTIONAL,
      logLevel: 'error',
      ...(format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
      plugins: plugin ? [otelPreload()] : [],
    });
    files.push(outfile);
  }
  return files;
}

async function buildWithWebpack({ format, plugin, entries, outDir }: BundleOptions): Promise<string[]> {
  const { default: webpack } = await import('webpack');
  const { OtelPreloadPlugin } = await import('otel-preload/webpack');
  const files: string[] = [];
  for (const entry of entries) {
    const filename = outputFile(entry, format);
    const config = {
      mode: 'development' as const,
      devtool: false as const,
      target: 'node22',
      entry,
      output: { path: outDir, filename, ...(format === 'esm' ? { module: true, chunkFormat: 'module' as const, library: { type: 'module' as const } } : { library: { type: 'commonjs2' as const } }) },
      ...(format === 'esm' ? { experiments: { outputModule: true } } : {}),
      // Required when used, as a require of the package would: a static import of a missing package would fail at start.
      externals: Object.fromEntries(OPTIONAL.map((name) => [name, `node-commonjs ${name}`])),
      externalsPresets: { node: true },
      optimization: { minimize: false },
      ignoreWarnings: [/Critical dependency/, /Can't resolve/],
      plugins: plugin ? [new OtelPreloadPlugin()] : [],
    };
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) => webpack(config as import('webpack').Configuration, (error, result) => (error || !result ? reject(error ?? new Error('no stats')) : resolve(result))));
    if (stats.hasErrors()) throw new Error(`webpack failed for ${entry}:\n${stats.toString({ all: false, errors: true })}`);
    files.push(join(outDir, filename));
  }
  return files;
}

/** The four ways the tests build a service: each bundler, each output format. */
export const COMBINATIONS: ReadonlyArray<{ bundler: Bundler; format: Format }> = [
  { bundler: 'esbuild', format: 'cjs' },
  { bundler: 'esbuild', format: 'esm' },
  { bundler: 'webpack', format: 'cjs' },
  { bundler: 'webpack', format: 'esm' },
];

/** Attribute values that differ from run to run (ids, ports, times); their names are still compared. */
const VARYING = /(\.id|port|address|\.size|_id|\.offset|\.partition|\.key|peer\.name|url\.full|duration)$/;

/**
 * A trace as lines to compare, one per distinct span: its service, kind, name and
 * scope, its parent's service, kind and name, its attributes' names and stable values,
 * its status; `runId` replaced where the run named things after itself.
 */
export function shape(spans: CollectedSpan[], runId?: RegExp): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const label = (s: CollectedSpan | undefined) => (s === undefined ? '-' : `${String(s.resource['service.name'])} ${s.kind} ${s.name}`);
  const lines = spans.map((s) => {
    const attributes = Object.keys(s.attributes)
      .sort()
      .map((key) => (VARYING.test(key) ? key : `${key}=${String(s.attributes[key])}`));
    const line = `${label(s)} [${s.scope.name}] <- ${s.parentSpanId === undefined ? 'root' : label(byId.get(s.parentSpanId))} {${attributes.join(', ')}} ${s.status.code}`;
    return runId === undefined ? line : line.replace(runId, 'RUN');
  });
  return [...new Set(lines)].sort();
}
