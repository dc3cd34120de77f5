import { SellerSyncError, describeValue } from '../errors';

/**
 * An amount of money: a whole number of the currency's minor units (cents) and an ISO 4217
 * currency code. Never a binary float: `{ amount: 1999, currency: 'EUR' }` is 19.99 EUR.
 */
export interface Money {
  /** Whole minor units; a safe integer. */
  readonly amount: number;
  /** ISO 4217 code, upper case. */
  readonly currency: string;
}

const decimalsCache = new Map<string, number>();
let knownCurrencies: Set<string> | undefined;

/** Whether `code` is an ISO 4217 currency code the runtime knows (`EUR`, `JPY`, ...). */
export function isCurrencyCode(code: unknown): code is string {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

/** The number of minor-unit digits of a currency: 2 for EUR, 0 for JPY, 3 for KWD. */
export function currencyDecimals(currency: string): number {
  let digits = decimalsCache.get(currency);
  if (digits === undefined) {
    if (!isCurrencyCode(currency))
      throw new SellerSyncError({
        code: 'INVALID_OPTIONS',
        message: `Unknown currency ${describeValue(currency)}: use an ISO 4217 code such as EUR or USD.`,
        details: { field: 'currency', rule: 'ISO 4217 code', value: currency },
      });
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    decimalsCache.set(currency, digits);
  }
  return digits;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Reads a decimal string (`"19.99"`, as Amazon and shop databases write money) into {@link Money}
 * exactly, without passing through a float. Returns `null` when the text is not a plain decimal,
 * has more decimals than the currency allows (unless they are zeros), or does not fit.
 */
export function parseMoney(text: string, currency: string): Money | null {
  const match = DECIMAL.exec(typeof text === 'string' ? text.trim() : '');
  if (!match) return null;
  const digits = currencyDecimals(currency);
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > digits && !/^0*$/.test(fraction.slice(digits))) return null;
  const minor = Number(`${whole}${fraction.slice(0, digits).padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor)) return null;
  return { amount: sign ? -minor : minor, currency };
}

/** Writes money as a plain decimal string with the currency's decimals (`1999` EUR → `"19.99"`). */
export function formatMoney(money: Money): string {
  const digits = currencyDecimals(money.currency);
  const negative = money.amount < 0;
  const text = String(Math.abs(money.amount)).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Money as a JSON number in major units for APIs that want one (`1999` EUR → `19.99`). */
export function moneyToNumber(money: Money): number {
  return Number(formatMoney(money));
}
