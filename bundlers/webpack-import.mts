// `import OtelPreloadPlugin from 'otel-preload/webpack'` (ESM): the same plugin as webpack.ts.
import { OtelPreloadPlugin } from './webpack.js';

export { OtelPreloadPlugin };
export default OtelPreloadPlugin;
