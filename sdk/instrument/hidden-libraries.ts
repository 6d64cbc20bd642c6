import { readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { BUNDLED_MODULE_HOOK } from '../../bundlers/hook.js';
import { SDK_DIR } from '../guard.js';

/** When to look: the app's bundle has loaded its modules by then, and start-up is over. */
const LOOK_AFTER_MS = 1500;
/** Bigger files are not read (a bundle of a whole service is a few MB). */
const LARGEST_FILE = 64 * 1024 * 1024;
/** Smaller files are not read: most of an app's own sources are, and a bundle holding a library we patch is not (pg with pg-pool is ~150 KB). */
const SMALLEST_BUNDLE = 16 * 1024;

export interface LoadedPackages {
  /** The instrumented packages the app's code names: those an enabled instrumentation waits for. */
  readonly watched: readonly string[];
  /** Whether the app has loaded this package through require, import or a bundle built with our plugin. */
  loaded(name: string): boolean;
}

/**
 * A library bundled into the app's own file is never loaded through `require` or
 * `import`, so nothing patches it, and nothing else would tell the user. A bundler
 * leaves the paths of what it bundled in its output (esbuild's
 * `node_modules/pg/lib/index.js` markers, webpack's module names in development
 * builds): an instrumented package named there but never loaded is hidden. Looked for
 * once, off the start-up path, in the main script and the app's other CommonJS files
 * outside node_modules (webpack's chunks). A bundle built with our plugin says so, and
 * hands on what it loads: nothing to report. A minified bundle keeps no paths: it
 * cannot be recognised, and gets no report.
 */
export function reportHiddenLibraries(packages: LoadedPackages, warn: (message: string) => void): void {
  setTimeout(() => {
    try {
      const hidden = new Map<string, string>();
      for (const file of appFiles()) {
        const code = read(file);
        if (code === undefined || code.includes(BUNDLED_MODULE_HOOK)) continue;
        for (const name of packages.watched) {
          if (!hidden.has(name) && !packages.loaded(name) && code.includes(`node_modules/${name}/`)) hidden.set(name, file);
        }
      }
      if (hidden.size > 0) warn(hiddenMessage(hidden));
    } catch {
      // A report, never a failure of the app.
    }
  }, LOOK_AFTER_MS).unref();
}

export function hiddenMessage(hidden: ReadonlyMap<string, string>): string {
  const names = [...hidden.keys()];
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const files = [...new Set(hidden.values())].join(', ');
  return (
    `${list} ${names.length === 1 ? 'is' : 'are'} bundled into ${files} and never loaded through require or import, so ${names.length === 1 ? 'it is' : 'they are'} not traced. ` +
    "Build the bundle with our plugin: esbuild `plugins: [otelPreload()]` (import otelPreload from 'otel-preload/esbuild'), " +
    "webpack `plugins: [new OtelPreloadPlugin()]` (import OtelPreloadPlugin from 'otel-preload/webpack'); or keep those packages external (docs/usage.md, \"Bundled services\")"
  );
}

/** The main script, then the app's CommonJS files loaded from outside node_modules. */
function appFiles(): string[] {
  const main = process.argv[1];
  const files = new Set(main === undefined ? [] : [main, `${main}.js`, `${main}.cjs`, `${main}.mjs`].filter(isFile).slice(0, 1));
  const ours = join(SDK_DIR, '..') + sep;
  for (const file of Object.keys(require.cache)) if (!file.includes(`${sep}node_modules${sep}`) && !file.startsWith(ours)) files.add(file);
  return [...files];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function read(file: string): string | undefined {
  try {
    const { size } = statSync(file);
    return size >= SMALLEST_BUNDLE && size <= LARGEST_FILE ? readFileSync(file, 'latin1') : undefined;
  } catch {
    return undefined;
  }
}
