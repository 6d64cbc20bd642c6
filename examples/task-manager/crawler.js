import http from 'node:http';
import https from 'node:https';

const TIMEOUT_MS = 5_000;

/**
 * Asks the crawl target about one task: POST <target>/crawl with { id, url, q } as JSON.
 * The user's URL and query travel in the body, not the query string: a URL is recorded
 * on spans and in access logs, a body is not.
 * Uses node:http(s) rather than fetch so that it is an ordinary http client request.
 * Resolves with { statusCode, bytes, contentType, durationMs } for a 2xx answer and
 * rejects (with a readable message) otherwise.
 */
export function crawl(targetUrl, task) {
  const url = new URL(targetUrl);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/crawl`;
  const payload = JSON.stringify({ id: task.id, url: task.baseUrl, q: task.userQuery });

  const client = url.protocol === 'https:' ? https : http;
  const started = performance.now();

  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'POST',
      timeout: TIMEOUT_MS,
      headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () => {
        const statusCode = res.statusCode ?? 0;
        if (statusCode < 200 || statusCode >= 300) {
          reject(new Error(`crawl target answered HTTP ${statusCode}`));
          return;
        }
        resolve({
          statusCode,
          bytes,
          contentType: res.headers['content-type'] ?? null,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`crawl target did not answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
