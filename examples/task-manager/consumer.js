import { config } from './config.js';
import { markDone, markFailed, markRunning } from './db.js';
import { crawl } from './crawler.js';
import { startCrawlTarget } from './crawl-target.js';

/** The message must be JSON `{ "id": <positive integer> }`; anything else is skipped. */
function parseTaskMessage(message) {
  let payload;
  try {
    payload = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    return { error: 'value is not JSON' };
  }
  const id = payload?.id;
  if (!Number.isSafeInteger(id) || id <= 0) return { error: 'id must be a positive integer' };
  return { id };
}

async function processMessage({ topic, partition, message }, { logger, crawlTargetUrl }) {
  const where = { topic, partition, offset: message.offset };
  const parsed = parseTaskMessage(message);
  if (parsed.error) {
    logger.warn({ ...where, reason: parsed.error }, 'invalid task message skipped');
    return;
  }

  const log = logger.child({ taskId: parsed.id });
  log.info(where, 'task message received');

  const task = await markRunning(parsed.id);
  if (!task) {
    log.warn('task not found or already finished, skipped');
    return;
  }
  log.info({ baseUrl: task.baseUrl }, 'task running');

  let result;
  try {
    result = await crawl(crawlTargetUrl, task);
  } catch (err) {
    await markFailed(task.id, err.message);
    log.warn({ err }, 'task failed');
    return;
  }
  await markDone(task.id, result);
  log.info({ statusCode: result.statusCode, bytes: result.bytes, crawlMs: result.durationMs }, 'task done');
}

/**
 * The group's start position for a group that has never committed an offset on the
 * topic: the current end of each partition. kafkajs resolves `fromBeginning: false`
 * only at its first fetch, after the group join, so a task published in between would
 * be skipped; seeking to the end as it was *before* the join closes that gap.
 */
async function startOffsetsForNewGroup(kafka, groupId, topic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const hasCommitted = committed?.partitions.some((p) => p.offset !== '-1');
    if (hasCommitted) return [];
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.map(({ partition, high }) => ({ partition, offset: high }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts the task consumer (group KAFKA_GROUP_ID on KAFKA_TOPIC) in CONSUMER_MODE.
 * Resolves once the consumer has joined its group. Returns { stop }.
 */
export async function startConsumer({ kafka, logger, mode = config.consumerMode }) {
  const groupId = config.kafkaGroupId;
  const topic = config.kafkaTopic;
  const log = logger.child({ component: 'consumer' });

  let crawlTarget = null;
  let crawlTargetUrl = config.crawlTargetUrl;
  if (!crawlTargetUrl) {
    crawlTarget = await startCrawlTarget(logger);
    crawlTargetUrl = crawlTarget.url;
  }
  const context = { logger: log, crawlTargetUrl };

  // maxWaitTimeInMs bounds the broker's long poll when the topic is idle; a stop (graceful
  // shutdown) waits for the poll in flight, so the kafkajs default of 5 s would make every
  // shutdown take up to 5 s. New messages still arrive at once (minBytes 1).
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const { GROUP_JOIN, CRASH } = consumer.events;
  consumer.on(GROUP_JOIN, ({ payload }) => {
    log.info(
      { groupId, memberId: payload.memberId, isLeader: payload.isLeader, assignment: payload.memberAssignment, joinMs: payload.duration },
      'consumer joined group',
    );
  });
  consumer.on(CRASH, ({ payload }) => {
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
  });

  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  const startAt = await startOffsetsForNewGroup(kafka, groupId, topic);

  const handlers =
    mode === 'eachBatch'
      ? {
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
            log.debug({ partition: batch.partition, size: batch.messages.length }, 'batch received');
            for (const message of batch.messages) {
              if (!isRunning() || isStale()) break;
              await processMessage({ topic: batch.topic, partition: batch.partition, message }, context);
              resolveOffset(message.offset);
              await heartbeat();
            }
          },
        }
      : {
          eachMessage: async (payload) => processMessage(payload, context),
        };

  // kafkajs resolves run() once the group is joined and partitions are assigned.
  await consumer.run(handlers);
  for (const { partition, offset } of startAt) consumer.seek({ topic, partition, offset });

  log.info(
    { mode, groupId, topic, crawlTargetUrl, startMs: Math.round(performance.now() - started), newGroup: startAt.length > 0 },
    'consumer started',
  );

  return {
    async stop() {
      await consumer.disconnect();
      await crawlTarget?.close();
    },
  };
}
