/**
 * `otel-preload/esbuild`: `plugins: [otelPreload()]` in an esbuild build. The main
 * module of each package our instrumentations patch (pg, express, kafkajs, pino,
 * @nestjs/core, …), and each inner file they patch, gets one line that hands its
 * exports to the preload when the bundle loads it (modules.ts), so that a bundled
 * service is traced as the same service run from node_modules is. The bundle still
 * runs, untraced, without the preload.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { PATCHED_FILES } from '../config/instrumentation-catalog.js';
import { INSTRUMENTED_PACKAGES, instrumentedPackageFile, withHandOn } from './modules.js';

/** The shape of an esbuild plugin, without depending on esbuild's types. */
export interface EsbuildPlugin {
  name: string;
  setup(build: {
    initialOptions: { entryPoints?: unknown; absWorkingDir?: string };
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js'; resolveDir: string } | undefined>): void;
  }): void;
}

export function otelPreload(): EsbuildPlugin {
  return {
    name: 'otel-preload',
    setup(build) {
      build.onLoad({ filter: candidates(searchDirs(build.initialOptions)) }, async ({ path }) => {
        if (instrumentedPackageFile(path) === undefined) return undefined;
        let code: string;
        try {
          code = await readFile(path, 'utf8');
        } catch {
          return undefined; // not on disk (a Yarn PnP zip): esbuild loads it as usual
        }
        const contents = withHandOn(path, code);
        return contents === undefined ? undefined : { contents, loader: 'js', resolveDir: dirname(path) };
      });
    },
  };
}

/**
 * The files to look at, as one pattern esbuild matches in its own (Go) code, so that
 * it calls us for those only: the inner files instrumentations patch, and the main
 * module of each instrumented package as installed where the build resolves from. A
 * filter on whole packages cost a quarter more build time, on all of node_modules two
 * thirds more (bench/experiments/bundles.mjs). A copy whose main module has another
 * path (another version elsewhere in node_modules) is matched by the package's
 * usual main names as well.
 */
function candidates(dirs: string[]): RegExp {
  const files = new Set(Object.values(PATCHED_FILES).flat());
  for (const name of INSTRUMENTED_PACKAGES) {
    for (const main of ['index.js', 'lib/index.js', 'dist/index.js']) files.add(`${name}/${main}`);
    try {
      const resolved = require.resolve(name, { paths: dirs });
      const marker = `${sep}node_modules${sep}`;
      const inside = resolved.lastIndexOf(marker);
      if (inside >= 0) files.add(resolved.slice(inside + marker.length).split(sep).join('/'));
    } catch {
      // Not installed there: nothing of it to bundle.
    }
  }
  const escaped = [...files].map((file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').split('/').join('[\\\\/]'));
  return new RegExp(`[\\\\/]node_modules[\\\\/](${escaped.join('|')})$`);
}

/** Where the build resolves packages from: its entry points' folders and its working folder. */
function searchDirs(options: { entryPoints?: unknown; absWorkingDir?: string }): string[] {
  const cwd = options.absWorkingDir ?? process.cwd();
  const entries = Array.isArray(options.entryPoints) ? options.entryPoints : typeof options.entryPoints === 'object' && options.entryPoints !== null ? Object.values(options.entryPoints) : [];
  const paths = entries.map((entry: unknown) => (typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null && 'in' in entry ? String((entry).in) : undefined));
  return [...new Set([...paths.filter((path) => path !== undefined).map((path) => dirname(resolve(cwd, path))), cwd])];
}

export default otelPreload;
