import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { PgPoolConnectSpans } from '../../config/instrumentations.js';
import { failedInApp } from '../guard.js';

/**
 * instrumentation-pg, made cheaper where what it does per query says nothing:
 * - a `pg-pool.connect` span only for a checkout that waits (the pool has no idle
 *   client: a new connection, or a queue behind busy ones) or fails; an idle client
 *   handed out is most checkouts, takes microseconds, and was 2 of 5 spans of a
 *   request that runs two queries (`OTEL_PRELOAD_PG_POOL_CONNECT_SPANS=always` for
 *   every one). The pool's own check is read at the checkout: `idleCount`.
 * - with metrics off, no pool usage counters and no operation durations:
 *   instrumentation-pg listens to four events of every pool and recomputes its
 *   counters (and their attributes) on each checkout and release, and copies each
 *   query's attributes and reads the clock twice for its duration histogram, all for
 *   a meter that records nothing.
 * Each replaces a method of this one instrumentation object (before it patches
 * pg-pool, which calls them when the app loads it); nothing else of pg changes.
 */
interface PgInstrumentation {
  _getPoolConnectPatch?: () => (original: Connect) => Connect;
  _setPoolConnectEventListeners?: (pool: unknown) => void;
  recordOperationDuration?: (attributes: unknown, startTime: unknown) => void;
}
type Connect = (this: Pool, callback?: unknown) => unknown;
interface Pool {
  idleCount?: unknown;
}

export function tunePg(instrumentation: Instrumentation, options: { poolConnectSpans: PgPoolConnectSpans; metrics: boolean }): void {
  const pg = instrumentation as unknown as PgInstrumentation;
  if (!options.metrics) {
    if (typeof pg._setPoolConnectEventListeners === 'function') pg._setPoolConnectEventListeners = () => undefined;
    if (typeof pg.recordOperationDuration === 'function') pg.recordOperationDuration = () => undefined;
  }
  const connectPatch = pg._getPoolConnectPatch;
  if (options.poolConnectSpans === 'always' || typeof connectPatch !== 'function') return;
  pg._getPoolConnectPatch = function getPoolConnectPatch(this: PgInstrumentation) {
    const patch = connectPatch.call(this);
    return (original: Connect): Connect => {
      const traced = patch(original);
      return function connect(this: Pool, _callback?: unknown) {
        let idle = false;
        try {
          idle = typeof this.idleCount === 'number' && this.idleCount > 0;
        } catch (error) {
          failedInApp('pg pool checkout', error);
        }
        // eslint-disable-next-line prefer-rest-params
        return Reflect.apply(idle ? original : traced, this, arguments) as unknown;
      };
    };
  };
}
