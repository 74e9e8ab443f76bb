// One behavioural suite for every MessageBus backend (memory in unit tests, Kafka in int tests).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { currentCorrelationId } from '../logger.ts';
import { createEnvelope, dlqTopicFor, parseEnvelope, type EventEnvelope } from './envelope.ts';
import { HEADERS, NonRetryableError, type MessageBus, type MessageContext, type RawMessage, type RetryPolicy } from './message-bus.ts';

export interface BusHarness {
  /** A new client of the same broker/cluster. */
  createBus(options?: { retry?: Partial<RetryPolicy> }): MessageBus;
  /** How long to wait for deliveries (Kafka group joins take seconds). */
  timeoutMs: number;
  /** Deletes topics and groups whose names contain `marker` (every name this suite makes does). */
  cleanup?(marker: string): Promise<void>;
}

const FAST_RETRY: Partial<RetryPolicy> = { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 40 };

export async function waitFor(check: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const event = (aggregateId: string, seq: number, extra: Record<string, unknown> = {}): EventEnvelope =>
  createEnvelope({ type: 'TestHappened', aggregateType: 'Test', aggregateId, payload: { seq, ...extra } });

export function describeMessageBus(name: string, harness: () => BusHarness): void {
  describe(`MessageBus contract: ${name}`, () => {
    const open: MessageBus[] = [];
    const uniq = randomUUID().slice(0, 8);
    let n = 0;
    const topic = (label: string): string => `test.${label}.${uniq}.${n++}`;
    const group = (label: string): string => `g.${label}.${uniq}.${n++}`;
    const bus = (retry: Partial<RetryPolicy> = FAST_RETRY): MessageBus => {
      const b = harness().createBus({ retry });
      open.push(b);
      return b;
    };
    /** Collects what lands in `<topic>.dlq`. */
    const watchDlq = async (source: string): Promise<RawMessage[]> => {
      const seen: RawMessage[] = [];
      const b = bus();
      await b.subscribeRaw({ groupId: group('dlq'), topics: [dlqTopicFor(source)], handler: async (m) => void seen.push(m) });
      await b.start();
      return seen;
    };
    const timeout = (): number => harness().timeoutMs;

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.stop()));
    });
    afterAll(async () => {
      await harness().cleanup?.(uniq);
    });

    it('delivers envelopes intact, keyed by aggregate id, with correlation and type headers', async () => {
      const t = topic('basic');
      const received: { env: EventEnvelope; ctx: MessageContext; correlation: string | undefined }[] = [];
      const consumer = bus();
      await consumer.subscribe({
        groupId: group('basic'),
        topics: [t],
        handler: async (env, ctx) => void received.push({ env, ctx, correlation: currentCorrelationId() }),
      });
      await consumer.start();
      const sent = createEnvelope({
        type: 'OrderPlaced',
        aggregateType: 'Order',
        aggregateId: 'order-1',
        payload: { total: { amount: '19.99', currencyCode: 'EUR' } },
        metadata: { correlationId: 'corr-basic-1' },
      });
      await bus().publish(t, [sent]);
      await waitFor(() => received.length === 1, timeout(), 'delivery');
      const [{ env, ctx, correlation }] = received as [(typeof received)[number]];
      expect(env).toEqual(sent);
      expect(ctx.key).toBe('order-1');
      expect(ctx.topic).toBe(t);
      expect(ctx.attempt).toBe(1);
      expect(ctx.headers[HEADERS.correlationId]).toBe('corr-basic-1');
      expect(ctx.headers[HEADERS.eventType]).toBe('OrderPlaced');
      expect(ctx.headers[HEADERS.eventId]).toBe(sent.id);
      expect(correlation).toBe('corr-basic-1');
    });

    it('keeps per-aggregate order (3 aggregates x 50 events, interleaved batches)', async () => {
      const t = topic('order');
      const seen = new Map<string, number[]>();
      const consumer = bus();
      await consumer.subscribe<{ seq: number }>({
        groupId: group('order'),
        topics: [t],
        concurrency: 3,
        handler: async (env) => {
          // Random small delays make reordering visible if the backend allowed it.
          if (Math.random() < 0.1) await new Promise((r) => setTimeout(r, 2));
          const list = seen.get(env.aggregateId) ?? [];
          list.push(env.payload.seq);
          seen.set(env.aggregateId, list);
        },
      });
      await consumer.start();
      const producer = bus();
      const aggregates = ['agg-a', 'agg-b', 'agg-c'];
      for (let batch = 0; batch < 5; batch++) {
        const envs = [];
        for (let i = batch * 10; i < batch * 10 + 10; i++) for (const a of aggregates) envs.push(event(a, i));
        await producer.publish(t, envs);
      }
      const total = (): number => [...seen.values()].reduce((s, l) => s + l.length, 0);
      await waitFor(() => total() >= 150, timeout(), '150 deliveries');
      const expected = Array.from({ length: 50 }, (_, i) => i);
      for (const a of aggregates) expect(seen.get(a)).toEqual(expected);
    });

    it('hands waiting messages to a batch handler, in order per partition, each exactly once, partitions merged', async () => {
      const t = topic('batch');
      const seen = new Map<string, number[]>();
      const calls: MessageContext[][] = [];
      const record = (env: EventEnvelope<{ seq: number }>) => seen.set(env.aggregateId, [...(seen.get(env.aggregateId) ?? []), env.payload.seq]);
      const producer = bus();
      // Twelve keys: spread over every partition, so the three consumed in parallel all have messages waiting.
      const aggregates = Array.from({ length: 12 }, (_, i) => `agg-${i}`);
      // Published before the consumer starts, so batches of more than one are waiting.
      const envs = [];
      for (let i = 0; i < 10; i++) for (const a of aggregates) envs.push(event(a, i));
      await producer.publish(t, envs);
      const consumer = bus();
      await consumer.subscribe<{ seq: number }>({
        groupId: group('batch'),
        topics: [t],
        concurrency: 3,
        maxBatch: 25,
        handler: async (env) => void record(env),
        batchHandler: async (batch, ctxs) => {
          expect(ctxs).toHaveLength(batch.length);
          calls.push(ctxs);
          for (const env of batch) record(env);
          // A slow call: the other partitions' chunks wait meanwhile and go together in the next one.
          await new Promise((r) => setTimeout(r, 30));
        },
      });
      await consumer.start();
      const total = (): number => [...seen.values()].reduce((sum, l) => sum + l.length, 0);
      await waitFor(() => total() >= 120, timeout(), '120 deliveries');
      await new Promise((r) => setTimeout(r, 200)); // nothing more may come
      expect(total()).toBe(120);
      for (const a of aggregates) expect(seen.get(a)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      const perPartition = (ctxs: MessageContext[]) => Map.groupBy(ctxs, (c) => c.partition);
      // Each partition's part of a call is at most maxBatch, in offset order.
      for (const ctxs of calls) {
        for (const part of perPartition(ctxs).values()) {
          expect(part.length).toBeLessThanOrEqual(25);
          const offsets = part.map((c) => Number(c.offset));
          expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
        }
      }
      expect(Math.max(...calls.map((c) => c.length))).toBeGreaterThan(1);
      expect(Math.max(...calls.map((c) => perPartition(c).size))).toBeGreaterThan(1);
    });

    it('hands over only the types a subscription takes, and acknowledges the others unread', async () => {
      const t = topic('types');
      const g = group('types');
      const typed = (type: string, seq: number): EventEnvelope => createEnvelope({ type, aggregateType: 'Test', aggregateId: 'one', payload: { seq } });
      const producer = bus();
      await producer.publish(t, [typed('Wanted', 1), typed('Other', 2), typed('Wanted', 3), typed('Other', 4), typed('Other', 5)]);
      const seen: number[] = [];
      const batches: number[][] = [];
      const first = harness().createBus({ retry: FAST_RETRY });
      await first.subscribe<{ seq: number }>({
        groupId: g,
        topics: [t],
        types: ['Wanted'],
        handler: async (e) => void seen.push(e.payload.seq),
        batchHandler: async (envs) => {
          batches.push(envs.map((e) => e.payload.seq));
          for (const e of envs) seen.push(e.payload.seq);
        },
      });
      await first.start();
      await waitFor(() => seen.length >= 2, timeout(), 'the wanted ones');
      await new Promise((r) => setTimeout(r, 200)); // nothing else may come
      expect(seen).toEqual([1, 3]);
      expect(batches.flat()).toEqual([1, 3]);
      await first.stop();
      // The skipped ones were acknowledged: the group's next member starts after them.
      await producer.publish(t, [typed('Other', 6), typed('Wanted', 7)]);
      const later: number[] = [];
      const second = bus();
      await second.subscribe<{ seq: number }>({ groupId: g, topics: [t], types: ['Wanted'], handler: async (e) => void later.push(e.payload.seq) });
      await second.start();
      await waitFor(() => later.length >= 1, timeout(), 'the next wanted one');
      await new Promise((r) => setTimeout(r, 200));
      expect(later).toEqual([7]);
    });

    it('a batch whose handler fails goes one by one: the poison message is dead-lettered, its neighbours handled once', async () => {
      const t = topic('batch-poison');
      const dlq = await watchDlq(t);
      const handled: number[] = [];
      let batchCalls = 0;
      const producer = bus();
      await producer.publish(t, Array.from({ length: 6 }, (_, i) => event('one-aggregate', i, { poison: i === 3 })));
      const consumer = bus();
      await consumer.subscribe<{ seq: number; poison: boolean }>({
        groupId: group('batch-poison'),
        topics: [t],
        handler: async (env) => {
          if (env.payload.poison) throw new NonRetryableError('poison');
          handled.push(env.payload.seq);
        },
        batchHandler: async (batch) => {
          batchCalls++;
          // All or nothing: nothing is recorded when any of them fails.
          if (batch.some((e) => e.payload.poison)) throw new Error('one of these cannot be handled');
          for (const e of batch) handled.push(e.payload.seq);
        },
      });
      await consumer.start();
      await waitFor(() => handled.length >= 5 && dlq.length >= 1, timeout(), 'five handled and one dead letter');
      await new Promise((r) => setTimeout(r, 200));
      expect(handled).toEqual([0, 1, 2, 4, 5]);
      expect(dlq).toHaveLength(1);
      expect(parseEnvelope(dlq[0]!.value).payload).toMatchObject({ seq: 3 });
      expect(batchCalls).toBeGreaterThan(0);
    });

    it('retries a failing handler with backoff and acknowledges once it succeeds', async () => {
      const t = topic('retry');
      const dlq = await watchDlq(t);
      const attempts: number[] = [];
      const done: number[] = [];
      const consumer = bus();
      await consumer.subscribe<{ seq: number }>({
        groupId: group('retry'),
        topics: [t],
        handler: async (env, ctx) => {
          if (env.payload.seq === 0) {
            attempts.push(ctx.attempt);
            if (ctx.attempt < 3) throw new Error('transient failure');
          }
          done.push(env.payload.seq);
        },
      });
      await consumer.start();
      await bus().publish(t, [event('k', 0), event('k', 1)]);
      await waitFor(() => done.length === 2, timeout(), 'both handled');
      expect(attempts).toEqual([1, 2, 3]);
      expect(done).toEqual([0, 1]);
      expect(dlq).toHaveLength(0);
    });

    it('dead-letters a message whose handler keeps failing, with the error, and later messages still flow', async () => {
      const t = topic('poison');
      const dlq = await watchDlq(t);
      const handled: number[] = [];
      let poisonAttempts = 0;
      const consumer = bus();
      const poison = event('same-key', 1);
      await consumer.subscribe<{ seq: number }>({
        groupId: group('poison'),
        topics: [t],
        handler: async (env) => {
          if (env.id === poison.id) {
            poisonAttempts++;
            throw new Error('stock table on fire');
          }
          handled.push(env.payload.seq);
        },
      });
      await consumer.start();
      await bus().publish(t, [event('same-key', 0), poison, event('same-key', 2), event('other-key', 3)]);
      await waitFor(() => handled.length === 3 && dlq.length === 1, timeout(), 'handled + dead-lettered');
      expect(handled.filter((s) => s !== 3)).toEqual([0, 2]);
      expect(poisonAttempts).toBe(3);
      const [letter] = dlq as [RawMessage];
      expect(parseEnvelope(letter.value)).toEqual(poison);
      expect(letter.key).toBe('same-key');
      expect(letter.headers[HEADERS.dlqReason]).toBe('retries-exhausted');
      expect(letter.headers[HEADERS.dlqError]).toBe('stock table on fire');
      expect(letter.headers[HEADERS.dlqAttempts]).toBe('3');
      expect(letter.headers[HEADERS.dlqTopic]).toBe(t);
      expect(letter.headers[HEADERS.eventType]).toBe('TestHappened');
    });

    it('sends malformed messages straight to the DLQ without calling the handler', async () => {
      const t = topic('malformed');
      const dlq = await watchDlq(t);
      const handled: EventEnvelope[] = [];
      const consumer = bus();
      await consumer.subscribe({ groupId: group('malformed'), topics: [t], handler: async (env) => void handled.push(env) });
      await consumer.start();
      const good = event('k', 7);
      const producer = bus();
      await producer.publishRaw(t, [
        { key: 'k', value: 'this is not json' },
        { key: 'k', value: JSON.stringify({ hello: 'world' }) },
      ]);
      await producer.publish(t, [good]);
      await waitFor(() => handled.length === 1 && dlq.length === 2, timeout(), 'good handled, 2 dead letters');
      expect(handled[0]).toEqual(good);
      expect(dlq.map((m) => m.value).sort()).toEqual([JSON.stringify({ hello: 'world' }), 'this is not json'].sort());
      for (const letter of dlq) {
        expect(letter.headers[HEADERS.dlqReason]).toBe('malformed');
        expect(letter.headers[HEADERS.dlqAttempts]).toBe('1');
        expect(letter.headers[HEADERS.dlqError]).toMatch(/not (JSON|an event envelope)/);
      }
    });

    it('dead-letters a NonRetryableError after one attempt', async () => {
      const t = topic('nonretry');
      const dlq = await watchDlq(t);
      let calls = 0;
      const consumer = bus();
      await consumer.subscribe({
        groupId: group('nonretry'),
        topics: [t],
        handler: async () => {
          calls++;
          throw new NonRetryableError('amount does not match the order');
        },
      });
      await consumer.start();
      await bus().publish(t, [event('k', 1)]);
      await waitFor(() => dlq.length === 1, timeout(), 'dead letter');
      expect(calls).toBe(1);
      expect(dlq[0]!.headers[HEADERS.dlqReason]).toBe('non-retryable');
      expect(dlq[0]!.headers[HEADERS.dlqErrorName]).toBe('NonRetryableError');
    });

    it('delivers every message to every consumer group', async () => {
      const t = topic('groups');
      const a: number[] = [];
      const b: number[] = [];
      const busA = bus();
      const busB = bus();
      await busA.subscribe<{ seq: number }>({ groupId: group('a'), topics: [t], handler: async (e) => void a.push(e.payload.seq) });
      await busB.subscribe<{ seq: number }>({ groupId: group('b'), topics: [t], handler: async (e) => void b.push(e.payload.seq) });
      await Promise.all([busA.start(), busB.start()]);
      await bus().publish(t, [event('x', 1), event('x', 2), event('x', 3)]);
      await waitFor(() => a.length === 3 && b.length === 3, timeout(), 'both groups');
      expect(a).toEqual([1, 2, 3]);
      expect(b).toEqual([1, 2, 3]);
    });

    it('resumes a group from its committed offsets after a restart', async () => {
      const t = topic('resume');
      const g = group('resume');
      const producer = bus();
      const first: number[] = [];
      const one = harness().createBus({ retry: FAST_RETRY });
      await one.subscribe<{ seq: number }>({ groupId: g, topics: [t], handler: async (e) => void first.push(e.payload.seq) });
      await one.start();
      await producer.publish(t, [event('r', 0), event('r', 1)]);
      await waitFor(() => first.length === 2, timeout(), 'first run');
      await one.stop();
      await producer.publish(t, [event('r', 2), event('r', 3)]);
      const second: number[] = [];
      const two = bus();
      await two.subscribe<{ seq: number }>({ groupId: g, topics: [t], handler: async (e) => void second.push(e.payload.seq) });
      await two.start();
      await waitFor(() => second.length >= 2, timeout(), 'second run');
      expect(first).toEqual([0, 1]);
      expect(second).toEqual([2, 3]);
    });

    it('stop() cuts a retry backoff short without acknowledging; the message is delivered again later', async () => {
      const t = topic('stop');
      const g = group('stop');
      const dlq = await watchDlq(t);
      let calls = 0;
      const one = harness().createBus({ retry: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 } });
      await one.subscribe({
        groupId: g,
        topics: [t],
        handler: async () => {
          calls++;
          throw new Error('down for now');
        },
      });
      await one.start();
      await bus().publish(t, [event('s', 1)]);
      await waitFor(() => calls === 1, timeout(), 'first attempt');
      const started = Date.now();
      await one.stop();
      expect(Date.now() - started).toBeLessThan(15_000); // not the 30-60 s backoff
      const redelivered: EventEnvelope[] = [];
      const two = bus();
      await two.subscribe({ groupId: g, topics: [t], handler: async (e) => void redelivered.push(e) });
      await two.start();
      await waitFor(() => redelivered.length === 1, timeout(), 'redelivery');
      expect(redelivered[0]!.payload).toEqual({ seq: 1 });
      expect(dlq).toHaveLength(0);
    });

    it('stop() waits for an in-flight handler to finish', async () => {
      const t = topic('inflight');
      let finished = false;
      let startedHandler = false;
      const one = harness().createBus({ retry: FAST_RETRY });
      await one.subscribe({
        groupId: group('inflight'),
        topics: [t],
        handler: async () => {
          startedHandler = true;
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      });
      await one.start();
      await bus().publish(t, [event('i', 1)]);
      await waitFor(() => startedHandler, timeout(), 'handler start');
      await one.stop();
      expect(finished).toBe(true);
    });
  });
}
