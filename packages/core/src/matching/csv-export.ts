const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Makes a cell safe to open in a spreadsheet: text that Excel, LibreOffice or Google Sheets would
 * run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, which shows the
 * text as typed (OWASP "CSV injection").
 */
export function neutralizeCsvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
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
