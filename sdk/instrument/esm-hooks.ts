import { isBuiltin, register, registerHooks, type ResolveHookContext, type ResolveFnOutput } from 'node:module';
import { pathToFileURL } from 'node:url';

type SyncHooks = typeof import('import-in-the-middle/register-hooks.mjs');

/**
 * ESM apps bypass `require`, so the instrumentations see their imports only through
 * import-in-the-middle's loader hook. It must be registered before the app's first
 * import, which is why register.ts runs under `--import`. Only the modules the
 * enabled instrumentations patch are intercepted: wrapping every module would slow
 * start-up and risk breaking modules the hook cannot handle.
 *
 * Where Node can, the hook runs in the app's own thread (`module.registerHooks`):
 * `module.register` starts a second V8 isolate (~60 ms, ~14 MB) and then makes every
 * `require` and `import` of the app a round trip to it (bench/PROFILING.md).
 */
export function registerEsmHook(moduleNames: string[], onResolve: ((specifier: string, parentURL: string | undefined) => void) | undefined, warn: (message: string) => void): void {
  try {
    const syncHooks = moduleNames.length > 0 ? inThreadHooks() : undefined;
    if (syncHooks === undefined) {
      if (moduleNames.length > 0) register('import-in-the-middle/hook.mjs', pathToFileURL(__filename), { data: { include: moduleNames } });
      // Activation still happens in the app's thread: a resolve hook alone works since 22.15, where the off-thread loader is used.
      if (onResolve && typeof registerHooks === 'function') registerHooks({ resolve: observeResolve(onResolve, (specifier, context, nextResolve) => nextResolve(specifier, context)) });
      return;
    }
    syncHooks.register({ include: moduleNames });
    // One resolve hook for both: each one more is a function call on every require and import of the app.
    registerHooks({ resolve: onResolve ? observeResolve(onResolve, resolveBuiltinsWithoutParent) : resolveBuiltinsWithoutParent });
  } catch (error) {
    // The SDK and the require hooks are already on: CommonJS stays traced (under --frozen-intrinsics import-in-the-middle cannot set Error.stackTraceLimit).
    warn(`ES module imports are not traced, CommonJS requires are: the import hook could not be registered (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * import-in-the-middle's in-thread hook, where this Node has `module.registerHooks` and
 * can `require` an ES module; undefined otherwise (older Node, or
 * `--no-experimental-require-module`): the off-thread hook then.
 */
function inThreadHooks(): SyncHooks | undefined {
  try {
    // The version check alone first: the hook module loads acorn and cjs-module-lexer, for nothing where Node cannot use it.
    const { supportsSyncHooks } = require('import-in-the-middle/supports-sync-hooks.mjs') as Pick<SyncHooks, 'supportsSyncHooks'>;
    return supportsSyncHooks() ? (require('import-in-the-middle/register-hooks.mjs') as SyncHooks) : undefined;
  } catch {
    return undefined;
  }
}

type ResolveHook = (specifier: string, context: ResolveHookContext, nextResolve: (specifier: string, context?: Partial<ResolveHookContext>) => ResolveFnOutput) => ResolveFnOutput;

/**
 * import-in-the-middle 3.6 takes a module required with no parent (code given with
 * -e/-p under `--require`) for an extensionless entry point, drops its `builtin`
 * format, and Node then looks for a file named "module" or "os". Built-ins need no
 * hook: resolve them here, before it (hooks registered later run first).
 */
function resolveBuiltinsWithoutParent(
  specifier: string,
  context: ResolveHookContext,
  nextResolve: (specifier: string, context?: Partial<ResolveHookContext>) => ResolveFnOutput,
): ResolveFnOutput {
  if (!context.parentURL && isBuiltin(specifier)) {
    return { url: specifier.startsWith('node:') ? specifier : `node:${specifier}`, format: 'builtin', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/**
 * Calls onResolve with each specifier an `import` resolved, before its module is
 * loaded (sdk/instrument/activation.ts). Not for `require` (its conditions say so), which the
 * activation sees first, nor `require.resolve`: require-in-the-middle resolves each
 * package's name on every load it inspects, so that a library our exporters load
 * would activate its instrumentation for nothing.
 */
function observeResolve(onResolve: (specifier: string, parentURL: string | undefined) => void, resolve: ResolveHook): ResolveHook {
  return (specifier, context, nextResolve) => {
    const resolved = resolve(specifier, context, nextResolve);
    try {
      // An array, or a Set on 22.15 for require().
      if (![...(context.conditions as Iterable<string> | undefined ?? [])].includes('require')) onResolve(specifier, context.parentURL);
    } catch {
      // Never into the app's import.
    }
    return resolved;
  };
}
