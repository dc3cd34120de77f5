/**
 * Product identifiers: EAN-13, UPC-A, EAN-8, ISBN-10, ISBN-13, GTIN-14 and ASIN. Every barcode
 * form is brought to one GTIN-14 so that a UPC-A and the EAN-13 with a leading zero, or an ISBN-10
 * and its ISBN-13, compare equal.
 */

/** The kinds of identifier sellersync recognises. */
export type ProductIdentifierType = 'EAN-13' | 'UPC-A' | 'EAN-8' | 'ISBN-10' | 'ISBN-13' | 'GTIN-14' | 'ASIN';

/** Why a value is not a valid identifier. */
export type ProductIdentifierProblem =
  | 'empty'
  | 'invalid-characters'
  | 'invalid-length'
  | 'invalid-check-digit'
  | 'invalid-asin'
  | 'wrong-type';

/** A valid identifier, normalised. */
export interface ParsedProductIdentifier {
  readonly ok: true;
  readonly type: ProductIdentifierType;
  /** The identifier without spaces, hyphens or a label (`ISBN`), letters upper-cased. */
  readonly value: string;
  /**
   * The 14-digit GTIN every equivalent barcode shares (UPC-A `036000291452` and EAN-13
   * `0036000291452` → `00036000291452`; ISBN-10 `0306406152` → `09780306406157`). `null` for an
   * ASIN that is not an ISBN-10.
   */
  readonly gtin14: string | null;
}

/** An invalid identifier: it is reported and MUST NOT be matched. */
export interface InvalidProductIdentifier {
  readonly ok: false;
  readonly reason: ProductIdentifierProblem;
  /** What is wrong, in words, quoting the value. */
  readonly message: string;
}

export type ProductIdentifierResult = ParsedProductIdentifier | InvalidProductIdentifier;

/** Options of {@link parseProductIdentifier}. */
export interface ParseProductIdentifierOptions {
  /**
   * Which kinds to accept. Default: every barcode kind; ASINs only when listed (a 10-digit ISBN is
   * also a book ASIN, so the default reads 10 digits as an ISBN-10).
   */
  readonly accept?: readonly ProductIdentifierType[] | 'barcode' | 'asin';
}

const BARCODE_TYPES: readonly ProductIdentifierType[] = ['EAN-13', 'UPC-A', 'EAN-8', 'ISBN-10', 'ISBN-13', 'GTIN-14'];
const ASIN_PATTERN = /^B0[0-9A-Z]{8}$/;
// UPC-E is not stripped: its eight digits are not an EAN-8, so it must stay refused
const LABEL = /^(?:ISBN(?:-?1[03])?|EAN(?:-?(?:13|8))?|UPC(?:-?A)?|GTIN(?:-?(?:8|12|13|14))?|JAN|ASIN)(?![A-Z])\s*:?\s*/i;
const SEPARATORS = /[\s\u00A0\u2010-\u2015-]+/g;

function invalid(reason: ProductIdentifierProblem, message: string): InvalidProductIdentifier {
  return { ok: false, reason, message };
}

