import { userError, type Role, type UserError } from '@limitedcart/common';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts';

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

export interface SetUserRolesInput {
  userId: string;
  roles: Role[];
}

export const NAME_MAX_LENGTH = 100;
const EMAIL_MAX_LENGTH = 254; // RFC 5321 path limit
const LOCAL_PART_MAX_LENGTH = 64;

// Deliberately plain: dot-atom local part (no quoted strings), dot-separated hostname labels, a letter TLD.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The canonical form every lookup and insert uses: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(normalized: string): boolean {
  if (normalized.length > EMAIL_MAX_LENGTH) return false;
  const at = normalized.lastIndexOf('@');
  if (at <= 0) return false;
  const local = normalized.slice(0, at);
  const domain = normalized.slice(at + 1);
  return local.length <= LOCAL_PART_MAX_LENGTH && LOCAL_PART.test(local) && DOMAIN.test(domain);
}

/** Length in characters as people count them (code points), not UTF-16 units. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function isAcceptablePassword(password: string): boolean {
  const length = charLength(password);
  return length >= PASSWORD_MIN_LENGTH && length <= PASSWORD_MAX_LENGTH;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

/** Every problem of a register input at once (field paths as the client sent them), or the normalized input. */
export function validateRegisterInput(input: RegisterInput): Validated<RegisterInput> {
  const errors: UserError[] = [];
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) errors.push(userError('INVALID_INPUT', 'Enter a valid email address.', ['input', 'email']));
  if (!isAcceptablePassword(input.password)) {
    errors.push(
      userError(
        'INVALID_INPUT',
        `The password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long.`,
        ['input', 'password'],
      ),
    );
  }
  const name = input.name.trim();
  const nameLength = charLength(name);
  if (nameLength < 1 || nameLength > NAME_MAX_LENGTH) {
    errors.push(userError('INVALID_INPUT', `The name must be 1 to ${NAME_MAX_LENGTH} characters long.`, ['input', 'name']));
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: { email, password: input.password, name } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a row (and must not reach a uuid column, where it would be an SQL error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
