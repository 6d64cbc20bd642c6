/**
 * `otel-preload/esbuild`: `plugins: [otelPreload()]` in an esbuild build. The main
 * module of each package our instrumentations patch (pg, express, kafkajs, pino,
 * @nestjs/core, …), and each inner file they patch, gets one line that hands its
 * exports to the preload when the bundle loads it (modules.ts), so that a bundled
 * service is traced as the same service run from node_modules is. The bundle still
 * runs, untraced, without the preload.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { PATCHED_FILES } from '../config/instrumentation-catalog.js';
import { INSTRUMENTED_PACKAGES, instrumentedPackageFile, withHandOn } from './modules.js';

/** The shape of an esbuild plugin, without depending on esbuild's types. */
export interface EsbuildPlugin {
  name: string;
  setup(build: {
    initialOptions: { entryPoints?: unknown; absWorkingDir?: string };
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => { contents: string; loader: 'js'; resolveDir: string } | undefined): void;
  }): void;
}

export function otelPreload(): EsbuildPlugin {
  return {
    name: 'otel-preload',
    setup(build) {
      // Each call costs esbuild about 2 ms of build time on two busy cores, even one that
      // returns nothing: esbuild waits for this process to answer. The filter keeps the
      // calls to the files we change (bench/experiments/bundles.mjs).
      build.onLoad({ filter: candidates(searchDirs(build.initialOptions)) }, ({ path }) => {
        if (instrumentedPackageFile(path) === undefined) return undefined;
        let code: string;
        try {
          code = readFileSync(path, 'utf8');
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
 * copy whose main module has another path (another version elsewhere in
 * node_modules) is matched by the package's usual main names as well. The pattern is
 * grouped by package and starts with a literal, which Go's matcher looks for first:
 * a flat list of the ~180 files cost esbuild 4 % more build time, a filter on whole
 * packages a quarter more (bench/experiments/bundles.mjs).
 */
function candidates(dirs: string[]): RegExp {
  const filesByPackage = new Map<string, Set<string>>();
  const add = (name: string, file: string) => filesByPackage.set(name, (filesByPackage.get(name) ?? new Set()).add(file));
  for (const [name, files] of Object.entries(PATCHED_FILES)) for (const file of files) add(name, file.slice(name.length + 1));
  for (const name of INSTRUMENTED_PACKAGES) {
    for (const main of ['index.js', 'lib/index.js', 'dist/index.js']) add(name, main);
    const main = resolvedMain(name, dirs);
    if (main !== undefined) add(name, main);
  }
  const pattern = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').split('/').join('[\\\\/]');
  const packages = [...filesByPackage].map(([name, files]) => `${pattern(name)}[\\\\/](?:${[...files].map(pattern).join('|')})`);
  return new RegExp(`node_modules[\\\\/](?:${packages.join('|')})$`);
}

const resolvedMains = new Map<string, string | undefined>();

/** The package's main module, as a path inside the package ("lib/index.js"), where the build resolves it from; kept for the next build. */
function resolvedMain(name: string, dirs: string[]): string | undefined {
  const key = `${name}\0${dirs.join('\0')}`;
  if (!resolvedMains.has(key)) {
    let main: string | undefined;
    try {
      const resolved = require.resolve(name, { paths: dirs });
      const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
      const inside = resolved.lastIndexOf(marker);
      if (inside >= 0) main = resolved.slice(inside + marker.length).split(sep).join('/');
    } catch {
      // Not installed there: nothing of it to bundle.
    }
    resolvedMains.set(key, main);
  }
  return resolvedMains.get(key);
}

/** Where the build resolves packages from: its entry points' folders and its working folder. */
function searchDirs(options: { entryPoints?: unknown; absWorkingDir?: string }): string[] {
  const cwd = options.absWorkingDir ?? process.cwd();
  const entries = Array.isArray(options.entryPoints) ? options.entryPoints : typeof options.entryPoints === 'object' && options.entryPoints !== null ? Object.values(options.entryPoints) : [];
  const paths = entries.map((entry: unknown) => (typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null && 'in' in entry ? String((entry).in) : undefined));
  return [...new Set([...paths.filter((path) => path !== undefined).map((path) => dirname(resolve(cwd, path))), cwd])];
}

export default otelPreload;
