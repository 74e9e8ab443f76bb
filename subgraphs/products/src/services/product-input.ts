// Validation of catalog mutation inputs: pure functions, every problem reported at once with its input path.
import { parseMinorUnits, userError, type UserError } from '@limitedcart/common';

export const NAME_MAX = 200;
export const DESCRIPTION_MAX = 5_000;
export const IMAGE_URL_MAX = 2_048;
/** 1,000,000.00: keeps prices (and order totals of sane quantities) far inside an int column and JS safe integers. */
export const PRICE_MAX_MINOR = 100_000_000;
/** The same bound as restock's quantity. */
export const INITIAL_STOCK_MAX = 1_000_000;
export const MAX_PER_CUSTOMER_MAX = 1_000_000;
export const CATEGORY_NAME_MAX = 100;
export const SLUG = /^[a-z0-9-]{1,64}$/;

export interface CreateProductInput {
  name: string;
  description?: string | null;
  price: string;
  categoryId?: string | null;
  imageUrl?: string | null;
  maxPerCustomer?: number | null;
  initialStock?: number | null;
}

/** Absent keys change nothing; GraphQL leaves out fields the client did not send. */
export interface UpdateProductInput {
  id: string;
  name?: string | null;
  description?: string | null;
  price?: string | null;
  categoryId?: string | null;
  imageUrl?: string | null;
  maxPerCustomer?: number | null;
  active?: boolean | null;
}

export interface CreateCategoryInput {
  name: string;
  slug: string;
}

export interface ValidProduct {
  name: string;
  description: string;
  priceMinor: number;
  categoryId: string | null;
  imageUrl: string | null;
  maxPerCustomer: number | null;
  initialStock: number;
}

export type ProductChanges = Partial<Omit<ValidProduct, 'initialStock'> & { active: boolean }>;

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

const field = (name: string) => ['input', name];

function checkName(raw: unknown, errors: UserError[]): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name.length < 1 || name.length > NAME_MAX) {
    errors.push(userError('INVALID_INPUT', `name must be 1 to ${NAME_MAX} characters.`, field('name')));
  }
  return name;
}

function checkDescription(raw: unknown, errors: UserError[]): string {
  const description = typeof raw === 'string' ? raw.trim() : '';
  if (description.length > DESCRIPTION_MAX) {
    errors.push(userError('INVALID_INPUT', `description must be at most ${DESCRIPTION_MAX} characters.`, field('description')));
  }
  return description;
}

/** Price: a decimal string > 0 with at most 2 decimals (parseMinorUnits), up to PRICE_MAX_MINOR. */
export function parsePrice(raw: unknown): number | null {
  const minor = typeof raw === 'string' ? parseMinorUnits(raw) : null;
  return minor !== null && minor > 0 && minor <= PRICE_MAX_MINOR ? minor : null;
}

function checkPrice(raw: unknown, errors: UserError[]): number {
  const minor = parsePrice(raw);
  if (minor === null) {
    errors.push(userError('INVALID_INPUT', 'price must be a decimal amount above 0 with at most 2 decimals (at most 1000000.00), e.g. "19.99".', field('price')));
    return 0;
  }
  return minor;
}

function checkImageUrl(raw: unknown, errors: UserError[]): string | null {
  if (raw === null || raw === undefined) return null;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return null;
  let ok = text.length <= IMAGE_URL_MAX;
  if (ok) {
    try {
      const url = new URL(text);
      ok = url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      ok = false;
    }
  }
  if (!ok) errors.push(userError('INVALID_INPUT', `imageUrl must be an absolute http(s) URL of at most ${IMAGE_URL_MAX} characters.`, field('imageUrl')));
  return text;
}

function checkMaxPerCustomer(raw: unknown, errors: UserError[]): number | null {
  if (raw === null || raw === undefined) return null;
  if (!Number.isInteger(raw) || (raw as number) < 1 || (raw as number) > MAX_PER_CUSTOMER_MAX) {
    errors.push(userError('INVALID_INPUT', 'maxPerCustomer must be 1 or more, or null for no limit.', field('maxPerCustomer')));
    return null;
  }
  return raw as number;
}

function checkInitialStock(raw: unknown, errors: UserError[]): number {
  if (raw === null || raw === undefined) return 0;
  if (!Number.isInteger(raw) || (raw as number) < 0 || (raw as number) > INITIAL_STOCK_MAX) {
    errors.push(userError('INVALID_INPUT', `initialStock must be 0 to ${INITIAL_STOCK_MAX}.`, field('initialStock')));
    return 0;
  }
  return raw as number;
}

/** categoryId: only shape here (blank = none); existence is the service's (NOT_FOUND). */
function normalizeCategoryId(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const text = String(raw).trim();
  return text === '' ? null : text;
}

export function validateCreateProduct(input: CreateProductInput): Validated<ValidProduct> {
  const errors: UserError[] = [];
  const value: ValidProduct = {
    name: checkName(input.name, errors),
    description: checkDescription(input.description, errors),
    priceMinor: checkPrice(input.price, errors),
    categoryId: normalizeCategoryId(input.categoryId),
    imageUrl: checkImageUrl(input.imageUrl, errors),
    maxPerCustomer: checkMaxPerCustomer(input.maxPerCustomer, errors),
    initialStock: checkInitialStock(input.initialStock, errors),
  };
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

/** Only the keys present in `input` become changes; null is refused where the field cannot be empty. */
export function validateUpdateProduct(input: UpdateProductInput): Validated<ProductChanges> {
  const errors: UserError[] = [];
  const changes: ProductChanges = {};
  const has = (key: keyof UpdateProductInput) => Object.hasOwn(input, key) && input[key] !== undefined;
  if (has('name')) changes.name = checkName(input.name, errors);
  if (has('description')) {
    if (input.description === null) errors.push(userError('INVALID_INPUT', 'description cannot be null (send "" to empty it).', field('description')));
    else changes.description = checkDescription(input.description, errors);
  }
  if (has('price')) changes.priceMinor = checkPrice(input.price, errors);
  if (has('categoryId')) changes.categoryId = normalizeCategoryId(input.categoryId);
  if (has('imageUrl')) changes.imageUrl = checkImageUrl(input.imageUrl, errors);
  if (has('maxPerCustomer')) changes.maxPerCustomer = checkMaxPerCustomer(input.maxPerCustomer, errors);
  if (has('active')) {
    if (typeof input.active !== 'boolean') errors.push(userError('INVALID_INPUT', 'active must be true or false.', field('active')));
    else changes.active = input.active;
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: changes };
}

export function validateCreateCategory(input: CreateCategoryInput): Validated<CreateCategoryInput> {
  const errors: UserError[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const slug = typeof input.slug === 'string' ? input.slug.trim() : '';
  if (name.length < 1 || name.length > CATEGORY_NAME_MAX) {
    errors.push(userError('INVALID_INPUT', `name must be 1 to ${CATEGORY_NAME_MAX} characters.`, field('name')));
  }
  if (!SLUG.test(slug)) {
    errors.push(userError('INVALID_INPUT', 'slug must be 1 to 64 characters of a-z, 0-9 and "-".', field('slug')));
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: { name, slug } };
}
