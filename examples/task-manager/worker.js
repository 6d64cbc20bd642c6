// The task worker as its own process ("task-worker"): consumes the task topic and
// processes each task. Run it alongside `WORKER_MODE=off node server.js`.
import { config } from './config.js';
import { createLogger } from './logger.js';
import { migrate, pool } from './db.js';
import { createKafka, ensureTopic } from './kafka.js';
import { startConsumer } from './consumer.js';
import { createLifecycle } from './lifecycle.js';

const logger = createLogger('task-worker');
const lifecycle = createLifecycle(logger);

async function main() {
  const started = performance.now();

  pool.on('error', (err) => logger.error({ err }, 'idle PostgreSQL client error'));
  lifecycle.add('postgres', () => pool.end());
  await migrate();

  const kafka = createKafka({ clientId: 'task-worker', logger });
  await ensureTopic(kafka);

  const consumer = await startConsumer({ kafka, logger });
  lifecycle.add('kafka consumer', () => consumer.stop());

  logger.info(
    { topic: config.kafkaTopic, groupId: config.kafkaGroupId, consumerMode: config.consumerMode, startupMs: Math.round(performance.now() - started) },
    'worker started',
  );
}

main().catch((err) => {
  logger.fatal({ err }, 'startup failed');
  process.exit(1);
});
