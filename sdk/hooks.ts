import { register } from 'node:module';
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
export function registerEsmHook(moduleNames: string[]): void {
  if (moduleNames.length === 0) return;
  const syncHooks = inThreadHooks();
  if (syncHooks) syncHooks.register({ include: moduleNames });
  else register('import-in-the-middle/hook.mjs', pathToFileURL(__filename), { data: { include: moduleNames } });
}

/**
 * The in-thread hook, when this Node supports it and the app is a file. Code given
 * with -e/-p keeps the hooks thread: under `--require`, Node's evaluation of it
 * loads built-ins through the in-thread hook by bare name and fails (import-in-the-middle 3.6, Node 24.21).
 */
function inThreadHooks(): SyncHooks | undefined {
  if (process.argv[1] === undefined || process.execArgv.some((arg) => /^(-[ep]|-pe|--eval|--print)(=|$)/.test(arg))) return undefined;
  const hooks = require('import-in-the-middle/register-hooks.mjs') as SyncHooks;
  return hooks.supportsSyncHooks() ? hooks : undefined;
}