function quote(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 39)}…` : value;
  return JSON.stringify(shown);
}

/** The GS1 check digit of the digits before it (EAN, UPC, GTIN-14 and ISBN-13 use the same rule). */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  for (let index = 0; index < digitsWithoutCheck.length; index += 1) {
    const digit = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - index) - 48;
    sum += index % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** The ISBN-10 check character (`0`–`9` or `X`) of its first nine digits. */
export function isbn10CheckCharacter(firstNine: string): string {
  let sum = 0;
  for (let index = 0; index < 9; index += 1) sum += (firstNine.charCodeAt(index) - 48) * (10 - index);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

function gs1Valid(digits: string): boolean {
  return gs1CheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

function isbn10Valid(value: string): boolean {
  return isbn10CheckCharacter(value.slice(0, 9)) === value[9];
}

function isbn10ToGtin14(isbn10: string): string {
  const body = `978${isbn10.slice(0, 9)}`;
  return `0${body}${gs1CheckDigit(body)}`;
}

function isIsbnPrefix(ean13: string): boolean {
  // 979-0 is the ISMN range (printed music), an EAN-13 rather than a book number
  return ean13.startsWith('978') || (ean13.startsWith('979') && ean13[3] !== '0');
}

/**
 * Strips a label (`ISBN-13:`, `GTIN-14:`, `UPC-A:`, `EAN-8:`, `JAN:`), spaces and hyphens, and
 * upper-cases; `null` when not a string or a whole number. A number has lost its leading zeros (a
 * spreadsheet cell, a numeric column): it is padded back to the shortest barcode length that holds
 * it (8, 12, 13 or 14 digits). Zeros in front change neither the check digit nor the GTIN-14, and a
 * number is never read as an ISBN-10, whose ten digits a lost zero would fake.
 */
export function normalizeIdentifierText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
    const digits = String(value);
    const length = [8, 12, 13, 14].find((candidate) => candidate >= digits.length);
    return length === undefined ? digits : digits.padStart(length, '0');
  }
  if (typeof value !== 'string') return null;
  return value.trim().replace(LABEL, '').replace(SEPARATORS, '').toUpperCase();
}

function acceptedTypes(option: ParseProductIdentifierOptions['accept']): ReadonlySet<ProductIdentifierType> {
  if (option === undefined || option === 'barcode') return new Set(BARCODE_TYPES);
  if (option === 'asin') return new Set<ProductIdentifierType>(['ASIN']);
  return new Set(option);
}

function parseDigits(value: string, accept: ReadonlySet<ProductIdentifierType>, original: string): ProductIdentifierResult {
  let type: ProductIdentifierType;
  switch (value.length) {
    case 8:
      type = 'EAN-8';
      break;
    case 12:
      type = 'UPC-A';
      break;
    case 13:
      type = isIsbnPrefix(value) ? 'ISBN-13' : 'EAN-13';
      break;
    case 14:
      type = 'GTIN-14';
      break;
    case 10:
      type = 'ISBN-10';
      break;
    default:
      return invalid(
        'invalid-length',
        `${quote(original)} has ${value.length} digits; an EAN-13/ISBN-13 has 13, a UPC-A 12, an ISBN-10 10, an EAN-8 8 and a GTIN-14 14.`,
      );
  }
  if (type === 'ISBN-10') {
    if (!isbn10Valid(value)) return invalid('invalid-check-digit', `${quote(original)} is not a valid ISBN-10: the check digit should be ${isbn10CheckCharacter(value)}.`);
    if (accept.has('ISBN-10')) return { ok: true, type, value, gtin14: isbn10ToGtin14(value) };
    if (accept.has('ASIN')) return { ok: true, type: 'ASIN', value, gtin14: isbn10ToGtin14(value) };
    return invalid('wrong-type', `${quote(original)} is an ISBN-10, which is not accepted here.`);
  }
  if (!gs1Valid(value))
    return invalid(
      'invalid-check-digit',
      `${quote(original)} is not a valid ${type}: the check digit should be ${gs1CheckDigit(value.slice(0, -1))}.`,
    );
  // an EAN-13 / ISBN-13 is acceptable where the other was asked for: the 978/979 prefix alone decides the name
  const acceptable = accept.has(type) || ((type === 'ISBN-13' || type === 'EAN-13') && (accept.has('EAN-13') || accept.has('ISBN-13')));
  if (!acceptable) return invalid('wrong-type', `${quote(original)} is a ${type}, which is not accepted here.`);
  return { ok: true, type, value, gtin14: value.padStart(14, '0') };
}

/**
 * Reads a product identifier: removes spaces, hyphens and a leading label (`ISBN-13: 978-3-16-148410-0`),
 * recognises the kind by its length and prefix, and checks its check digit. Thirteen digits starting
 * 978/979 are an ISBN-13, other thirteen an EAN-13, twelve a UPC-A, eight an EAN-8, fourteen a GTIN-14,
 * ten (the last may be `X`) an ISBN-10; `B0` and eight letters or digits is an ASIN (when accepted).
 *
 * Never throws: an invalid value gives `{ ok: false, reason, message }`, and such values MUST NOT be
 * matched.
 */
export function parseProductIdentifier(value: unknown, options: ParseProductIdentifierOptions = {}): ProductIdentifierResult {
  const accept = acceptedTypes(options.accept);
  const normalized = normalizeIdentifierText(value);
  if (normalized === null) return invalid('invalid-characters', `Identifier must be a string; got ${typeof value}.`);
  if (normalized.length === 0) return invalid('empty', 'Identifier is empty.');
  const original = typeof value === 'string' ? value.trim() : normalized;
  if (/^[0-9]+$/.test(normalized) || /^[0-9]{9}X$/.test(normalized)) return parseDigits(normalized, accept, original);
  if (accept.has('ASIN') && /^[0-9A-Z]{10}$/.test(normalized)) {
    if (ASIN_PATTERN.test(normalized)) return { ok: true, type: 'ASIN', value: normalized, gtin14: null };
    return invalid('invalid-asin', `${quote(original)} is not an ASIN: an ASIN is "B0" and 8 letters or digits, or an ISBN-10 for books.`);
  }
  if (accept.has('ASIN') && !BARCODE_TYPES.some((type) => accept.has(type)))
    return invalid('invalid-asin', `${quote(original)} is not an ASIN: an ASIN is "B0" and 8 letters or digits, or an ISBN-10 for books.`);
  return invalid('invalid-characters', `${quote(original)} is not a product identifier: EAN, UPC, ISBN and GTIN hold digits only (an ISBN-10 may end in X).`);
}

/**
 * Reads an ASIN: `B0` and eight letters or digits, or an ISBN-10 (the ASIN of a book). Lower case is
 * accepted and upper-cased.
 */
export function parseAsin(value: unknown): ProductIdentifierResult {
  return parseProductIdentifier(value, { accept: 'asin' });
}

/** The equivalent written forms of one GTIN-14, for exact-match lookups in a shop. */
export interface GtinForms {
  readonly gtin14: string;
  /** 13 digits, when the GTIN-14 starts with 0. */
  readonly ean13: string | null;
  /** 12 digits, when the GTIN-14 starts with 00. */
  readonly upcA: string | null;
  /** 8 digits, when the GTIN-14 starts with 000000. */
  readonly ean8: string | null;
  /** For a 978 book number. */
  readonly isbn10: string | null;
}

/** Every shorter form of a GTIN-14 (EAN-13, UPC-A, EAN-8, ISBN-10) that names the same product. */
export function gtinForms(gtin14: string): GtinForms {
  const ean13 = gtin14.startsWith('0') ? gtin14.slice(1) : null;
  const upcA = gtin14.startsWith('00') ? gtin14.slice(2) : null;
  const ean8 = gtin14.startsWith('000000') ? gtin14.slice(6) : null;
  const isbn10 = ean13 !== null && ean13.startsWith('978') ? `${ean13.slice(3, 12)}${isbn10CheckCharacter(ean13.slice(3, 12))}` : null;
  return { gtin14, ean13, upcA, ean8, isbn10 };
}

/**
 * Every string a shop may have stored for the same GTIN (the 14-, 13-, 12- and 8-digit forms and
 * the ISBN-10), without duplicates. Hyphenated ISBNs cannot be listed (their hyphens depend on the
 * publisher), which is why bulk matching compares GTIN-14s instead.
 */
export function equivalentIdentifierForms(gtin14: string): string[] {
  const forms = gtinForms(gtin14);
  return [...new Set([forms.gtin14, forms.ean13, forms.upcA, forms.ean8, forms.isbn10].filter((form): form is string => form !== null))];
}

/** The Catalog Items `identifiersType` for a parsed barcode. */
export function catalogIdentifierType(type: ProductIdentifierType): 'EAN' | 'UPC' | 'ISBN' | 'GTIN' | 'ASIN' {
  switch (type) {
    case 'EAN-13':
    case 'EAN-8':
      return 'EAN';
    case 'UPC-A':
      return 'UPC';
    case 'ISBN-10':
    case 'ISBN-13':
      return 'ISBN';
    case 'GTIN-14':
      return 'GTIN';
    case 'ASIN':
      return 'ASIN';
  }
}

/** The GTIN-14 of a barcode value, or `null` when it is not a valid barcode. */
export function toGtin14(value: unknown): string | null {
  const parsed = parseProductIdentifier(value);
  return parsed.ok ? parsed.gtin14 : null;
}
