// a value that already starts with apostrophes before a formula character gets one more, so that
// restoreCsvCell can always take exactly one away
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * Makes a cell safe to open in a spreadsheet: text that Excel, LibreOffice or Google Sheets would
 * run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR, after any apostrophes) gets a
 * leading `'`, which shows the text as typed (OWASP "CSV injection"). {@link restoreCsvCell} undoes
 * it exactly.
 */
export function neutralizeCsvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The value {@link neutralizeCsvCell} was given: one leading `'` before a formula start is removed. */
export function restoreCsvCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value) ? value.slice(1) : value;
}

function quoteCell(value: string): string {
  return /[",\r\n;]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes rows as CSV (comma, CRLF, every cell neutralised and quoted where needed). */
export function toCsv(header: readonly string[], rows: Iterable<readonly (string | number | null | undefined)[]>): string {
  const lines: string[] = [header.map((cell) => quoteCell(neutralizeCsvCell(cell))).join(',')];
  for (const row of rows)
    lines.push(row.map((cell) => (cell === null || cell === undefined ? '' : quoteCell(neutralizeCsvCell(String(cell))))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
