// Outbox → relay → bus → inbox against real PostgreSQL, with the memory bus and with Kafka.
import { deleteKafkaArtifacts } from '../testing/kafka-cleanup.ts';
import { randomUUID } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm } from '../db/create-orm.ts';
import { dropDatabase } from '../db/ensure-database.ts';
import { createEnvelope, type EventEnvelope } from './envelope.ts';
import { handleOnce, inboxMigrations } from './inbox.ts';
import { KafkaMessageBus } from './kafka-message-bus.ts';
import { MemoryMessageBus } from './memory-message-bus.ts';
import type { MessageBus } from './message-bus.ts';
import { waitFor } from './message-bus.suite.ts';
import { OUTBOX_TABLE, addToOutbox, outboxInsertFromJson, outboxMigrations } from './outbox.ts';
import { OutboxRelay } from './outbox-relay.ts';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const RUN = randomUUID().slice(0, 8);

class CreateThings extends Migration {
  override up(): void {
    this.addSql('create table thing (aggregate_id text not null, seq int not null, primary key (aggregate_id, seq))');
    this.addSql('create table counter (id text primary key, n int not null)');
  }
}
const migrations = [...outboxMigrations, ...inboxMigrations, { name: 'M001_things', class: CreateThings }];

interface Backend {
  name: string;
  createBus(): MessageBus;
  timeoutMs: number;
  cleanup(): Promise<void>;
}

const memoryBackend = (): Backend => {
  const bus = new MemoryMessageBus();
  return { name: 'memory', createBus: () => bus, timeoutMs: 10_000, cleanup: async () => {} };
};

const kafkaBackend = (): Backend => ({
  name: 'kafka',
  createBus: () => new KafkaMessageBus({ brokers: BROKERS, clientId: 'outbox-int', partitions: 3 }),
  timeoutMs: 45_000,
  cleanup: () => deleteKafkaArtifacts(BROKERS, RUN, 'outbox-int-cleanup'),
});

/** One committed transaction: a state row per event plus the events in the outbox. */
async function commitEvents(orm: MikroORM, topic: string, envs: EventEnvelope<{ seq: number }>[]): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    for (const e of envs) await tx.execute('insert into thing (aggregate_id, seq) values (?, ?)', [e.aggregateId, e.payload.seq]);
    await addToOutbox(tx, topic, envs);
  });
}

const ev = (aggregateId: string, seq: number): EventEnvelope<{ seq: number }> =>
  createEnvelope({ type: 'ThingHappened', aggregateType: 'Thing', aggregateId, payload: { seq } });

