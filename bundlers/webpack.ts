/**
 * `otel-preload/webpack`: `plugins: [new OtelPreloadPlugin()]` in a webpack 5
 * configuration. Adds a loader (webpack-loader.ts) for files under node_modules; it
 * gives the main module of each package our instrumentations patch, and each inner
 * file they patch, one line that hands its exports to the preload when the bundle
 * loads it (modules.ts). The bundle still runs, untraced, without the preload.
 */
import { join } from 'node:path';

/** The part of webpack's Compiler the plugin uses, without depending on webpack's types. */
export interface WebpackCompiler {
  options: { module: { rules: unknown[] } };
}

export class OtelPreloadPlugin {
  apply(compiler: WebpackCompiler): void {
    compiler.options.module.rules.push({
      test: /[\\/]node_modules[\\/].*\.c?js$/,
      // After any other loader: what is handed on is the module as it will run.
      enforce: 'post',
      use: [{ loader: join(__dirname, 'webpack-loader.js') }],
    });
  }
}

export default OtelPreloadPlugin;
