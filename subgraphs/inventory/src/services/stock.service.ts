import { userError, type Logger, type RequestContext, type UserError } from '@limitedcart/common';
import {
  isProductSnapshot,
  PRODUCT_EVENT,
  type ProductCreatedPayload,
  type ProductSnapshot,
} from '@limitedcart/common/events/product-events';
import { handleOnce, NonRetryableError, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import type { InventoryGate } from './inventory-gate.ts';

/** Inbox consumer name of the products.events handler. */
export const PRODUCT_EVENTS_CONSUMER = 'inventory.product-events';

export const RESTOCK_MAX = 1_000_000;

export interface StockLevel {
  productId: string;
  available: number;
  reserved: number;
  sold: number;
}

export type RestockResult = { stock: StockLevel; userErrors: [] } | { stock: null; userErrors: UserError[] };

export interface StockServiceOptions {
  orm: MikroORM;
  gate: InventoryGate;
  logger: Logger;
  /**
   * How long restock waits for a product inventory has not heard of yet (its ProductCreated may still be in flight
   * right after createProduct) before answering NOT_FOUND. Default 3000 ms; poll every `restockPollMs` (50 ms).
   */
  restockWaitMs?: number;
  restockPollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stock rows: created from products.events, read in batches for `Product`, and restocked by admins. */
export class StockService {
  readonly #orm: MikroORM;
  readonly #gate: InventoryGate;
  readonly #logger: Logger;
  readonly #waitMs: number;
  readonly #pollMs: number;

  constructor(options: StockServiceOptions) {
    this.#orm = options.orm;
    this.#gate = options.gate;
    this.#logger = options.logger;
    this.#waitMs = options.restockWaitMs ?? 3_000;
    this.#pollMs = options.restockPollMs ?? 50;
  }

  /** One query for any number of products; products without a stock row get null. */
  async findByProductIds(productIds: readonly string[]): Promise<(StockLevel | null)[]> {
    if (productIds.length === 0) return [];
    const rows = await this.#orm.em
      .fork()
      .execute<{ product_id: string; available: number; reserved: number; sold: number }[]>(
        `select product_id, available, reserved, sold from stock where product_id in (${productIds.map(() => '?').join(', ')})`,
        [...productIds],
      );
    const byId = new Map(rows.map((r) => [r.product_id, { productId: r.product_id, available: r.available, reserved: r.reserved, sold: r.sold }]));
    return productIds.map((id) => byId.get(id) ?? null);
  }

  /**
   * Adds units (ADMIN; the resolver checks the role). A product whose ProductCreated has not arrived yet is waited for
   * (up to restockWaitMs): subgraphs never call each other, and products' relay publishes within milliseconds, so
   * "not here after the wait" means the product does not exist → NOT_FOUND.
   */
  async restock(ctx: RequestContext, input: { productId: string; quantity: number }): Promise<RestockResult> {
    const { productId, quantity } = input;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > RESTOCK_MAX) {
      return { stock: null, userErrors: [userError('INVALID_INPUT', `quantity must be an integer from 1 to ${RESTOCK_MAX}.`, ['input', 'quantity'])] };
    }
    const notFound = { stock: null, userErrors: [userError('NOT_FOUND', 'No product with this id.', ['input', 'productId'])] };
    if (productId.length === 0 || productId.length > 200 || productId.includes(':')) return notFound;
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      const [row] = await this.#orm.em
        .fork()
        .execute<{ available: number; reserved: number; sold: number }[]>(
          `update stock set available = available + ?, received = received + ?, updated_at = now()
            where product_id = ? returning available, reserved, sold`,
          [quantity, quantity, productId],
        );
      if (row) {
        // After commit: the gate may admit the new units. A failure here is repaired by the periodic reconcile.
        try {
          await this.#gate.addStock(productId, quantity);
        } catch (error) {
          ctx.logger.warn({ err: error, productId }, 'restock committed but the gate was not updated; reconcile will');
        }
        ctx.logger.info({ productId, quantity }, 'restocked');
        return { stock: { productId, ...row }, userErrors: [] };
      }
      if (Date.now() >= deadline) return notFound;
      await sleep(this.#pollMs);
    }
  }

  /** products.events: creation makes the stock row (once), updates keep what inventory needs (limit, active). */
  async onProductEvent(envelope: EventEnvelope): Promise<'created' | 'updated' | 'ignored' | 'duplicate'> {
    if (!Object.values(PRODUCT_EVENT).includes(envelope.type as never)) return 'ignored';
    const product = envelope.payload;
    if (!isProductSnapshot(product)) throw new NonRetryableError(`${envelope.type} payload is not a product snapshot`);
    const em = this.#orm.em.fork();
    if (envelope.type === PRODUCT_EVENT.created) {
      const initialStock = (product as ProductCreatedPayload).initialStock;
      if (!Number.isSafeInteger(initialStock) || initialStock < 0) throw new NonRetryableError('ProductCreated initialStock is invalid');
      const done = await handleOnce(em, PRODUCT_EVENTS_CONSUMER, envelope.id, async (tx) => {
        const inserted = await tx.execute<{ product_id: string }[]>(
          `insert into stock (product_id, available, received, max_per_customer, active, product_version)
           values (?, ?, ?, ?, ?, ?) on conflict (product_id) do nothing returning product_id`,
          [product.id, initialStock, initialStock, product.maxPerCustomer, product.active, product.version],
        );
        return inserted.length === 1;
      });
      if (!done.duplicate && done.result) {
        await this.#gate.setStock(product.id, initialStock);
        return 'created';
      }
      // Redelivered after a crash between commit and the gate write: give the gate the product now.
      if ((await this.#gate.tokens(product.id)) === null) await this.#reconcileOne(product.id);
      return 'duplicate';
    }
    const done = await handleOnce(em, PRODUCT_EVENTS_CONSUMER, envelope.id, (tx) => this.#applySnapshot(tx, product));
    return done.duplicate ? 'duplicate' : 'updated';
  }

  async #applySnapshot(tx: SqlEntityManager, product: ProductSnapshot): Promise<void> {
    const res = await tx.execute<{ affectedRows: number }>(
      `update stock set max_per_customer = ?, active = ?, product_version = ?, updated_at = now()
        where product_id = ? and product_version < ?`,
      [product.maxPerCustomer, product.active, product.version, product.id, product.version],
      'run',
    );
    if (res.affectedRows === 0) this.#logger.debug({ productId: product.id, version: product.version }, 'stale or unknown product snapshot ignored');
  }

  async #reconcileOne(productId: string): Promise<void> {
    await this.#gate.reconcile(async () => {
      const [row] = await this.#orm.em.fork().execute<{ available: number }[]>('select available from stock where product_id = ?', [productId]);
      return row ? [{ productId, available: row.available }] : [];
    });
  }
}
