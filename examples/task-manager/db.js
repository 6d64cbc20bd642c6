import pg from 'pg';
import { config } from './config.js';

export const STATUSES = ['pending', 'running', 'done', 'failed'];

export const pool = new pg.Pool({
  connectionString: config.databaseUrl,
  max: 10,
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
});

// Every statement below is parameterised ($1, $2, …): user input never becomes SQL text.

const MIGRATION = `
  CREATE TABLE IF NOT EXISTS web_crawl_tasks (
    id          serial PRIMARY KEY,
    user_email  text        NOT NULL,
    base_url    text        NOT NULL,
    user_query  text        NOT NULL,
    status      text        NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'done', 'failed')),
    result      jsonb,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz
  );
  CREATE INDEX IF NOT EXISTS web_crawl_tasks_created_at_idx ON web_crawl_tasks (created_at);
`;

/** Creates the schema if needed. Safe to run from several processes at once. */
export async function migrate() {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Serialise concurrent migrations (API server and worker starting together):
    // CREATE TABLE IF NOT EXISTS alone can still fail on a race.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['task-manager:migrate']);
    await client.query(MIGRATION);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** A database row as the API returns it. */
export function toTask(row) {
  return {
    id: row.id,
    userEmail: row.user_email,
    baseUrl: row.base_url,
    userQuery: row.user_query,
    status: row.status,
    result: row.result,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export async function insertTask({ userEmail, baseUrl, userQuery }) {
  const { rows } = await pool.query(
    `INSERT INTO web_crawl_tasks (user_email, base_url, user_query)
     VALUES ($1, $2, $3)
     RETURNING *`,
    [userEmail, baseUrl, userQuery],
  );
  return toTask(rows[0]);
}

/**
 * `id` is passed through as text: PostgreSQL itself checks that it fits an integer
 * (an out-of-range id raises "value … is out of range for type integer").
 */
export async function getTask(id) {
  const { rows } = await pool.query('SELECT * FROM web_crawl_tasks WHERE id = $1', [id]);
  return rows[0] ? toTask(rows[0]) : null;
}

/**
 * Claims a task for processing. Returns null when the task does not exist or is
 * already finished (e.g. a redelivered message).
 */
export async function markRunning(id) {
  const { rows } = await pool.query(
    `UPDATE web_crawl_tasks
        SET status = 'running', started_at = now(), error = NULL
      WHERE id = $1 AND status IN ('pending', 'running')
      RETURNING *`,
    [id],
  );
  return rows[0] ? toTask(rows[0]) : null;
}

export async function markDone(id, result) {
  const { rows } = await pool.query(
    `UPDATE web_crawl_tasks
        SET status = 'done', result = $2::jsonb, error = NULL, finished_at = now()
      WHERE id = $1
      RETURNING *`,
    [id, JSON.stringify(result)],
  );
  return rows[0] ? toTask(rows[0]) : null;
}

export async function markFailed(id, message) {
  const { rows } = await pool.query(
    `UPDATE web_crawl_tasks
        SET status = 'failed', error = $2, finished_at = now()
      WHERE id = $1
      RETURNING *`,
    [id, message],
  );
  return rows[0] ? toTask(rows[0]) : null;
}

/** Counts and average durations per status for tasks created in the last `hours` hours. */
export async function taskMetrics(hours) {
  const { rows } = await pool.query(
    `SELECT status,
            count(*)::int AS count,
            avg(extract(epoch FROM coalesce(started_at, now()) - created_at) * 1000)::float8 AS avg_queue_ms,
            avg(extract(epoch FROM finished_at - started_at) * 1000)::float8 AS avg_run_ms
       FROM web_crawl_tasks
      WHERE created_at >= now() - make_interval(hours => $1::int)
      GROUP BY status`,
    [hours],
  );
  const byStatus = Object.fromEntries(
    STATUSES.map((status) => [status, { count: 0, avgQueueMs: null, avgRunMs: null }]),
  );
  let total = 0;
  for (const row of rows) {
    byStatus[row.status] = {
      count: row.count,
      avgQueueMs: row.avg_queue_ms === null ? null : Math.round(row.avg_queue_ms * 10) / 10,
      avgRunMs: row.avg_run_ms === null ? null : Math.round(row.avg_run_ms * 10) / 10,
    };
    total += row.count;
  }
  return { hours, total, byStatus };
}
