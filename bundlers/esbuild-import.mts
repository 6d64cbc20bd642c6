// `import otelPreload from 'otel-preload/esbuild'` (ESM): the same plugin as esbuild.ts.
import { otelPreload } from './esbuild.js';

export { otelPreload };
export default otelPreload;
