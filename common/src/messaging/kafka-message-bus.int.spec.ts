import { deleteKafkaArtifacts } from '../testing/kafka-cleanup.ts';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { KafkaMessageBus } from './kafka-message-bus.ts';
import { createEnvelope } from './envelope.ts';
import { describeMessageBus, waitFor } from './message-bus.suite.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describeMessageBus('kafka', () => ({
  createBus: (options) =>
    new KafkaMessageBus({ brokers, clientId: 'bus-contract-test', logger, retry: options?.retry, partitions: 3 }),
  timeoutMs: 30_000,
  cleanup: (marker) => deleteKafkaArtifacts(brokers, marker, 'bus-contract-cleanup'),
}));

describe('KafkaMessageBus specifics', () => {
  it('two members of one group share the partitions and together handle every event once, in key order', async () => {
    const marker = `share.${Date.now().toString(36)}`;
    const topic = `test.${marker}`;
    const groupId = `g.${marker}`;
    const mk = (): KafkaMessageBus => new KafkaMessageBus({ brokers, clientId: 'share-test', logger, partitions: 3 });
    const seen = new Map<string, { member: number; seq: number }[]>();
    const members = [mk(), mk()];
    const producer = mk();
    try {
      for (const [i, bus] of members.entries()) {
        await bus.subscribe<{ seq: number }>({
          groupId,
          topics: [topic],
          handler: async (env) => {
            const list = seen.get(env.aggregateId) ?? [];
            list.push({ member: i, seq: env.payload.seq });
            seen.set(env.aggregateId, list);
          },
        });
      }
      await members[0]!.start();
      await members[1]!.start();
      await new Promise((r) => setTimeout(r, 1_000)); // let the rebalance settle
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      for (let seq = 0; seq < 10; seq++) {
        await producer.publish(
          topic,
          keys.map((k) => createEnvelope({ type: 'T', aggregateType: 'K', aggregateId: k, payload: { seq } })),
        );
      }
      await waitFor(() => [...seen.values()].reduce((s, l) => s + l.length, 0) >= 120, 30_000, '120 deliveries');
      for (const k of keys) expect(seen.get(k)!.map((d) => d.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      const membersUsed = new Set([...seen.values()].flatMap((l) => l.map((d) => d.member)));
      expect(membersUsed.size).toBe(2);
    } finally {
      await Promise.all([...members, producer].map((b) => b.stop()));
      const admin = new Kafka({ brokers, clientId: 'share-cleanup', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
