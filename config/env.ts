/**
 * Typed readers over an environment object that never throw.
 *
 * A bad value is reported once, as one warning that names the variable, the value
 * seen and the value used instead, and the documented default applies. The
 * warnings are collected rather than printed so that `config/` stays a pure
 * function of the environment; `sdk/diag.ts` prints them.
 *
 * Why not `getNumberFromEnv` & co. from `@opentelemetry/core`: they read
 * `process.env` directly and log through `diag` themselves, so they can neither be
 * fed a plain object in tests nor word the warning with the default used.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** Longest value quoted back in a warning; a 10 KB garbage value must not flood stderr. */
const QUOTE_LIMIT = 60;

export function quote(value: string): string {
  const shown = value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value;
  return JSON.stringify(shown);
}

/** A few quoted items and a count of the rest: a list with a thousand bad entries still makes a short warning. */
export function quoteAll(items: readonly string[], shown = 5): string {
  const quoted = items.slice(0, shown).map(quote).join(', ');
  return items.length > shown ? `${quoted} and ${items.length - shown} more` : quoted;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export class EnvReader {
  readonly warnings: string[] = [];

  constructor(private readonly env: Env) {}

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /** The trimmed value, or undefined when unset or blank (the spec treats both as unset). */
  string(name: string): string | undefined {
    const raw = this.env[name];
    if (raw === undefined) return undefined;
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** The first of several names that is set: a signal-specific variable before its generic twin. */
  firstOf(...names: string[]): { name: string; value: string } | undefined {
    for (const name of names) {
      const value = this.string(name);
      if (value !== undefined) return { name, value };
    }
    return undefined;
  }

  number(name: string, fallback: number, rule: NumberRule = {}): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    return this.checkNumber(name, raw, fallback, rule);
  }

  checkNumber(name: string, raw: string, fallback: number, rule: NumberRule = {}): number {
    const value = Number(raw);
    const problem = !Number.isFinite(value)
      ? 'is not a number'
      : rule.integer === true && !Number.isInteger(value)
        ? 'is not a whole number'
        : rule.min !== undefined && value < rule.min
          ? `is below the minimum ${rule.min}`
          : rule.max !== undefined && value > rule.max
            ? `is above the maximum ${rule.max}`
            : undefined;
    if (problem === undefined) return value;
    this.warn(`${name}=${quote(raw)} ${problem}; using ${fallback}`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    this.warn(`${name}=${quote(raw)} is not true or false; using ${fallback}`);
    return fallback;
  }

  /** One value out of a fixed set, matched case-insensitively. */
  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    const found = allowed.find((option) => option === lower);
    if (found !== undefined) return found;
    this.warn(`${name}=${quote(raw)} is not one of ${allowed.join(', ')}; using ${fallback}`);
    return fallback;
  }

  /** A comma list, trimmed and lower-cased, blanks dropped and duplicates removed ("http, Express" works). */
  list(name: string): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    return [...new Set(raw.split(',').map((item) => item.trim().toLowerCase()).filter((item) => item !== ''))];
  }
}

export interface KeyValueList {
  pairs: Record<string, string>;
  malformed: string[];
}

/**
 * Parses the W3C-baggage-like `key1=value1,key2=value2` format shared by
 * `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`. Keys and values are
 * trimmed and percent-decoded; a pair without `=`, with an empty key or with a
 * broken percent-escape is reported in `malformed` and the rest still apply.
 */
export function parseKeyValueList(raw: string | undefined): KeyValueList {
  const result: KeyValueList = { pairs: {}, malformed: [] };
  if (raw === undefined) return result;
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? undefined : decode(item.slice(0, eq).trim());
    const value = eq < 0 ? undefined : decode(item.slice(eq + 1).trim());
    if (key === undefined || key === '' || value === undefined) {
      result.malformed.push(item.trim());
      continue;
    }
    result.pairs[key] = value;
  }
  return result;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
