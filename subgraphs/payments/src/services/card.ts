// Card input checks for payOrder. Nothing here logs or returns the card number or the cvc: only last4 leaves.
import { userError, type UserError } from '@limitedcart/common';

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** What payOrder keeps of a card after validation. `number` is for the provider call only and is never stored. */
export interface ParsedCard {
  /** Digits only (spaces removed). */
  number: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export type CardParseResult = { ok: true; card: ParsedCard } | { ok: false; errors: UserError[] };

/** Luhn (mod 10) check of a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Removes spaces; null unless what is left is 12–19 digits. */
export function normalizeCardNumber(raw: string): string | null {
  const digits = raw.replace(/ /g, '');
  return /^\d{12,19}$/.test(digits) ? digits : null;
}

/** A card is valid through the last day of its expiry month (UTC). */
export function isExpired(expMonth: number, expYear: number, now: Date = new Date()): boolean {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return expYear < year || (expYear === year && expMonth < month);
}

/**
 * Validates a card as typed, reporting every bad field (paths under `base`, e.g. ["input","card","number"]).
 * Error messages never quote the input.
 */
export function parseCard(input: CardInput, base: readonly string[] = ['input', 'card'], now: Date = new Date()): CardParseResult {
  const errors: UserError[] = [];
  const path = (field: string) => [...base, field];
  const number = typeof input.number === 'string' ? normalizeCardNumber(input.number) : null;
  if (number === null) errors.push(userError('INVALID_INPUT', 'Card number must be 12 to 19 digits.', path('number')));
  else if (!luhnValid(number)) errors.push(userError('INVALID_INPUT', 'Card number is not valid.', path('number')));
  const monthOk = Number.isInteger(input.expMonth) && input.expMonth >= 1 && input.expMonth <= 12;
  if (!monthOk) errors.push(userError('INVALID_INPUT', 'Expiry month must be from 1 to 12.', path('expMonth')));
  const yearOk = Number.isInteger(input.expYear) && input.expYear >= 1000 && input.expYear <= 9999;
  if (!yearOk) errors.push(userError('INVALID_INPUT', 'Expiry year must have four digits.', path('expYear')));
  else if (input.expYear < now.getUTCFullYear()) errors.push(userError('INVALID_INPUT', 'The card has expired.', path('expYear')));
  else if (monthOk && isExpired(input.expMonth, input.expYear, now)) {
    errors.push(userError('INVALID_INPUT', 'The card has expired.', path('expMonth')));
  }
  if (typeof input.cvc !== 'string' || !/^\d{3,4}$/.test(input.cvc)) {
    errors.push(userError('INVALID_INPUT', 'Card verification code must be 3 or 4 digits.', path('cvc')));
  }
  if (errors.length > 0 || number === null) return { ok: false, errors };
  return { ok: true, card: { number, last4: number.slice(-4), expMonth: input.expMonth, expYear: input.expYear } };
}
