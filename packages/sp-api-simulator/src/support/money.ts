import { currencyDigits } from './marketplaces';

/** Decimal string ("19.99") → integer minor units; undefined when it is not a plain decimal. */
export function parseDecimalMinor(value: string, currency: string): number | undefined {
  const digits = currencyDigits(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  if (fraction.length > digits && /[1-9]/.test(fraction.slice(digits))) return undefined;
  const units = Number(match[2]) * 10 ** digits + Number((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
  return match[1] === '-' ? -units : units;
}

/** Integer minor units → decimal string with the currency's digits ("19.90", "-2.00", "1200"). */
export function formatMinor(units: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = units < 0 ? '-' : '';
  const abs = Math.abs(Math.round(units));
  if (digits === 0) return `${sign}${abs}`;
  const text = String(abs).padStart(digits + 1, '0');
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Decimals a JSON number carries ("19.99" → 2, 20 → 0). */
export function decimalPlaces(value: number): number {
  const text = String(value);
  if (text.includes('e-')) return Number(text.split('e-')[1]) + (text.split('e-')[0]!.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}