describe.each([
  ['memory', memoryBackend],
  ['kafka', kafkaBackend],
])('outbox relay with %s bus', (label, makeBackend) => {
  const dbName = `t_outbox_${label}_${RUN}`;
  const backend = makeBackend();
  let ormA: MikroORM;
  let ormB: MikroORM;

  beforeAll(async () => {
    [ormA, ormB] = await Promise.all([
      createOrm({ serverUrl: SERVER, dbName, entities: [], migrations }),
      createOrm({ serverUrl: SERVER, dbName, entities: [], migrations }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([ormA?.close(true), ormB?.close(true)]);
    await dropDatabase(SERVER, dbName);
    await backend.cleanup();
  });

  it('publishes committed events exactly once, in order per aggregate, with two relays; rolled-back ones never', async () => {
    const topic = `thing.events.${label}.${RUN}`;
    const consumerBus = backend.createBus();
    const received: EventEnvelope<{ seq: number }>[] = [];
    await consumerBus.subscribe<{ seq: number }>({
      groupId: `outbox-test-${label}-${RUN}`,
      topics: [topic],
      concurrency: 3,
      handler: async (env) => void received.push(env),
    });
    await consumerBus.start();
    const busA = backend.createBus();
    const busB = backend.createBus();
    const relayA = new OutboxRelay({ orm: ormA, bus: busA, batchSize: 7, pollIntervalMs: 200 });
    const relayB = new OutboxRelay({ orm: ormB, bus: busB, batchSize: 7, pollIntervalMs: 200 });
    await Promise.all([busA.start(), busB.start(), relayA.start(), relayB.start()]);
    try {
      const aggregates = ['agg-1', 'agg-2', 'agg-3'];
      const rolledBack: string[] = [];
      // Per aggregate: 50 events in transactions of 1-3 events, alternating between the two ORMs;
      // the three aggregates are written concurrently, with rolled-back transactions mixed in.
      await Promise.all(
        aggregates.map(async (agg, ai) => {
          let seq = 0;
          let tx = 0;
          while (seq < 50) {
            const size = Math.min(50 - seq, 1 + ((seq + ai) % 3));
            const envs = Array.from({ length: size }, (_, i) => ev(agg, seq + i));
            const orm = tx++ % 2 === 0 ? ormA : ormB;
            if (seq % 10 === 4) {
              const doomed = ev(agg, 1000 + seq);
              rolledBack.push(doomed.id);
              await expect(
                orm.em.fork().transactional(async (t) => {
                  await addToOutbox(t, topic, [doomed]);
                  throw new Error('business rule says no');
                }),
              ).rejects.toThrow('business rule says no');
            }
            await commitEvents(orm, topic, envs);
            seq += size;
          }
        }),
      );
      await waitFor(() => received.length >= 150, backend.timeoutMs, '150 events');
      await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate to show up
      expect(received).toHaveLength(150);
      expect(new Set(received.map((e) => e.id)).size).toBe(150);
      for (const agg of aggregates) {
        expect(received.filter((e) => e.aggregateId === agg).map((e) => e.payload.seq)).toEqual(
          Array.from({ length: 50 }, (_, i) => i),
        );
      }
      const receivedIds = new Set(received.map((e) => e.id));
      expect(rolledBack.length).toBeGreaterThan(0);
      expect(rolledBack.filter((id) => receivedIds.has(id))).toEqual([]);
      expect(relayA.publishedCount + relayB.publishedCount).toBe(150);
      const pending = await ormA.em.getConnection().execute(`select count(*)::int as n from ${OUTBOX_TABLE} where published_at is null`);
      expect(pending[0]!.n).toBe(0);
    } finally {
      await Promise.all([relayA.stop(), relayB.stop()]);
      await Promise.all([busA.stop(), busB.stop(), consumerBus.stop()]);
    }
  });

  it('publishes at once on a commit that queued rows or on notify(), within the poll otherwise, and stop() publishes what is pending', async () => {
    const topic = `thing.stop.${label}.${RUN}`;
    const bus = backend.createBus();
    const consumerBus = backend.createBus();
    const received: EventEnvelope[] = [];
    await consumerBus.subscribe({ groupId: `stop-test-${label}-${RUN}`, topics: [topic], handler: async (e) => void received.push(e) });
    await consumerBus.start();
    await bus.start();
    // Rows written behind the relay's back (raw SQL, no noteOutboxRows, no notify): only the poll finds them.
    const polling = new OutboxRelay({ orm: ormA, bus, pollIntervalMs: 200 });
    await polling.start();
    await new Promise((r) => setTimeout(r, 100)); // let its first (empty) pass go idle
    let committedAt = Date.now();
    await ormA.em.fork().transactional((tx) => tx.execute(outboxInsertFromJson('?', '?'), [topic, JSON.stringify([ev(`stop-${label}`, 0)])], 'run'));
    await waitFor(() => polling.publishedCount === 1, 5_000, 'polled publish');
    expect(Date.now() - committedAt).toBeLessThan(1_000);
    await polling.stop();

    // A relay that would poll once a minute: only notify() can make it quick.
    const relay = new OutboxRelay({ orm: ormA, bus, pollIntervalMs: 60_000 });
    await relay.start();
    try {
      await new Promise((r) => setTimeout(r, 100)); // let its first (empty) pass go idle
      committedAt = Date.now();
      await commitEvents(ormA, topic, [ev(`stop-${label}`, 1)]); // addToOutbox: the commit wakes the relay
      await waitFor(() => relay.publishedCount === 1, 5_000, 'publish woken by the commit');
      expect(Date.now() - committedAt).toBeLessThan(1_000);
      // Through a plain client (as orders' placeOrder writes): notify() after the commit.
      committedAt = Date.now();
      await ormA.em.fork().execute(outboxInsertFromJson('?', '?'), [topic, JSON.stringify([ev(`stop-${label}`, 2)])], 'run');
      relay.notify();
      await waitFor(() => relay.publishedCount === 2, 5_000, 'notified publish');
      expect(Date.now() - committedAt).toBeLessThan(1_000);
      await ormA.em.fork().execute(outboxInsertFromJson('?', '?'), [topic, JSON.stringify(Array.from({ length: 20 }, (_, i) => ev(`stop-${label}`, i + 3)))], 'run');
      await relay.stop(); // nothing woke it, next poll in a minute: stop() itself must publish them
      expect(relay.publishedCount).toBe(22);
      await waitFor(() => received.length === 23, backend.timeoutMs, 'all 23 delivered');
      expect(received.map((e) => (e.payload as { seq: number }).seq)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    } finally {
      await relay.stop();
      await Promise.all([bus.stop(), consumerBus.stop()]);
    }
  });
});

describe('outbox relay when the bus fails', () => {
  const dbName = `t_outbox_flaky_${RUN}`;
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await createOrm({ serverUrl: SERVER, dbName, entities: [], migrations });
  });
  afterAll(async () => {
    await orm?.close(true);
    await dropDatabase(SERVER, dbName);
  });

  it('retries with backoff, loses nothing and keeps the order', async () => {
    const inner = new MemoryMessageBus();
    let failuresLeft = 4;
    let publishCalls = 0;
    // A bus whose first publishes fail, like Kafka being down for a moment.
    const flaky: MessageBus = {
      publish: async (topic, envs) => {
        publishCalls++;
        if (failuresLeft-- > 0) throw new Error('broker unavailable');
        await inner.publish(topic, envs);
      },
      publishRaw: (t, m) => inner.publishRaw(t, m),
      subscribe: (o) => inner.subscribe(o),
      subscribeRaw: (o) => inner.subscribeRaw(o),
      start: () => inner.start(),
      stop: () => inner.stop(),
    };
    const received: number[] = [];
    await inner.subscribe<{ seq: number }>({ groupId: 'flaky', topics: ['flaky.events'], handler: async (e) => void received.push(e.payload.seq) });
    await inner.start();
    const relay = new OutboxRelay({ orm, bus: flaky, batchSize: 5, initialBackoffMs: 20, maxBackoffMs: 100, pollIntervalMs: 100 });
    await relay.start();
    try {
      for (let i = 0; i < 12; i++) await commitEvents(orm, 'flaky.events', [ev('flaky-agg', i)]);
      await waitFor(() => received.length >= 12, 10_000, '12 events through a flaky bus');
      expect(received).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(publishCalls).toBeGreaterThan(4);
    } finally {
      await relay.stop();
      await inner.stop();
    }
  });
});

describe('inbox', () => {
  const dbName = `t_inbox_${RUN}`;
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await createOrm({ serverUrl: SERVER, dbName, entities: [], migrations });
  });
  afterAll(async () => {
    await orm?.close(true);
    await dropDatabase(SERVER, dbName);
  });

  const bump = (consumer: string, eventId: string, counter: string) =>
    handleOnce(orm.em.fork(), consumer, eventId, async (tx: SqlEntityManager) => {
      await tx.execute('insert into counter (id, n) values (?, 1) on conflict (id) do update set n = counter.n + 1', [counter]);
      return 'bumped';
    });
  const count = async (counter: string): Promise<number> =>
    ((await orm.em.getConnection().execute('select n from counter where id = ?', [counter]))[0]?.n as number) ?? 0;

  it('a redelivered event changes nothing; another consumer still handles it', async () => {
    const id = randomUUID();
    expect(await bump('payments', id, 'c1')).toEqual({ duplicate: false, result: 'bumped' });
    expect(await bump('payments', id, 'c1')).toEqual({ duplicate: true });
    expect(await count('c1')).toBe(1);
    expect(await bump('inventory', id, 'c1')).toEqual({ duplicate: false, result: 'bumped' });
    expect(await count('c1')).toBe(2);
  });

  it('concurrent duplicates apply the effect once', async () => {
    const id = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => bump('orders', id, 'c2')));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await count('c2')).toBe(1);
  });

  it('a handler that throws leaves no inbox record, so the retry runs it', async () => {
    const id = randomUUID();
    await expect(
      handleOnce(orm.em.fork(), 'orders', id, async (tx) => {
        await tx.execute(`insert into counter (id, n) values ('c3', 100)`);
        throw new Error('transient');
      }),
    ).rejects.toThrow('transient');
    expect(await count('c3')).toBe(0);
    expect(await bump('orders', id, 'c3')).toEqual({ duplicate: false, result: 'bumped' });
    expect(await count('c3')).toBe(1);
  });

  it('addToOutbox serialises transactions per aggregate, so sequence order is commit order', async () => {
    const topic = 'lock.events';
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let firstInside!: () => void;
    const firstIsInside = new Promise<void>((r) => (firstInside = r));
    const a1 = ev('lock-a', 1);
    const a2 = ev('lock-a', 2);
    const first = orm.em.fork().transactional(async (tx) => {
      await addToOutbox(tx, topic, [a1]);
      firstInside();
      await firstHolds;
    });
    await firstIsInside;
    let secondDone = false;
    const second = orm.em
      .fork()
      .transactional((tx) => addToOutbox(tx, topic, [a2]))
      .then(() => (secondDone = true));
    // Another aggregate is not held up.
    await orm.em.fork().transactional((tx) => addToOutbox(tx, topic, [ev('lock-b', 1)]));
    await new Promise((r) => setTimeout(r, 200));
    expect(secondDone).toBe(false);
    releaseFirst();
    await Promise.all([first, second]);
    const rows = await orm.em
      .getConnection()
      .execute<{ event_id: string }[]>(`select event_id from ${OUTBOX_TABLE} where aggregate_id = 'lock-a' order by seq`);
    expect(rows.map((r) => r.event_id)).toEqual([a1.id, a2.id]);
  });

  it('addToOutbox refuses to run outside a transaction', async () => {
    await expect(addToOutbox(orm.em.fork(), 'x.events', [ev('a', 1)])).rejects.toThrow(/inside the transaction/);
  });
});
