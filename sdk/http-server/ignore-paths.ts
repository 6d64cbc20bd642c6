/**
 * True when the request's path (without its query string) equals one of the
 * patterns, or starts with a pattern's text before a trailing `*`.
 * Runs for every incoming request, so it is a plain loop with no allocation
 * beyond the one slice.
 */
export function ignoresPath(patterns: readonly string[], url: string | undefined): boolean {
  if (url === undefined || patterns.length === 0) return false;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  for (const pattern of patterns) {
    if (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern) return true;
  }
  return false;
}
