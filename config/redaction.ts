import { type EnvReader, quoteAll } from './env.js';

/**
 * Query parameters whose values are replaced by REDACTED in `url.full` and
 * `url.query`, on server and client spans. Matching is exact (as the http
 * instrumentation does it), so common spellings are listed. Includes the
 * instrumentation's own defaults (AWS, Google signatures).
 */
export const DEFAULT_REDACTED_QUERY_PARAMS = [
  'token', 'access_token', 'refresh_token', 'id_token', 'accessToken', 'refreshToken', 'Token',
  'password', 'passwd', 'pwd', 'Password',
  'secret', 'client_secret', 'clientSecret',
  'key', 'api_key', 'apikey', 'apiKey', 'api-key', 'Key',
  'sig', 'signature', 'Signature', 'code', 'auth', 'authorization', 'session', 'sessionid', 'jwt',
  'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token',
];

/** Never recorded, even when a user asks to capture them. */
export const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];

export interface RedactionConfig {
  /** `redact` replaces literals in recorded SQL by `?`; `keep` records statements as written. */
  sqlLiterals: 'redact' | 'keep';
  redactedQueryParams: string[];
  /** HTTP headers recorded on server and client spans (none by default). */
  captureHeaders: string[];
}

export function redactionFromEnv(reader: EnvReader): RedactionConfig {
  return {
    sqlLiterals: reader.choice('OTEL_PRELOAD_SQL_LITERALS', ['redact', 'keep'], 'redact'),
    redactedQueryParams: queryParamsFromEnv(reader),
    captureHeaders: captureHeadersFromEnv(reader),
  };
}

function queryParamsFromEnv(reader: EnvReader): string[] {
  const raw = reader.string('OTEL_PRELOAD_REDACTED_QUERY_PARAMS');
  if (raw === undefined) return DEFAULT_REDACTED_QUERY_PARAMS;
  // Case is kept: the instrumentation compares parameter names exactly.
  return [...new Set(raw.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
}

function captureHeadersFromEnv(reader: EnvReader): string[] {
  const listed = reader.list('OTEL_PRELOAD_HTTP_CAPTURE_HEADERS');
  if (listed === undefined) return [];
  const secret = listed.filter((name) => SECRET_HEADERS.includes(name));
  if (secret.length > 0) reader.warn(`OTEL_PRELOAD_HTTP_CAPTURE_HEADERS names ${quoteAll(secret)}, which are never recorded; capturing the others`);
  return listed.filter((name) => !SECRET_HEADERS.includes(name));
}
