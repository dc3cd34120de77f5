// Node's TextEncoder only writes UTF-8, so the windows-1252 reports Amazon serves for NA/EU stores
// need their own encoder. 0x80–0x9F hold the typographic characters; the rest equals Latin-1.
const HIGH: Readonly<Record<number, number>> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

/** Encodes text as windows-1252; characters outside it become "?" (as Java's Cp1252 encoder does). */
export function encodeCp1252(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  let length = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) out[length++] = code;
    else out[length++] = HIGH[code] ?? 0x3f;
  }
  return out.subarray(0, length);
}

const LOW: Readonly<Record<number, number>> = Object.fromEntries(Object.entries(HIGH).map(([code, byte]) => [byte, Number(code)]));

/** Decodes windows-1252 (Node's TextDecoder treats the label as Latin-1 without full ICU). */
export function decodeCp1252(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(LOW[byte] ?? byte);
  return text;
}
