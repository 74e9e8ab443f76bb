import type { Logger } from '@limitedcart/common';
import type { ReconcileChange } from '@limitedcart/common/admission';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { InventoryGate } from './inventory-gate.ts';

/**
 * Inventory owns the gate's stock tokens: at start and every `intervalMs` it sets them from PostgreSQL's available
 * (the gate subtracts what is admitted but not yet held). Several replicas may run it: reconcile is safe to repeat.
 */
export class GateSync {
  readonly #orm: MikroORM;
  readonly #gate: InventoryGate;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: { orm: MikroORM; gate: InventoryGate; logger: Logger; intervalMs?: number }) {
    this.#orm = options.orm;
    this.#gate = options.gate;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 30_000;
  }

  /** Sets every product's tokens from PostgreSQL now; returns the products whose tokens changed. */
  async reconcileNow(): Promise<ReconcileChange[]> {
    const changes = await this.#gate.reconcile(async () => {
      const rows = await this.#orm.em.fork().execute<{ product_id: string; available: number }[]>('select product_id, available from stock');
      return rows.map((r) => ({ productId: r.product_id, available: r.available }));
    });
    const changed = changes.filter((c) => c.before !== c.after);
    if (changed.length > 0) this.#logger.info({ changed: changed.length, products: changes.length }, 'gate tokens reconciled');
    return changed;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running = this.reconcileNow().catch((error: unknown) => this.#logger.error({ err: error }, 'gate reconcile failed'));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
