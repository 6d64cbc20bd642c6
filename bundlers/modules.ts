/**
 * What the bundler plugins (esbuild.ts, webpack.ts) do to a module of a package our
 * instrumentations patch: the module's own code, unchanged, then one line that hands
 * its exports, the package's name and version (read here, at build time: a bundle has
 * no package.json to read at run time) and the file's place in the package to the
 * preload, which patches them as it patches a `require` (sdk/instrument/bundled.ts).
 * Without the preload that line finds nothing to call and does nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { ADAPTER_MODULES, INSTRUMENTED_MODULES, PATCHED_FILES } from '../config/instrumentation-catalog.js';
import { BUNDLED_MODULE_HOOK } from './hook.js';

/** Every package an instrumentation of the catalogue or an adapter of ours patches, enabled or not: that is decided at run time. */
export const INSTRUMENTED_PACKAGES: ReadonlySet<string> = new Set(
  [...Object.values(INSTRUMENTED_MODULES).flat(), ...ADAPTER_MODULES].filter((name) => !isBuiltin(name)),
);

export interface PackageFile {
  /** The package's name, as `require` names it: "pg", "@nestjs/core". */
  name: string;
  version: string;
  /** The file as require-in-the-middle names a package's inner file: "pg/lib/client.js". */
  file: string;
  /** Whether it is what `require(name)` gives: the module an instrumentation patches by the package's name. */
  main: boolean;
}

interface PackageJson {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  type?: unknown;
  exports?: unknown;
}

const NODE_MODULES = `${sep}node_modules${sep}`;
const packageJsons = new Map<string, PackageJson | undefined>();

function readPackageJson(dir: string): PackageJson | undefined {
  if (!packageJsons.has(dir)) {
    let json: PackageJson | undefined;
    try {
      json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    } catch {
      json = undefined;
    }
    packageJsons.set(dir, json);
  }
  return packageJsons.get(dir);
}

/**
 * The file as something an instrumentation patches: the main module of an instrumented
 * package, or one of the inner files they name (PATCHED_FILES); undefined for every
 * other file, which stays as it is. Decided from the path and the package.json alone.
 */
export function instrumentedPackageFile(path: string): PackageFile | undefined {
  const inside = path.lastIndexOf(NODE_MODULES);
  if (inside < 0) return undefined;
  const parts = path.slice(inside + NODE_MODULES.length).split(sep);
  const scoped = parts[0]?.startsWith('@') === true;
  const name = scoped ? `${parts[0]}/${parts[1]}` : parts[0];
  if (name === undefined || !INSTRUMENTED_PACKAGES.has(name)) return undefined;
  const root = path.slice(0, inside + NODE_MODULES.length) + name.split('/').join(sep);
  const json = readPackageJson(root);
  if (json === undefined || typeof json.version !== 'string') return undefined;
  const file = `${name}/${parts.slice(scoped ? 2 : 1).join('/')}`;
  const main = mainFilesOf(root, json).includes(path);
  if (!main && PATCHED_FILES[name]?.includes(file) !== true) return undefined;
  return { name, version: json.version, file, main };
}

const mainFilesByRoot = new Map<string, string[]>();

function mainFilesOf(root: string, json: PackageJson): string[] {
  let files = mainFilesByRoot.get(root);
  if (files === undefined) mainFilesByRoot.set(root, (files = mainFiles(root, json)));
  return files;
}

/** What `require(name)` can give: `main`, or the `exports` entry for "." under require/node/default. */
function mainFiles(root: string, json: PackageJson): string[] {
  const candidates: string[] = [typeof json.main === 'string' ? json.main : 'index.js'];
  const dot = typeof json.exports === 'object' && json.exports !== null && '.' in json.exports ? (json.exports as Record<string, unknown>)['.'] : json.exports;
  const collect = (entry: unknown): void => {
    if (typeof entry === 'string') candidates.push(entry);
    else if (typeof entry === 'object' && entry !== null) for (const key of ['require', 'node', 'default']) collect((entry as Record<string, unknown>)[key]);
  };
  collect(dot);
  return candidates.flatMap((candidate) => {
    const base = join(root, candidate);
    return [base, `${base}.js`, join(base, 'index.js')].filter((file) => existsSync(file));
  });
}

/**
 * Whether a file's code is CommonJS, the only kind whose exports can be handed on
 * (an ES module's bindings are its own): .cjs, or .js under a package.json that does
 * not say "module", and without top-level import/export statements.
 */
export function isCommonJs(path: string, code: string): boolean {
  if (path.endsWith('.mjs')) return false;
  if (!path.endsWith('.cjs')) {
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const json = readPackageJson(dir);
      if (json !== undefined) {
        if (json.type === 'module') return false;
        break;
      }
      if (dirname(dir) === dir || dir.endsWith(`${sep}node_modules`)) break;
    }
  }
  return !/^\s*(import\s*[\w{*'"]|export\s)/m.test(code);
}

/**
 * The line added at the end of the module: guarded by the global's presence, and
 * written so that nothing of ours runs, and nothing is loaded, in a bundle run without the preload.
 */
export function handOnLine({ name, version, file, main }: PackageFile): string {
  return `\n;(globalThis[Symbol.for(${JSON.stringify(BUNDLED_MODULE_HOOK)})]||function(){})(module, ${JSON.stringify(name)}, ${JSON.stringify(version)}, ${JSON.stringify(file)}, ${main});\n`;
}

/** The module's code with the hand-on line, or undefined to leave it as it is. */
export function withHandOn(path: string, code: string): string | undefined {
  const packageFile = instrumentedPackageFile(path);
  if (packageFile === undefined || !isCommonJs(path, code)) return undefined;
  return code + handOnLine(packageFile);
}
