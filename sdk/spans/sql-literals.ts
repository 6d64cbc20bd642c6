/**
 * Replaces the literal values in an SQL statement by `?`, so that a statement built
 * by string concatenation (`WHERE email = 'a@b.c'`) records its shape, not its data.
 * Placeholders (`$1`), identifiers (also quoted ones), keywords, operators and
 * comments stay. A tokenizer rather than a parser: it only has to recognise where
 * literals start and end, and that depends on the database:
 * - standard SQL and PostgreSQL: `''` escapes, E'' strings (where a backslash escapes
 *   too), X'' / B'' / N'' prefixes, dollar quoting, `"…"` an identifier;
 * - MySQL and MariaDB: a backslash escapes inside any string, `"…"` is a string (as
 *   MySQL reads it unless told ANSI_QUOTES; an identifier hidden there is the lesser
 *   loss), `` `…` `` an identifier, `#` a comment.
 * Hexadecimal and binary numbers (`0xCAFE`, `0b101`) are literals in both.
 */
export type SqlDialect = 'standard' | 'mysql';

const STANDARD =
  /[eE]'(?:[^'\\]|\\[\s\S]|'')*'?|[bBxXnN]?'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\$\d+|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|0[xX][0-9A-Fa-f]+|0[bB][01]+|[A-Za-z_][A-Za-z0-9_$]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

const MYSQL =
  /[bBxXnN]?'(?:[^'\\]|\\[\s\S]|'')*'?|"(?:[^"\\]|\\[\s\S]|"")*"?|`(?:[^`]|``)*`?|--\s[^\n]*|#[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|0[xX][0-9A-Fa-f]+|0[bB][01]+|[A-Za-z_][A-Za-z0-9_$]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

/**
 * The dialect of a span's statement, from its `db.system.name` (or the older
 * `db.system`; instrumentation-knex gives its driver's name); undefined for Redis,
 * whose commands are not SQL and are recorded without their values already
 * (sdk/instrument/redis.ts).
 */
export function dialectOf(system: unknown): SqlDialect | undefined {
  if (system === 'redis') return undefined;
  return system === 'mysql' || system === 'mariadb' || system === 'mysql2' ? 'mysql' : 'standard';
}

export function withoutLiterals(sql: string, dialect: SqlDialect = 'standard'): string {
  const mysql = dialect === 'mysql';
  return sql.replace(mysql ? MYSQL : STANDARD, (token) => {
    const first = token[0] ?? '';
    if (first === '$' && /^\$\d+$/.test(token)) return token; // placeholder
    if ((first === '"' && !mysql) || first === '`' || first === '#' || token.startsWith('--') || token.startsWith('/*')) return token; // quoted identifier, comment
    if (/^[A-Za-z_]/.test(token) && !/^[eEbBxXnN]'/.test(token)) return token; // identifier or keyword
    return '?'; // string, dollar-quoted or numeric literal
  });
}
