import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fixKafkajsIdleTimer } from './kafkajs-idle-timer.ts';

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests(this: object): void };
};

type QueueState = { pending: unknown[]; throttledUntil: number; throttleCheckTimeoutId: NodeJS.Timeout | null; checkPendingRequests(): void };
const queue = (pending: unknown[], throttledUntil = -1): QueueState => ({ pending, throttledUntil, throttleCheckTimeoutId: null, checkPendingRequests: () => undefined });

describe('kafkajs idle timer fix', () => {
  it('schedules no check when nothing is pending and nothing is throttled (kafkajs alone would, after 1 ms, forever)', () => {
    fixKafkajsIdleTimer();
    const idle = queue([]);
    RequestQueue.prototype.scheduleCheckPendingRequests.call(idle);
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still schedules a check for pending requests and for a throttle that ends later', () => {
    fixKafkajsIdleTimer();
    fixKafkajsIdleTimer(); // applying twice wraps once
    const waiting = queue([{}]);
    RequestQueue.prototype.scheduleCheckPendingRequests.call(waiting);
    expect(waiting.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(waiting.throttleCheckTimeoutId!);
    const throttled = queue([], Date.now() + 60_000);
    RequestQueue.prototype.scheduleCheckPendingRequests.call(throttled);
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(throttled.throttleCheckTimeoutId!);
  });
});
