import type { Logger } from '@limitedcart/common';
import { ExpiringMap } from '@limitedcart/common/expiring-map';
import { isProductSnapshot, PRODUCT_EVENT } from '@limitedcart/common/events/product-events';
import { NonRetryableError, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';

/** A product as orders sells it. */
export interface CatalogEntry {
  id: string;
  name: string;
  priceMinor: number;
  currency: string;
  maxPerCustomer: number | null;
  active: boolean;
}

interface CatalogRow {
  id: string;
  name: string;
  price_minor: string;
  currency: string;
  max_per_customer: number | null;
  active: boolean;
}

export interface CatalogServiceOptions {
  orm: MikroORM;
  logger: Logger;
  /** How long a lookup waits for a product it does not know yet (it may just have been created). Default 2 s. */
  arrivalWaitMs?: number;
  /** How long a product read from the projection is reused without reading it again. Default 1 s; 0 = never. */
  cacheMs?: number;
}

const POLL_MS = 50;
const MAX_CACHED = 10_000;

/**
 * Orders' projection of the catalog (event-carried state from products.events). Snapshots are applied when newer
 * than the stored one (`version`), so redelivered and out-of-order events change nothing: no inbox needed.
 */
export class CatalogService {
  readonly #orm: MikroORM;
  readonly #logger: Logger;
  readonly #arrivalWaitMs: number;
  readonly #cacheMs: number;
  /**
   * Products read recently. During a drop every placeOrder looks up the same product: reading it once a second
   * instead of once per request saves a database round trip on each. An event this process applies drops the entry
   * at once; another replica's copy may lag by up to `cacheMs`.
   */
  readonly #recent = new ExpiringMap<string, CatalogEntry>(MAX_CACHED);

  constructor(options: CatalogServiceOptions) {
    this.#orm = options.orm;
    this.#logger = options.logger;
    this.#arrivalWaitMs = options.arrivalWaitMs ?? 2_000;
    this.#cacheMs = options.cacheMs ?? 1_000;
  }

  async onProductEvent(envelope: EventEnvelope): Promise<'applied' | 'stale' | 'ignored'> {
    if (!Object.values(PRODUCT_EVENT).includes(envelope.type as never)) return 'ignored';
    const p = envelope.payload;
    if (!isProductSnapshot(p)) throw new NonRetryableError(`${envelope.type} payload is not a product snapshot`);
    const rows = await this.#orm.em.fork().execute<{ id: string }[]>(
      `insert into catalog_product (id, name, price_minor, currency, max_per_customer, active, version)
       values (?, ?, ?, ?, ?, ?, ?)
       on conflict (id) do update set name = excluded.name, price_minor = excluded.price_minor, currency = excluded.currency,
         max_per_customer = excluded.max_per_customer, active = excluded.active, version = excluded.version, updated_at = now()
       where catalog_product.version < excluded.version
       returning id`,
      [p.id, p.name, p.priceMinor, p.currency, p.maxPerCustomer, p.active, p.version],
    );
    if (rows.length === 0) this.#logger.debug({ productId: p.id, version: p.version }, 'stale product snapshot ignored');
    this.#recent.delete(p.id);
    return rows.length === 0 ? 'stale' : 'applied';
  }

  /** The known products among `ids` (archived ones included), without waiting. */
  async find(ids: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const found = new Map<string, CatalogEntry>();
    const now = Date.now();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.#recent.get(id, now);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const rows = await this.#orm.em.fork().execute<CatalogRow[]>(
      'select id, name, price_minor, currency, max_per_customer, active from catalog_product where id in (?)',
      [missing],
    );
    for (const r of rows) {
      const entry = { id: r.id, name: r.name, priceMinor: Number(r.price_minor), currency: r.currency, maxPerCustomer: r.max_per_customer, active: r.active };
      found.set(r.id, entry);
      if (this.#cacheMs > 0) this.#recent.set(r.id, entry, now + this.#cacheMs, now);
    }
    return found;
  }

  /**
   * Like find, but waits up to the arrival window for products not seen yet: a product created a moment ago may
   * still be on its way through products.events. Unknown ids cost that wait once per call.
   */
  async lookup(ids: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const deadline = Date.now() + this.#arrivalWaitMs;
    for (;;) {
      const found = await this.find(ids);
      if (found.size === new Set(ids).size || Date.now() >= deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
