/**
 * The viewer prints data that anyone able to reach its OTLP ports (or write to the
 * stdin of `view --logs -`) chose. Printed raw, a span name holding `ESC[2J` clears
 * the user's screen, an OSC sequence sets the window title, a CR or LF forges a
 * line of output that looks like the viewer's own, and bidi overrides make the text
 * read differently from what it is. So every character a terminal may act on,
 * instead of showing, is written as a visible escape:
 *
 * - C0 controls and DEL (U+0000–U+001F, U+007F): `\n`, `\r`, `\t`, else `\x1b`, `\x07`, …
 * - C1 controls (U+0080–U+009F; U+009B is CSI and U+009D OSC on terminals that honour 8-bit
 *   controls): `\x9b`, …
 * - U+2028 and U+2029 (line and paragraph separators): `\u2028`, `\u2029`
 * - bidi formatting (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069: the
 *   "Trojan Source" characters): `\u202e`, …
 *
 * A backslash is left as it is: the escaped text is for reading, not for decoding
 * back (the `--json` output is the exact form), and SQL or Windows paths stay legible.
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `text` with every terminal control character written as a visible escape. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * The same characters as JSON `\uXXXX` escapes, for text that is already JSON: JSON.stringify
 * escapes C0 controls but writes C1, U+2028/2029 and bidi characters raw. Outside strings JSON
 * holds only ASCII, so replacing them anywhere in the document is lossless.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A received value (attribute value, resource, event) with every string in it, keys too, escaped. */
export function escapeDeep(value: unknown): unknown {
  if (typeof value === 'string') return escapeControls(value);
  if (Array.isArray(value)) return value.map(escapeDeep);
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [escapeControls(key), escapeDeep(inner)]));
}
