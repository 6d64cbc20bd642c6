/**
 * Replaces the literal values in an SQL statement by `?`, so that a statement built
 * by string concatenation (`WHERE email = 'a@b.c'`) records its shape, not its data.
 * Placeholders (`$1`), identifiers (also quoted ones), keywords, operators and
 * comments stay. A tokenizer rather than a parser: it only has to recognise where
 * literals start and end, including `''` escapes, E'' / X'' / B'' / N'' prefixes
 * and PostgreSQL dollar quoting.
 */
const TOKEN =
  /[eEbBxXnN]?'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\$\d+|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|[A-Za-z_][A-Za-z0-9_$]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

export function withoutLiterals(sql: string): string {
  return sql.replace(TOKEN, (token) => {
    const first = token[0] ?? '';
    if (token.startsWith('$') && /^\$\d+$/.test(token)) return token; // placeholder
    if (first === '"' || token.startsWith('--') || token.startsWith('/*')) return token; // quoted identifier, comment
    if (/^[A-Za-z_]/.test(token) && !/^[eEbBxXnN]'/.test(token)) return token; // identifier or keyword
    return '?'; // string, dollar-quoted or numeric literal
  });
}
