import { randomUUID } from 'node:crypto';
import { failure, requireAdmin, userError, type RequestContext, type UserError } from '@limitedcart/common';
import { addToOutbox, type EventEnvelope } from '@limitedcart/common/messaging';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { CategoryEntity } from '../entities/category.entity.ts';
import { ProductEntity } from '../entities/product.entity.ts';
import { productChangedEvent, productCreatedEvent } from '../events/product-event.factory.ts';
import type { ProductCache } from './product-cache.ts';
import {
  validateCreateProduct,
  validateUpdateProduct,
  type CreateProductInput,
  type ProductChanges,
  type UpdateProductInput,
} from './product-input.ts';
import { PRODUCT_COLUMNS } from './product-listing.ts';
import { isUuid, toProductRecord, type ProductLike, type ProductRecord } from './product-record.ts';

export interface ProductPayload {
  product: ProductRecord | null;
  userErrors: UserError[];
}

export interface ProductServiceOptions {
  orm: MikroORM;
  cache: ProductCache;
  /** Full topic name of products.events (TOPIC_PREFIX applied). */
  topic: string;
  /** STORE_CURRENCY: every price is in it. */
  currency: string;
}

type TxResult = { ok: true; product: ProductRecord } | { ok: false; error: UserError };

const categoryNotFound = () => userError('NOT_FOUND', 'No category with this id exists.', ['input', 'categoryId']);

/** Raw product row (snake_case, as PostgreSQL returns it) → record. */
export function productFromRow(row: Record<string, unknown>): ProductRecord {
  const like: ProductLike = {
    id: row.id as string,
    name: row.name as string,
    description: row.description as string,
    priceMinor: Number(row.price_minor),
    currency: row.currency as string,
    categoryId: (row.category_id as string | null) ?? null,
    imageUrl: (row.image_url as string | null) ?? null,
    maxPerCustomer: row.max_per_customer === null ? null : Number(row.max_per_customer),
    active: row.active as boolean,
    version: Number(row.version),
    createdAt: new Date(row.created_at as string | Date),
    updatedAt: new Date(row.updated_at as string | Date),
  };
  return toProductRecord(like);
}

/**
 * Products: create and update (ADMIN), each committing the change and its products.events event together (outbox),
 * then refreshing the read cache; and batched reads through that cache.
 */
export class ProductService {
  readonly #orm: MikroORM;
  readonly #cache: ProductCache;
  readonly #topic: string;
  readonly #currency: string;

  constructor(options: ProductServiceOptions) {
    this.#orm = options.orm;
    this.#cache = options.cache;
    this.#topic = options.topic;
    this.#currency = options.currency;
  }

  async create(ctx: RequestContext, input: CreateProductInput): Promise<ProductPayload> {
    requireAdmin(ctx);
    const valid = validateCreateProduct(input);
    if (!valid.ok) return failure(valid.errors, 'product');
    const { initialStock, ...fields } = valid.value;
    const result = await this.#orm.em.fork().transactional(async (tx): Promise<TxResult> => {
      if (fields.categoryId !== null && !(await categoryExists(tx, fields.categoryId))) return { ok: false, error: categoryNotFound() };
      const now = new Date();
      const entity = tx.create(ProductEntity, { id: randomUUID(), ...fields, currency: this.#currency, active: true, version: 1, createdAt: now, updatedAt: now });
      await tx.flush();
      const product = toProductRecord(entity);
      await this.#publish(tx, productCreatedEvent(product, initialStock));
      return { ok: true, product };
    });
    if (!result.ok) return failure(result.error, 'product');
    await this.#cache.refresh(result.product);
    ctx.logger.info({ productId: result.product.id, initialStock }, 'product created');
    return { product: result.product, userErrors: [] };
  }

  async update(ctx: RequestContext, input: UpdateProductInput): Promise<ProductPayload> {
    requireAdmin(ctx);
    const valid = validateUpdateProduct(input);
    if (!valid.ok) return failure(valid.errors, 'product');
    const notFound = failure(userError('NOT_FOUND', 'No product with this id exists.', ['input', 'id']), 'product');
    if (!isUuid(input.id)) return notFound;
    const changes = valid.value;
    const result = await this.#orm.em.fork().transactional(async (tx): Promise<TxResult | null> => {
      // Row lock: concurrent updates of one product take turns, so versions (and events) follow commit order.
      const entity = await tx.findOne(ProductEntity, { id: input.id.toLowerCase() }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!entity) return null;
      if (changes.categoryId && changes.categoryId !== entity.categoryId && !(await categoryExists(tx, changes.categoryId))) {
        return { ok: false, error: categoryNotFound() };
      }
      const wasActive = entity.active;
      if (!applyChanges(entity, changes)) return { ok: true, product: toProductRecord(entity) };
      entity.version += 1;
      entity.updatedAt = new Date();
      await tx.flush();
      const product = toProductRecord(entity);
      await this.#publish(tx, productChangedEvent(product, wasActive));
      return { ok: true, product };
    });
    if (result === null) return notFound;
    if (!result.ok) return failure(result.error, 'product');
    await this.#cache.refresh(result.product);
    ctx.logger.info({ productId: result.product.id, version: result.product.version }, 'product updated');
    return { product: result.product, userErrors: [] };
  }

  /**
   * Products by id, archived ones included, in the order of `ids` (null for unknown ones): the cache first, then
   * ONE `where id in (...)` for the misses, which then fill the cache.
   */
  async findByIds(ids: readonly string[]): Promise<(ProductRecord | null)[]> {
    const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const found = await this.#cache.getMany(wanted);
    const misses = wanted.filter((id) => !found.has(id));
    if (misses.length) {
      const rows = await this.#orm.em
        .fork()
        .execute<Record<string, unknown>[]>(`select ${PRODUCT_COLUMNS} from product p where p.id in (?)`, [misses]);
      const loaded = rows.map(productFromRow);
      for (const product of loaded) found.set(product.id, product);
      await this.#cache.fill(loaded);
    }
    return ids.map((id) => found.get(id.toLowerCase()) ?? null);
  }

  async #publish(tx: EntityManager, envelope: EventEnvelope): Promise<void> {
    await addToOutbox(tx, this.#topic, [envelope]);
  }
}

async function categoryExists(em: EntityManager, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await em.count(CategoryEntity, { id: id.toLowerCase() })) > 0;
}

/** Applies the given changes; false when none of them changes anything. */
function applyChanges(entity: ProductRecordLike, changes: ProductChanges): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(changes) as [keyof ProductChanges, unknown][]) {
    const normalized = key === 'categoryId' && typeof value === 'string' ? value.toLowerCase() : value;
    if (entity[key] !== normalized) {
      (entity as Record<string, unknown>)[key] = normalized;
      changed = true;
    }
  }
  return changed;
}

type ProductRecordLike = Record<keyof ProductChanges, unknown>;
