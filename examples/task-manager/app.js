import express from 'express';
import { getTask, insertTask, markFailed, taskMetrics } from './db.js';
import { validateHours, validateNewTask, validateTaskId } from './validation.js';

/**
 * The HTTP API.
 *   POST /api/tasks          { userEmail, baseUrl, userQuery } → 201 task (queued on Kafka)
 *   GET  /api/tasks/:id      → 200 task | 400 | 404
 *   GET  /api/metrics?hours= → counts and average durations per status (1..720 h, default 24)
 *   GET  /health             → 200 { status: 'ok' }
 */
export function createApp({ logger, publishTask }) {
  const app = express();
  app.disable('x-powered-by');

  // One log line per finished request.
  app.use((req, res, next) => {
    const started = performance.now();
    const path = req.path;
    res.on('finish', () => {
      logger.info(
        {
          method: req.method,
          path,
          route: req.route?.path,
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request completed',
      );
    });
    next();
  });

  app.use(express.json({ limit: '16kb' }));

  app.get('/health', (req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/api/tasks', async (req, res) => {
    const { value, details } = validateNewTask(req.body);
    if (details) {
      res.status(400).json({ error: 'invalid task', details });
      return;
    }

    const task = await insertTask(value);
    const log = logger.child({ taskId: task.id });
    try {
      await publishTask(task);
    } catch (err) {
      await markFailed(task.id, 'could not be queued').catch((markErr) => {
        log.error({ err: markErr }, 'could not mark unqueued task as failed');
      });
      throw err;
    }
    log.info({ baseUrl: task.baseUrl }, 'task created and queued');
    res.status(201).location(`/api/tasks/${task.id}`).json(task);
  });

  app.get('/api/tasks/:id', async (req, res) => {
    const { value: id, details } = validateTaskId(req.params.id);
    if (details) {
      res.status(400).json({ error: 'invalid task id', details });
      return;
    }
    const task = await getTask(id);
    if (!task) {
      res.status(404).json({ error: 'task not found' });
      return;
    }
    res.json(task);
  });

  app.get('/api/metrics', async (req, res) => {
    const { value: hours, details } = validateHours(req.query.hours);
    if (details) {
      res.status(400).json({ error: 'invalid query', details });
      return;
    }
    res.json(await taskMetrics(hours));
  });

  app.use((req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  // Central error handler (Express 5 also routes rejected async handlers here).
  // (Express recognises an error handler by its four parameters.)
  app.use((err, req, res, _next) => {
    const status = err.status ?? err.statusCode;
    if (Number.isInteger(status) && status >= 400 && status < 500) {
      // body-parser errors: malformed JSON, body too large, bad charset…
      // Not the whole error: body-parser attaches the raw request body to it.
      logger.warn({ method: req.method, path: req.path, status, reason: err.type ?? err.message }, 'bad request');
      if (res.headersSent) return;
      res.status(status).json({ error: err.type === 'entity.parse.failed' ? 'invalid JSON body' : err.expose ? err.message : 'bad request' });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).json({ error: 'internal error' });
  });

  return app;
}
