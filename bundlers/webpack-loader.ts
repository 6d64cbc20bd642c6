// The loader OtelPreloadPlugin adds (webpack.ts): a module's source, with the
// hand-on line where it belongs to an instrumented package (modules.ts).
import { withHandOn } from './modules.js';

function otelPreloadLoader(this: { resourcePath: string }, source: string): string {
  return withHandOn(this.resourcePath, source) ?? source;
}

export = otelPreloadLoader;
