/**
 * Where the preload listens for a bundle's modules, on globalThis under this
 * Symbol.for name: the contract between a bundle built with our plugins
 * (bundlers/modules.ts writes the calls) and the runtime (sdk/instrument/bundled.ts).
 * Versioned: a bundle built by an older plugin keeps working with a newer preload.
 */
export const BUNDLED_MODULE_HOOK = 'otel-preload.bundled-module.v1';
