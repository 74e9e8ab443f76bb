import { describe, expect, it } from 'vitest';
import { createEnvelope } from './envelope.ts';
import { describeMessageBus } from './message-bus.suite.ts';
import { MemoryBroker, MemoryMessageBus } from './memory-message-bus.ts';

const broker = new MemoryBroker({ partitions: 4 });
describeMessageBus('memory', () => ({
  createBus: (options) => new MemoryMessageBus({ broker, retry: options?.retry }),
  timeoutMs: 5_000,
}));

describe('MemoryMessageBus specifics', () => {
  it('rejects a second live member of one consumer group (no rebalancing in memory)', async () => {
    const shared = new MemoryBroker();
    const a = new MemoryMessageBus({ broker: shared });
    const b = new MemoryMessageBus({ broker: shared });
    await a.subscribe({ groupId: 'g', topics: ['t'], handler: async () => {} });
    await b.subscribe({ groupId: 'g', topics: ['t'], handler: async () => {} });
    await a.start();
    await expect(b.start()).rejects.toThrow(/already has a member/);
    await a.stop();
    await b.stop();
  });

  it('spreads keys over partitions and keeps one key on one partition', async () => {
    const shared = new MemoryBroker({ partitions: 4 });
    const bus = new MemoryMessageBus({ broker: shared });
    const envs = Array.from({ length: 40 }, (_, i) =>
      createEnvelope({ type: 'T', aggregateType: 'A', aggregateId: `a-${i % 8}`, payload: i }),
    );
    await bus.publish('spread', envs);
    const stored = shared.read('spread');
    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of stored) partitionsByKey.set(m.key!, (partitionsByKey.get(m.key!) ?? new Set()).add(m.partition));
    expect([...partitionsByKey.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set(stored.map((m) => m.partition)).size).toBeGreaterThan(1);
  });
});
