import type { Logger } from '@limitedcart/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { emitInventoryEvents } from './inventory-events.ts';
import type { InventoryGate } from './inventory-gate.ts';
import { applyMoves, MOVES } from './stock-moves.ts';

export interface HoldExpirySweeperOptions {
  orm: MikroORM;
  gate: InventoryGate;
  logger: Logger;
  topic: string;
  /** Orders per claim (default 200). */
  batchSize?: number;
  /** Pause between sweeps when the last one found nothing to do (default 1000 ms). */
  intervalMs?: number;
}

/**
 * Releases holds whose payment window lapsed. Each batch claims whole orders (their hold rows) with
 * `FOR UPDATE SKIP LOCKED`, so several sweepers (replicas) split the work and never both expire one order; an order
 * being confirmed or cancelled right now is skipped, and its transition then finds it no longer HELD or vice versa.
 * Per order: status EXPIRED, stock back to available, one HoldExpired; then the gate gets its tokens back.
 */
export class HoldExpirySweeper {
  readonly #orm: MikroORM;
  readonly #gate: InventoryGate;
  readonly #logger: Logger;
  readonly #topic: string;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(options: HoldExpirySweeperOptions) {
    this.#orm = options.orm;
    this.#gate = options.gate;
    this.#logger = options.logger;
    this.#topic = options.topic;
    this.#batchSize = options.batchSize ?? 200;
    this.#intervalMs = options.intervalMs ?? 1_000;
  }

  /** One claim: returns the order ids it expired (empty when nothing lapsed or everything lapsed is claimed by others). */
  async sweepOnce(): Promise<string[]> {
    const em = this.#orm.em.fork();
    const expired = await em.transactional(async (tx) => {
      const claimed = await tx.execute<{ order_id: string }[]>(
        `select order_id from hold where status = 'HELD' and expires_at <= now()
          order by expires_at limit ? for update skip locked`,
        [this.#batchSize],
      );
      if (claimed.length === 0) return [];
      const ids = claimed.map((r) => r.order_id);
      const list = ids.map(() => '?').join(', ');
      await tx.execute(`update hold set status = 'EXPIRED', updated_at = now() where order_id in (${list})`, ids, 'run');
      const totals = await tx.execute<{ product_id: string; quantity: number }[]>(
        `select product_id, sum(quantity)::int as quantity from hold_line where order_id in (${list}) group by product_id`,
        ids,
      );
      await applyMoves(tx, MOVES.release, totals.map((r) => ({ productId: r.product_id, quantity: r.quantity })));
      await emitInventoryEvents(
        tx,
        this.#topic,
        ids.map((orderId) => ({ type: 'HoldExpired' as const, payload: { orderId } })),
      );
      return ids;
    });
    for (const orderId of expired) await this.#gate.release(orderId);
    if (expired.length > 0) this.#logger.info({ count: expired.length }, 'expired lapsed holds');
    return expired;
  }

  /** Sweeps until nothing is left, then every intervalMs. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = async () => {
      let full = false;
      try {
        full = (await this.sweepOnce()).length >= this.#batchSize;
      } catch (error) {
        this.#logger.error({ err: error }, 'hold expiry sweep failed');
      }
      if (!this.#stopped) this.#timer = setTimeout(schedule, full ? 0 : this.#intervalMs);
    };
    const schedule = () => {
      this.#running = tick();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
