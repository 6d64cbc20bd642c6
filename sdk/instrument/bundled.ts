import type { Instrumentation, InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { BUNDLED_MODULE_HOOK } from '../../bundlers/hook.js';
import { failedInApp } from '../guard.js';
import type { Activation } from './activation.js';

/** A bundled module as the plugin's line hands it on: its CommonJS `module`, whose exports we may replace. */
type HandOn = (module: { exports: unknown }, name: string, version: string, file: string, main: boolean) => void;

/** What InstrumentationBase does with a module require-in-the-middle gives it (its own method, not public API). */
interface RequireHandler {
  _onRequire?: (definition: InstrumentationModuleDefinition, exports: unknown, name: string, baseDir: string) => unknown;
  getModuleDefinitions?: () => InstrumentationModuleDefinition[];
}

/**
 * The runtime side of the bundler plugins (bundlers/): a module of an instrumented
 * package, loaded from inside a bundle, is patched as if `require` had loaded it from
 * node_modules: the same activation (OTEL_NODE_ENABLED_INSTRUMENTATIONS and DISABLED
 * apply unchanged), then each instrumentation's own require handler, told the
 * version the plugin recorded at build time instead of reading a package.json
 * that the bundle does not have. Its version ranges and file names decide, as for a require.
 */
export class BundledModules {
  constructor(
    private readonly activation: Activation,
    /** Every instrumentation registered so far: started with the SDK, or activated since. */
    private readonly instrumentations: () => readonly Instrumentation[],
  ) {}

  listen(): void {
    const handOn: HandOn = (module, name, version, file, main) => {
      try {
        this.handOn(module, name, version, main ? name : file);
      } catch (error) {
        failedInApp(`patching the bundled module ${file}`, error);
      }
    };
    (globalThis as Record<symbol, unknown>)[Symbol.for(BUNDLED_MODULE_HOOK)] = handOn;
  }

  private handOn(module: { exports: unknown }, name: string, version: string, requiredAs: string): void {
    this.activation.activate(name);
    let exports = module.exports;
    for (const instrumentation of this.instrumentations()) {
      const handler = instrumentation as unknown as RequireHandler;
      for (const definition of handler.getModuleDefinitions?.() ?? []) {
        if (definition.name !== name) continue;
        if (typeof handler._onRequire !== 'function') throw new Error(`${instrumentation.instrumentationName} has no require handler to give it to`);
        // The instrumentation, except that the package's version is the one recorded in the bundle.
        const asInstalled = Object.create(instrumentation, { _extractPackageVersion: { value: () => version } }) as RequireHandler;
        exports = handler._onRequire.call(asInstalled, definition, exports, requiredAs, BUNDLE_BASE_DIR);
      }
    }
    module.exports = exports;
  }
}

/** Where require-in-the-middle would say the package is: anything but empty (empty means a built-in). */
const BUNDLE_BASE_DIR = '(bundled)';
