import type { Attributes, Span } from '@opentelemetry/api';
import { types } from 'node:util';

/**
 * The attributes of an `exception` event for whatever the app threw, computed
 * without ever throwing: apps throw strings, numbers, `null`, Symbols, objects with
 * cycles or BigInts (which JSON.stringify rejects), objects whose getters or
 * `toJSON` throw, Proxies whose every trap throws, and Errors from another realm
 * (vm, jest) that fail `instanceof Error` but have a name, message and stack.
 *
 * - `exception.type`: the error's `code` (as the SDK's `recordException` takes it:
 *   `ECONNREFUSED`, a database's SQLSTATE), else its `name`, else its constructor's
 *   name, else what `typeof` says (`string`, `number`, `symbol`, `null`…);
 * - `exception.message`: the error's message; the value itself for a string,
 *   number, BigInt or Symbol; for any other object, its kind and keys, never its
 *   values (no getter, `toJSON` or Proxy trap is called);
 * - `exception.stacktrace`: the error's stack, when it has one.
 * Texts are bounded (a thrown megabyte stays in the app) and credentials in URLs
 * are replaced (`https://user:secret@host` → `https://REDACTED:REDACTED@host`).
 */

/** Longest `exception.message` kept; the rest is cut and marked. */
export const MESSAGE_LIMIT = 2048;
/** Longest `exception.stacktrace` kept. */
export const STACK_LIMIT = 16_384;

export function exceptionAttributes(thrown: unknown): Attributes {
  try {
    const attributes: Attributes = {};
    if (typeof thrown !== 'object' || thrown === null) {
      attributes['exception.type'] = thrown === null ? 'null' : typeof thrown;
      attributes['exception.message'] = bounded(typeof thrown === 'string' ? thrown : describe(thrown), MESSAGE_LIMIT);
      return attributes;
    }
    if (types.isProxy(thrown)) {
      // Not one of its traps is called: each may throw, or have side effects.
      attributes['exception.type'] = 'Proxy';
      attributes['exception.message'] = describe(thrown);
      return attributes;
    }
    const type = codeOf(thrown) ?? stringProperty(thrown, 'name');
    const message = stringProperty(thrown, 'message');
    const stack = stringProperty(thrown, 'stack');
    attributes['exception.type'] = type !== undefined && type !== '' ? type : (constructorName(thrown) ?? 'object');
    attributes['exception.message'] = bounded(message ?? describe(thrown), MESSAGE_LIMIT);
    if (stack !== undefined) attributes['exception.stacktrace'] = bounded(stack, STACK_LIMIT);
    return attributes;
  } catch {
    return { 'exception.type': 'unknown', 'exception.message': 'a thrown value that could not be read' };
  }
}

/** An `exception` event on the span for the thrown value (at `time`, else now); never throws, whatever the value or the span. */
export function recordThrown(span: Span | undefined, thrown: unknown, time?: number): void {
  if (span === undefined) return;
  try {
    span.addEvent('exception', exceptionAttributes(thrown), time);
  } catch {
    // Recording must never become the app's error.
  }
}

function stringProperty(value: object, key: 'name' | 'message' | 'stack'): string | undefined {
  try {
    const property = (value as Record<string, unknown>)[key];
    return typeof property === 'string' ? property : undefined;
  } catch {
    return undefined;
  }
}

function codeOf(value: object): string | undefined {
  try {
    const code = (value as { code?: unknown }).code;
    return (typeof code === 'string' && code !== '') || (typeof code === 'number' && code !== 0) ? String(code) : undefined;
  } catch {
    return undefined;
  }
}

function constructorName(value: object): string | undefined {
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A value that is not an Error, described without its contents: a thrown object is
 * often a request, a user or a payload, and its values must not reach a span.
 * Primitives are shown (a thrown number or Symbol is a code), objects by their keys.
 */
function describe(value: unknown): string {
  try {
    switch (typeof value) {
      case 'object':
        if (value === null) return 'null';
        if (types.isProxy(value)) return 'a Proxy (not an Error)';
        if (Array.isArray(value)) return `an Array of ${value.length} items (not an Error)`;
        return `${constructorName(value) ?? 'an object'} (not an Error) with keys: ${Object.keys(value).slice(0, 10).join(', ') || 'none'}`;
      case 'function':
        return `a function (not an Error): ${value.name || 'anonymous'}`;
      case 'undefined':
        return 'undefined';
      default:
        return String(value);
    }
  } catch {
    return 'a value that is not an Error';
  }
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;

function bounded(text: string, limit: number): string {
  const cut = text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
  return cut.replace(URL_CREDENTIALS, '$1REDACTED:REDACTED@');
}

/**
 * The SDK's own `Span.recordException`, which every upstream instrumentation calls
 * from its `catch` blocks with whatever the app threw, throws for some values (a
 * Symbol: it writes the value into a template string) and reads getters that may
 * throw: inside the instrumentation's `catch`, that replaces the app's error with
 * ours. Our SDK copy's span class gets this function instead (error path only):
 * the same attributes for an Error, and never a throw. The class is not exported;
 * it is reached through one span of a provider that exports nothing.
 */
export function recordExceptionSafely(anySpan: object): void {
  const prototype = Object.getPrototypeOf(anySpan) as { recordException?: unknown; addEvent?: unknown } | null;
  if (prototype === null || typeof prototype.recordException !== 'function' || typeof prototype.addEvent !== 'function') return;
  prototype.recordException = function recordException(this: Span, exception: unknown, time?: Parameters<Span['recordException']>[1]): void {
    try {
      this.addEvent('exception', exceptionAttributes(exception), time);
    } catch {
      // Recording must never become the app's error.
    }
  };
}
