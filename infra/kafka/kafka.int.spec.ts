import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafka, isKafkaUp, parseBrokers } from './broker.ts';

const brokers = parseBrokers();
const kafka = new Kafka({ clientId: 'infra-kafka-int', brokers, logLevel: logLevel.NOTHING });

describe('local Kafka broker', () => {
  beforeAll(async () => {
    await ensureKafka();
  });

  it('reuses the running broker instead of starting another one', async () => {
    const again = await ensureKafka();
    expect(again.startedByUs).toBe(false);
    expect(await isKafkaUp(brokers)).toBe(true);
  });

  it('reports a port where no broker listens as down', async () => {
    // Grab a free port, then close it so nothing answers there.
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    await new Promise<void>((ok) => server.close(() => ok()));
    expect(await isKafkaUp(`127.0.0.1:${port}`)).toBe(false);
  });

  describe('round trip on a fresh topic', () => {
    const topic = `infra-kafka-int-${randomUUID()}`;
    const groupId = `${topic}-group`;
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId });

    afterAll(async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    });

    it('produces and consumes one message', async () => {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);

      const value = `hello ${randomUUID()}`;
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'order-1', value }] });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<{ key: string; value: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) =>
            resolve({ key: String(message.key), value: String(message.value) }),
        });
      });
      expect(await received).toEqual({ key: 'order-1', value });
      expect(await admin.listTopics()).toContain(topic);
    });
  });
});
