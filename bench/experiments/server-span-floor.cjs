// EXPERIMENT: the floor of a server span made from diagnostics_channel, with no OpenTelemetry code: what Node itself charges for the channels (ALS_MODE unset), for entering a context per request (enter), and for moving the request's and response's events into it (enter+emit), as sdk/http-server/server-spans.ts does. Preload with --require.
const { AsyncLocalStorage } = require('node:async_hooks');
const dc = require('node:diagnostics_channel');
const als = new AsyncLocalStorage();
const mode = process.env.ALS_MODE ?? '';
const KEY = Symbol('k');
function emitInContext(event, ...args) {
  const { emit } = Object.getPrototypeOf(this);
  const store = this[KEY];
  if (store === undefined || this.listenerCount(event) === 0 || als.getStore() === store) return emit.call(this, event, ...args);
  return als.run(store, () => emit.call(this, event, ...args));
}
dc.subscribe('http.server.request.start', ({ request, response }) => {
  if (!mode.includes('enter')) return;
  const store = { url: request.url };
  als.enterWith(store);
  if (mode.includes('emit')) {
    for (const target of [request, response]) {
      Object.defineProperty(target, KEY, { value: store, writable: true, configurable: true, enumerable: false });
      Object.defineProperty(target, 'emit', { value: emitInContext, writable: true, configurable: true, enumerable: false });
    }
  }
});
dc.subscribe('http.server.response.finish', () => {});
