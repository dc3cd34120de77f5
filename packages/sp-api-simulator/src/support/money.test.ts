import { describe, expect, test } from '@jest/globals';
import { decimalPlaces, formatMinor, parseDecimalMinor } from './money';

describe('money helpers', () => {
  test('parse decimal strings into minor units of the currency', () => {
    expect(parseDecimalMinor('19.99', 'EUR')).toBe(1999);
    expect(parseDecimalMinor('19.9', 'EUR')).toBe(1990);
    expect(parseDecimalMinor('20', 'EUR')).toBe(2000);
    expect(parseDecimalMinor('19.990', 'EUR')).toBe(1999);
    expect(parseDecimalMinor('19.999', 'EUR')).toBeUndefined();
    expect(parseDecimalMinor('1200', 'JPY')).toBe(1200);
    expect(parseDecimalMinor('12.5', 'JPY')).toBeUndefined();
    expect(parseDecimalMinor('-2.00', 'EUR')).toBe(-200);
    expect(parseDecimalMinor('1e3', 'EUR')).toBeUndefined();
  });

  test('format minor units with the currency digits', () => {
    expect(formatMinor(1990, 'EUR')).toBe('19.90');
    expect(formatMinor(5, 'EUR')).toBe('0.05');
    expect(formatMinor(-200, 'EUR')).toBe('-2.00');
    expect(formatMinor(1200, 'JPY')).toBe('1200');
  });

  test('count the decimals of a JSON number', () => {
    expect(decimalPlaces(19.99)).toBe(2);
    expect(decimalPlaces(20)).toBe(0);
    expect(decimalPlaces(19.999)).toBe(3);
    expect(decimalPlaces(1e-7)).toBe(7);
  });
});
