import type { Context } from '@opentelemetry/api';

/**
 * The root of every incoming request's context (sdk/http-server/server-spans.ts): a
 * context as the API's own is, an immutable map of values copied on each change, but
 * with its three methods on the prototype. The API's contexts make three closures over
 * each context; what a request's contexts hold (its span, what the span recorded)
 * then outlived V8's young-generation collections. On the read route under load
 * (`--trace-gc-nvp`, our server span alone, no exporter), ~600 KB survived each
 * scavenge and ~500 KB were promoted, to be freed only by a full collection, and V8
 * grew its young generation to 32 MiB; from this root, ~100 KB and ~7 KB, and 16 MiB
 * (bare: 70 KB, 0 and 8 MiB; bench/PROFILING.md). Why V8 keeps what those closures
 * capture we did not find: a control that kept the same values in a map, without the
 * closures, did not survive.
 * Every context derived from this one (an instrumentation's child span, a propagated
 * baggage) is made by its `setValue`, so the whole request stays without closures.
 *
 * `_currentContext` is the field name the API's contexts use too (server-spans.ts
 * `release` replaces the ended span in it).
 */
class RequestContext implements Context {
  constructor(readonly _currentContext: Map<symbol, unknown>) {}

  getValue(key: symbol): unknown {
    return this._currentContext.get(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const values = new Map(this._currentContext);
    values.set(key, value);
    return new RequestContext(values);
  }

  deleteValue(key: symbol): Context {
    const values = new Map(this._currentContext);
    values.delete(key);
    return new RequestContext(values);
  }
}

export const REQUEST_ROOT_CONTEXT: Context = new RequestContext(new Map());
