import { describe, expect, test } from '@jest/globals';
import {
  catalogIdentifierType,
  equivalentIdentifierForms,
  gs1CheckDigit,
  gtinForms,
  isbn10CheckCharacter,
  parseAsin,
  parseProductIdentifier,
  toGtin14,
  type ProductIdentifierType,
} from './product-identifier';

// Published codes: ISBNs from the ISBN standard's and Wikipedia's examples, the UPC on a Cheerios box
// (GS1 US's worked example), the EAN-13 of a STABILO pen, the EAN-8 from GS1's check-digit example,
// GTIN-14s from GS1 US's case-code guide.
const valid: readonly [input: string, type: ProductIdentifierType, value: string, gtin14: string][] = [
  ['978-3-16-148410-0', 'ISBN-13', '9783161484100', '09783161484100'],
  ['ISBN 978-3-16-148410-0', 'ISBN-13', '9783161484100', '09783161484100'],
  ['ISBN-13: 978 3 16 148410 0', 'ISBN-13', '9783161484100', '09783161484100'],
  ['3-16-148410-X', 'ISBN-10', '316148410X', '09783161484100'],
  ['3-16-148410-x', 'ISBN-10', '316148410X', '09783161484100'],
  ['0-306-40615-2', 'ISBN-10', '0306406152', '09780306406157'],
  ['978-0-306-40615-7', 'ISBN-13', '9780306406157', '09780306406157'],
  ['0-8044-2957-X', 'ISBN-10', '080442957X', '09780804429573'],
  ['036000291452', 'UPC-A', '036000291452', '00036000291452'],
  ['0 36000 29145 2', 'UPC-A', '036000291452', '00036000291452'],
  ['0036000291452', 'EAN-13', '0036000291452', '00036000291452'],
  ['4006381333931', 'EAN-13', '4006381333931', '04006381333931'],
  [' 4006381333931\t', 'EAN-13', '4006381333931', '04006381333931'],
  ['96385074', 'EAN-8', '96385074', '00000096385074'],
  ['10614141000415', 'GTIN-14', '10614141000415', '10614141000415'],
  ['00012345600012', 'GTIN-14', '00012345600012', '00012345600012'],
  ['979-0-2600-0043-8', 'EAN-13', '9790260000438', '09790260000438'],
  // a 979-10 (France) ISBN-13, which has no ISBN-10 form
  ['979-10-90636-07-1', 'ISBN-13', '9791090636071', '09791090636071'],
  ['GTIN-14: 10614141000415', 'GTIN-14', '10614141000415', '10614141000415'],
  ['GTIN-13: 4006381333931', 'EAN-13', '4006381333931', '04006381333931'],
  ['UPC-A: 036000291452', 'UPC-A', '036000291452', '00036000291452'],
  ['upc 036000291452', 'UPC-A', '036000291452', '00036000291452'],
  ['EAN-8: 96385074', 'EAN-8', '96385074', '00000096385074'],
  ['EAN-13 4006381333931', 'EAN-13', '4006381333931', '04006381333931'],
  ['JAN: 4006381333931', 'EAN-13', '4006381333931', '04006381333931'],
];

const invalid: readonly [input: unknown, reason: string][] = [
  ['978-3-16-148410-1', 'invalid-check-digit'],
  ['0-306-40615-3', 'invalid-check-digit'],
  ['036000291453', 'invalid-check-digit'],
  ['4006381333932', 'invalid-check-digit'],
  ['96385075', 'invalid-check-digit'],
  ['10614141000416', 'invalid-check-digit'],
  ['12345', 'invalid-length'],
  ['123456789012345', 'invalid-length'],
  ['', 'empty'],
  ['   ', 'empty'],
  ['- -', 'empty'],
  ['40063813339E1', 'invalid-characters'],
  ['=4006381333931', 'invalid-characters'],
  ['4006381333931; DROP TABLE', 'invalid-characters'],
  [null, 'invalid-characters'],
  [{}, 'invalid-characters'],
  ['B00X4WHP5E', 'invalid-characters'],
  // UPC-E is not supported: its label stays, so its eight digits are never read as an EAN-8
  ['UPC-E: 01234565', 'invalid-characters'],
];

