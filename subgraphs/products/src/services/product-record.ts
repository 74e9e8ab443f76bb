import { money, type Money } from '@limitedcart/common';
import type { ProductSnapshot } from '@limitedcart/common/events/product-events';

/**
 * A product as resolvers, the read cache and events see it: plain JSON-safe data (dates as ISO strings), so a cached
 * copy and a fresh database row are indistinguishable.
 */
export interface ProductRecord {
  id: string;
  name: string;
  description: string;
  priceMinor: number;
  currency: string;
  categoryId: string | null;
  imageUrl: string | null;
  maxPerCustomer: number | null;
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Anything with the product columns (an entity or a raw row mapped to camelCase). */
export interface ProductLike {
  id: string;
  name: string;
  description: string;
  priceMinor: number;
  currency: string;
  categoryId?: string | null;
  imageUrl?: string | null;
  maxPerCustomer?: number | null;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toProductRecord(p: ProductLike): ProductRecord {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    priceMinor: p.priceMinor,
    currency: p.currency,
    categoryId: p.categoryId ?? null,
    imageUrl: p.imageUrl ?? null,
    maxPerCustomer: p.maxPerCustomer ?? null,
    active: p.active,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function priceOf(p: ProductRecord): Money {
  return money(p.priceMinor, p.currency);
}

export function toSnapshot(p: ProductRecord): ProductSnapshot {
  return {
    id: p.id,
    name: p.name,
    priceMinor: p.priceMinor,
    currency: p.currency,
    maxPerCustomer: p.maxPerCustomer,
    active: p.active,
    categoryId: p.categoryId,
    version: p.version,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are opaque to clients: anything that is not a UUID simply matches nothing. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
