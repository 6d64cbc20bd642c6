import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * ESM apps bypass `require`, so the instrumentations see their imports only through
 * import-in-the-middle's loader hook. It must be registered before the app's first
 * import, which is why register.ts runs under `--import`. Only the modules the
 * enabled instrumentations patch are intercepted: wrapping every module would slow
 * start-up and risk breaking modules the hook cannot handle.
 */
export function registerEsmHook(moduleNames: string[]): void {
  if (moduleNames.length === 0) return;
  register('import-in-the-middle/hook.mjs', pathToFileURL(__filename), { data: { include: moduleNames } });
}
