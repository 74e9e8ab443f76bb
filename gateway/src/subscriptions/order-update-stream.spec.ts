import { createLogger } from '@limitedcart/common';
import type { OrderStatus } from '@limitedcart/common/events/order-events';
import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { EXPIRED_TOKEN_MESSAGE, NOT_FOUND_MESSAGE, OrderUpdateStream, type OrderUpdateStreamOptions } from './order-update-stream.ts';

const logger = createLogger('order-update-stream-test', 'silent');

/** An order store whose queries can be held open, to let messages arrive while one runs. */
class FakeRun {
  readonly state = new Map<string, OrderStatus | null>();
  readonly runs: string[] = [];
  #held: (() => void)[] = [];
  hold = false;
  fail = false;

  readonly run = async (orderId: string): Promise<FormattedExecutionResult> => {
    this.runs.push(orderId);
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.fail) throw new Error('subgraph exploded');
    // The state is read when the query "reaches the subgraph", after the hold.
    const status = this.state.get(orderId);
    return { data: { order: status ? { id: orderId, status } : null } };
  };

  /** Lets every held query finish. */
  release(): void {
    this.hold = false;
    for (const resolve of this.#held.splice(0)) resolve();
  }

  get held(): number {
    return this.#held.length;
  }
}

function stream(fake: FakeRun, options: Partial<OrderUpdateStreamOptions> = {}) {
  let ended = 0;
  const s = new OrderUpdateStream({
    responseKey: 'order',
    run: fake.run,
    onEnd: () => ended++,
    whenGone: 'end',
    logger,
    ...options,
  });
  return { s, ended: () => ended };
}

const message = (orderId: string, version: number, status: OrderStatus = 'AWAITING_PAYMENT', customerId = 'c1') => ({
  orderId,
  customerId,
  status,
  version,
  at: '2030-01-01T00:00:00.000Z',
});

const payload = (id: string, status: OrderStatus) => ({ done: false, value: { data: { order: { id, status } } } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Resolves to the next result, or 'pending' if none comes within a few event-loop turns. */
async function peek<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, (async () => {
    for (let i = 0; i < 5; i++) await tick();
    return 'pending' as const;
  })()]);
}

