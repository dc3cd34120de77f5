/**
 * The longest title, message or other free text the mapping table and the mismatch log store, in
 * UTF-16 code units (JavaScript string length). A code unit takes at most 3 bytes in UTF-8 (a
 * character beyond the BMP is 2 units and 4 bytes), so 16,000 units are at most 48,000 bytes:
 * within a MariaDB/MySQL `TEXT` column (65,535 bytes), and far above any Amazon title (200–500
 * characters). Longer text is clipped, not refused.
 */
export const MAX_STORED_TEXT = 16_000;

/**
 * `value` cut to at most `max` code units, ending in `…` when cut, never splitting a surrogate pair
 * (a lone surrogate is not valid UTF-8, and MariaDB refuses it); NUL, which PostgreSQL text cannot
 * hold, becomes U+FFFD.
 */
export function storableText(value: string, max = MAX_STORED_TEXT): string {
  let text = value;
  if (text.length > max) {
    let end = max - 1;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    text = `${text.slice(0, end)}…`;
  }
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}
