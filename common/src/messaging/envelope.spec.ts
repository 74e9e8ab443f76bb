import { describe, expect, it } from 'vitest';
import { withCorrelationId } from '../logger.ts';
import { backoffMs, retryPolicy } from './delivery.ts';
import {
  MalformedMessageError,
  createEnvelope,
  dlqTopicFor,
  isEventEnvelope,
  parseEnvelope,
  serializeEnvelope,
  topicFor,
} from './envelope.ts';

describe('envelope', () => {
  it('fills id, occurredAt and the correlation id of the current context', () => {
    const env = withCorrelationId('corr-9', () =>
      createEnvelope({ type: 'OrderPlaced', aggregateType: 'Order', aggregateId: 'o1', payload: { a: 1 } }),
    );
    expect(env.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(env.occurredAt).toISOString()).toBe(env.occurredAt);
    expect(env.metadata).toEqual({ correlationId: 'corr-9' });
    expect(createEnvelope({ type: 'T', aggregateType: 'A', aggregateId: 'x', payload: 1 }).metadata).toEqual({});
  });

  it('causedBy sets causationId and inherits the correlation id', () => {
    const cause = createEnvelope({ type: 'A', aggregateType: 'X', aggregateId: '1', payload: null, metadata: { correlationId: 'c1' } });
    const effect = withCorrelationId('other', () =>
      createEnvelope({ type: 'B', aggregateType: 'Y', aggregateId: '2', payload: null, causedBy: cause }),
    );
    expect(effect.metadata).toEqual({ causationId: cause.id, correlationId: 'c1' });
  });

  it('round-trips through serialize/parse and rejects malformed values', () => {
    const env = createEnvelope({ type: 'T', aggregateType: 'A', aggregateId: 'x', payload: { n: [1, 2] } });
    expect(parseEnvelope(serializeEnvelope(env))).toEqual(env);
    expect(parseEnvelope(Buffer.from(serializeEnvelope(env)))).toEqual(env);
    expect(() => parseEnvelope('{')).toThrow(MalformedMessageError);
    expect(() => parseEnvelope('{"id":"1"}')).toThrow(/not an event envelope/);
    expect(() => parseEnvelope(null)).toThrow(MalformedMessageError);
    expect(isEventEnvelope({ ...env, metadata: [] })).toBe(false);
    expect(isEventEnvelope({ ...env, aggregateId: '' })).toBe(false);
  });

  it('names topics <service>.events and <topic>.dlq', () => {
    expect(topicFor('orders')).toBe('orders.events');
    expect(dlqTopicFor(topicFor('orders'))).toBe('orders.events.dlq');
  });
});

describe('retry backoff', () => {
  it('grows exponentially within [d/2, d] and is capped', () => {
    const policy = retryPolicy({ initialBackoffMs: 100, maxBackoffMs: 1_000, multiplier: 2 });
    for (let i = 0; i < 50; i++) {
      const first = backoffMs(policy, 1);
      const third = backoffMs(policy, 3);
      const tenth = backoffMs(policy, 10);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      expect(third).toBeGreaterThanOrEqual(200);
      expect(third).toBeLessThanOrEqual(400);
      expect(tenth).toBeGreaterThanOrEqual(500);
      expect(tenth).toBeLessThanOrEqual(1_000);
    }
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow();
  });
});
