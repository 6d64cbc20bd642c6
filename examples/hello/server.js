// A small Express + pino service with no tracing code at all: the demo runs it
// under `node --import otel-preload/register` and shows what gets traced.
import http from 'node:http';
import express from 'express';
import pino from 'pino';

const logger = pino();
const app = express();
app.use(express.json());

const greetings = new Map([['en', 'Hello'], ['fr', 'Bonjour']]);

app.get('/api/greetings/:lang', (req, res) => {
  const greeting = greetings.get(req.params.lang);
  if (!greeting) {
    logger.warn({ lang: req.params.lang }, 'unknown language');
    return res.status(404).json({ error: 'unknown language' });
  }
  logger.info({ lang: req.params.lang }, 'greeting served');
  res.json({ greeting });
});

// Calls its own greetings endpoint over HTTP, as a service calls another.
app.get('/api/welcome', (req, res, next) => {
  http.get(`http://127.0.0.1:${server.address().port}/api/greetings/fr`, (answer) => {
    let body = '';
    answer.on('data', (chunk) => (body += chunk));
    answer.on('end', () => {
      logger.info('welcome composed');
      res.json({ welcome: `${JSON.parse(body).greeting}!` });
    });
  }).on('error', next);
});

app.get('/health', (_req, res) => res.json({ status: 'ok' }));

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  logger.info({ port: server.address().port }, 'listening');
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
