import http from 'node:http';

/**
 * A tiny stand-in for the web service the worker "crawls", used when CRAWL_TARGET_URL
 * is not set. It listens on an ephemeral loopback port.
 *
 *   POST /crawl { id, url, q }                         → 200 JSON page summary
 *   … when the base URL's host ends in ".invalid"       → 502 (the task ends up failed)
 */
export async function startCrawlTarget(logger) {
  const log = logger.child({ component: 'crawl-target' });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://crawl-target.local');
    if (req.method !== 'POST' || url.pathname !== '/crawl') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
      return;
    }

    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => answer(res, parse(raw)));
  });

  function parse(raw) {
    try {
      const body = JSON.parse(raw);
      return { id: body.id, baseUrl: String(body.url ?? ''), query: String(body.q ?? '') };
    } catch {
      return { id: undefined, baseUrl: '', query: '' };
    }
  }

  function answer(res, { id, baseUrl, query }) {
    let host = '';
    try {
      host = new URL(baseUrl).hostname;
    } catch {
      // handled below like an unreachable host
    }

    if (!host || host.endsWith('.invalid')) {
      log.info({ baseUrl }, 'crawl target: host unreachable');
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `cannot reach ${host || baseUrl}` }));
      return;
    }

    const body = JSON.stringify({
      id,
      url: baseUrl,
      title: `Results for "${query}" on ${host}`,
      links: [`${baseUrl.replace(/\/$/, '')}/about`, `${baseUrl.replace(/\/$/, '')}/contact`],
      matches: query.split(/\s+/).filter(Boolean).length,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  log.info({ url }, 'crawl target listening');

  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
