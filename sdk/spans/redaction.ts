import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { RedactionConfig } from '../../config/redaction.js';
import { dialectOf, type SqlDialect, withoutLiterals } from './sql-literals.js';

/**
 * Attributes some instrumentations record that can carry business data or
 * personal data: a Kafka message key is often a customer, order or account id.
 * They never leave the process.
 */
export const NEVER_RECORDED = ['messaging.kafka.message.key', 'messaging.kafka.message_key'] as const;

/** Where the database instrumentations put the statement (current and older semantic conventions). */
const STATEMENT_ATTRIBUTES = ['db.query.text', 'db.statement'] as const;

/**
 * Also replaces literals in recorded SQL by `?` (unless OTEL_PRELOAD_SQL_LITERALS=keep):
 * parameterised values are never recorded by the pg instrumentation, but a statement
 * built by concatenation carries its values in the text.
 *
 * Runs as each span ends, before any exporter's batch holds it (sdk/spans/pipeline.ts).
 * The SDK exposes no API to remove an attribute, so they are deleted from the span's
 * own attribute record, which the SDK keeps mutable until export.
 */
export class Redaction {
  private readonly databaseErrors = new DatabaseErrorMessages();

  constructor(private readonly config: RedactionConfig) {}

  apply(span: ReadableSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of NEVER_RECORDED) if (key in attributes) delete attributes[key];
    let database = false;
    for (const key of STATEMENT_ATTRIBUTES) {
      const statement = attributes[key];
      if (typeof statement !== 'string') continue;
      const dialect = dialectOf(attributes['db.system.name'] ?? attributes['db.system']);
      if (this.config.sqlLiterals === 'redact' && dialect !== undefined) attributes[key] = redactedStatement(statement, dialect);
      database = true;
    }
    if (span.status.code === SpanStatusCode.ERROR) this.databaseErrors.redact(span, database);
  }
}

/**
 * Apps repeat the same few statements, and tokenizing one costs ~3 µs: remember the
 * results for short statements. Bounded: cleared when full, long statements never kept.
 */
const redactedStatements = new Map<string, string>();
const CACHED_STATEMENTS = 512;
const CACHED_STATEMENT_LENGTH = 2048;

function redactedStatement(statement: string, dialect: SqlDialect): string {
  // A statement read as MySQL is kept under its own key: the same text can hold other literals there.
  const key = dialect === 'standard' ? statement : `${dialect}\0${statement}`;
  let redacted = redactedStatements.get(key);
  if (redacted !== undefined) return redacted;
  redacted = withoutLiterals(statement, dialect);
  if (statement.length <= CACHED_STATEMENT_LENGTH) {
    if (redactedStatements.size >= CACHED_STATEMENTS) redactedStatements.clear();
    redactedStatements.set(key, redacted);
  }
  return redacted;
}

/**
 * The pg instrumentation copies the server's error message into the span status, and
 * PostgreSQL quotes the offending value there, parameters included
 * (`invalid input syntax for type integer: "hunter2"`); MySQL and SQL Server do the
 * same in single quotes. Quoted parts become "?":
 * that also hides table names in some messages, which the statement still shows.
 * The same error then travels up through the app and is recorded again, message and
 * stack, by the spans it fails (the Express handler, the HTTP server span), which end
 * after the database span: its text is remembered and replaced there too.
 */
class DatabaseErrorMessages {
  /** Recent database error messages that quoted something, original → redacted; bounded. */
  private readonly seen = new Map<string, string>();

  redact(span: ReadableSpan, database: boolean): void {
    const message = span.status.message;
    if (database && message) {
      const redacted = withoutQuotedValues(message);
      if (redacted !== message) {
        // The oldest goes first: clearing all could forget an error whose spans have not ended yet.
        if (this.seen.size >= 256) this.seen.delete(this.seen.keys().next().value as string);
        this.seen.set(message, redacted);
      }
    }
    if (this.seen.size === 0) return;
    if (message) (span as { status: ReadableSpan['status'] }).status = { ...span.status, message: this.replace(message) };
    for (const event of span.events) {
      if (event.name !== 'exception' || !event.attributes) continue;
      for (const key of ['exception.message', 'exception.stacktrace']) {
        const value = event.attributes[key];
        if (typeof value === 'string') event.attributes[key] = this.replace(value);
      }
    }
  }

  private replace(text: string): string {
    for (const [original, redacted] of this.seen) if (text.includes(original)) text = text.replaceAll(original, redacted);
    return text;
  }
}

/**
 * `"anything"` → `"?"` (PostgreSQL) and `'anything'` → `'?'` (MySQL, SQL Server:
 * `Duplicate entry 'alice@example.com' for key …`); a quote inside is doubled. A
 * single quote right after a letter is an apostrophe (`Can't connect to … 'db'`), not
 * an opening quote. MySQL's syntax errors quote the rest of the statement as written
 * (`near '…' at line 1`), quotes inside not doubled: all of it goes.
 */
export function withoutQuotedValues(message: string): string {
  return message
    .replace(/"(?:[^"]|"")*"/g, '"?"')
    .replace(/\bnear '[\s\S]*' at line (\d+)/, "near '?' at line $1")
    .replace(/(?<!\p{L})'(?:[^']|'')*'/gu, "'?'");
}
