import { describe, expect, test } from '@jest/globals';
import { decodeCp1252, encodeCp1252 } from './cp1252';

describe('encodeCp1252 and decodeCp1252', () => {
  test('writes Latin-1 as is, the 0x80–0x9F typography of windows-1252, and "?" for the rest', () => {
    expect([...encodeCp1252('aé€—“”™ł')]).toEqual([0x61, 0xe9, 0x80, 0x97, 0x93, 0x94, 0x99, 0x3f]);
    expect(decodeCp1252(encodeCp1252('Crème brûlée — Ä Ö Ü ß …'))).toBe('Crème brûlée — Ä Ö Ü ß …');
    expect(encodeCp1252('😀').toString('latin1')).toBe('?');
  });
});