describe('parseProductIdentifier', () => {
  test.each(valid)('%j is a %s', (input, type, value, gtin14) => {
    expect(parseProductIdentifier(input)).toEqual({ ok: true, type, value, gtin14 });
  });

  test.each(invalid)('%j is refused (%s)', (input, reason) => {
    const result = parseProductIdentifier(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.message.length).toBeGreaterThan(10);
  });

  test('the message of a wrong check digit quotes the value and the expected digit', () => {
    const result = parseProductIdentifier('4006381333932');
    expect(result).toMatchObject({ ok: false, reason: 'invalid-check-digit' });
    expect(!result.ok && result.message).toContain('"4006381333932"');
    expect(!result.ok && result.message).toContain('should be 1');
  });

  test('UPC-A and EAN-13, ISBN-10 and ISBN-13 meet in one GTIN-14', () => {
    expect(toGtin14('036000291452')).toBe(toGtin14('0036000291452'));
    expect(toGtin14('0-306-40615-2')).toBe(toGtin14('9780306406157'));
    expect(toGtin14('3-16-148410-X')).toBe(toGtin14('978-3-16-148410-0'));
    expect(toGtin14('96385074')).toBe(toGtin14('0000096385074'));
    expect(toGtin14('4006381333931')).not.toBe(toGtin14('036000291452'));
    expect(toGtin14('not a code')).toBeNull();
  });

  test('a number gets its lost leading zeros back (shortest of 8, 12, 13, 14 digits); a float or negative number is refused', () => {
    expect(parseProductIdentifier(96385074)).toEqual({ ok: true, type: 'EAN-8', value: '96385074', gtin14: '00000096385074' });
    // the UPC-A 036000291452 read from a numeric spreadsheet cell
    expect(parseProductIdentifier(36000291452)).toEqual({ ok: true, type: 'UPC-A', value: '036000291452', gtin14: '00036000291452' });
    expect(parseProductIdentifier(4006381333931)).toMatchObject({ ok: true, type: 'EAN-13', gtin14: '04006381333931' });
    expect(parseProductIdentifier(10614141000415)).toMatchObject({ ok: true, type: 'GTIN-14' });
    expect(toGtin14(36000291452)).toBe(toGtin14('0036000291452'));
    // never an ISBN-10: 0306406152 without its zero is not taken for a book number
    expect(parseProductIdentifier(306406152)).toMatchObject({ ok: false, reason: 'invalid-check-digit' });
    expect(parseProductIdentifier(1.5).ok).toBe(false);
    expect(parseProductIdentifier(-96385074).ok).toBe(false);
    expect(parseProductIdentifier(0).ok).toBe(false);
  });

  test('accept narrows the kinds', () => {
    expect(parseProductIdentifier('0306406152', { accept: ['EAN-13', 'UPC-A'] })).toMatchObject({ ok: false, reason: 'wrong-type' });
    expect(parseProductIdentifier('036000291452', { accept: ['EAN-13'] })).toMatchObject({ ok: false, reason: 'wrong-type' });
    expect(parseProductIdentifier('9783161484100', { accept: ['EAN-13'] })).toMatchObject({ ok: true, type: 'ISBN-13' });
  });
});

describe('parseAsin', () => {
  test.each([
    ['B00X4WHP5E', 'B00X4WHP5E', null],
    ['b07xjwd8zd', 'B07XJWD8ZD', null],
    [' B0 7XJ-WD8ZD ', 'B07XJWD8ZD', null],
    ['0306406152', '0306406152', '09780306406157'],
    ['316148410X', '316148410X', '09783161484100'],
  ])('%j is an ASIN', (input, value, gtin14) => {
    expect(parseAsin(input)).toEqual({ ok: true, type: 'ASIN', value, gtin14 });
  });

  test.each([
    ['B10X4WHP5E', 'invalid-asin'],
    ['A00X4WHP5E', 'invalid-asin'],
    ['B00X4WHP5', 'invalid-asin'],
    ['B00X4WHP5E1', 'invalid-asin'],
    ['B00X4WH_5E', 'invalid-asin'],
    ['0306406153', 'invalid-check-digit'],
    ['4006381333931', 'wrong-type'],
    ['', 'empty'],
  ])('%j is not an ASIN (%s)', (input, reason) => {
    expect(parseAsin(input)).toMatchObject({ ok: false, reason });
  });

  test('barcodes and ASINs together: ten digits stay an ISBN-10, B0… is an ASIN', () => {
    const all = ['EAN-13', 'UPC-A', 'EAN-8', 'ISBN-10', 'ISBN-13', 'GTIN-14', 'ASIN'] as const;
    expect(parseProductIdentifier('0306406152', { accept: all })).toMatchObject({ ok: true, type: 'ISBN-10' });
    expect(parseProductIdentifier('B00X4WHP5E', { accept: all })).toMatchObject({ ok: true, type: 'ASIN', gtin14: null });
  });
});

describe('check digits and forms', () => {
  test.each([
    ['03600029145', 2],
    ['400638133393', 1],
    ['9638507', 4],
    ['1061414100041', 5],
    ['978316148410', 0],
  ])('GS1 check digit of %s is %i', (digits, check) => {
    expect(gs1CheckDigit(digits)).toBe(check);
  });

  test.each([
    ['030640615', '2'],
    ['316148410', 'X'],
    ['080442957', 'X'],
  ])('ISBN-10 check character of %s is %s', (digits, check) => {
    expect(isbn10CheckCharacter(digits)).toBe(check);
  });

  test('a GTIN-14 lists every shorter form that names the same product', () => {
    expect(gtinForms('00036000291452')).toEqual({
      gtin14: '00036000291452',
      ean13: '0036000291452',
      upcA: '036000291452',
      ean8: null,
      isbn10: null,
    });
    expect(gtinForms('09780306406157').isbn10).toBe('0306406152');
    expect(gtinForms('09783161484100').isbn10).toBe('316148410X');
    expect(gtinForms('10614141000415')).toMatchObject({ ean13: null, upcA: null, ean8: null, isbn10: null });
    expect(gtinForms('09791090636071')).toMatchObject({ ean13: '9791090636071', isbn10: null });
    expect(equivalentIdentifierForms('00000096385074')).toEqual(['00000096385074', '0000096385074', '000096385074', '96385074']);
    expect(equivalentIdentifierForms('09780306406157')).toEqual(['09780306406157', '9780306406157', '0306406152']);
  });

  test('catalog identifier types follow the parsed kind', () => {
    expect(catalogIdentifierType('EAN-13')).toBe('EAN');
    expect(catalogIdentifierType('EAN-8')).toBe('EAN');
    expect(catalogIdentifierType('UPC-A')).toBe('UPC');
    expect(catalogIdentifierType('ISBN-10')).toBe('ISBN');
    expect(catalogIdentifierType('ISBN-13')).toBe('ISBN');
    expect(catalogIdentifierType('GTIN-14')).toBe('GTIN');
  });
});
