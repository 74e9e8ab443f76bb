/** Money on the wire: a decimal string and an ISO currency; stored as integer minor units (cents). */
export interface Money {
  amount: string;
  currencyCode: string;
}

const DECIMAL = /^(0|[1-9]\d{0,12})(\.\d{1,2})?$/;

/** "19.99" → 1999; null when it is not a non-negative decimal with at most 2 places. */
export function parseMinorUnits(amount: string): number | null {
  const trimmed = amount.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const [whole, fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** 1999 → "19.99" (integer arithmetic, no float rounding). */
export function formatMinorUnits(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError('money must be an integer number of minor units');
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function money(minor: number, currencyCode: string): Money {
  return { amount: formatMinorUnits(minor), currencyCode };
}
