// Node's TextEncoder only writes UTF-8. The encoder below is the inverse of Node's own Shift_JIS
// decoder (the WHATWG one, which is Windows-31J: JIS X 0208 with the NEC and IBM extensions), read
// once from every single- and double-byte code; where several codes decode to one character the
// first wins.
let table: Map<number, number> | null = null;

function codeTable(): Map<number, number> {
  if (table !== null) return table;
  const decoder = new TextDecoder('shift_jis');
  const map = new Map<number, number>();
  const keep = (bytes: number[]) => {
    const text = decoder.decode(Uint8Array.from(bytes));
    const code = text.codePointAt(0);
    if (code === undefined || code === 0xfffd || String.fromCodePoint(code) !== text || map.has(code)) return;
    map.set(code, bytes.length === 1 ? bytes[0]! : (bytes[0]! << 8) | bytes[1]!);
  };
  for (let byte = 0; byte <= 0xdf; byte += 1) if (byte < 0x80 || byte >= 0xa1) keep([byte]);
  for (let lead = 0x81; lead <= 0xfc; lead += 1) {
    if (lead > 0x9f && lead < 0xe0) continue;
    for (let trail = 0x40; trail <= 0xfc; trail += 1) if (trail !== 0x7f) keep([lead, trail]);
  }
  table = map;
  return map;
}

/** Encodes text as Windows-31J (Shift_JIS); characters outside it become "?" (as Java's encoder does). */
export function encodeShiftJis(text: string): Buffer {
  const map = codeTable();
  const out: number[] = [];
  for (const char of text) {
    const code = map.get(char.codePointAt(0)!) ?? 0x3f;
    if (code > 0xff) out.push(code >> 8, code & 0xff);
    else out.push(code);
  }
  return Buffer.from(out);
}

/** Decodes Windows-31J (Shift_JIS) bytes. */
export function decodeShiftJis(bytes: Uint8Array): string {
  return new TextDecoder('shift_jis').decode(bytes);
}
