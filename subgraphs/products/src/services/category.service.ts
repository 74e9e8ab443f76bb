import { randomUUID } from 'node:crypto';
import { failure, requireAdmin, userError, type RequestContext, type UserError } from '@limitedcart/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CategoryEntity } from '../entities/category.entity.ts';
import { validateCreateCategory, type CreateCategoryInput } from './product-input.ts';
import { isUuid } from './product-record.ts';

export interface CategoryRecord {
  id: string;
  name: string;
  slug: string;
}

export interface CreateCategoryPayload {
  category: CategoryRecord | null;
  userErrors: UserError[];
}

const toRecord = (c: CategoryRecord): CategoryRecord => ({ id: c.id, name: c.name, slug: c.slug });

/** Categories: creation (ADMIN), the full list, batched lookups. */
export class CategoryService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /** A taken slug is INVALID_INPUT on input.slug (the contract's codes have no dedicated one). */
  async create(ctx: RequestContext, input: CreateCategoryInput): Promise<CreateCategoryPayload> {
    requireAdmin(ctx);
    const valid = validateCreateCategory(input);
    if (!valid.ok) return failure(valid.errors, 'category');
    try {
      const em = this.#orm.em.fork();
      const category = em.create(CategoryEntity, { id: randomUUID(), ...valid.value, createdAt: new Date() });
      // The unique index decides, also against a concurrent create of the same slug.
      await em.flush();
      ctx.logger.info({ categoryId: category.id, slug: category.slug }, 'category created');
      return { category: toRecord(category), userErrors: [] };
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        return failure(userError('INVALID_INPUT', `The slug "${valid.value.slug}" is already taken.`, ['input', 'slug']), 'category');
      }
      throw error;
    }
  }

  async list(): Promise<CategoryRecord[]> {
    const rows = await this.#orm.em.fork().execute<CategoryRecord[]>('select id, name, slug from category order by lower(name), id');
    return rows.map(toRecord);
  }

  /** One query for any number of ids; results in the order of `ids` (null for unknown ones). */
  async findByIds(ids: readonly string[]): Promise<(CategoryRecord | null)[]> {
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows = valid.length
      ? await this.#orm.em.fork().execute<CategoryRecord[]>('select id, name, slug from category where id in (?)', [valid])
      : [];
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }
}
