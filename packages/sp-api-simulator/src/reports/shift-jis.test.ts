import { describe, expect, test } from '@jest/globals';
import { decodeShiftJis, encodeShiftJis } from './shift-jis';

describe('encodeShiftJis', () => {
  test('writes the published Shift_JIS codes: ASCII, half-width katakana, kanji and kana in two bytes, NEC extensions; "?" for the rest', () => {
    // テスト = 83 65 83 58 83 67; 漢 = 8A BF; ｱ (half-width) = B1; ① (NEC row 13) = 87 40
    expect([...encodeShiftJis('Aテスト漢ｱ①')]).toEqual([0x41, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x8a, 0xbf, 0xb1, 0x87, 0x40]);
    expect(encodeShiftJis('é😀').toString('latin1')).toBe('??');
    const text = '琺瑯マグカップ（350ml）・「限定」';
    expect(decodeShiftJis(encodeShiftJis(text))).toBe(text);
  });
});
