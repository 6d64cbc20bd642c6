// The API server: Express + PostgreSQL + Kafka producer (+ the consumer, unless WORKER_MODE=off).
import http from 'node:http';
import { config } from './config.js';
import { createLogger } from './logger.js';
import { migrate, pool } from './db.js';
import { createKafka, createTaskPublisher, ensureTopic } from './kafka.js';
import { startConsumer } from './consumer.js';
import { createApp } from './app.js';
import { closeHttpServer, createLifecycle } from './lifecycle.js';

const logger = createLogger('task-manager');
const lifecycle = createLifecycle(logger);

async function main() {
  const started = performance.now();

  pool.on('error', (err) => logger.error({ err }, 'idle PostgreSQL client error'));
  lifecycle.add('postgres', () => pool.end());
  await migrate();
  logger.info('database ready');

  const kafka = createKafka({ clientId: 'task-manager', logger });
  const created = await ensureTopic(kafka);
  logger.info({ topic: config.kafkaTopic, created }, 'topic ready');

  const publisher = await createTaskPublisher(kafka);
  lifecycle.add('kafka producer', () => publisher.disconnect());

  if (config.workerMode === 'in-process') {
    const consumer = await startConsumer({ kafka, logger });
    lifecycle.add('kafka consumer', () => consumer.stop());
  }

  const server = http.createServer(createApp({ logger, publishTask: publisher.publishTask }));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  lifecycle.add('http server', () => closeHttpServer(server));

  const { address, port } = server.address();
  logger.info(
    {
      host: address,
      port,
      workerMode: config.workerMode,
      consumerMode: config.workerMode === 'in-process' ? config.consumerMode : undefined,
      startupMs: Math.round(performance.now() - started),
    },
    'listening',
  );
}

main().catch((err) => {
  logger.fatal({ err }, 'startup failed');
  process.exit(1);
});
