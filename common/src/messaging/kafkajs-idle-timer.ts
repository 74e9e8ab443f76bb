// A fix for kafkajs 2.2.4's request queue, applied once when the Kafka bus loads. After every check of its pending
// requests, each broker connection schedules the next check at `throttledUntil - now` ms, which is hugely negative
// when nothing is throttled (throttledUntil starts at -1): Node runs it after 1 ms (printing
// TimeoutNegativeWarning on Node 24), and so on forever. Every connection of every process wakes up 1,000 times a
// second with nothing to do; `npm run bench` measured a few % of a core per idle service and more under load on
// this 2-core machine. With no pending request there is nothing to check later: push() schedules a check itself
// when it queues one, and a finished request checks the queue, so skipping the timer then loses nothing.
import { createRequire } from 'node:module';

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const PATCHED = Symbol.for('limitedcart.kafkajs.idleTimerFix');

export function fixKafkajsIdleTimer(): void {
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike & { [PATCHED]?: true } };
  const proto = RequestQueue.prototype;
  if (proto[PATCHED]) return;
  const schedule = proto.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function') throw new Error('kafkajs changed: RequestQueue.scheduleCheckPendingRequests is gone; review kafkajs-idle-timer.ts');
  proto.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  proto[PATCHED] = true;
}
