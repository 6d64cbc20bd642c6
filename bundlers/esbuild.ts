/**
 * `otel-preload/esbuild`: `plugins: [otelPreload()]` in an esbuild build. Every
 * CommonJS module of a package our instrumentations patch (pg, express, kafkajs,
 * pino, @nestjs/core, …) gets one line that hands its exports to the preload when the
 * bundle loads it (modules.ts), so that a bundled service is traced as the same
 * service run from node_modules is. The bundle still runs, untraced, without the preload.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withHandOn } from './modules.js';

/** The shape of an esbuild plugin, without depending on esbuild's types. */
export interface EsbuildPlugin {
  name: string;
  setup(build: {
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js'; resolveDir: string } | undefined>): void;
  }): void;
}

/** Files under a node_modules that may be an instrumented package's CommonJS. */
const CANDIDATES = /[\\/]node_modules[\\/].*\.c?js$/;

export function otelPreload(): EsbuildPlugin {
  return {
    name: 'otel-preload',
    setup(build) {
      build.onLoad({ filter: CANDIDATES }, async ({ path }) => {
        let code: string;
        try {
          code = await readFile(path, 'utf8');
        } catch {
          return undefined; // not on disk (a Yarn PnP zip): esbuild loads it as usual
        }
        const contents = withHandOn(path, code);
        return contents === undefined ? undefined : { contents, loader: 'js', resolveDir: dirname(path) };
      });
    },
  };
}

export default otelPreload;
