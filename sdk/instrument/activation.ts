import type { Instrumentation } from '@opentelemetry/instrumentation';
import Module, { isBuiltin } from 'node:module';
import { isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SDK_DIR } from '../guard.js';
import { INSTRUMENTED_MODULES, type InstrumentationName } from '../../config/instrumentation-catalog.js';

/**
 * Activation on first use: an enabled instrumentation that patches modules of the
 * app's own dependencies is created (its package `require`d, its hooks added,
 * registered with the providers) when the app first requires or imports one of
 * them, and never if it does not. Until then it is a name in a map.
 *
 * What makes the triggering load itself patched, not only the next one:
 * - `require` (CommonJS): Module.prototype.require is wrapped here. The wrapper
 *   activates before the module is resolved or loaded, then calls
 *   Module.prototype.require again from the top, so that the hook the new
 *   instrumentation's require-in-the-middle singleton just added (outside ours)
 *   sees this very load and patches the exports returned to the app. A hook added
 *   while an outer require is running is otherwise not in that call's chain: the
 *   module's own nested files would be patched, its main exports not.
 * - `import` (ESM): a resolve hook (module.registerHooks, in the app's thread)
 *   activates when the specifier resolves, before the module is loaded; the
 *   import-in-the-middle wrapper module, which the loader hook (sdk/instrument/esm-hooks.ts, with
 *   every name here in its include list) puts around it, calls its hooks when it
 *   is evaluated, by which time the new instrumentation's hook is there.
 */
export class Activation {
  private readonly byModule = new Map<string, InstrumentationName[]>();
  private readonly settled = new Set<InstrumentationName>();
  /** Watched packages the app has loaded, through require, import or a bundle built with our plugin. */
  private readonly loaded = new Set<string>();

  constructor(
    names: readonly InstrumentationName[],
    private readonly create: (name: InstrumentationName) => Instrumentation | undefined,
    private readonly register: (instrumentation: Instrumentation) => void,
    private readonly report: { warn(message: string): void; debug(message: string): void },
    /** Packages patched by instrumentations started with the SDK: nothing to create, but whether the app loads them counts (hidden-libraries.ts). */
    startedWith: readonly string[] = [],
  ) {
    for (const moduleName of startedWith) if (!isBuiltin(moduleName)) this.byModule.set(moduleName, this.byModule.get(moduleName) ?? []);
    for (const name of names) {
      for (const moduleName of INSTRUMENTED_MODULES[name]) {
        if (isBuiltin(moduleName)) continue;
        this.byModule.set(moduleName, [...(this.byModule.get(moduleName) ?? []), name]);
      }
    }
  }

  /** The module names that activate something: what the ESM loader hook must wrap. */
  get moduleNames(): string[] {
    return [...this.byModule.keys()];
  }

  hasLoaded(moduleName: string): boolean {
    return this.loaded.has(moduleName);
  }

  /**
   * Creates the instrumentations waiting for this package, once each. True when one
   * was created now (its hooks must see the load under way). Never throws: a
   * package that cannot be loaded gets one warning and is not tried again.
   */
  activate(moduleName: string): boolean {
    const waiting = this.byModule.get(moduleName);
    if (waiting === undefined) return false;
    this.loaded.add(moduleName);
    let created = false;
    for (const name of waiting) {
      if (this.settled.has(name)) continue;
      this.settled.add(name);
      try {
        const instrumentation = this.create(name);
        if (instrumentation === undefined) continue;
        this.register(instrumentation);
        created = true;
        this.report.debug(`instrumentation "${name}" activated: the app loads "${moduleName}"`);
      } catch (error) {
        this.report.warn(`instrumentation "${name}" could not be loaded, "${moduleName}" is not traced: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return created;
  }
}

const OWN_CODE = join(SDK_DIR, '..') + sep;
const OPENTELEMETRY_PACKAGES = `${sep}node_modules${sep}@opentelemetry${sep}`;

/**
 * Loads made by our own code (dist/) or by OpenTelemetry packages (the OTLP gRPC
 * exporters load @grpc/grpc-js) activate nothing: the app did not ask for them. If
 * the app loads the same module later, that load activates.
 */
export function isOwnCode(parentPath: unknown): boolean {
  return typeof parentPath === 'string' && (parentPath.startsWith(OWN_CODE) || parentPath.includes(OPENTELEMETRY_PACKAGES));
}

const NODE_MODULES = `${sep}node_modules${sep}`;

/**
 * The package a bare specifier names ("koa/lib/x" → "koa", "@nestjs/core" → itself),
 * or an absolute path into a node_modules ("/app/node_modules/koa/lib/application.js"
 * → "koa": plugin loaders require what they resolved); undefined for other paths,
 * URLs and built-ins.
 */
export function packageOf(specifier: string): string | undefined {
  const inside = specifier.lastIndexOf(NODE_MODULES);
  if (inside > 0 && isAbsolute(specifier)) return packageOf(specifier.slice(inside + NODE_MODULES.length).split(sep).join('/'));
  const first = specifier.charCodeAt(0);
  // '.', '/', and anything with a scheme (file:, node:, data:) or a Windows drive.
  if (first === 46 || first === 47 || specifier.includes(':') || specifier.includes('\\')) return undefined;
  const parts = specifier.split('/', 2);
  const name = specifier.startsWith('@') ? (parts.length === 2 ? `${parts[0]}/${parts[1]}` : undefined) : parts[0];
  return name === undefined || isBuiltin(name) ? undefined : name;
}

type Require = (this: Module, id: string) => unknown;

/** Wraps Module.prototype.require: see Activation. */
export function activateOnRequire(activation: Activation): void {
  const prototype = Module.prototype as unknown as { require: Require };
  const original = prototype.require;
  prototype.require = function require(this: Module | undefined, id: string): unknown {
    if (activatesOn(activation, this, id)) {
      // From the top again: the chain now starts with the hooks just added; this wrapper, reached again, passes through.
      return prototype.require.call(this as Module, id);
    }
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this as Module, arguments as unknown as [string]);
  };
}

/** Whether this require activated an instrumentation now; false on any surprise, never throws into the app's require. */
function activatesOn(activation: Activation, parent: Module | undefined, id: unknown): boolean {
  try {
    if (typeof id !== 'string' || isOwnCode(parent?.filename)) return false;
    const name = packageOf(id);
    return name !== undefined && activation.activate(name);
  } catch {
    return false;
  }
}

/** For the ESM resolve hook: see Activation. */
export function activateImport(activation: Activation, specifier: string, parentURL: string | undefined): void {
  try {
    if (parentURL?.startsWith('file:') && isOwnCode(fileURLToPath(parentURL))) return;
    const name = packageOf(specifier);
    if (name !== undefined) activation.activate(name);
  } catch {
    // Never into the app's import.
  }
}
