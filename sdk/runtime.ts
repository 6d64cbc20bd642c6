/**
 * Everything register.ts needs once it has decided to start, behind one module:
 * the build bundles this file with the OpenTelemetry packages it uses
 * (scripts/bundle.mjs), so that start-up reads and compiles one file instead of
 * resolving ~200 (bench/PROFILING.md).
 */
export { setUpDiagnostics, startupLine } from './diag.js';
export { registerEsmHook } from './instrument/esm-hooks.js';
export { activateImport } from './instrument/activation.js';
export { runsInContainer } from './resource.js';
export { installShutdown } from './shutdown.js';
export { startSdk } from './start.js';
