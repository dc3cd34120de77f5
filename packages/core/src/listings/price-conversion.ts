import { currencyDecimals, type Money } from '../money';
import type { PriceRounding } from './listings-options';

/** An exchange rate as an exact fraction. */
export interface ExchangeRate {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const RATE = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/**
 * Reads a rate written as a decimal string (`"0.8621"`) into an exact fraction. Returns `null` for
 * anything that is not a positive plain decimal with at most 12 digits on each side.
 */
export function parseExchangeRate(text: string): ExchangeRate | null {
  const match = RATE.exec(text.trim());
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  const numerator = BigInt(`${whole}${fraction}`);
  if (numerator === 0n) return null;
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/** Divides exactly and rounds the quotient to a whole number by `rounding` (`denominator` > 0). */
export function roundQuotient(numerator: bigint, denominator: bigint, rounding: PriceRounding): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = magnitude / denominator;
  const remainder = magnitude % denominator;
  let rounded = quotient;
  if (remainder !== 0n) {
    switch (rounding) {
      case 'down':
        break;
      case 'up':
        if (!negative) rounded += 1n;
        break;
      case 'half-up':
        if (remainder * 2n >= denominator) rounded += 1n;
        break;
      case 'half-even':
        if (remainder * 2n > denominator || (remainder * 2n === denominator && quotient % 2n === 1n)) rounded += 1n;
        break;
    }
  }
  return negative ? -rounded : rounded;
}

/** Why a price could not be converted. */
export interface PriceConversionProblem {
  readonly rule: string;
}

/**
 * Converts money into `currency` with an exact rate and the given rounding, in integer arithmetic
 * (no binary float on the way): `amount · rate · 10^(decimals(to) − decimals(from))`, rounded to
 * whole minor units. Money already in `currency` is returned unchanged. Returns a problem naming
 * the missing pair when `rates` has no `FROM/TO` entry.
 */
export function convertMoney(
  money: Money,
  currency: string,
  rates: ReadonlyMap<string, ExchangeRate>,
  rounding: PriceRounding,
): Money | PriceConversionProblem {
  if (money.currency === currency) return money;
  const pair = `${money.currency}/${currency}`;
  const rate = rates.get(pair);
  if (!rate) return { rule: `needs an exchange rate ${pair} (listings.exchangeRates) to be offered in ${currency}` };
  const shift = currencyDecimals(currency) - currencyDecimals(money.currency);
  let numerator = BigInt(money.amount) * rate.numerator;
  let denominator = rate.denominator;
  if (shift > 0) numerator *= 10n ** BigInt(shift);
  else if (shift < 0) denominator *= 10n ** BigInt(-shift);
  const amount = roundQuotient(numerator, denominator, rounding);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) return { rule: `converted to ${currency} is too large` };
  return { amount: Number(amount), currency };
}

/** Whether {@link convertMoney} returned a problem. */
export function isConversionProblem(value: Money | PriceConversionProblem): value is PriceConversionProblem {
  return (value as PriceConversionProblem).rule !== undefined;
}
