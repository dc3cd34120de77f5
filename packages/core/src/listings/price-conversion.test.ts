import { describe, expect, test } from '@jest/globals';
import { convertMoney, isConversionProblem, parseExchangeRate, roundQuotient } from './price-conversion';

const rates = new Map([
  ['EUR/GBP', parseExchangeRate('0.8621')!],
  ['EUR/JPY', parseExchangeRate('162.37')!],
  ['EUR/KWD', parseExchangeRate('0.33')!],
  ['JPY/EUR', parseExchangeRate('0.00616')!],
]);

describe('parseExchangeRate', () => {
  test('reads positive plain decimals exactly', () => {
    expect(parseExchangeRate('0.8621')).toEqual({ numerator: 8621n, denominator: 10000n });
    expect(parseExchangeRate('162')).toEqual({ numerator: 162n, denominator: 1n });
  });
  test.each(['0', '0.000', '-1', '1e3', 'abc', '', '1.', '.5', '1,5'])('refuses %p', (text) => {
    expect(parseExchangeRate(text)).toBeNull();
  });
});

describe('roundQuotient', () => {
  test.each([
    ['half-up', 5n, 2n, 3n],
    ['half-up', 7n, 3n, 2n],
    ['half-even', 5n, 2n, 2n],
    ['half-even', 7n, 2n, 4n],
    ['half-even', 11n, 4n, 3n],
    ['up', 7n, 3n, 3n],
    ['down', 8n, 3n, 2n],
    ['up', 6n, 3n, 2n],
  ] as const)('%s of %d/%d is %d', (rounding, numerator, denominator, expected) => {
    expect(roundQuotient(numerator, denominator, rounding)).toBe(expected);
  });
});

describe('convertMoney', () => {
  test('keeps money already in the target currency', () => {
    const money = { amount: 1999, currency: 'EUR' };
    expect(convertMoney(money, 'EUR', rates, 'half-up')).toBe(money);
  });

  test('converts in integer arithmetic with the rounding rule', () => {
    // 19.99 EUR * 0.8621 = 17.233379 GBP
    expect(convertMoney({ amount: 1999, currency: 'EUR' }, 'GBP', rates, 'half-up')).toEqual({ amount: 1723, currency: 'GBP' });
    expect(convertMoney({ amount: 1999, currency: 'EUR' }, 'GBP', rates, 'up')).toEqual({ amount: 1724, currency: 'GBP' });
    // 0.10 EUR * 0.8621 = 0.08621 -> 0.09 half-up
    expect(convertMoney({ amount: 10, currency: 'EUR' }, 'GBP', rates, 'half-up')).toEqual({ amount: 9, currency: 'GBP' });
  });

  test('follows the minor units of both currencies', () => {
    // 19.99 EUR * 162.37 = 3245.7763 JPY (0 decimals)
    expect(convertMoney({ amount: 1999, currency: 'EUR' }, 'JPY', rates, 'half-up')).toEqual({ amount: 3246, currency: 'JPY' });
    expect(convertMoney({ amount: 1999, currency: 'EUR' }, 'JPY', rates, 'down')).toEqual({ amount: 3245, currency: 'JPY' });
    // 10.00 EUR * 0.33 = 3.300 KWD (3 decimals)
    expect(convertMoney({ amount: 1000, currency: 'EUR' }, 'KWD', rates, 'half-up')).toEqual({ amount: 3300, currency: 'KWD' });
    // 1500 JPY * 0.00616 = 9.24 EUR
    expect(convertMoney({ amount: 1500, currency: 'JPY' }, 'EUR', rates, 'half-up')).toEqual({ amount: 924, currency: 'EUR' });
  });

  test('half-even differs from half-up exactly on ties', () => {
    const tie = new Map([['EUR/GBP', parseExchangeRate('0.5')!]]);
    expect(convertMoney({ amount: 5, currency: 'EUR' }, 'GBP', tie, 'half-up')).toEqual({ amount: 3, currency: 'GBP' });
    expect(convertMoney({ amount: 5, currency: 'EUR' }, 'GBP', tie, 'half-even')).toEqual({ amount: 2, currency: 'GBP' });
    expect(convertMoney({ amount: 7, currency: 'EUR' }, 'GBP', tie, 'half-even')).toEqual({ amount: 4, currency: 'GBP' });
  });

  test('names the missing pair instead of inverting a rate', () => {
    const result = convertMoney({ amount: 1000, currency: 'GBP' }, 'EUR', rates, 'half-up');
    expect(isConversionProblem(result)).toBe(true);
    expect(result).toEqual({ rule: expect.stringContaining('GBP/EUR') });
  });
});