describe('OrderUpdateStream', () => {
  it('sends the primed state first, then one payload per new version', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    const { s } = stream(fake);
    await s.prime('o1');
    expect(await s.next()).toEqual(payload('o1', 'PENDING'));
    fake.state.set('o1', 'AWAITING_PAYMENT');
    s.push(message('o1', 2));
    expect(await s.next()).toEqual(payload('o1', 'AWAITING_PAYMENT'));
    fake.state.set('o1', 'CONFIRMED');
    s.push(message('o1', 3, 'CONFIRMED'));
    expect(await s.next()).toEqual(payload('o1', 'CONFIRMED'));
    expect(fake.runs).toEqual(['o1', 'o1', 'o1']);
  });

  it('drops duplicates and older versions (at-least-once channel)', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'AWAITING_PAYMENT');
    const { s } = stream(fake);
    s.push(message('o1', 2));
    expect(await s.next()).toEqual(payload('o1', 'AWAITING_PAYMENT'));
    s.push(message('o1', 2));
    s.push(message('o1', 1, 'PENDING'));
    const next = s.next();
    expect(await peek(next)).toBe('pending');
    expect(fake.runs).toEqual(['o1']);
    fake.state.set('o1', 'CONFIRMED');
    s.push(message('o1', 3, 'CONFIRMED'));
    expect(await next).toEqual(payload('o1', 'CONFIRMED'));
  });

  it('coalesces messages that arrive while a query runs into one re-run with the latest state', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'AWAITING_PAYMENT');
    const { s } = stream(fake);
    s.push(message('o1', 2));
    fake.hold = true;
    const first = s.next();
    await tick();
    expect(fake.held).toBe(1);
    // Three more status changes while the query is held; the held query will read the newest state.
    s.push(message('o1', 3, 'CONFIRMED'));
    s.push(message('o1', 4, 'SHIPPED'));
    fake.state.set('o1', 'SHIPPED');
    s.push(message('o1', 5, 'DELIVERED'));
    fake.state.set('o1', 'DELIVERED');
    fake.release();
    expect(await first).toEqual(payload('o1', 'DELIVERED'));
    // One re-run for the three messages; its payload equals the one sent, and the messages arrived during that
    // query, so it is not sent again.
    const second = s.next();
    expect(await peek(second)).toBe('pending');
    expect(fake.runs).toEqual(['o1', 'o1']);
    s.push(message('o1', 6, 'REFUNDED'));
    fake.state.set('o1', 'REFUNDED');
    expect(await second).toEqual(payload('o1', 'REFUNDED'));
  });

  it('never sends an older state after a newer one: queries run one at a time, in order', async () => {
    const fake = new FakeRun();
    const { s } = stream(fake);
    const statuses: OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const result of s) {
        const status = (result.data?.order as { status: string }).status;
        seen.push(status);
        if (status === 'DELIVERED') break;
      }
    })();
    for (const [i, status] of statuses.entries()) {
      fake.state.set('o1', status);
      s.push(message('o1', i + 1, status));
      if (i % 2) await tick();
    }
    await consumer;
    const order = seen.map((status) => statuses.indexOf(status as OrderStatus));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe('DELIVERED');
  });

  it('keeps one pending entry per order for a slow client, and at most maxPendingOrders orders', async () => {
    const fake = new FakeRun();
    const { s } = stream(fake, { whenGone: 'skip', maxPendingOrders: 3 });
    for (let v = 1; v <= 50; v++) s.push(message('o1', v));
    expect(s.pendingOrders).toBe(1);
    for (const id of ['o2', 'o3', 'o4', 'o5']) {
      fake.state.set(id, 'PENDING');
      s.push(message(id, 1, 'PENDING'));
    }
    expect(s.pendingOrders).toBe(3);
    // The oldest (o1, o2) were dropped; the client gets the latest three orders.
    expect(await s.next()).toEqual(payload('o3', 'PENDING'));
    expect(await s.next()).toEqual(payload('o4', 'PENDING'));
    expect(await s.next()).toEqual(payload('o5', 'PENDING'));
    expect(fake.runs).toEqual(['o3', 'o4', 'o5']);
  });

  it('skips a re-run identical to the primed payload when the message came during the first query', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    const { s } = stream(fake);
    fake.hold = true;
    const primed = s.prime('o1');
    await tick();
    s.push(message('o1', 2));
    fake.state.set('o1', 'AWAITING_PAYMENT');
    fake.release();
    await primed;
    expect(await s.next()).toEqual(payload('o1', 'AWAITING_PAYMENT'));
    const next = s.next();
    expect(await peek(next)).toBe('pending'); // the re-run saw the same state: nothing sent
    expect(fake.runs).toEqual(['o1', 'o1']);
    await s.return();
    expect(await next).toEqual({ done: true, value: undefined });
  });

  it('prime(version): messages up to the probed version are already reflected and never re-run', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'AWAITING_PAYMENT');
    const { s } = stream(fake);
    s.push(message('o1', 1, 'PENDING')); // arrived while the version was probed
    await s.prime('o1', 2);
    expect(s.pendingOrders).toBe(0);
    s.push(message('o1', 2)); // late, already in the first payload
    expect(await s.next()).toEqual(payload('o1', 'AWAITING_PAYMENT'));
    const next = s.next();
    expect(await peek(next)).toBe('pending');
    expect(fake.runs).toEqual(['o1']);
    fake.state.set('o1', 'CONFIRMED');
    s.push(message('o1', 3, 'CONFIRMED'));
    expect(await next).toEqual(payload('o1', 'CONFIRMED'));
  });

  it('prime(version): a newer message that came during the probe re-runs, sent only if it shows something new', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'CONFIRMED');
    const { s } = stream(fake);
    s.push(message('o1', 3, 'CONFIRMED')); // committed right after the probe read version 2
    await s.prime('o1', 2);
    expect(await s.next()).toEqual(payload('o1', 'CONFIRMED'));
    const next = s.next();
    expect(await peek(next)).toBe('pending');
    expect(fake.runs).toEqual(['o1', 'o1']);
    await s.return();
  });

  it('sends the re-run when the first query missed the change', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    const { s } = stream(fake);
    fake.hold = true;
    const primed = s.prime('o1');
    await tick();
    fake.release(); // reads PENDING
    s.push(message('o1', 2));
    await primed;
    fake.state.set('o1', 'AWAITING_PAYMENT');
    expect(await s.next()).toEqual(payload('o1', 'PENDING'));
    expect(await s.next()).toEqual(payload('o1', 'AWAITING_PAYMENT'));
  });

  it('re-checks sent orders after a resubscribe, sending only what changed', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'AWAITING_PAYMENT');
    fake.state.set('o2', 'AWAITING_PAYMENT');
    const { s } = stream(fake, { whenGone: 'skip' });
    s.push(message('o1', 2));
    s.push(message('o2', 2));
    expect(await s.next()).toEqual(payload('o1', 'AWAITING_PAYMENT'));
    expect(await s.next()).toEqual(payload('o2', 'AWAITING_PAYMENT'));
    fake.state.set('o2', 'CONFIRMED'); // its message was lost while the feed was disconnected
    s.resync();
    expect(await s.next()).toEqual(payload('o2', 'CONFIRMED'));
    expect(fake.runs).toEqual(['o1', 'o2', 'o1', 'o2']);
  });

  it('return() ends a waiting next() at once and calls onEnd once; later messages are ignored', async () => {
    const fake = new FakeRun();
    const { s, ended } = stream(fake);
    const waiting = s.next();
    expect(await peek(waiting)).toBe('pending');
    expect(await s.return()).toEqual({ done: true, value: undefined });
    expect(await waiting).toEqual({ done: true, value: undefined });
    await s.return();
    expect(ended()).toBe(1);
    s.push(message('o1', 9));
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(fake.runs).toEqual([]);
  });

  it('return() during a query ends the stream without sending its result', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    const { s, ended } = stream(fake);
    s.push(message('o1', 1));
    fake.hold = true;
    const next = s.next();
    await tick();
    await s.return();
    expect(ended()).toBe(1);
    fake.release();
    expect(await next).toEqual({ done: true, value: undefined });
  });

  it('orderUpdated: an order no longer visible ends the stream with NOT_FOUND', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    const { s, ended } = stream(fake);
    await s.prime('o1');
    await s.next();
    fake.state.set('o1', null);
    s.push(message('o1', 2));
    expect(await s.next()).toEqual({
      done: false,
      value: { data: null, errors: [{ message: NOT_FOUND_MESSAGE, path: ['order'], extensions: { code: 'NOT_FOUND' } }] },
    });
    expect(ended()).toBe(1);
    expect(await s.next()).toEqual({ done: true, value: undefined });
  });

  it('myOrderUpdates: an order not visible is skipped; errors with a null order null the data', async () => {
    const run = async (orderId: string): Promise<FormattedExecutionResult> =>
      orderId === 'broken'
        ? { data: { order: null }, errors: [{ message: 'payments is down', path: ['order', 'payment'] }] }
        : { data: { order: null } };
    const s = new OrderUpdateStream({ responseKey: 'order', run, onEnd: () => {}, whenGone: 'skip', logger });
    s.push(message('gone', 1));
    s.push(message('broken', 1));
    expect(await s.next()).toEqual({
      done: false,
      value: { data: null, errors: [{ message: 'payments is down', path: ['order', 'payment'] }] },
    });
  });

  it('a failing query becomes an INTERNAL_SERVER_ERROR payload and the stream goes on', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    const { s } = stream(fake);
    fake.fail = true;
    s.push(message('o1', 1));
    expect(await s.next()).toEqual({
      done: false,
      value: { data: null, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
    });
    fake.fail = false;
    s.push(message('o1', 2));
    expect(await s.next()).toEqual(payload('o1', 'PENDING'));
  });

  it('ends with UNAUTHENTICATED once the access token has expired, without running the query', async () => {
    const fake = new FakeRun();
    fake.state.set('o1', 'PENDING');
    let now = 1_000;
    const { s, ended } = stream(fake, { expiresAt: 2_000, now: () => now });
    s.push(message('o1', 1));
    expect(await s.next()).toEqual(payload('o1', 'PENDING'));
    now = 2_000;
    s.push(message('o1', 2));
    expect(await s.next()).toEqual({ done: false, value: { errors: [{ message: EXPIRED_TOKEN_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(ended()).toBe(1);
    expect(fake.runs).toEqual(['o1']);
  });
});
